"""Signed JSON files on disk: `{MEMBER: {...}, "signature": {"protected", "signature"}}`.

Reading is strict where leniency could let two readers see different documents: duplicate member
names, NaN/Infinity and invalid UTF-8 are refused. The file itself is written indented with sorted
keys for people to read; the signature covers the JCS form, so the layout does not matter.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.core.files import read_bounded


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed document as read: its content member and the detached JWS beside it."""

    member: str
    content: dict[str, Any]
    jws: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {self.member: self.content, "signature": self.jws}


def read_bytes(path: Path, what: str, *, limit: int) -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes; otherwise a UsageError.

    A FIFO would block and /dev/zero never end: `read_bounded` refuses both before reading."""
    return read_bounded(path, max_bytes=limit, error=UsageError, what=what)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes, where: str) -> Any:
    """Strict JSON: UTF-8, no duplicate members, no NaN/Infinity, bounded nesting."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates,
                          parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except ValueError as exc:
        raise UsageError(f"{where}: not acceptable JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{where}: JSON nested too deeply") from None


def split(document: Any, member: str, where: str, what: str) -> Signed:
    """The content and JWS of a signed document; a UsageError naming `what` when it is not one."""
    if not isinstance(document, dict) or not isinstance(document.get(member), dict):
        raise UsageError(f"{where}: not a {what} (no {member!r} object)")
    jws = document.get("signature")
    if not isinstance(jws, dict):
        raise UsageError(f"{where}: {what} is not signed (no 'signature' object)")
    extra = sorted(set(document) - {member, "signature"})
    if extra:
        # Unsigned members beside the signed content would read as if they were vouched for.
        raise UsageError(f"{where}: unsigned members beside the {what}: {', '.join(extra)}")
    return Signed(member, document[member], jws)


@cache
def _schema_validator(name: str) -> Any:
    import jsonschema

    schema = json.loads(resources.files("conformance.certify").joinpath(name).read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def check_schema(document: Mapping[str, Any], schema: str, where: str, what: str) -> None:
    """A UsageError with the first schema violation (by path), if any."""
    errors = sorted(_schema_validator(schema).iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        first = errors[0]
        pointer = "/" + "/".join(str(p) for p in first.absolute_path)
        raise UsageError(f"{where}: not a valid {what} at {pointer}: {first.message}")


def dumps(document: Mapping[str, Any]) -> str:
    """The file form: sorted keys, one-space indent, UTF-8, newline at the end."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def replace_file(path: Path, text: str) -> None:
    """Write `path` whole or not at all (a crash never leaves half a revocation list)."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
