"""Generated suites: readable, deterministic, hashed, and refused once edited."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance import api
from conformance.core.errors import UsageError
from conformance.runs import SUITE_MANIFEST
from conformance.runs.suite import generate_suite, load_suite, recorded_folder, render_suite
from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_FIXTURES


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


@pytest.fixture
def imported(tmp_path: Path) -> Any:
    """A standard no default place holds, as `conform standards import` writes it, under tmp/bundles."""
    from conformance.authoring.importer import import_standard

    import_standard([ENVELOPE_BUNDLE / "schemas" / "envelope.xsd"], out=tmp_path / "bundles",
                                    standard_id="t5-imported", version="1.0.0")
    return api.load_standard("t5-imported", standards_path=[tmp_path / "bundles"])


def test_the_suite_records_its_bundle_relative_to_itself(imported: Any, tmp_path: Path) -> None:
    one = generate_suite(imported, None, tmp_path / "a")
    two = generate_suite(imported, None, tmp_path / "b")
    manifest = json.loads((tmp_path / "a" / SUITE_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["standard"]["folder"] == "../bundles/t5-imported/1.0.0"
    assert manifest["format-version"] == "1.1"
    # Byte-identical wherever the tree is: no absolute path in the manifest.
    assert (tmp_path / "a" / SUITE_MANIFEST).read_bytes() == (tmp_path / "b" / SUITE_MANIFEST).read_bytes()
    assert str(tmp_path) not in (tmp_path / "a" / SUITE_MANIFEST).read_text(encoding="utf-8")
    assert one.hash == two.hash  # the folder is not part of what runs
    assert one.bundle_folder is not None and one.bundle_folder.resolve() == imported.root


def test_a_shipped_standard_is_not_recorded(standard, tmp_path: Path) -> None:
    suite = generate_suite(standard, None, tmp_path / "suite")
    manifest = json.loads((tmp_path / "suite" / SUITE_MANIFEST).read_text(encoding="utf-8"))
    assert "folder" not in manifest["standard"] and suite.bundle_folder is None
    assert "folder" not in json.loads(render_suite(standard, None)[SUITE_MANIFEST])["standard"]


def test_a_bundle_in_another_tree_is_recorded_absolute() -> None:
    assert recorded_folder(Path("/opt/bundles/x/1.0.0"), Path("/srv/ci/suite")) == "/opt/bundles/x/1.0.0"
    assert recorded_folder(Path("/srv/bundles/x/1.0.0"), Path("/srv/ci/suite")) == "../../bundles/x/1.0.0"


@pytest.mark.parametrize("folder", [7, "", "x" * 5000, "a\x00b"])
def test_a_suite_manifest_with_a_bad_folder_is_refused(standard, tmp_path: Path, folder: object) -> None:
    generate_suite(standard, None, tmp_path)
    path = tmp_path / SUITE_MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["standard"]["folder"] = folder.replace("\\x00", "\x00") if isinstance(folder, str) else folder
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(UsageError, match="suite manifest lacks a readable standard folder"):
        load_suite(tmp_path)


def _plain_pytest(pytester: pytest.Pytester, suite: Path, *extra: str) -> pytest.RunResult:
    payload = ENVELOPE_FIXTURES / "xml" / "conformant-minimal.xml"
    return pytester.runpytest_subprocess(str(suite), "-p", "no:cacheprovider", "--conformance-payloads",
                                         str(payload), *extra)


def test_plain_pytest_finds_the_recorded_bundle_and_refuses_a_changed_one(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    from conformance.authoring.importer import import_standard

    bundles = pytester.path / "bundles"
    import_standard([ENVELOPE_BUNDLE / "schemas" / "envelope.xsd"], out=bundles, standard_id="t5-imported",
                    version="1.0.0")
    imported = api.load_standard("t5-imported", standards_path=[bundles])
    suite = pytester.path / "suite"
    generate_suite(imported, None, suite)
    found = _plain_pytest(pytester, suite, "--conformance-jobs", "auto")
    assert found.ret == 0, found.stdout.str()  # no --conformance-standards-path needed
    found.stdout.fnmatch_lines(["*passed*"])
    # The bundle changed after the suite was made: refused, naming the folder.
    original = tmp_path / "original"
    shutil.copytree(bundles, original)
    schema = next((bundles / "t5-imported" / "1.0.0").rglob("*.xsd"))
    schema.write_text(schema.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
    changed = _plain_pytest(pytester, suite)
    assert changed.ret != 0
    text = changed.stdout.str() + changed.stderr.str()
    assert "the bundle changed after the suite was generated" in text
    assert str((bundles / "t5-imported" / "1.0.0").resolve()) in text.replace("\n", "")
    # The user's word wins over the recorded folder: the original bundle, passed explicitly, runs.
    explicit = _plain_pytest(pytester, suite, "--conformance-standards-path", str(original))
    assert explicit.ret == 0, explicit.stdout.str()
    # Gone: the catalog is asked, and the message says where to look and what to pass.
    shutil.rmtree(bundles)
    gone = _plain_pytest(pytester, suite)
    text = gone.stdout.str() + gone.stderr.str()
    assert gone.ret != 0 and "no standard 't5-imported'" in text
    assert "which is not there any more" in text and "--conformance-standards-path DIR" in text
    assert "bundles/t5-imported/1.0.0" in text


def test_the_plugin_takes_auto_jobs(pytester: pytest.Pytester, standard) -> None:
    from conformance.runs import jobs

    assert (jobs("auto"), jobs("0"), jobs("3"), jobs.__name__) == (0, 0, 3, "jobs")
    suite = pytester.path / "suite"
    generate_suite(standard, None, suite)
    refused = _plain_pytest(pytester, suite, "--conformance-jobs", "lots")
    assert refused.ret == 4  # pytest's usage error
    refused.stderr.fnmatch_lines(["*argument --conformance-jobs: invalid jobs value: 'lots'*"])
