"""Schema errors said as what is wrong, and every error of a payload found, for XSD 1.0 and 1.1.

libxml2 reports a missing mandatory element as the next element being unexpected ("Element
'MessageType': This element is not expected. Expected is ( ConversationId )"), and after such an
error it checks nothing more of that parent's content. So an error is read structurally (the
element named, its following siblings, the names the content model expected, the names the schema
declares) and said again as the fix: "ConversationId is missing (expected before MessageType)",
located at the parent. And the payload is validated again on a copy repaired at each such error
(the missing element inserted, the stray one removed), so that the rest of that content is
checked too, until nothing went unchecked or MAX_REPAIR_PASSES ran (a count, not a clock: the
same payload always gives the same errors).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

# Each pass validates the whole copy again: bounded, since a hostile payload can hold an error in
# every parent.
MAX_REPAIR_PASSES = 8
MESSAGE_MAX_CHARS = 300

_UNEXPECTED = re.compile(
    r"Element '[^']*': This element is not expected\.(?: Expected is (?:one of )?\( (?P<expected>.*) \)\.)?",
    re.DOTALL)
_INCOMPLETE = re.compile(
    r"Element '[^']*': Missing child element\(s\)\. Expected is (?:one of )?\( (?P<expected>.*) \)\.",
    re.DOTALL)
_NO_ATTRIBUTE = re.compile(r"Element '(?P<element>[^']*)': The attribute '(?P<name>[^']*)' is required "
                           r"but missing\.", re.DOTALL)
_EXPECTED_NAME = re.compile(r"(?:##\w+)?\{[^{}]*\}[^\s,{}()]+|[^\s,{}()]+")
# A Clark name inside an engine's message: shown by its local name, as the payload's author wrote it.
_CLARK = re.compile(r"\{[^{}'\s]*\}([^\s',{}()]+)")


@dataclass(frozen=True, slots=True)
class Explained:
    """An engine's schema error said as what is wrong, in English and Chinese.

    `element` is the node to locate the violation at (the parent when an element is missing).
    """

    en: str
    zh: str
    element: Any
    # The parent whose content the error is about; None for errors of a value or an attribute.
    content_of: Any = None


@dataclass(frozen=True, slots=True)
class _Repair:
    """How to mend a copy so that the engine checks the content after an error."""

    insert: str | None  # the Clark name of an element to insert before `child`, or None: remove it
    child: Any
    # After removing a misplaced element, the engine would report its absence further on: noise.
    quiet_parent: bool


def capped(text: str, limit: int = MESSAGE_MAX_CHARS) -> str:
    """`text` with its middle cut to keep `limit` characters: messages quote hostile values."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…[{len(text) - 2 * half} characters]…{text[-half:]}"


def _qname(name: str) -> etree.QName | None:
    """`name` as a Clark name, or None when it is not one (a wildcard: '##other{urn:a}*', '*')."""
    try:
        return etree.QName(name)
    except ValueError:
        return None


def _shown(name: str, context: Any) -> str:
    """A Clark name as the author sees it: the local name, qualified when its namespace is not the
    namespace of `context` (the element the message speaks about); anything else as it is."""
    qname = _qname(name)
    if qname is None:
        return capped(name, 120)
    own = etree.QName(context).namespace if context is not None else None
    return capped(qname.localname if qname.namespace == own else name, 120)


def _listed(names: Sequence[str], context: Any, word: str) -> str:
    shown = [_shown(n, context) for n in names[:5]]
    more = f" (and {len(names) - 5} more)" if len(names) > 5 else ""
    return (", ".join(shown[:-1]) + f" {word} " + shown[-1] if len(shown) > 1 else shown[0]) + more


def _listed_zh(names: Sequence[str], context: Any) -> str:
    return "、".join(_shown(n, context) for n in names[:5]) + ("等" if len(names) > 5 else "")


def _is_name(name: str) -> bool:
    return _qname(name) is not None


