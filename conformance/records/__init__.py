"""Layer 7: the typed record of a run, read by every report, the pytest plugin and the certificate;
its JSON forms (`results.json`, the `validate` JSON output) with their JSON Schemas."""
