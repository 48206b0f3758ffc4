"""From a failure in a generated stylesheet back to the Schematron source it came from.

The translator labels what it generates with `cfs:src` ("assert BR-01 in rule context ... at
file:line"). When an engine refuses to compile a sheet, the line it names is looked up here; when a
rule fails while running, the engines run a traced copy of the sheet that announces every label
with `xsl:message` as it goes, and the last label announced names the rule. Tracing costs a second
compile, so it happens only after a failure, never on the path of a conformant payload.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from ._source import XSL_NS
from ._translate import PATTERN_LABEL, SOURCE_LABEL, SOURCE_PLACE

# Saxon places a compile error in the generated sheet: "on line 13 column 32 of file:///cwd/:". The
# sheet is compiled from text, so the URI is the working folder: a name that tells an author nothing.
_SAXON_PLACE = re.compile(r"\bon line (\d+)(?: column \d+)?(?: of \S*?)?:(?=\s|$)")
# Marks our own xsl:message output among whatever else a rule set's XSLT may emit.
_TRACE_PREFIX = "cfs-trace: "
_TEMPLATE, _CHOOSE, _IF = f"{{{XSL_NS}}}template", f"{{{XSL_NS}}}choose", f"{{{XSL_NS}}}if"
_PARAM, _MESSAGE = f"{{{XSL_NS}}}param", f"{{{XSL_NS}}}message"


def trace_variant(xslt: etree._Element) -> etree._Element:
    """A copy that announces every rule and assertion with xsl:message, to name a failing rule."""
    traced = etree.fromstring(etree.tostring(xslt))
    for element in list(traced.iter(_TEMPLATE, _CHOOSE, _IF)):
        label = element.get(SOURCE_LABEL)
        if label is None:
            continue
        message = etree.Element(_MESSAGE)
        message.text = _TRACE_PREFIX + label
        if element.tag == _TEMPLATE:
            # After the template's parameters, which must come first.
            params = [child for child in element if child.tag == _PARAM]
            element.insert(len(params), message)
        else:
            parent = element.getparent()
            assert parent is not None
            parent.insert(parent.index(element), message)
    return traced


def last_label(messages: Iterable[str]) -> str | None:
    """The label of the last rule or assertion a traced run announced, if it announced any."""
    labels = [m[len(_TRACE_PREFIX) :] for m in messages if m.startswith(_TRACE_PREFIX)]
    return labels[-1] if labels else None


def source_of(xslt: etree._Element, line: int) -> str | None:
    """The Schematron source described by the generated instruction at `line`, if any.

    The sheet's own label (the schema file) answers for an instruction without one of its own.
    """
    best: etree._Element | None = None
    for element in xslt.iter():
        if isinstance(element.tag, str) and element.sourceline is not None and element.sourceline <= line:
            best = element
        elif element.sourceline is not None and element.sourceline > line:
            break
    node = best
    while node is not None:
        label = node.get(SOURCE_PLACE) or node.get(SOURCE_LABEL)
        if label is not None:
            return label
        node = node.getparent()
    return None


def first_source(xslt: etree._Element, lines: Iterable[int]) -> str | None:
    """The most precise source among `lines` (an engine's error report), the first of its kind.

    A rule, assertion, let or copied instruction beats its pattern (a pattern's walk selects the
    union of its rule contexts, so a broken context is reported there too), which beats the schema.
    """
    fallback = xslt.get(SOURCE_LABEL)
    found = [source_of(xslt, line) for line in lines if line > 0]
    named = [label for label in found if label is not None and label != fallback]
    precise = [label for label in named if not label.startswith(PATTERN_LABEL)]
    return (precise or named or [fallback])[0]


def explain_saxon(xslt: etree._Element, message: str) -> tuple[str, str | None]:
    """Saxon's compile message with its places named by their Schematron source; the error's location."""
    lines = [int(match.group(1)) for match in _SAXON_PLACE.finditer(message)]

    def named(match: re.Match[str]) -> str:
        source = source_of(xslt, int(match.group(1)))
        return f"({source}):" if source is not None else "(in the generated stylesheet):"

    return " ".join(_SAXON_PLACE.sub(named, message).split()), first_source(xslt, lines)
