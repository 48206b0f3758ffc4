"""Bundle files: artefact paths stay inside, and the content hash covers exactly the bundle's files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.limits import BUNDLE_PATH_MAX_CHARS
from conformance.standard import bundle as bundle_module
from conformance.standard.bundle import content_hash, resolve_inside
from tests.conftest import ENVELOPE_BUNDLE


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "std" / "1.0.0"
    (folder / "schemas").mkdir(parents=True)
    (folder / "schemas" / "a.xsd").write_text("<a/>")
    (folder / "standard.yaml").write_text("id: x\n")
    (tmp_path / "outside.txt").write_text("secret")
    return folder


@pytest.mark.parametrize("relative", [
    "", "/etc/passwd", "file:/etc/passwd", "file:///etc/passwd", "FILE:/etc/passwd", "File:x",
    "schemas/file:/etc/passwd",  # a decoy folder named `file:` here is a URL to libxml2
    "C:/x", "c:x", "urn:x", "http://example.org/a.xsd", "schemas\\a.xsd", "a\x00b", "a\nb", "a\x7fb",
    "../outside.txt", "schemas/../../outside.txt", "../../../../../../etc/passwd",
    ".git/config", "schemas/.GIT/config", "__pycache__/x.pyc", "x/" * (BUNDLE_PATH_MAX_CHARS // 2 + 1),
])
def test_paths_that_could_leave_or_escape_the_hash_are_refused(root: Path, relative: str) -> None:
    with pytest.raises(BundlePathError) as info:
        resolve_inside(root, relative, where="standard.yaml")
    assert len(str(info.value)) < 500  # a long path is quoted capped


@pytest.mark.parametrize("relative", ["schemas/a.xsd", "./schemas/a.xsd", "schemas//a.xsd",
                                      "../1.0.0/schemas/a.xsd", "schemas/%2e%2e/a.xsd", "missing.xsd"])
def test_paths_inside_resolve(root: Path, relative: str) -> None:
    assert resolve_inside(root, relative, where="m").is_relative_to(root.resolve())


def test_symlinks_out_are_refused_and_links_inside_followed(root: Path) -> None:
    (root / "out.txt").symlink_to(root.parent.parent / "outside.txt")
    (root / "zero").symlink_to("/dev/zero")
    (root / "dir").symlink_to(root.parent.parent, target_is_directory=True)
    (root / "inside.xsd").symlink_to("schemas/a.xsd")
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    for relative in ("out.txt", "zero", "dir/outside.txt", "dir/std/1.0.0/../../outside.txt"):
        with pytest.raises(BundlePathError, match="leaves the bundle"):
            resolve_inside(root, relative, where="m")
    assert resolve_inside(root, "inside.xsd", where="m") == (root / "schemas" / "a.xsd").resolve()
    with pytest.raises(BundlePathError):
        resolve_inside(root, "loop1", where="m")


def test_a_link_into_a_skipped_folder_is_refused(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".git" / "x.sch").write_text("<schema/>")
    (root / "rules").symlink_to(".git", target_is_directory=True)
    with pytest.raises(BundlePathError, match="content hash skips"):
        resolve_inside(root, "rules/x.sch", where="m")


def old_format_hash(root: Path) -> str:
    """The hash as it was defined before links were handled: plain bundles must keep their hash."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
    return "sha256:" + digest.hexdigest()


def test_a_bundle_of_plain_files_keeps_its_hash(root: Path) -> None:
    assert content_hash(root) == old_format_hash(root.resolve())
    assert content_hash(ENVELOPE_BUNDLE) == old_format_hash(ENVELOPE_BUNDLE)


def test_links_are_hashed_as_links_never_followed_out(root: Path) -> None:
    outside = root.parent.parent / "outside.txt"
    (root / "out.txt").symlink_to(outside)
    before = content_hash(root)
    outside.write_text("another secret")  # what the link points to is not part of the bundle
    assert content_hash(root) == before
    (root / "out.txt").unlink()
    (root / "out.txt").symlink_to(root.parent.parent / "other.txt")  # but the link itself is
    assert content_hash(root) != before
    # A link to a folder outside is not walked, so nothing under it is read or counted.
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    content_hash(root)


def test_a_link_inside_is_hashed_and_its_target_too(root: Path) -> None:
    (root / "copy.xsd").symlink_to("schemas/a.xsd")
    before = content_hash(root)
    (root / "schemas" / "a.xsd").write_text("<b/>")
    assert content_hash(root) != before


def test_skipped_folders_are_not_walked(root: Path) -> None:
    before = content_hash(root)
    (root / ".git").mkdir()
    os.mkfifo(root / ".git" / "fifo")
    (root / ".git" / "objects").write_text("x")
    assert content_hash(root) == before


def test_fifos_in_the_bundle_are_refused_never_opened(root: Path) -> None:
    os.mkfifo(root / "schemas" / "pipe.xsd")
    with pytest.raises(SpecError, match="not a regular file") as info:
        content_hash(root)
    assert info.value.location is not None and info.value.location.endswith("pipe.xsd")


def test_files_and_bytes_are_bounded(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "BUNDLE_MAX_FILES", 2)
    with pytest.raises(SpecError, match="more than 2 files"):
        content_hash(root)
    monkeypatch.setattr(bundle_module, "BUNDLE_MAX_FILES", 100)
    monkeypatch.setattr(bundle_module, "BUNDLE_MAX_BYTES", 8)
    with pytest.raises(SpecError, match="more than 8 bytes"):
        content_hash(root)
