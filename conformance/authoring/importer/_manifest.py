"""The `standard.yaml` of an imported bundle: message types, requirements, one class, as YAML text.

Written with comments (PyYAML writes none): a header on what was imported and how, and a note
above each requirement whose id, level or statement was not taken as is. Everything is sorted, so
the same artefacts always give the same bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.core.errors import UsageError
from conformance.core.findings import Level
from conformance.validation.schematron import RuleSetOutline

from ._requirements import identifier, rule_requirements, unique
from ._roots import Root, message_roots
from ._xsd import SchemaSet

CLASS_ID = "all"
NO_SCHEMA = ("no XSD given: the imported standard checks business rules only, so a payload with an "
             "invalid date such as IssueDate 2017-13-45, a misspelt or misplaced element, or a missing "
             "mandatory element the rules do not test passes without a word; add the XSD (the schema "
             "file or its folder) to the artefacts of `conform standards import`")


@dataclass(frozen=True, slots=True)
class ManifestInput:
    standard_id: str
    version: str
    title: str | None
    phase: str | None
    rule_sets: Sequence[RuleSetOutline]
    schema_sets: Sequence[SchemaSet]
    roots: Sequence[Root]
    bundle_path: Mapping[Path, str]


@dataclass(frozen=True, slots=True)
class Manifest:
    text: str
    requirements: int
    message_types: tuple[str, ...]
    notes: tuple[str, ...]
    # What makes the bundle weaker than the user may think (no schema): printed, and in the header.
    warnings: tuple[str, ...] = ()


def build_manifest(spec: ManifestInput) -> Manifest:
    """The manifest text for the artefacts in `spec` (deterministic)."""
    taken: set[str] = set()
    requirements = rule_requirements(spec.rule_sets, spec.bundle_path, taken)
    roots = message_roots(spec.rule_sets, spec.schema_sets, spec.roots)
    type_ids: set[str] = set()
    message_types: list[dict[str, Any]] = []
    with_schema: list[str] = []
    namespaces = _namespaces(spec.rule_sets)
    rule_files: list[Any] = sorted(spec.bundle_path[rs.path] for rs in spec.rule_sets)
    if spec.phase is not None:
        rule_files = [{"file": f, "phase": spec.phase} for f in rule_files]
    for root, schema_set in roots:
        type_id = unique(identifier(root.name, prefix="message"), type_ids)
        ns = f" (namespace {root.namespace})" if root.namespace else " (no namespace)"
        ns_zh = f"（命名空间 {root.namespace}）" if root.namespace else "（无命名空间）"
        item: dict[str, Any] = {
            "id": type_id,
            "syntax": "xml",
            "title": {"zh": f"根元素为 {root.name} 的报文{ns_zh}",
                      "en": f"Documents with root element {root.name}{ns}"},
            "recognise": {"root": root.name, **({"namespace": root.namespace} if root.namespace else {})},
        }
        if schema_set is not None:
            item["schema"] = spec.bundle_path[schema_set.path]
            with_schema.append(type_id)
        if rule_files:
            item["rules"] = rule_files
        if namespaces:
            item["namespaces"] = namespaces
        message_types.append(item)
    all_types = [m["id"] for m in message_types]

    items: list[tuple[dict[str, Any], list[str]]] = []
    if with_schema:
        schemas = ", ".join(sorted({spec.bundle_path[s.path] for _, s in roots if s}))
        xsd_id = unique("XSD", taken)
        items.append(({
            "id": xsd_id, "level": Level.MUST.value, "classes": [CLASS_ID],
            "statement": {"zh": f"报文必须符合其 XML 模式（{schemas}）。",
                          "en": f"The document MUST be valid against its XML Schema ({schemas})."},
            "checks": [{"by": "schema", "message-types": with_schema}],
        }, []))
    for r in requirements:
        items.append(({
            "id": r.id, "level": r.level.value, "classes": [CLASS_ID], "statement": r.statement,
            "checks": [{"by": "rule", "message-types": all_types, "rule": r.key}],
        }, r.notes))
    if not items:
        raise UsageError("nothing to import: the rule sets have no assertions"
                         + (f" in phase {spec.phase!r}" if spec.phase else "") + " and there is no XSD")
    without = [t for t in all_types if t not in with_schema]
    warnings: tuple[str, ...] = ()
    if without and not with_schema:
        warnings = (NO_SCHEMA,)
    elif without:
        warnings = (f"message type(s) {', '.join(without)} have no XSD: only business rules check them",)
    text = _render(spec, message_types, items, warnings)
    notes = tuple(f"{item['id']}: {n}" for item, ns in items for n in ns)
    return Manifest(text=text, requirements=len(items), message_types=tuple(all_types), notes=notes,
                    warnings=warnings)


def _namespaces(rule_sets: Iterable[RuleSetOutline]) -> dict[str, str]:
    result: dict[str, str] = {}
    for rule_set in rule_sets:
        for prefix, uri in rule_set.namespaces:
            result.setdefault(prefix, uri)
    return dict(sorted(result.items()))


class _Dumper(yaml.SafeDumper):
    """Safe YAML without anchors: a list shared by several message types is written out each time."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    # Short lists of names on one line, as hand-written manifests have them: [all], [Invoice].
    flow = all(isinstance(x, str) for x in data) and sum(len(x) + 2 for x in data) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2)


