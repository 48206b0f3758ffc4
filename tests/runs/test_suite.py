"""Generated suites: readable, deterministic, hashed, and refused once edited."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from conformance import api
from conformance.core.errors import UsageError
from conformance.runs import SUITE_MANIFEST
from conformance.runs.suite import generate_suite, load_suite, render_suite


@pytest.fixture(scope="module")
def standard():
    return api.load_standard("egov-exchange-envelope")


def test_same_standard_gives_byte_identical_files(standard, tmp_path: Path) -> None:
    one = generate_suite(standard, None, tmp_path / "a")
    two = generate_suite(standard, None, tmp_path / "b")
    assert one.hash == two.hash
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_module_per_class_and_a_test_per_requirement(standard) -> None:
    files = render_suite(standard, "full")
    modules = {n: ast.parse(t) for n, t in files.items() if n.endswith(".py")}
    assert sorted(modules) == ["test_egov_exchange_envelope_core.py", "test_egov_exchange_envelope_full.py"]
    tested: list[str] = []
    for tree in modules.values():
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        # Generated code depends on pytest alone; the plugin supplies the `conformance` fixture.
        assert [a.name for i in imports for a in i.names] == ["pytest"]
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            marker = func.decorator_list[0]
            assert isinstance(marker, ast.Call) and marker.func.attr == "requirement"  # type: ignore[attr-defined]
            rid = marker.args[0].value  # type: ignore[attr-defined]
            uri = next(k.value.value for k in marker.keywords if k.arg == "uri")  # type: ignore[attr-defined]
            requirement = standard.requirements[rid]
            assert uri == requirement.uri
            doc = ast.get_docstring(func)
            assert requirement.statement.en in doc and requirement.statement.zh in doc
            tested.append(rid)
    assert sorted(tested) == sorted(standard.classes["full"].requirements)
    assert len(tested) == len(set(tested))  # an inherited requirement is tested once, in its class


def test_core_suite_leaves_out_full(standard) -> None:
    files = render_suite(standard, "core")
    assert "test_egov_exchange_envelope_full.py" not in files
    assert json.loads(files[SUITE_MANIFEST])["class"] == "core"


def test_manifest_names_the_bundle_and_the_files(standard, tmp_path: Path) -> None:
    suite = generate_suite(standard, "full", tmp_path)
    assert suite.content_hash == standard.content_hash
    assert set(suite.files) == {p.name for p in tmp_path.iterdir()} - {SUITE_MANIFEST}


def test_an_edited_suite_is_refused(standard, tmp_path: Path) -> None:
    generate_suite(standard, None, tmp_path)
    module = tmp_path / "test_egov_exchange_envelope_core.py"
    module.write_text(module.read_text(encoding="utf-8").replace("assert_passed", "assert_passed "),
                      encoding="utf-8")
    with pytest.raises(UsageError, match="changed after generation"):
        load_suite(tmp_path)


def test_unknown_class_and_foreign_folder(standard, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="classes: core, full"):
        render_suite(standard, "gold")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not a generated suite"):
        generate_suite(standard, None, tmp_path)


def test_docstrings_survive_quotes_and_backslashes() -> None:
    from conformance.runs.suite import _doc

    text = _doc('say """hi""" \\ and\nmore')
    compiled = ast.parse(f'"""{text}"""')
    assert ast.literal_eval(compiled.body[0].value) == 'say """hi""" \\ and more'  # type: ignore[attr-defined]


def test_generated_code_passes_a_linter(standard, tmp_path: Path) -> None:
    """No unused import, no undefined name, no dead code: what an auditor reads is what runs."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff (a dev dependency) is not installed")
    generate_suite(standard, None, tmp_path / "suite")
    lint = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
            "--select", "E,F,W,B,SIM,UP", "--ignore", "E501"]
    done = subprocess.run([*lint, str(tmp_path / "suite")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
