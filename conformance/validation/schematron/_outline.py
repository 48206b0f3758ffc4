"""What a rule set contains, without compiling it: its files, phases, rule contexts and assertions.

The importer turns this into a standard bundle. It reads the source through the same loader and
planner as the compiler, so that the assertions and keys it lists are exactly those a compiled
rule set reports for the same phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ._expand import _file_of, assertion_key, pattern_label, plan
from ._source import SCH_NS, load_source
from ._translate import static_text

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ASSERTIONS = (f"{{{SCH_NS}}}assert", f"{{{SCH_NS}}}report")
_RULE, _PATTERN = f"{{{SCH_NS}}}rule", f"{{{SCH_NS}}}pattern"


@dataclass(frozen=True, slots=True)
class OutlinedAssertion:
    """One active `assert` or `report` as written in the source.

    `key` is the id the engine reports: `explicit_id` when the assertion has one, otherwise
    `pattern/rule/position`. `texts` holds language-tagged variants of the message (the
    assertion's own text under its `xml:lang`, and those of diagnostics it references that carry
    an `xml:lang`); `text` is the assertion's own message.
    """

    key: str
    explicit_id: str | None
    kind: str
    test: str
    flag: str | None
    role: str | None
    context: str
    pattern_id: str | None
    file: Path
    line: int | None
    text: str
    texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleSetOutline:
    """A rule set as the engine would run it in `phase`; `files[0]` is the entry file."""

    path: Path
    files: tuple[Path, ...]
    binding: str
    phase: str
    phases: tuple[str, ...]
    namespaces: tuple[tuple[str, str], ...]
    # Rule contexts of the active patterns, and of every pattern whatever the phase.
    contexts: tuple[str, ...]
    all_contexts: tuple[str, ...]
    assertions: tuple[OutlinedAssertion, ...]


def _lang(element: etree._Element) -> str:
    node: etree._Element | None = element
    while node is not None:
        value = node.get(_XML_LANG)
        if value is not None:
            return value.strip().lower()
        node = node.getparent()
    return ""


def outline_schematron(
    path: Path, *, phase: str | None = None, root: Path | None = None
) -> RuleSetOutline:
    """Describe the rule set at `path` in `phase` (SpecError for what the compiler would refuse)."""
    source = load_source(Path(path), root=root)
    phases = tuple(sorted({p.get("id", "") for p in source.schema.iter(f"{{{SCH_NS}}}phase")} - {""}))
    planned = plan(source.schema, phase)
    assertions: list[OutlinedAssertion] = []
    contexts: list[str] = []
    for pattern in planned.patterns:
        label = pattern_label(pattern.id, pattern.index)
        for rule in pattern.rules:
            contexts.append(rule.context)
            position = 0
            for item in rule.items:
                if item.tag not in _ASSERTIONS:
                    continue
                position += 1
                text = static_text(item)
                texts = {_lang(item): text} if text else {}
                for ref in (item.get("diagnostics") or "").split():
                    diagnostic = planned.diagnostics[ref]
                    lang = _lang(diagnostic)
                    # An untagged diagnostic is extra detail, not a translation.
                    if lang and lang not in texts:
                        texts[lang] = static_text(diagnostic)
                texts.pop("", None)
                assertions.append(OutlinedAssertion(
                    key=assertion_key(item, label, rule.index, position),
                    explicit_id=item.get("id") or None,
                    kind="assert" if item.tag == _ASSERTIONS[0] else "report",
                    test=item.get("test", ""),
                    flag=item.get("flag") or rule.element.get("flag"),
                    role=item.get("role") or rule.element.get("role"),
                    context=rule.context,
                    pattern_id=pattern.id,
                    file=Path(_file_of(item)),
                    line=item.sourceline,
                    text=text,
                    texts=texts,
                ))
    # `plan` expanded abstract patterns and rules in place: every remaining context is concrete.
    all_contexts = [
        (rule.get("context") or "").strip() for rule in source.schema.iter(_RULE)
        if rule.get("abstract") != "true" and (rule.get("context") or "").strip()
        and all(p.get("abstract") != "true" for p in rule.iterancestors(_PATTERN))
    ]
    return RuleSetOutline(
        path=source.files[0],
        files=source.files,
        binding=planned.binding,
        phase=planned.phase,
        phases=phases,
        namespaces=tuple(planned.namespaces),
        contexts=tuple(contexts),
        all_contexts=tuple(dict.fromkeys(all_contexts)),
        assertions=tuple(assertions),
    )
