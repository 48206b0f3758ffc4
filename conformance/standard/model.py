"""The model of a standard: what a bundle's `standard.yaml` means once loaded and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from conformance.core.findings import Level
from conformance.core.text import Text
from conformance.standard.conversation import Conversation

# The file that makes a folder a standard bundle.
BUNDLE_MANIFEST = "standard.yaml"


class Status(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class Syntax(StrEnum):
    XML = "xml"
    JSON = "json"


class CheckKind(StrEnum):
    SCHEMA = "schema"
    RULE = "rule"
    BUILTIN = "builtin"
    # A rule of a conversation (standard/conversation.py), checked on a recorded exchange.
    CONVERSATION = "conversation"


@dataclass(frozen=True, slots=True)
class Lifecycle:
    status: Status
    valid_from: date | None = None
    valid_to: date | None = None
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class Recognition:
    """How a payload is recognised: root element + namespace (XML) or a declared field (JSON).

    `xpath` (XML, optional) is an XPath 1.0 test that must also hold, as in a KoSIT scenario.
    `pointer`/`value` (JSON): the field at that JSON pointer must equal `value`.
    """

    root: str | None = None
    namespace: str | None = None
    xpath: str | None = None
    pointer: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class MessageType:
    id: str
    syntax: Syntax
    title: Text
    recognition: Recognition
    schema: Path | None
    rules: tuple[Path, ...]
    namespaces: Mapping[str, str] = field(default_factory=dict)
    # Schematron phase per rule file (manifest `rules: [{file, phase}]`); absent: the default phase.
    rule_phases: Mapping[Path, str] = field(default_factory=dict)
    # Example payloads the bundle declares (manifest `examples:`), the first a minimal one.
    examples: tuple[Path, ...] = ()

    def phase_of(self, rule_file: Path) -> str | None:
        """The Schematron phase this message type runs `rule_file` in (None: its default phase)."""
        return self.rule_phases.get(rule_file)


@dataclass(frozen=True, slots=True)
class Check:
    """How one requirement is checked on one message type.

    schema:  the payload is valid against the message type's schema.
    rule:    the named assertion (Schematron assert/report id, JSON rule id) in the rule files.
    builtin: the registered check `name` with `params`, on every node `target` selects (XPath 1.0
             for XML, JSON pointer with `*` steps for JSON).
    conversation: the rule `rule` of conversation `conversation`, on an exchange log; its
             `message_types` are empty (a single message is never evidence of a conversation).
    """

    kind: CheckKind
    message_types: tuple[str, ...]
    rule: str | None = None
    name: str | None = None
    target: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    conversation: str | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    uri: str
    level: Level
    statement: Text
    classes: tuple[str, ...]
    checks: tuple[Check, ...]
    hint: Text | None = None

    def applies_to(self, message_type: str) -> bool:
        return any(message_type in c.message_types for c in self.checks)

    @property
    def conversation_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.kind is CheckKind.CONVERSATION)


@dataclass(frozen=True, slots=True)
class ConformanceClass:
    id: str
    title: Text
    description: Text | None
    builds_on: tuple[str, ...]
    # All requirements the class needs, including those of the classes it builds on.
    requirements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CodeList:
    """A versioned, dated code list (loaded from OASIS Genericode)."""

    id: str
    version: str
    date: date
    title: Text
    codes: frozenset[str]
    names: Mapping[str, Text] = field(default_factory=dict)
    path: Path | None = None

    def __contains__(self, code: object) -> bool:
        return code in self.codes


@dataclass(frozen=True, slots=True)
class Standard:
    id: str
    version: str
    title: Text
    description: Text
    publisher: Text
    reference_note: Text | None
    lifecycle: Lifecycle
    base_uri: str
    message_types: Mapping[str, MessageType]
    requirements: Mapping[str, Requirement]
    classes: Mapping[str, ConformanceClass]
    code_lists: Mapping[str, CodeList]
    default_class: str | None
    root: Path
    content_hash: str
    conversations: Mapping[str, Conversation] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def manifest(self) -> Path:
        """The bundle's `standard.yaml`, which findings about the bundle name."""
        return self.root / BUNDLE_MANIFEST

    def requirements_of(self, class_id: str | None) -> tuple[Requirement, ...]:
        """Requirements of a class (with those it builds on), or all requirements for None."""
        if class_id is None:
            return tuple(self.requirements.values())
        return tuple(self.requirements[r] for r in self.classes[class_id].requirements)
