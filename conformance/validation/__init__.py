"""Layer 3: the validation kernel. Documents (`documents/`), one selector, schemas (XSD, JSON
Schema), Schematron, JSON rules, built-in checks, recognition, outcomes and verdicts, and the
validator: a composition of finding sources that all speak `iter_findings`. Imports core, trust,
standard."""
