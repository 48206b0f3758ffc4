"""Shell completion: standard references and classes, cheap, and silent on a broken bundle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from conformance.cli import cli
from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_REF

ENVELOPE_ID = ENVELOPE_REF.split("@")[0]


def complete(line: str, *, env: dict[str, str] | None = None) -> list[str]:
    """What Tab offers after `conform LINE` (the last word being completed), through click's API."""
    words = line.split(" ")
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        completer = ShellComplete(cli, {}, "conform", "_CONFORM_COMPLETE")
        return [item.value for item in completer.get_completions(words[:-1], words[-1])]
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def standards(tmp_path: Path) -> Path:
    """A folder of bundles: the envelope, a second version of it and another standard."""
    root = tmp_path / "standards"
    shutil.copytree(ENVELOPE_BUNDLE, root / "acme-orders" / "2.0.0")
    shutil.copytree(ENVELOPE_BUNDLE, root / "acme-orders" / "2.1.0")
    manifest = root / "acme-orders" / "2.1.0" / "standard.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("  - id: full\n", "  - id: gold\n", 1), encoding="utf-8")
    return root


def test_standard_ids_then_versioned_references() -> None:
    assert complete("validate --standard ") == [ENVELOPE_ID, "egov-parallel-approval", ENVELOPE_REF,
                                                "egov-parallel-approval@1.0.0"]
    assert complete("validate -s egov-exchange-envelope@") == [ENVELOPE_REF]
    assert complete("generate egov-ex") == [ENVELOPE_ID, ENVELOPE_REF]
    assert complete("validate --standard nothing-like-it") == []


def test_standards_path_on_the_line_is_honoured(standards: Path) -> None:
    line = f"validate --standards-path {standards} --standard "
    assert complete(line) == ["acme-orders", "acme-orders@2.0.0", "acme-orders@2.1.0"]
    assert complete(f"generate --standards-path {standards} acme") == [
        "acme-orders", "acme-orders@2.0.0", "acme-orders@2.1.0"]


def test_classes_of_the_standard_named_earlier(standards: Path) -> None:
    assert complete(f"validate --standard {ENVELOPE_ID} --class ") == ["core", "full"]
    assert complete(f"validate -s {ENVELOPE_REF} -c f") == ["full"]
    assert complete(f"generate {ENVELOPE_ID} --class ") == ["core", "full"]
    # Without a version the highest one, as the command itself would choose.
    path = f"--standards-path {standards}"
    assert complete(f"generate {path} acme-orders --class ") == ["core", "gold"]
    assert complete(f"generate {path} acme-orders@2.0.0 --class ") == ["core", "full"]
    # No standard named and only one there: its classes.
    only = standards / "acme-orders" / "2.1.0"
    assert complete(f"validate --standards-path {only.parent.parent} --class ") == ["core", "gold"]
    # Several there: nothing to choose from until one is named.
    assert complete("validate --class ") == []


def test_classes_carry_their_title_for_shells_that_show_it() -> None:
    completer = ShellComplete(cli, {}, "conform", "_CONFORM_COMPLETE")
    items = completer.get_completions(["validate", "--standard", ENVELOPE_ID, "--class"], "c")
    assert [(i.value, i.help) for i in items] == [("core", "Core: structure, identifiers and timestamps")]


def test_a_broken_or_hostile_bundle_completes_nothing_and_never_raises(standards: Path) -> None:
    path = f"--standards-path {standards}"
    manifest = standards / "acme-orders" / "2.1.0" / "standard.yaml"
    manifest.write_text("conformance-classes: [", encoding="utf-8")
    assert complete(f"generate {path} acme-orders --class ") == []
    (standards / "acme-orders" / "2.1.0" / "standard.yaml").write_text(
        "conformance-classes:\n  - id: \"a\\nplain,forged\"\n  - id: ok\n  - 7\n", encoding="utf-8")
    # A class id that would forge a second line of the shell protocol is left out.
    assert complete(f"generate {path} acme-orders --class ") == ["ok"]
    evil = standards / "evil\nplain,forged" / "1.0.0"
    evil.mkdir(parents=True)
    (evil / "standard.yaml").write_text("id: x\n", encoding="utf-8")
    assert "forged" not in " ".join(complete(f"validate {path} --standard "))
    assert complete("validate --standard nope --class ") == []
    assert complete(f"validate --standards-path {standards / 'missing'} --standard ") == []


def test_the_shell_protocol_end_to_end_is_cheap(tmp_path: Path) -> None:
    """What bash runs on Tab: `_CONFORM_COMPLETE=bash_complete` with COMP_WORDS and COMP_CWORD."""
    env = {**os.environ, "_CONFORM_COMPLETE": "bash_complete",
           "COMP_WORDS": f"conform validate -s {ENVELOPE_ID} --class ", "COMP_CWORD": "5"}
    code = ("import sys; from conformance.cli import main; main()\n")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["plain,core", "plain,full"]
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    # The catalog and one manifest read: not the engine, the reports, Jinja2 or pytest.
    heavy = ("conformance.validation", "conformance.execution", "conformance.records", "conformance.reports",
             "conformance.runs", "conformance.certify", "conformance.api", "jinja2", "pytest", "jsonschema.")
    assert not {m for m in loaded if m.startswith(heavy)}
