"""Pin where each failure of a fixture is: `failures:` beside `fails:` in a fixture manifest.

    python -m tests.standards.pin_failures [MANIFEST ...]     # default: every fixtures/*/*/manifest.yaml

Run it after `generate.py` has rewritten a manifest. It writes, for every case that fails some
requirement, each failed finding's requirement, line and XPath (XML) or JSON pointer (JSON), as the
engine reports them now; `tests/standards/test_fixture_manifests.py` then holds the engine to
them. A pinned location is a claim about the payload: read each one against the file (is it the
node that is wrong?) before committing, a wrong pin is worse than none. Every other line of the
manifest is left as it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conformance.core.findings import Outcome
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.standard.catalog import Catalog
from tests.conftest import FIXTURES, STANDARDS, fixture_manifest, fixture_ref

Pin = dict[str, object]
_CASE = "  - file: "
_FAILURES = "    failures:"


def pins(result: PayloadResult) -> list[Pin]:
    """The failed findings of a result as a manifest pins them, in line order."""
    found: list[Pin] = []
    for finding in result.findings:
        if finding.outcome is not Outcome.FAILED:
            continue
        pin: Pin = {"requirement": finding.requirement_id}
        location = finding.location
        if location is not None:
            if location.line is not None:
                pin["line"] = location.line
            if location.xpath is not None:
                pin["xpath"] = location.xpath
            if location.pointer is not None:
                pin["pointer"] = location.pointer
        found.append(pin)
    return in_line_order(found)


def in_line_order(found: list[Pin]) -> list[Pin]:
    """Pins sorted by line, then requirement, then node: the order a manifest lists them in."""
    def key(pin: Pin) -> tuple[int, str, str]:
        line = pin.get("line")
        return (line if isinstance(line, int) else 0, str(pin["requirement"]),
                str(pin.get("xpath", pin.get("pointer", ""))))
    return sorted(found, key=key)


def _pin_line(pin: Pin) -> str:
    # XPaths and pointers are quoted: `[2]` and `:` mean something in a YAML flow mapping.
    parts = [f"requirement: {pin['requirement']}"]
    if "line" in pin:
        parts.append(f"line: {pin['line']}")
    for key in ("xpath", "pointer"):
        if key in pin:
            parts.append(f"{key}: {json.dumps(pin[key], ensure_ascii=False)}")
    return "      - {" + ", ".join(parts) + "}"


def pinned_text(manifest: Path) -> str:
    """The manifest's text with a fresh `failures:` block after the `fails:` of each failing case."""
    session = ValidationSession([Catalog([STANDARDS]).load(fixture_ref(manifest))])
    blocks: dict[str, list[str]] = {}
    for case in fixture_manifest(manifest):
        if case.get("error") or not case.get("fails"):
            continue
        result = session.validate_path(manifest.parent / case["file"])
        blocks[case["file"]] = [_FAILURES, *(_pin_line(p) for p in pins(result))]
    out: list[str] = []
    current: str | None = None
    skipping = False
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith(_CASE):
            current, skipping = line[len(_CASE):].strip(), False
        elif line == _FAILURES:
            skipping = True  # the old block: replaced below
            continue
        elif skipping and line.startswith("      - "):
            continue
        else:
            skipping = False
        out.append(line)
        if line.startswith("    fails: ") and current in blocks:
            out.extend(blocks[current])
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    """Rewrite the `failures:` blocks of the manifests named (default: all of them)."""
    manifests = [Path(a) for a in argv] or sorted(FIXTURES.glob("*/*/manifest.yaml"))
    for manifest in manifests:
        manifest.write_text(pinned_text(manifest), encoding="utf-8")
        print(f"pinned the failures of {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
