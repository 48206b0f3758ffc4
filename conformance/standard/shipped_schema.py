"""Checking a bundle's YAML files against the JSON Schemas this package ships.

`standard.yaml` and every conversation file are first screened by jsonschema-rs; pure-Python
`jsonschema` costs 0.2 s to import, which every `conform validate` would pay (issue 10 §2), so it is
imported only when a file is invalid, to word its detailed messages (each naming the field path).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from itertools import islice
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from conformance.core.errors import SpecError
from conformance.core.limits import QUOTE_MAX_CHARS
from conformance.core.yamlload import quote

if TYPE_CHECKING:
    import jsonschema

# A document with an error at each of its nodes must not make thousands of messages, each
# quoting its instance: the first errors found, of which the first 20 are shown.
_MAX_SCHEMA_ERRORS = 200
_SHOWN = 20


@cache
def shipped_schema(name: str) -> Mapping[str, Any]:
    """The JSON Schema `name` shipped inside `conformance.standard`."""
    text = resources.files("conformance.standard").joinpath(name).read_text(encoding="utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


@cache
def fast_validator(name: str) -> Any:
    """Schema `name` on jsonschema-rs, the first look at every document."""
    return jsonschema_rs.validator_for(dict(shipped_schema(name)), validate_formats=True)


def field_path(error: jsonschema.ValidationError) -> str:
    """The instance path of a schema error, written as the loaders write fields: `a[0].b`."""
    return _written(error.absolute_path)


def _cap(text: str) -> str:
    """A schema message as jsonschema wrote it (it quotes the instance whole), capped and escaped."""
    return quote(text, 3 * QUOTE_MAX_CHARS)[1:-1]


def check_shipped(raw: Any, name: str, *, what: str, where: str) -> None:
    """Raise SpecError at `where` listing the fields where `raw` breaks schema `name`; `what` names
    the document in the message ("manifest", "conversation file")."""
    fast_said_invalid = False
    try:
        if fast_validator(name).is_valid(raw):
            return
        fast_said_invalid = True
    except (ValueError, TypeError, OverflowError):  # what Rust cannot hold (huge numbers): look closer
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        shipped_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    found = list(islice(validator.iter_errors(raw), _MAX_SCHEMA_ERRORS + 1))
    errors = sorted(found[:_MAX_SCHEMA_ERRORS], key=lambda e: (list(map(str, e.absolute_path)), e.message))
    lines = [f"{_cap(field_path(e))}: {_cap(e.message)}" for e in errors[:_SHOWN]]
    if not errors and fast_said_invalid:
        # The two engines disagree (Python's `$` matches before a final newline, Rust's does not):
        # the stricter one's word stands, in its own messages; a document is never let through.
        found = list(islice(fast_validator(name).iter_errors(raw), _MAX_SCHEMA_ERRORS + 1))
        errors = found[:_MAX_SCHEMA_ERRORS]
        lines = [f"{_cap(_written(e.instance_path))}: {_cap(e.message)}" for e in errors[:_SHOWN]]
    if errors:
        more = (" (and more)" if len(found) > _MAX_SCHEMA_ERRORS
                else f" (and {len(errors) - _SHOWN} more)" if len(errors) > _SHOWN else "")
        heading = f"{what} does not match the {what.split()[0]} schema:\n  "
        raise SpecError(heading + "\n  ".join(lines) + more, location=where)


def _written(steps: Iterable[str | int]) -> str:
    """An instance path (steps), written as the loaders write fields."""
    path = ""
    for step in steps:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else str(step))
    return path or "(top level)"
