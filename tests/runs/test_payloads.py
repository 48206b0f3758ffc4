"""Binding payloads: folders, globs, single files and manifests, sorted and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import UsageError
from conformance.runs.payloads import bind_payloads
from tests.conftest import ENVELOPE_FIXTURES as ENVELOPE


def test_folder_glob_and_file_are_sorted_and_deduplicated() -> None:
    folder = bind_payloads([str(ENVELOPE / "xml")])
    assert folder == sorted(folder, key=lambda p: p.as_posix()) and len(folder) > 30
    glob = bind_payloads(
        [str(ENVELOPE / "xml" / "conformant-*.xml"), str(ENVELOPE / "xml" / "conformant-full.xml")]
    )
    assert [p.name for p in glob][:2] == ["conformant-chinese-names.xml", "conformant-comments-cdata.xml"]
    assert len(glob) == len({p.name for p in glob})


def test_fixture_manifest_binds_its_cases() -> None:
    bound = bind_payloads([str(ENVELOPE / "manifest.yaml")])
    assert ENVELOPE / "hostile" / "binary.bin" in bound  # manifests may name any file


def test_text_manifest_with_comments(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text("<a/>", encoding="utf-8")
    (tmp_path / "list.txt").write_text("# mine\na.xml  # the only one\n\n", encoding="utf-8")
    assert bind_payloads([str(tmp_path / "list.txt")]) == [tmp_path / "a.xml"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("payloads: [missing.xml]", "listed payloads not found"),
        ("other: 1", "needs a `payloads:` list"),
        ("payloads: [{file: 3}]", "entry 1 names no file"),
        ("[unclosed", "not valid YAML"),
    ],
)
def test_bad_manifests(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "m.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        bind_payloads([str(tmp_path / "m.yaml")])


def test_missing_and_empty(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such payload"):
        bind_payloads([str(tmp_path / "nope")])
    with pytest.raises(UsageError, match="no payloads found"):
        bind_payloads([str(tmp_path)])
    with pytest.raises(UsageError, match="no payloads bound"):
        bind_payloads([])
