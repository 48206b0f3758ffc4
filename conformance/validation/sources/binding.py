"""Which requirements a message type has and how each is checked on it: the step before compiling."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conformance.core.errors import SpecError
from conformance.standard.model import Check, CheckKind, MessageType, Requirement, Standard


@dataclass(frozen=True, slots=True, eq=False)
class MessageTypeBinding:
    """The requirements of `standard` bound to `message_type`, by kind of check.

    `rule_requirements` maps each rule id (a Schematron assertion id or a JSON rule id) to the
    requirements that name it, in the order of the manifest; `builtin_checks` pairs each
    requirement with each built-in check it declares for this message type.
    """

    standard: Standard
    message_type: MessageType
    schema_requirements: tuple[Requirement, ...]
    rule_requirements: Mapping[str, tuple[Requirement, ...]]
    builtin_checks: tuple[tuple[Requirement, Check], ...]

    @classmethod
    def of(cls, standard: Standard, message_type: MessageType) -> MessageTypeBinding:
        """Index the requirements of `standard` that apply to `message_type`."""
        mt_id = message_type.id
        reqs = [r for r in standard.requirements.values() if r.applies_to(mt_id)]
        schema = tuple(r for r in reqs if any(
            c.kind is CheckKind.SCHEMA and mt_id in c.message_types for c in r.checks))
        rules: dict[str, list[Requirement]] = {}
        builtins: list[tuple[Requirement, Check]] = []
        for r in reqs:
            for c in r.checks:
                if mt_id not in c.message_types:
                    continue
                if c.kind is CheckKind.RULE and c.rule:
                    rules.setdefault(c.rule, []).append(r)
                elif c.kind is CheckKind.BUILTIN and c.name and c.target is not None:
                    builtins.append((r, c))
        return cls(standard, message_type, schema,
                   MappingProxyType({rule_id: tuple(needing) for rule_id, needing in rules.items()}),
                   tuple(builtins))

    @property
    def where(self) -> str:
        """The manifest, where errors about this binding are located."""
        return str(self.standard.manifest)

    def check_rule_ids(self, defined: Container[str]) -> None:
        """SpecError for the first rule id a requirement names that no rule file of it defines."""
        for rule_id, needing in self.rule_requirements.items():
            if rule_id not in defined:
                raise SpecError(
                    f"requirement {needing[0].id} names rule {rule_id!r} for message type "
                    f"{self.message_type.id}, but no rule file of it defines that id", location=self.where)
