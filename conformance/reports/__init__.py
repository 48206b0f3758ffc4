"""Layer 4: writing results for people and machines. Imports core, spec and engine."""
