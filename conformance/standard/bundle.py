"""Files of a standard bundle: paths that stay inside the bundle, and the bundle's content hash.

A bundle is third-party data. Every file of it the tool loads is named by a path that
`resolve_inside` accepted, and is covered by `content_hash`, which reads the bundle's own files and
nothing else: a symlink is hashed as the link it is (its target's text), never followed, so a link
to /etc/shadow, a FIFO or a 1 GB file outside is neither opened nor hashed. What a link points to
inside the bundle is hashed where it lies; a link out of the bundle cannot be loaded
(`resolve_inside` refuses it). Files the hash skips (`_IGNORED_PARTS`) cannot be loaded either.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path, PurePosixPath

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import BUNDLE_MAX_BYTES, BUNDLE_MAX_FILES, BUNDLE_PATH_MAX_CHARS
from conformance.core.yamlload import quote

# Bundle files that never count towards the content hash (editor and tool droppings).
_IGNORED_PARTS = {"__pycache__", ".git", ".DS_Store"}
_IGNORED_FOLDED = {part.casefold() for part in _IGNORED_PARTS}
# A hashed symlink: this length field, impossible for a file, then the link's text.
_LINK_MARK = (2**64 - 1).to_bytes(8, "big")


def _relative_problem(relative: str) -> str | None:
    """Why `relative` is not a plain relative POSIX path inside a bundle, or None."""
    if not relative:
        return "is empty"
    if len(relative) > BUNDLE_PATH_MAX_CHARS:
        return f"is longer than {BUNDLE_PATH_MAX_CHARS} characters"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in relative):
        return "holds a control character"
    if "\\" in relative:
        return "holds a backslash (ambiguous across systems)"
    if ":" in relative:
        # Anywhere, not only first: `schemas/file:/etc/x` is a decoy file here and a URL to
        # libxml2, xmlschema or Saxon; `C:`, `file:`, `FILE:` and `urn:` alike.
        return "holds a colon (a URL scheme or drive letter)"
    pure = PurePosixPath(relative)
    if pure.is_absolute():
        return "is absolute"
    if _IGNORED_FOLDED.intersection(part.casefold() for part in pure.parts):
        return "is inside a folder the content hash skips"
    return None


def resolve_inside(root: Path, relative: str, *, where: str) -> Path:
    """Resolve `relative` against bundle `root`; refuse anything that would leave the bundle.

    Refused: empty, over-long or absolute paths, control characters (NUL included), backslashes,
    colons anywhere (URL schemes, drive letters), paths into folders the hash skips, `..` steps
    that climb out, and symlinks whose target lies outside the bundle.
    """
    problem = _relative_problem(relative)
    if problem:
        raise BundlePathError(f"artefact path {quote(relative)} {problem}; it must be a relative "
                              "POSIX path inside the bundle", location=where)
    base = root.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, or a name the system refuses
        raise BundlePathError(f"artefact path {quote(relative)} cannot be resolved: {exc}",
                              location=where) from None
    if not target.is_relative_to(base):
        raise BundlePathError(f"artefact path {quote(relative)} leaves the bundle folder {base}",
                              location=where)
    if _IGNORED_FOLDED.intersection(part.casefold() for part in target.relative_to(base).parts):
        # Reached through a link: the hash would not cover it.
        raise BundlePathError(f"artefact path {quote(relative)} leads into a folder the content hash "
                              "skips", location=where)
    return target


def _entries(base: Path) -> list[tuple[bytes, Path, os.stat_result]]:
    """(relative path, path, lstat) of every file and link of the bundle, links not followed."""
    found: list[tuple[bytes, Path, os.stat_result]] = []
    walked = 0
    pending = [base]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                children = list(listing)
        except OSError as exc:
            raise SpecError(f"cannot list bundle folder: {exc.strerror or exc}",
                            location=str(folder)) from None
        for entry in children:
            if entry.name in _IGNORED_PARTS:
                continue
            walked += 1
            if walked > BUNDLE_MAX_FILES:
                raise SpecError(f"bundle holds more than {BUNDLE_MAX_FILES} files, folders and links",
                                location=str(base))
            path = Path(entry.path)
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                pending.append(path)
            elif stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
                found.append((path.relative_to(base).as_posix().encode("utf-8", "surrogateescape"),
                              path, info))
            else:
                # A FIFO would block the reader, a device never end: a bundle is files.
                raise SpecError("not a regular file, folder or symlink: a bundle holds only files",
                                location=str(path))
    return sorted(found, key=lambda item: item[0])


def content_hash(root: Path) -> str:
    """SHA-256 over the bundle's files (relative path and bytes) and links (their text), sorted.

    Files are read through `read_bounded`; the number of entries and the total size are bounded
    (`BUNDLE_MAX_FILES`, `BUNDLE_MAX_BYTES`), each exhaustion a SpecError naming the bundle or file.
    """
    base = root.resolve()
    entries = _entries(base)
    total = 0
    for _, path, info in entries:
        if stat.S_ISREG(info.st_mode):
            total += info.st_size
            if total > BUNDLE_MAX_BYTES:
                raise SpecError(f"bundle files add up to more than {BUNDLE_MAX_BYTES} bytes",
                                location=str(path))
    digest = hashlib.sha256()
    read = 0
    for rel, path, info in entries:
        if stat.S_ISLNK(info.st_mode):
            link = os.fsencode(os.readlink(path))
            digest.update(len(rel).to_bytes(4, "big") + rel + _LINK_MARK)
            digest.update(len(link).to_bytes(4, "big") + link)
            continue
        # The budget left, not the size seen: a file that grew since the walk stops here.
        data = read_bounded(path, max_bytes=BUNDLE_MAX_BYTES - read, error=SpecError, what="bundle file",
                            what_zh="标准包文件")
        read += len(data)
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big"))
        digest.update(data)
    return "sha256:" + digest.hexdigest()
