"""Layer 10: tools for authors of standards: the importer now; lint, diff, changelog, publish later.
Imports everything below except `runs`."""
