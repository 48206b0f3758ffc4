"""The JSON selector: an RFC 6901 JSON pointer in which a step that is exactly `*` matches every
member of an object and every item of an array.

One parser and one walk serve both the targets of built-in checks (`targets.py`) and the contexts
of JSON rules (`jsonrules/_pointer.py`), so a selector means the same wherever a bundle writes it.
RFC 6901 decides: an array index is `0` or a non-zero digit followed by digits (`01`, `+1`, `-`
and non-ASCII digits select no item, though they still name a member), `~` is followed by `0` or
`1`, and `~1` decodes before `~0`. A member literally named `*` cannot be selected.

Two walks visit the same values in the same order: `Selector.values` (values only, the hot path:
every payload pays it) and `Selector.walk` (each value with a link to its parent's), whose
pointers are joined only for the values asked for.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from conformance.core.errors import SpecError

WILDCARD = "*"

# RFC 6901 array-index: ASCII digits without a leading zero (`\d` would take other scripts' digits).
_INDEX = re.compile(r"0|[1-9][0-9]*")
# Longer indexes than this exceed any list Python can hold, and `int()` refuses very long ones.
_MAX_INDEX_DIGITS = 18
_BAD_ESCAPE = re.compile(r"~(?![01])")

# Where a value sits, unjoined: (the parent's link, token); None at the root. The token is the
# selector's own Step for a named step (escaped once, when parsed), the member name for a `*` over
# an object (escaped only if its pointer is joined: names may be long) or the item index.
# A pointer repeats every name above it, so joining one per value would copy a long member name
# once per descendant: links keep the walk linear and pointers are joined only when asked for.
Link: TypeAlias = "tuple[Link, Step | str | int] | None"


def escape_token(token: str) -> str:
    """RFC 6901 escaping of one reference token ('~' -> '~0', '/' -> '~1')."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """The member name an RFC 6901 reference token stands for ('~1' decodes before '~0')."""
    return token.replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a selector: every member or item, or one member name (maybe an array index)."""

    token: str  # as written in the selector (escaped); "*" for the wildcard
    name: str  # the member name it stands for (decoded)
    index: int = -1  # the array index it stands for, -1 when none
    wildcard: bool = False


_EVERY = Step(WILDCARD, WILDCARD, wildcard=True)


@functools.lru_cache(maxsize=4096)  # the same few names recur in every selector of a bundle
def _step(raw: str) -> Step:
    if raw == WILDCARD:
        return _EVERY
    index = int(raw) if raw.isdigit() and len(raw) <= _MAX_INDEX_DIGITS and _INDEX.fullmatch(raw) else -1
    return Step(raw, unescape_token(raw) if "~" in raw else raw, index)


def step_of(raw: str) -> Step:
    """The step one raw (escaped) reference token stands for; `*` is the wildcard."""
    return _step(raw)


def parse_selector(text: object, *, what: str = "JSON pointer", where: str | None = None) -> Selector:
    """Parse a selector; SpecError at `where` when it is not one (`what` names it in the message)."""
    if type(text) is not str:
        raise SpecError(f"must be a JSON pointer string, found {text!r}", location=where)
    if text == "":
        return Selector("", ())
    if not text.startswith("/"):
        raise SpecError(f"{what} {text!r} must be empty or start with '/'", location=where)
    raws = text[1:].split("/")
    for raw in raws if "~" in text else ():
        bad = _BAD_ESCAPE.search(raw)
        if bad:
            raise SpecError(f"{what} {text!r}: '~' must be followed by 0 or 1 (RFC 6901), "
                            f"found {raw[bad.start():bad.start() + 2]!r}", location=where)
    return Selector(text, tuple(_step(raw) for raw in raws))


