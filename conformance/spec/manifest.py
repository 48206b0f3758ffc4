"""Loading a bundle's `standard.yaml`: safe YAML, the manifest JSON Schema, then cross-references."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.core.errors import SpecError
from conformance.core.findings import Level
from conformance.core.text import Text
from conformance.spec.bundle import content_hash, resolve_inside
from conformance.spec.codelists import load_genericode
from conformance.spec.model import (
    Check,
    CheckKind,
    CodeList,
    ConformanceClass,
    Lifecycle,
    MessageType,
    Recognition,
    Requirement,
    Standard,
    Status,
    Syntax,
)

MANIFEST_NAME = "standard.yaml"
_MAX_MANIFEST_BYTES = 4 * 1024 * 1024


class _StringDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings so the JSON Schema sees what the author wrote."""


_StringDateLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path, *, max_bytes: int = _MAX_MANIFEST_BYTES) -> Any:
    """Read a YAML file safely (no tags that build objects, dates kept as strings, size-limited)."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read file: {exc.strerror or exc}", location=where) from exc
    if len(data) > max_bytes:
        raise SpecError(f"file larger than {max_bytes} bytes", location=where)
    try:
        return yaml.load(data.decode("utf-8"), Loader=_StringDateLoader)  # noqa: S506 - SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 at byte {exc.start}", location=where) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        raise SpecError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", location=at) from exc


@cache
def manifest_schema() -> Mapping[str, Any]:
    """The JSON Schema of `standard.yaml`, shipped inside the package."""
    text = resources.files("conformance.spec").joinpath("standard-manifest.schema.json").read_text(
        encoding="utf-8"
    )
    schema: Mapping[str, Any] = json.loads(text)
    return schema


def _field_path(error: jsonschema.ValidationError) -> str:
    path = ""
    for step in error.absolute_path:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else str(step))
    return path or "(top level)"


def _schema_errors(raw: Any, where: str) -> None:
    validator = jsonschema.Draft202012Validator(
        manifest_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(raw), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = [f"{_field_path(e)}: {e.message}" for e in errors[:20]]
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise SpecError("manifest does not match the manifest schema:\n  " + "\n  ".join(lines) + more,
                        location=where)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_standard(folder: Path) -> Standard:
    """Load and check the bundle in `folder` (the folder holding `standard.yaml`)."""
    root = folder.resolve()
    manifest_path = root / MANIFEST_NAME
    where = str(manifest_path)
    raw = load_yaml(manifest_path)
    if not isinstance(raw, dict):
        raise SpecError("manifest must be a mapping at the top level", location=where)
    _schema_errors(raw, where)

    message_types = _message_types(raw, root, where)
    code_lists = _code_lists(raw, root, where)
    classes_raw = raw["conformance-classes"]
    class_ids = [c["id"] for c in classes_raw]
    _unique(class_ids, "conformance-classes", where)
    base_uri: str = raw["base-uri"]

    requirements: dict[str, Requirement] = {}
    for index, item in enumerate(raw["requirements"]):
        at = f"requirements[{index}] ({item['id']})"
        if item["id"] in requirements:
            raise SpecError(f"{at}: duplicate requirement id", location=where)
        for class_id in item["classes"]:
            if class_id not in class_ids:
                raise SpecError(f"{at}.classes: unknown conformance class {class_id!r}; "
                                f"declared: {', '.join(class_ids)}", location=where)
        checks = tuple(_check(c, f"{at}.checks[{i}]", message_types, code_lists, where)
                       for i, c in enumerate(item["checks"]))
        requirements[item["id"]] = Requirement(
            id=item["id"],
            uri=item.get("uri") or base_uri + item["id"],
            level=Level(item["level"]),
            statement=Text.from_mapping(item["statement"]),
            classes=tuple(item["classes"]),
            checks=checks,
            hint=Text.from_mapping(item["hint"]) if "hint" in item else None,
        )

    classes = _classes(classes_raw, requirements, where)
    default_class = raw.get("default-class")
    if default_class is not None and default_class not in classes:
        raise SpecError(f"default-class: unknown conformance class {default_class!r}", location=where)
    lifecycle = raw["lifecycle"]
    note = raw.get("reference-specification")
    return Standard(
        id=raw["id"],
        version=raw["version"],
        title=Text.from_mapping(raw["title"]),
        description=Text.from_mapping(raw["description"]),
        publisher=Text.from_mapping(raw["publisher"]),
        reference_note=Text.from_mapping(note) if note else None,
        lifecycle=Lifecycle(
            status=Status(lifecycle["status"]),
            valid_from=_date(lifecycle.get("valid-from")),
            valid_to=_date(lifecycle.get("valid-to")),
            replaced_by=lifecycle.get("replaced-by"),
        ),
        base_uri=base_uri,
        message_types=message_types,
        requirements=requirements,
        classes=classes,
        code_lists=code_lists,
        default_class=default_class,
        root=root,
        content_hash=content_hash(root),
    )


def _unique(ids: list[str], field: str, where: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise SpecError(f"{field}: duplicate id {value!r}", location=where)
        seen.add(value)


def _message_types(raw: Mapping[str, Any], root: Path, where: str) -> dict[str, MessageType]:
    result: dict[str, MessageType] = {}
    for index, item in enumerate(raw["message-types"]):
        at = f"message-types[{index}] ({item['id']})"
        if item["id"] in result:
            raise SpecError(f"{at}: duplicate message type id", location=where)
        syntax = Syntax(item["syntax"])
        rec = item["recognise"]
        if syntax is Syntax.XML and "root" not in rec:
            raise SpecError(f"{at}.recognise: an XML message type needs 'root'", location=where)
        if syntax is Syntax.JSON and not ("pointer" in rec and "value" in rec):
            raise SpecError(f"{at}.recognise: a JSON message type needs 'pointer' and 'value'",
                            location=where)
        schema = item.get("schema")
        rules, phases = _rule_files(item.get("rules", []), syntax, root, f"{where}: {at}")
        result[item["id"]] = MessageType(
            id=item["id"],
            syntax=syntax,
            title=Text.from_mapping(item["title"]),
            recognition=Recognition(
                root=rec.get("root"), namespace=rec.get("namespace"), xpath=rec.get("xpath"),
                pointer=rec.get("pointer"), value=rec.get("value"),
            ),
            schema=_existing(root, schema, f"{where}: {at}.schema") if schema else None,
            rules=rules,
            namespaces=dict(item.get("namespaces", {})),
            rule_phases=phases,
        )
    return result


def _rule_files(entries: list[Any], syntax: Syntax, root: Path,
                at: str) -> tuple[tuple[Path, ...], dict[Path, str]]:
    """Rule file paths of a message type and the Schematron phase chosen for some of them."""
    paths: list[Path] = []
    phases: dict[Path, str] = {}
    for i, entry in enumerate(entries):
        relative, phase = (entry, None) if isinstance(entry, str) else (entry["file"], entry.get("phase"))
        path = _existing(root, relative, f"{at}.rules[{i}]")
        if path in paths:
            # Rule ids are looked up across a message type's rule files: a file twice is ambiguous.
            raise SpecError(f"rule file {relative!r} is listed twice", location=f"{at}.rules[{i}]")
        if phase is not None:
            if syntax is not Syntax.XML:
                raise SpecError("a phase applies to Schematron rule files only",
                                location=f"{at}.rules[{i}].phase")
            phases[path] = phase
        paths.append(path)
    return tuple(paths), phases


def _existing(root: Path, relative: str, where: str) -> Path:
    path = resolve_inside(root, relative, where=where)
    if not path.is_file():
        raise SpecError(f"artefact {relative!r} does not exist in the bundle", location=where)
    return path


def _code_lists(raw: Mapping[str, Any], root: Path, where: str) -> dict[str, CodeList]:
    result: dict[str, CodeList] = {}
    for index, item in enumerate(raw.get("code-lists", [])):
        at = f"{where}: code-lists[{index}] ({item['id']})"
        if item["id"] in result:
            raise SpecError("duplicate code list id", location=at)
        path = _existing(root, item["file"], at)
        result[item["id"]] = load_genericode(
            path, list_id=item["id"], version=item["version"], list_date=date.fromisoformat(item["date"])
        )
    return result


def _check(item: Mapping[str, Any], at: str, message_types: Mapping[str, MessageType],
           code_lists: Mapping[str, CodeList], where: str) -> Check:
    for mt in item["message-types"]:
        if mt not in message_types:
            raise SpecError(f"{at}.message-types: unknown message type {mt!r}; declared: "
                            f"{', '.join(message_types)}", location=where)
    kind = CheckKind(item["by"])
    params = dict(item.get("params", {}))
    for key in ("code-list", "division-code-list"):
        if key in params and params[key] not in code_lists:
            raise SpecError(f"{at}.params.{key}: unknown code list {params[key]!r}; declared: "
                            f"{', '.join(code_lists) or 'none'}", location=where)
    if kind is CheckKind.SCHEMA:
        for mt in item["message-types"]:
            if message_types[mt].schema is None:
                raise SpecError(f"{at}: checked by schema but message type {mt!r} has no schema",
                                location=where)
    return Check(
        kind=kind,
        message_types=tuple(item["message-types"]),
        rule=item.get("rule"),
        name=item.get("check"),
        target=item.get("target"),
        params=params,
    )


def _classes(classes_raw: list[Mapping[str, Any]], requirements: Mapping[str, Requirement],
             where: str) -> dict[str, ConformanceClass]:
    declared = {c["id"]: c for c in classes_raw}
    for c in classes_raw:
        for base in c.get("builds-on", []):
            if base not in declared:
                raise SpecError(f"conformance-classes ({c['id']}).builds-on: unknown class {base!r}",
                                location=where)

    def closure(class_id: str, trail: tuple[str, ...]) -> list[str]:
        if class_id in trail:
            raise SpecError("conformance-classes: cycle in builds-on: "
                            + " -> ".join((*trail, class_id)), location=where)
        ids: list[str] = []
        for base in declared[class_id].get("builds-on", []):
            ids.extend(closure(base, (*trail, class_id)))
        ids.append(class_id)
        return ids

    result: dict[str, ConformanceClass] = {}
    for c in classes_raw:
        members = set(closure(c["id"], ()))
        needed = tuple(r.id for r in requirements.values() if members.intersection(r.classes))
        result[c["id"]] = ConformanceClass(
            id=c["id"],
            title=Text.from_mapping(c["title"]),
            description=Text.from_mapping(c["description"]) if "description" in c else None,
            builds_on=tuple(c.get("builds-on", [])),
            requirements=needed,
        )
    return result
