"""The one YAML loader of the project: JSON-shaped data out of third-party YAML, within budgets.

Manifests (`standard.yaml`), JSON rule files and payload manifests are written by others. PyYAML's
safe loader builds no objects, but it has no budgets of its own: an alias is a shared object, so a
1.5 KB "billion laughs" document loads in microseconds and then blows up in whatever walks it as a
tree (JSON Schema validation, printing, copying); nesting recurses on the Python stack; an integer
of 5,000 digits raises ValueError, not a YAML error. This loader counts while composing, before
anything is built:

- expanded nodes and scalar characters, an alias counting as the whole subtree it repeats
  (`YAML_MAX_NODES`, `YAML_MAX_CHARS`), and an alias inside its own anchor is refused;
- nesting depth (`YAML_MAX_DEPTH`) and the length of an integer scalar (`YAML_MAX_INT_DIGITS`);
- duplicate keys are refused (PyYAML keeps the last silently: a reviewer would read another value
  than the tool uses), and only JSON's types come out: timestamps stay strings (or, on request,
  dates), `!!binary`, `!!set`, `!!omap`, `!!pairs` and unknown tags are refused.

Every failure is the caller's error type (`SpecError` for a bundle) located at `file:line:column`,
and quotes at most `QUOTE_MAX_CHARS` of the document, escaped.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from conformance.core.errors import ConformanceError, PayloadError, SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import (
    MANIFEST_MAX_BYTES,
    QUOTE_MAX_CHARS,
    YAML_MAX_CHARS,
    YAML_MAX_DEPTH,
    YAML_MAX_INT_DIGITS,
    YAML_MAX_NODES,
)

try:  # libyaml's parser is about 7x faster; our composer and budgets run on its events either way.
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_JSON_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")}


def _short_repr() -> reprlib.Repr:
    # reprlib stops early at each level: the repr of an aliased tree is never built in full.
    short = reprlib.Repr()
    short.maxstring = short.maxother = QUOTE_MAX_CHARS
    short.maxlevel, short.maxlist, short.maxdict = 3, 6, 6
    return short


_SHORT = _short_repr()


def quote(value: object, limit: int = QUOTE_MAX_CHARS) -> str:
    """A repr of `value` of at most `limit` characters, control characters escaped: safe in a message."""
    # Never the repr of a huge string or tree only to cut it.
    text = repr(value[: limit + 1]) if isinstance(value, str) else _SHORT.repr(value)
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Budget(Exception):
    """A budget ran out while composing (caught in `parse_yaml` and turned into the caller's error)."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Resolver(Resolver):
    """YAML 1.1 implicit types without timestamps: a date is the string the author wrote."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


class _JsonConstructor(SafeConstructor):
    """SafeConstructor limited to JSON's types; a scalar that does not convert is a YAML error."""

    def construct_undefined(self, node: Node) -> Any:
        raise ConstructorError(None, None, f"tag {quote(node.tag)} is not allowed (JSON types only)",
                               node.start_mark)

    def _scalar(self, convert: Any, node: Node) -> Any:
        try:
            return convert(self, node)
        except (ValueError, KeyError, IndexError):
            # `!!int "x"`, `!!bool "maybe"`, `!!int ""`: PyYAML raises these raw.
            kind = node.tag.rsplit(":", 1)[-1]
            raise ConstructorError(None, None, f"{quote(node.value)} is not a valid {kind}",
                                   node.start_mark) from None

    def construct_yaml_int(self, node: Node) -> Any:
        return self._scalar(SafeConstructor.construct_yaml_int, node)

    def construct_yaml_float(self, node: Node) -> Any:
        return self._scalar(SafeConstructor.construct_yaml_float, node)

    def construct_yaml_bool(self, node: Node) -> Any:
        return self._scalar(SafeConstructor.construct_yaml_bool, node)


_JsonConstructor.yaml_constructors = {
    tag: getattr(_JsonConstructor, constructor.__name__)
    for tag, constructor in SafeConstructor.yaml_constructors.items() if tag in _JSON_TAGS
}
_JsonConstructor.yaml_constructors[None] = _JsonConstructor.construct_undefined


class _DatedConstructor(_JsonConstructor):
    """JSON's types and YAML dates, for a reader that refuses a date with its own message."""


_DatedConstructor.yaml_constructors = {
    **_JsonConstructor.yaml_constructors,
    _TIMESTAMP: SafeConstructor.yaml_constructors[_TIMESTAMP],
}


class _BudgetComposer(Composer):
    """PyYAML's composer, counting the document as the tree its readers will walk."""

    peek_event: Callable[[], Any]  # from the parser it is mixed with (annotation only)

    def __init__(self) -> None:
        super().__init__()
        self._nodes = 0
        self._chars = 0
        self._depth = 0
        # (nodes, chars) of each complete anchored subtree; an anchor not here yet is still open.
        self._anchored: dict[int, tuple[int, int]] = {}

    def _charge(self, nodes: int, chars: int, mark: Any) -> None:
        self._nodes += nodes
        self._chars += chars
        if self._nodes > YAML_MAX_NODES:
            raise _Budget(f"the document expands to more than {YAML_MAX_NODES} nodes "
                          "(an alias counts as every node it repeats)", mark)
        if self._chars > YAML_MAX_CHARS:
            raise _Budget(f"the document expands to more than {YAML_MAX_CHARS} characters of text "
                          "(an alias counts as all the text it repeats)", mark)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            alias: Node = super().compose_node(parent, index)  # type: ignore[assignment]
            size = self._anchored.get(id(alias))
            if size is None:
                raise _Budget(f"alias {quote(event.anchor)} refers to a node that contains it "
                              "(a recursive structure)", event.start_mark)
            self._charge(*size, event.start_mark)
            return alias
        if self._depth >= YAML_MAX_DEPTH:
            raise _Budget(f"nested deeper than {YAML_MAX_DEPTH} levels", event.start_mark)
        start = (self._nodes, self._chars)
        self._charge(1, len(event.value) if isinstance(event, ScalarEvent) else 0, event.start_mark)
        self._depth += 1
        try:
            node: Node = super().compose_node(parent, index)  # type: ignore[assignment]
        finally:
            self._depth -= 1
        if event.anchor is not None:
            self._anchored[id(node)] = (self._nodes - start[0], self._chars - start[1])
        return node

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        node = super().compose_scalar_node(anchor)
        if node.tag == _INT and len(node.value) > YAML_MAX_INT_DIGITS:
            # Beyond Python's 4,300-digit limit int() raises; below it, base-60 and huge values
            # still cost quadratic time and cannot be printed. No standard needs such a number.
            raise _Budget(f"integer of {len(node.value)} characters, over the limit of "
                          f"{YAML_MAX_INT_DIGITS}", node.start_mark)
        return node

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if isinstance(key, ScalarNode) and key.tag != _MERGE:
                if (key.tag, key.value) in seen:
                    raise _Budget(f"duplicate key {quote(key.value)}", key.start_mark)
                seen.add((key.tag, key.value))
        return node


class _Loader(_BudgetComposer, _Parser, _JsonConstructor, _Resolver):
    """Events from libyaml (or PyYAML's parser), our composer, JSON-only construction."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        _BudgetComposer.__init__(self)
        _JsonConstructor.__init__(self)
        _Resolver.__init__(self)


class _DatedLoader(_BudgetComposer, _Parser, _DatedConstructor, Resolver):
    """The same, with YAML 1.1's implicit dates (`2024-01-01` becomes a `date`)."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        _BudgetComposer.__init__(self)
        _DatedConstructor.__init__(self)
        Resolver.__init__(self)


def _at(where: str, mark: Any) -> str:
    return f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None else where


def _error(error: type[ConformanceError], message: str, location: str) -> ConformanceError:
    if issubclass(error, PayloadError):
        return error(message, location=location, message_zh=message)
    return error(message, location=location)


def _yaml_problem(exc: yaml.YAMLError) -> tuple[str, Any]:
    """What PyYAML says went wrong, capped (its messages quote anchors, tags and values whole)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        text = "; ".join(parts) or "invalid YAML"
        return quote(text, 2 * QUOTE_MAX_CHARS)[1:-1], exc.problem_mark or exc.context_mark
    return quote(str(exc), 2 * QUOTE_MAX_CHARS)[1:-1], None


def parse_yaml(data: bytes, *, where: str, error: type[ConformanceError] = SpecError,
               what: str = "YAML file", dates: bool = False) -> Any:
    """The one document in `data` (UTF-8 YAML) as JSON-shaped values, or `error` located in `where`.

    Unquoted dates stay the text written, unless `dates`: then they are `date` values, for a
    reader that refuses them with a message of its own (JSON rules: "quote it if text is meant").
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(error, f"{what} is not UTF-8 (byte {exc.start})", where) from None
    loader = _DatedLoader(text) if dates else _Loader(text)
    try:
        return loader.get_single_data()
    except _Budget as exc:
        raise _error(error, f"{what}: {exc.message}", _at(where, exc.mark)) from None
    except yaml.YAMLError as exc:
        problem, mark = _yaml_problem(exc)
        raise _error(error, f"{what} is not valid YAML: {problem}", _at(where, mark)) from None
    finally:
        loader.dispose()


def read_yaml(path: Path, *, max_bytes: int = MANIFEST_MAX_BYTES, error: type[ConformanceError] = SpecError,
              what: str = "YAML file", what_zh: str = "YAML 文件") -> Any:
    """Read a YAML file (regular, at most `max_bytes`, never blocking) and parse it within the budgets."""
    data = read_bounded(path, max_bytes=max_bytes, error=error, what=what, what_zh=what_zh)
    return parse_yaml(data, where=str(path), error=error, what=what)
