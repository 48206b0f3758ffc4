"""Layer 0: values every other layer shares (findings, bilingual text, errors). Imports nothing of ours."""