def format_selector(steps: tuple[Step, ...]) -> str:
    """The selector text of `steps` (parsing it gives `steps` back)."""
    return "".join("/" + step.token for step in steps)


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed selector; `values`, `walk` and `matches` find the same values in document order."""

    text: str
    steps: tuple[Step, ...]
    # The steps as the values walk reads them: None for `*`, else (name, index). Every payload pays
    # this walk once per selector, most often on a handful of nodes, so even a lookup counts.
    _plan: tuple[tuple[str, int] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plan = tuple(None if step.wildcard else (step.name, step.index) for step in self.steps)
        object.__setattr__(self, "_plan", plan)  # frozen: derived once, here

    def values(self, document: Any) -> list[Any]:
        """The selected values, without where they sit."""
        # Breadth first, one list per step: no generator frame per level and per node. Plain loops:
        # most steps start from one node, where a comprehension costs twice as much.
        nodes: list[Any] = [document]
        for step in self._plan:
            found: list[Any] = []
            if step is None:
                for node in nodes:
                    kind = type(node)
                    if kind is dict:
                        found.extend(node.values())
                    elif kind is list:
                        found.extend(node)
            else:
                name, index = step
                for node in nodes:
                    kind = type(node)
                    if kind is dict:
                        if name in node:
                            found.append(node[name])
                    elif kind is list and 0 <= index < len(node):
                        found.append(node[index])
            nodes = found
            if not nodes:
                break
        return nodes

    def walk(self, document: Any) -> list[tuple[Any, Link]]:
        """(value, link) for each selected value, in `values` order; `pointer(link)` says where."""
        nodes: list[tuple[Any, Link]] = [(document, None)]
        for step in self.steps:
            found: list[tuple[Any, Link]] = []
            if step.wildcard:
                for node, link in nodes:
                    kind = type(node)
                    if kind is dict:
                        found.extend([(child, (link, key)) for key, child in node.items()])
                    elif kind is list:
                        found.extend([(child, (link, i)) for i, child in enumerate(node)])
            else:
                name, index = step.name, step.index
                for node, link in nodes:
                    kind = type(node)
                    if kind is dict:
                        if name in node:
                            found.append((node[name], (link, step)))
                    elif kind is list and 0 <= index < len(node):
                        found.append((node[index], (link, step)))
            nodes = found
            if not nodes:
                break
        return nodes

    def matches(self, document: Any) -> Iterator[tuple[Any, str]]:
        """(value, concrete RFC 6901 pointer) for each selected value; each pointer joined when reached."""
        walked = self.walk(document)
        return zip((node for node, _ in walked), pointers(link for _, link in walked), strict=True)

    def __str__(self) -> str:
        return self.text


def pointer(link: Link) -> str:
    """The RFC 6901 pointer a link stands for."""
    tokens: list[str] = []
    while link is not None:
        link, token = link
        if isinstance(token, Step):
            tokens.append(token.token)
        elif isinstance(token, str):
            tokens.append(token.replace("~", "~0").replace("/", "~1"))  # escape_token, inlined
        else:
            tokens.append(str(token))
    tokens.append("")
    return "/".join(reversed(tokens))


def pointers(links: Iterable[Link]) -> Iterator[str]:
    """pointer(link) for each link, in turn; siblings share their parent's pointer, joined once."""
    parent: Link | bool = False  # no link is False: the first link's parent is never taken as known
    prefix = ""
    for link in links:
        if link is None:
            yield ""
            continue
        up, token = link
        if up is not parent:
            parent, prefix = up, pointer(up)
        if isinstance(token, Step):
            yield f"{prefix}/{token.token}"
        elif isinstance(token, str):
            yield f"{prefix}/{token.replace('~', '~0').replace('/', '~1')}"
        else:
            yield f"{prefix}/{token}"


def pointer_length(link: Link) -> int:
    """len(pointer(link)), without joining it."""
    size = 0
    while link is not None:
        link, token = link
        size += _token_length(token)
    return size


def pointer_lengths(links: Iterable[Link]) -> Iterator[int]:
    """pointer_length(link) for each link; a parent shared by siblings is measured once."""
    # Once per parent, not per link: 100,000 items under a 2 MB name are 2 MB to measure, not 200 GB.
    known: dict[Link, int] = {}  # a parent link -> its pointer's length (found by identity, mostly)
    for link in links:
        if link is None:
            yield 0
            continue
        up, token = link
        size = known.get(up)
        if size is None:
            size = known[up] = pointer_length(up)
        yield size + _token_length(token)


def _token_length(token: Step | str | int) -> int:
    """The length of "/" and the escaped token."""
    if isinstance(token, Step):
        return 1 + len(token.token)
    if isinstance(token, str):
        return 1 + len(token) + token.count("~") + token.count("/")
    return 1 + len(str(token))
