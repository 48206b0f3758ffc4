"""What a payload author needs to know of one message type, as values (no rendering here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldKind(StrEnum):
    ELEMENT = "element"
    ATTRIBUTE = "attribute"
    PROPERTY = "property"  # a JSON object member
    ITEM = "item"  # the items of a JSON array
    CHOICE = "choice"  # exactly one of the children (XSD choice, JSON Schema oneOf/anyOf)
    SEQUENCE = "sequence"  # a repeated or optional group of children, in order
    ANY = "any"  # an XSD wildcard: elements of other namespaces


# A value a schema accepts, for a skeleton: text (XML, JSON strings) or a JSON scalar.
Sample = str | int | float | bool | None
DEPTH_CUT = "content not shown (--depth)"  # the note of a field whose content lies below the depth


@dataclass(frozen=True, slots=True)
class Limits:
    """How deep a structure is walked and how many fields it may hold (a bundle is third-party data)."""

    depth: int = 12
    fields: int = 2000
    required_only: bool = False  # what a skeleton needs: required fields, first alternatives
    samples: bool = True  # a value each field accepts, for a skeleton (`show` prints none)
    # JSON Schema `$ref` hops and `allOf` members followed, each weighing 1 plus the keywords it
    # copies: 50 members of 32 hops each, on every field of a 2 MB schema, took ten minutes.
    follows: int = 1_000_000


@dataclass(frozen=True, slots=True)
class Field:
    """An element, attribute or JSON member, with its cardinality, type and content in order.

    `path` binds requirements to the field: `/{ns}Envelope/{ns}MessageId`, `/{ns}Envelope/@version`
    (XML, Clark notation) or a JSON pointer with `*` for array items (`/payload/parts/*/id`).
    """

    name: str
    kind: FieldKind
    path: str
    min_occurs: int
    max_occurs: int | None  # None: unbounded
    type: str = ""
    namespace: str | None = None
    values: tuple[str, ...] = ()  # enumeration or const, as text
    value_count: int = 0  # how many values the schema lists (values may be cut short)
    fixed: str | None = None
    sample: Sample = None
    has_sample: bool = False  # sample None is JSON null only when this is set
    children: tuple[Field, ...] = ()
    note: str | None = None
    depth_cut: bool = False  # its content lies deeper than the walk went (the note says DEPTH_CUT)

    @property
    def required(self) -> bool:
        return self.min_occurs > 0

    def cardinality(self) -> str:
        """`[1..1]`, `[0..*]`: how often the field occurs where it may."""
        top = "*" if self.max_occurs is None else str(self.max_occurs)
        return f"[{self.min_occurs}..{top}]"


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One check of one requirement, placed on what it checks (an XPath or JSON pointer)."""

    target: str  # as the bundle writes it; "" for the whole payload (schema validity)
    requirement: str
    level: str
    how: str  # "schema", "rule EXC-X-009", "check uuid"
    path: str | None = None  # the canonical field path, when the target names one plainly


@dataclass(frozen=True, slots=True)
class CodeListUse:
    """A code list bound to a field by a check, with its values (sorted)."""

    target: str
    requirement: str
    code_list: str
    version: str
    values: tuple[str, ...]
    names: tuple[str, ...] = ()  # the English name of each value ("" when none)
    path: str | None = None


@dataclass(frozen=True, slots=True)
class MessageTypeDescription:
    id: str
    syntax: str
    title_en: str
    title_zh: str
    root: str | None
    namespace: str | None
    xpath: str | None
    pointer: str | None
    value: str | None
    schema: str | None  # bundle path
    rules: tuple[str, ...]
    examples: tuple[str, ...]
    namespaces: tuple[tuple[str, str], ...]
    structure: tuple[Field, ...]
    checks: tuple[FieldCheck, ...]
    code_lists: tuple[CodeListUse, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
