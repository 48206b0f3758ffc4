"""Schematron assertions as requirements: ids, levels and statements.

- one requirement per assertion key: the assertion's own `id`, or for one without an id the key the
  engine derives (`pattern/rule/position`), written as an identifier (`pattern-rule-position`) and
  noted;
- level from `flag`, else `role`: fatal/error -> MUST, warning/warn -> SHOULD, information/info ->
  MAY; none or another value -> MUST (an unflagged failed assertion is an error), noted;
- statement: the assertion's text in both languages, unless it has language-tagged variants;
- one id in two files is an error: a requirement would then mean two different checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.core.errors import SpecError
from conformance.core.findings import Level
from conformance.core.ordering import natural_key
from conformance.validation.schematron import OutlinedAssertion, RuleSetOutline

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_LEVELS = {
    "fatal": Level.MUST, "error": Level.MUST,
    "warning": Level.SHOULD, "warn": Level.SHOULD,
    "information": Level.MAY, "info": Level.MAY, "informational": Level.MAY,
}
_RANK = {Level.MUST: 0, Level.SHOULD: 1, Level.MAY: 2}


@dataclass(slots=True)
class RuleRequirement:
    id: str
    key: str
    level: Level
    statement: dict[str, str]
    notes: list[str] = field(default_factory=list)


def identifier(text: str, *, prefix: str) -> str:
    """`text` as a manifest identifier (ASCII letters, digits, . _ -; starting with a letter)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"{prefix}-{cleaned}" if cleaned else prefix
    return cleaned


def unique(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    taken.add(candidate)
    return candidate


def level_of(flag: str | None, role: str | None) -> tuple[Level, str | None]:
    """The RFC 2119 level of an assertion, and a note when it is a default rather than a mapping."""
    for value in (flag, role):
        if value and value.strip().lower() in _LEVELS:
            return _LEVELS[value.strip().lower()], None
    given = [f"{name}={value!r}" for name, value in (("flag", flag), ("role", role)) if value]
    if given:
        return Level.MUST, f"{' '.join(given)} is not a known severity: level MUST by default"
    return Level.MUST, None


def _statement(assertion: OutlinedAssertion) -> dict[str, str]:
    own = assertion.text or f"Schematron {assertion.kind} {assertion.test}"

    def variant(lang: str) -> str | None:
        return next((t for tag, t in sorted(assertion.texts.items())
                     if (tag == lang or tag.startswith(lang + "-")) and t), None)

    return {"zh": variant("zh") or own, "en": variant("en") or own}


def rule_requirements(rule_sets: Sequence[RuleSetOutline], bundle_path: Mapping[Path, str],
                      taken: set[str]) -> list[RuleRequirement]:
    """One requirement per assertion key; SpecError when one id is used in two files."""
    grouped: dict[str, list[OutlinedAssertion]] = {}
    for rule_set in rule_sets:
        for a in rule_set.assertions:
            same = grouped.setdefault(a.key, [])
            # One file may repeat an id for one check on several contexts (invoice and credit
            # note); two files with one id would make a requirement mean two different checks.
            if same and same[0].file != a.file:
                what = f"assertion id {a.key!r}" if a.explicit_id else f"derived key {a.key!r}"
                raise SpecError(
                    f"duplicate {what}: {same[0].file}:{same[0].line} and {a.file}:{a.line}; "
                    "rule ids must be unique across rule files (give the assertions distinct ids)",
                    location=f"{a.file}:{a.line}")
            same.append(a)
    result: list[RuleRequirement] = []
    for key in sorted(grouped, key=natural_key):  # BR-2 before BR-10
        assertions = grouped[key]
        a = assertions[0]
        where = f"{bundle_path[a.file]}:{a.line}"
        notes: list[str] = []
        if a.explicit_id is None:
            wanted = identifier(key.replace("/", "-"), prefix="R")
            notes.append(f"derived id: the {a.kind} at {where} has no id; the engine reports it "
                         f"as {key!r}")
        elif _IDENTIFIER.match(key):
            wanted = key
        else:
            wanted = identifier(key, prefix="R")
            notes.append(f"assertion id {key!r} is not a manifest identifier")
        levels = []
        for each in assertions:
            level, note = level_of(each.flag, each.role)
            levels.append(level)
            if note and note not in notes:
                notes.append(note)
        if len(assertions) > 1:
            notes.append(f"{len(assertions)} assertions of {bundle_path[a.file]} share this id; "
                         "the statement is the first one's, the level the strictest")
        result.append(RuleRequirement(id=unique(wanted, taken), key=key,
                                   level=min(levels, key=_RANK.__getitem__),
                                   statement=_statement(a), notes=notes))
    return result
