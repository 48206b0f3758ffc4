"""Layer 2: the model of a standard and the loading of standard bundles. Imports core and trust."""
