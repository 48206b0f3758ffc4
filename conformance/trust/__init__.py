"""Layer 1: signing primitives usable by validation and certificates alike: Ed25519 keys (`keys`),
JWS in flattened JSON serialization (`jws`), RFC 8785 canonical JSON (`jcs`); trust lists later.
Imports only `core`."""
