"""Layer 1: the model of a standard and the loading of standard bundles. Imports only `core`."""