def explain_content(parent: Any, child: Any | None, expected: Sequence[str] | None,
                    declared: frozenset[str], optional: frozenset[str]) -> tuple[Explained, _Repair | None]:
    """A content-model error of `parent` said as its fix.

    `child` is the element the engine did not expect (None: the content ended early), `expected`
    the Clark names or wildcards the content model allowed there (None or empty: nothing more),
    `declared` the local names of every element the schema declares, `optional` the local names
    the schema only ever makes optional.
    """
    p = _shown(parent.tag, parent)
    names = list(expected or ())
    if all(_is_name(n) for n in names):
        # "Expected is one of ( InReplyTo, MessageType )": the optional ones could come first, the
        # mandatory one is what is missing.
        needed = [n for n in names if etree.QName(n).localname not in optional]
        missing_names = needed if len(needed) == 1 else names
    else:
        missing_names = names

    def said(en: str, zh: str, at: Any) -> Explained:
        return Explained(en, zh, at, content_of=parent)

    if child is None:
        if len(missing_names) == 1 and _is_name(missing_names[0]):
            n = _shown(missing_names[0], parent)
            return said(f"{n} is missing (expected at the end of {p})", f"缺少 {n}（应位于 {p} 的末尾）",
                        parent), None
        if len(names) == 1:  # a wildcard: no name to give
            w = _shown(names[0], parent)
            return said(f"an element is missing at the end of {p} (expected {w})",
                        f"{p} 的末尾缺少元素（应为 {w}）", parent), None
        return said(f"an element is missing at the end of {p}: one of {_listed(names, parent, 'or')}",
                    f"{p} 的末尾缺少元素：{_listed_zh(names, parent)} 之一", parent), None
    x = _shown(child.tag, parent)
    remove = _Repair(None, child, quiet_parent=False)
    if not names:
        return said(f"{x} is not allowed here: nothing more is expected in {p}",
                    f"此处不允许 {x}：{p} 中不应再有元素", child), remove
    if not all(_is_name(n) for n in names):
        # A wildcard: no name to insert or to look for among the siblings.
        return said(f"{x} is not expected here in {p}", f"{p} 中此处不应出现 {x}", child), remove
    later = {e.tag for e in child.itersiblings() if isinstance(e.tag, str)}
    present = [n for n in names if n in later]
    if present:
        if etree.QName(child).localname not in declared:
            wanted = _listed(names, parent, "or")
            return said(f"{x} is not an element of this schema (expected {wanted} here)",
                        f"{x} 不是本模式声明的元素（此处应为 {_listed_zh(names, parent)}）", child), remove
        return (said(f"{x} is not expected here: {_listed(present, parent, 'and')} must come before it",
                     f"此处不应出现 {x}：{_listed_zh(present, parent)} 应位于其前", child),
                _Repair(None, child, quiet_parent=True))
    if len(missing_names) == 1:
        n = _shown(missing_names[0], parent)
        missing = said(f"{n} is missing (expected before {x})", f"缺少 {n}（应位于 {x} 之前）", parent)
    else:
        missing = said(f"an element is missing before {x}: one of {_listed(names, parent, 'or')}",
                       f"{x} 之前缺少元素：{_listed_zh(names, parent)} 之一", parent)
    # In a sequence libxml2 lists the optional elements first and the mandatory one last.
    return missing, _Repair(missing_names[-1], child, quiet_parent=False)


def _expected(text: str | None) -> list[str]:
    return _EXPECTED_NAME.findall(text or "")


def explain_libxml2(message: str, element: Any, declared: frozenset[str],
                    optional: frozenset[str]) -> tuple[Explained, _Repair | None]:
    """One libxml2 error about `element`, said as what is wrong (and how to check past it)."""
    message = message.strip()
    found = _UNEXPECTED.fullmatch(message)
    parent = element.getparent() if element is not None else None
    if found is not None and parent is not None:
        return explain_content(parent, element, _expected(found["expected"]), declared, optional)
    found = _INCOMPLETE.fullmatch(message)
    if found is not None and element is not None:
        return explain_content(element, None, _expected(found["expected"]), declared, optional)
    found = _NO_ATTRIBUTE.fullmatch(message)
    if found is not None and element is not None:
        e, a = _shown(found["element"], element), capped(found["name"], 120)
        return Explained(f"attribute {a} of {e} is missing", f"{e} 缺少属性 {a}", element), None
    plain = capped(_CLARK.sub(r"\1", message))
    return Explained(plain, plain, element), None


@dataclass(frozen=True, slots=True)
class Libxml2Violation:
    """One error of the libxml2 passes, located at an element of the original tree."""

    explained: Explained
    line: int | None
    xpath: str | None
    engine_message: str


