"""Every budget the tool enforces, in one place, so that each is explicit, documented and tested.

A payload and a standard bundle are both third-party data (ARCHITECTURE.md, "Threat model"). Each
constant below bounds one resource one of them could otherwise consume without end; the test that
shows it holds lives in `tests/hostile/`. Exhausting a budget is never a verdict: for a payload it
is a processing error (`cantTell`), for a bundle a `SpecError` naming the file (exit code 2).
"""

from __future__ import annotations

MIB = 1024 * 1024

# --- Payloads ---------------------------------------------------------------------------------
PAYLOAD_MAX_BYTES = 64 * MIB  # `--max-bytes`: bigger files are never read
XML_MAX_DEPTH = 256  # libxml2's own limit without huge_tree
JSON_MAX_DEPTH = 128

# --- Standard bundles ---------------------------------------------------------------------------
MANIFEST_MAX_BYTES = 4 * MIB  # standard.yaml, and any other YAML file of a bundle

# --- Files the tool reads for itself (certificates, revocation lists, results) -----------------
DOCUMENT_MAX_BYTES = 64 * MIB
