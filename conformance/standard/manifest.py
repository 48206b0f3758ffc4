"""Loading a bundle's `standard.yaml`: safe YAML, the manifest JSON Schema, then cross-references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from conformance.core.errors import SpecError
from conformance.core.findings import Level
from conformance.core.limits import MANIFEST_MAX_BYTES
from conformance.core.text import Text
from conformance.core.yamlload import quote, read_yaml
from conformance.standard.bundle import content_hash, resolve_inside
from conformance.standard.codelists import load_genericode
from conformance.standard.conversation import Conversation
from conformance.standard.conversation_file import load_conversation
from conformance.standard.model import (
    BUNDLE_MANIFEST,
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
from conformance.standard.shipped_schema import check_shipped, fast_validator, shipped_schema


def load_yaml(path: Path, *, max_bytes: int = MANIFEST_MAX_BYTES) -> Any:
    """A bundle's YAML file, read and parsed within the budgets of `core.yamlload` (dates kept as text)."""
    return read_yaml(path, max_bytes=max_bytes, error=SpecError, what="manifest", what_zh="清单")


MANIFEST_SCHEMA = "standard-manifest.schema.json"


def manifest_schema() -> Mapping[str, Any]:
    """The JSON Schema of `standard.yaml`, shipped inside the package."""
    return shipped_schema(MANIFEST_SCHEMA)


def _fast_check() -> Any:
    """The manifest schema on jsonschema-rs, the first look at every manifest (see shipped_schema)."""
    return fast_validator(MANIFEST_SCHEMA)


def _schema_errors(raw: Any, where: str) -> None:
    check_shipped(raw, MANIFEST_SCHEMA, what="manifest", where=where)


def _listing(ids: Iterable[str]) -> str:
    """The ids a message offers as alternatives: the first few (a manifest may declare thousands)."""
    shown = list(islice(ids, 11))
    return ", ".join(shown[:10]) + (", ..." if len(shown) > 10 else "") if shown else "none"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_standard(folder: Path) -> Standard:
    """Load and check the bundle in `folder` (the folder holding `standard.yaml`)."""
    root = folder.resolve()
    where = str(root / BUNDLE_MANIFEST)
    # Through resolve_inside like every artefact: a standard.yaml linked from outside is refused.
    raw = load_yaml(resolve_inside(root, BUNDLE_MANIFEST, where=where))
    if not isinstance(raw, dict):
        raise SpecError("manifest must be a mapping at the top level", location=where)
    _schema_errors(raw, where)

    message_types = _message_types(raw, root, where)
    code_lists = _code_lists(raw, root, where)
    conversations = _conversations(raw, root, message_types, where)
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
                raise SpecError(f"{at}.classes: unknown conformance class {quote(class_id)}; "
                                f"declared: {_listing(class_ids)}", location=where)
        checks = tuple(_check(c, f"{at}.checks[{i}]", message_types, code_lists, conversations, where)
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
        raise SpecError(f"default-class: unknown conformance class {quote(default_class)}", location=where)
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
        conversations=conversations,
    )


def _unique(ids: list[str], field: str, where: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise SpecError(f"{field}: duplicate id {quote(value)}", location=where)
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
            examples=tuple(_existing(root, example, f"{where}: {at}.examples[{i}]")
                           for i, example in enumerate(item.get("examples", []))),
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
            raise SpecError(f"rule file {quote(relative)} is listed twice", location=f"{at}.rules[{i}]")
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
        raise SpecError(f"artefact {quote(relative)} does not exist in the bundle", location=where)
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


def _conversations(raw: Mapping[str, Any], root: Path, message_types: Mapping[str, MessageType],
                   where: str) -> dict[str, Conversation]:
    result: dict[str, Conversation] = {}
    for index, item in enumerate(raw.get("conversations", [])):
        at = f"conversations[{index}] ({item['id']})"
        if item["id"] in result:
            raise SpecError(f"{at}: duplicate conversation id", location=where)
        conversation = load_conversation(root, item["file"], where=f"{where}: {at}.file",
                                         message_types=message_types)
        if conversation.id != item["id"]:
            # Requirements name the manifest's id, findings and logs the file's: one id for both.
            raise SpecError(f"{at}.file: the conversation file declares id {quote(conversation.id)}, "
                            f"not {quote(item['id'])}", location=where)
        result[item["id"]] = conversation
    return result


def _conversation_check(item: Mapping[str, Any], at: str, conversations: Mapping[str, Conversation],
                        where: str) -> Check:
    for member in ("message-types", "check", "target", "params"):
        if member in item:
            # A single message is never evidence of a conversation: the check reads exchange logs.
            raise SpecError(f"{at}.{member}: a check by conversation takes no {member}; it names a "
                            "conversation and one of its rules", location=where)
    conversation = conversations.get(item["conversation"])
    if conversation is None:
        raise SpecError(f"{at}.conversation: unknown conversation {quote(item['conversation'])}; "
                        f"declared: {_listing(conversations)}", location=where)
    if item["rule"] not in conversation.rules:
        raise SpecError(f"{at}.rule: conversation {quote(conversation.id)} has no rule "
                        f"{quote(item['rule'])}; declared: {_listing(conversation.rules)}", location=where)
    return Check(kind=CheckKind.CONVERSATION, message_types=(), rule=item["rule"],
                 conversation=conversation.id)


def _check(item: Mapping[str, Any], at: str, message_types: Mapping[str, MessageType],
           code_lists: Mapping[str, CodeList], conversations: Mapping[str, Conversation],
           where: str) -> Check:
    if item["by"] == CheckKind.CONVERSATION:
        return _conversation_check(item, at, conversations, where)
    if "conversation" in item:
        raise SpecError(f"{at}.conversation: only a check by conversation names a conversation",
                        location=where)
    for mt in item["message-types"]:
        if mt not in message_types:
            raise SpecError(f"{at}.message-types: unknown message type {quote(mt)}; declared: "
                            f"{_listing(message_types)}", location=where)
    kind = CheckKind(item["by"])
    params = dict(item.get("params", {}))
    for key in ("code-list", "division-code-list"):
        if key in params and params[key] not in code_lists:
            raise SpecError(f"{at}.params.{key}: unknown code list {quote(params[key])}; declared: "
                            f"{_listing(code_lists)}", location=where)
    if kind is CheckKind.SCHEMA:
        for mt in item["message-types"]:
            if message_types[mt].schema is None:
                raise SpecError(f"{at}: checked by schema but message type {quote(mt)} has no schema",
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
                raise SpecError(f"conformance-classes ({c['id']}).builds-on: unknown class {quote(base)}",
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
