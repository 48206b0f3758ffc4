"""Layer 0: values every other layer shares (findings, bilingual text, the one error tree, limits,
hardened parsers and file reads, the events of a run). Imports nothing of ours."""
