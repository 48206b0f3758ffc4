"""Layer 2: parsers, validators and checks that turn a payload into findings. Imports core and spec."""