class _Copy:
    """The tree being repaired, and which element of the original each of its elements is."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = copy.deepcopy(tree)
        pairs = list(zip(self.tree.getroot().iter(), tree.getroot().iter(), strict=True))
        # The values hold both sides' proxies, so that each id stays its own.
        self._original = {id(c): o for c, o in pairs}
        self._mine = {id(o): c for c, o in pairs}

    def original(self, element: Any) -> Any:
        return self._original.get(id(element))

    def mine(self, original: Any) -> Any:
        return self._mine.get(id(original))


def libxml2_violations(schema: etree.XMLSchema, tree: etree._ElementTree, first_log: Iterable[Any],
                       declared: frozenset[str], limit: int, optional: frozenset[str]
                       ) -> list[Libxml2Violation]:
    """Every error of `tree` (at most `limit`): the first pass's log, then the repaired passes'.

    A repaired pass validates with `schema` again: its XMLSchemaValidateError is the caller's to
    handle, as for the first pass.
    """
    found: list[Libxml2Violation] = []
    seen: set[tuple[str, str]] = set()
    quiet: set[int] = set()  # ids of original parents whose further content errors are noise
    work: _Copy | None = None
    log = list(first_log)
    for passes in range(MAX_REPAIR_PASSES + 1):
        nodes = _Nodes(tree if work is None else work.tree)
        original = (lambda e: e) if work is None else work.original
        repairs: list[_Repair] = []
        for entry in log:
            node = nodes.find(entry.path or "")
            if node is not None and original(node) is None:
                continue  # inside an element we inserted: not the author's
            explained, repair = explain_libxml2(entry.message, node, declared, optional)
            if repair is not None:
                repairs.append(repair)
            if passes and explained.content_of is not None and id(original(explained.content_of)) in quiet:
                continue
            target = original(explained.element) if explained.element is not None else None
            path = tree.getpath(target) if target is not None else entry.path or ""
            key = (path, explained.en)
            if key in seen:
                continue
            seen.add(key)
            found.append(_located(explained, target, path, entry))
            if len(found) >= limit:
                return found
        if not repairs or passes == MAX_REPAIR_PASSES:
            return found
        if work is None:
            work = _Copy(tree)
            repairs = [_Repair(r.insert, work.mine(r.child), r.quiet_parent) for r in repairs]
        for repair in repairs:
            parent = repair.child.getparent() if repair.child is not None else None
            if parent is None:
                continue
            if repair.quiet_parent:
                quiet.add(id(work.original(parent)))
            if repair.insert is None:
                parent.remove(repair.child)
            else:
                repair.child.addprevious(etree.Element(repair.insert))
        schema.validate(work.tree)
        log = list(schema.error_log)
    return found


def _located(explained: Explained, element: Any, path: str, entry: Any) -> Libxml2Violation:
    if element is None:
        return Libxml2Violation(explained, entry.line or None, entry.path or None, entry.message)
    return Libxml2Violation(explained, element.sourceline, path, entry.message)


class _Nodes:
    """The elements of a validated tree, found by the path libxml2 gives them.

    `getpath` is the same libxml2 function, but it counts an element's siblings: a map of every
    element's path costs time quadratic in the siblings (20,000 lines, 22 s), whereas one path is
    followed down its steps and confirmed by `getpath` in linear time. Indexing by source line
    would not do: a payload on one line has every element on it. The whole map stays as a fallback,
    built once, for a path the steps do not lead to.
    """

    def __init__(self, tree: etree._ElementTree) -> None:
        self._tree = tree
        self._all: dict[str, Any] | None = None

    def find(self, path: str) -> Any:
        if not path:
            return None
        node = self._followed(path)
        if node is not None and self._tree.getpath(node) == path:
            return node
        if self._all is None:
            self._all = {self._tree.getpath(e): e for e in self._tree.getroot().iter(etree.Element)}
        return self._all.get(path)

    def _followed(self, path: str) -> Any:
        """The element `path` leads to, read as libxml2 writes it ('/p:a/*[3]/b[2]'), or None."""
        if not path.startswith("/"):
            return None
        node: Any = None
        for step in path[1:].split("/"):
            found = _STEP.fullmatch(step)
            if found is None:
                return None
            children = (self._tree.getroot(),) if node is None else node.iterchildren(etree.Element)
            node = _nth(children, found["name"], int(found["index"] or 1))
            if node is None:
                return None
        return node


# A step of libxml2's path: 'name', 'prefix:name' or '*' (an element of a default namespace, counted
# among all its element siblings), with its position among the siblings it counts.
_STEP = re.compile(r"(?P<name>[^/\[\]]+)(?:\[(?P<index>[1-9][0-9]{0,9})\])?")


def _nth(elements: Iterable[Any], name: str, index: int) -> Any:
    """The `index`th of `elements` that the step `name` counts, or None."""
    for element in elements:
        if _named(element, name):
            index -= 1
            if index == 0:
                return element
    return None


def _named(element: Any, name: str) -> bool:
    if name == "*":
        return True
    prefix, _, local = name.rpartition(":")
    qname = etree.QName(element)
    return qname.localname == local and (element.prefix == prefix if prefix else qname.namespace is None)
