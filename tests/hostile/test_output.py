"""Untrusted text on its way out: file names that are not UTF-8 and bundle fields that hold terminal
controls reach every report and every line the CLI prints, escaped and never crashing a writer."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_FIXTURES
from tests.hostile.bounded import assert_no_traceback, conform

pytestmark = pytest.mark.hostile

CONFORMANT = ENVELOPE_FIXTURES / "json" / "conformant-chinese-names.json"
HOSTILE_TEXT = "Title\x1b]52;c;cGF5bG9hZA==\x07 \u202eevil\r\nconform: error: forged"


def test_a_run_over_a_file_name_that_is_not_utf8_writes_every_report(tmp_path: Path) -> None:
    payloads = tmp_path / "payloads"
    payloads.mkdir()
    shutil.copy(CONFORMANT, os.fsencode(payloads) + b"/bad\xff\x1b[31mname.json")
    out = tmp_path / "out"
    seen = conform("run", "egov-exchange-envelope", "--payloads", payloads, "--subject", "A/B/1",
                   "--out", out, seconds=120, memory_mib=1500)
    assert_no_traceback(seen)
    assert seen.returncode == 0, seen.output[-2000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    names = [p["name"] for p in results["payloads"]]
    assert any("bad\udcff\x1b[31mname.json" in name for name in names), names
    earl = (out / "earl.jsonld").read_text(encoding="utf-8")
    json.loads(earl)
    assert "bad\\udcff" in earl
    assert "\x1b" not in seen.output


def test_bundle_text_is_escaped_in_every_line_the_cli_prints(tmp_path: Path) -> None:
    root = tmp_path / "standards"
    folder = root / "egov-exchange-envelope" / "1.0.0"
    shutil.copytree(ENVELOPE_BUNDLE, folder)
    manifest = folder / "standard.yaml"
    text = manifest.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("  en: "))
    manifest.write_text(text.replace(line, "  en: " + json.dumps(HOSTILE_TEXT), 1), encoding="utf-8")
    for args in (("standards", "list"), ("standards", "show", "egov-exchange-envelope")):
        seen = conform(*args, "--standards-path", root, seconds=60, memory_mib=800)
        assert_no_traceback(seen)
        assert seen.returncode == 0, seen.output[-2000:]
        for raw in ("\x1b", "\x07", "\u202e", "\r"):
            assert raw not in seen.output, (args, seen.output[:2000])
        assert "\\x1b]52" in seen.output and "\\u202e" in seen.output
        assert not any(ln.startswith("conform: error: forged") for ln in seen.output.splitlines())