def _render(spec: ManifestInput, message_types: list[dict[str, Any]],
            items: list[tuple[dict[str, Any], list[str]]], warnings: tuple[str, ...]) -> str:
    entries = sorted([spec.bundle_path[rs.path] for rs in spec.rule_sets]
                     + [spec.bundle_path[s.path] for s in spec.schema_sets])
    others = len(spec.bundle_path) - len(entries)
    files = ", ".join(entries) + (f" (with {others} included file(s))" if others else "")
    files_zh = "、".join(entries) + (f"（及其包含的 {others} 个文件）" if others else "")
    title = spec.title or f"{spec.standard_id} {spec.version} (imported)"
    title_zh = spec.title or f"{spec.standard_id} {spec.version}（导入）"
    head = {
        "manifest-format": 1,
        "id": spec.standard_id,
        "version": spec.version,
        "title": {"zh": title_zh, "en": title},
        "description": {
            "zh": f"由 conform standards import 导入，来源：{files_zh}。"
                  "这是自动生成的草稿：使用前请审阅并编辑标题、发布者、要求陈述（规则集没有中文文本时中文与英文相同）、级别、一致性类别和报文类型。",
            "en": f"Imported with conform standards import from {files}. A generated DRAFT: review "
                  "and edit the title, publisher, requirement statements (zh repeats the original text "
                  "unless the rule set has a Chinese variant), levels, conformance classes and message "
                  "types before use.",
        },
        "publisher": {"zh": "未知（导入的标准：请填写发布者）",
                      "en": "Unknown (imported standard: fill in the publisher)"},
        "lifecycle": {"status": "draft"},
        "base-uri": f"urn:egov-conformance:imported:{spec.standard_id}:{spec.version}:",
        "default-class": CLASS_ID,
    }
    parts = [
        f"# {spec.standard_id} {spec.version}: a bundle manifest generated by `conform standards import`\n"
        "# (format: conformance/standard/standard-manifest.schema.json). A DRAFT: edit it.\n"
        "#\n"
        f"# Imported from: {files}.\n"
        "# One requirement per Schematron assertion id (an assertion without an id gets the engine's key\n"
        "# pattern/rule/position, written pattern-rule-position, and a comment saying so), plus XSD for\n"
        "# schema validity. Levels from flag, else role: fatal/error -> MUST, warning/warn -> SHOULD,\n"
        "# information/info -> MAY, none or other -> MUST. Statements are the assertion texts; zh repeats\n"
        "# them unless the rule set has a language-tagged (xml:lang) variant.\n",
        *("#\n" + "".join(f"# {line}\n" for line in textwrap.wrap(f"WARNING: {w}.", 96)) for w in warnings),
        _dump(head),
        "\n",
        _dump({"message-types": message_types}),
        "\n",
        _dump({"conformance-classes": [{
            "id": CLASS_ID,
            "title": {"zh": "全部导入的要求", "en": "All imported requirements"},
            "description": {"zh": "导入时生成的唯一类别，包含全部要求；请按需要拆分。",
                            "en": "The one class made by the import, with every requirement; split "
                                  "it as the standard needs."},
        }]}),
        "\nrequirements:\n",
    ]
    for item, notes in items:
        parts.extend(f"# {note}\n" for note in notes)
        parts.append(_dump([item]))
    return "".join(parts)
