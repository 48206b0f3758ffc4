"""A message type's description as terminal lines (aligned columns) and as JSON data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._model import CodeListUse, Field, FieldCheck, FieldKind, MessageTypeDescription

CODES_SHOWN = 12  # code-list values printed before "... N more (--codes)"
_NAME_WIDTH = 44


def render(d: MessageTypeDescription, *, ref: str = "ID", lang: str = "en", codes: bool = False) -> list[str]:
    """The description as lines, each one terminal line (the caller escapes bundle text)."""
    title = d.title_zh if lang == "zh" and d.title_zh else d.title_en
    lines = [f"  {d.id} ({d.syntax}): {title}", f"    recognised by: {_recognition(d)}"]
    lines.append(f"    schema: {d.schema or 'none'}")
    if d.rules:
        lines.append(f"    rules: {', '.join(d.rules)}")
    lines.append(f"    examples: {', '.join(d.examples) if d.examples else 'none declared'} "
                 f"(conform standards example {ref} --message-type {d.id})")
    if d.namespaces:
        lines.append("    namespaces: " + ", ".join(f"{p} = {ns}" for p, ns in d.namespaces))
    lines.extend(f"    note: {note}" for note in d.notes)
    if d.structure:
        order = "in document order" if d.syntax == "xml" else "members in any order"
        lines.append(f"    structure ({order}; [min..max], * = unbounded; <- requirements checking "
                     "the field):")
        by_path = _requirements_by_path(d.checks)
        rows = list(_rows(d.structure, 3, by_path))
        width = min(max(len(r[0]) for r in rows), _NAME_WIDTH)
        card = max(len(r[1]) for r in rows)
        for name, cardinality, rest in rows:
            lines.append(f"{name:<{width}}  {cardinality:<{card}}  {rest}".rstrip())
    if d.code_lists:
        lines.append("    code lists (values a field must take):")
        lines.extend(_code_list(use, codes) for use in d.code_lists)
    if d.checks:
        lines.append("    requirements by field:")
        grouped: dict[str, list[FieldCheck]] = {}
        for check in d.checks:
            grouped.setdefault(check.target or "(the whole payload)", []).append(check)
        width = min(max(len(t) for t in grouped), _NAME_WIDTH)
        for target, checks in grouped.items():
            listed = "; ".join(f"{c.requirement} {c.level} {c.how}" for c in checks)
            lines.append(f"      {target:<{width}}  {listed}")
    return lines


def _recognition(d: MessageTypeDescription) -> str:
    if d.syntax == "xml":
        text = f"root element {d.root}" + (f" in namespace {d.namespace}" if d.namespace else
                                            " in no namespace")
        return text + (f", where {d.xpath}" if d.xpath else "")
    return f"the field {d.pointer} equal to {_quoted(d.value or '')}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _requirements_by_path(checks: tuple[FieldCheck, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for check in checks:
        if check.path is not None and check.requirement not in found.setdefault(check.path, []):
            found[check.path].append(check.requirement)
    return found


def _rows(fields: tuple[Field, ...], level: int,
          by_path: dict[str, list[str]]) -> Iterator[tuple[str, str, str]]:
    for f in fields:
        indent = "  " * level
        if f.kind is FieldKind.ATTRIBUTE:
            cardinality = "required" if f.required else "optional"
        else:
            cardinality = f.cardinality()
        rest = f.type
        if f.fixed is not None:
            rest += f" = {f.fixed}" + ("" if f.kind is FieldKind.PROPERTY else " (fixed)")
        elif f.values:
            more = f" (+{f.value_count - len(f.values)} more)" if f.value_count > len(f.values) else ""
            rest += " one of: " + ", ".join(f.values) + more
        if f.kind is FieldKind.ELEMENT and f.namespace and level == 3:
            rest += f"  {{{f.namespace}}}"
        if f.note:
            rest += f"  ({f.note})"
        if f.kind not in (FieldKind.CHOICE, FieldKind.SEQUENCE, FieldKind.ANY) and by_path.get(f.path):
            rest += "  <- " + ", ".join(by_path[f.path])
        yield indent + f.name, cardinality, rest.strip()
        yield from _rows(f.children, level + 1, by_path)


def _code_list(use: CodeListUse, codes: bool) -> str:
    shown = use.values if codes else use.values[:CODES_SHOWN]
    more = "" if len(shown) == len(use.values) else f", ... {len(use.values) - len(shown)} more (--codes)"
    return (f"      {use.target} ({use.requirement}): {use.code_list} {use.version}, "
            f"{len(use.values)} codes: {', '.join(shown)}{more}")


def _field_json(f: Field) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": f.name, "kind": f.kind.value, "path": f.path, "min-occurs": f.min_occurs,
        "max-occurs": f.max_occurs, "required": f.required, "type": f.type,
    }
    if f.namespace is not None:
        data["namespace"] = f.namespace
    if f.fixed is not None:
        data["fixed"] = f.fixed
    if f.values:
        data["values"] = list(f.values)
        data["value-count"] = f.value_count
    if f.note:
        data["note"] = f.note
    if f.children:
        data["children"] = [_field_json(c) for c in f.children]
    return data


def as_json(d: MessageTypeDescription) -> dict[str, Any]:
    """The description as JSON data: the same facts as `render`, every code-list value included."""
    return {
        "id": d.id, "syntax": d.syntax, "title": {"en": d.title_en, "zh": d.title_zh},
        "recognise": {k: v for k, v in (("root", d.root), ("namespace", d.namespace), ("xpath", d.xpath),
                                        ("pointer", d.pointer), ("value", d.value)) if v is not None},
        "schema": d.schema, "rules": list(d.rules), "examples": list(d.examples),
        "namespaces": dict(d.namespaces), "notes": list(d.notes),
        "structure": [_field_json(f) for f in d.structure],
        "code-lists": [
            {"target": u.target, "path": u.path, "requirement": u.requirement, "code-list": u.code_list,
             "version": u.version, "count": len(u.values),
             "values": [{"code": v, "name": n} if n else {"code": v}
                        for v, n in zip(u.values, u.names, strict=False)]
             if u.names else list(u.values)}
            for u in d.code_lists
        ],
        "checks": [
            {"target": c.target, "path": c.path, "requirement": c.requirement, "level": c.level, "how": c.how}
            for c in d.checks
        ],
    }
