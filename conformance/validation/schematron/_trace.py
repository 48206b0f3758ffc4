"""From a failure in a generated stylesheet back to the Schematron source it came from.

The translator labels what it generates with `cfs:src` ("assert BR-01 in rule context ... at
file:line"). When an engine refuses to compile a sheet, the line it names is looked up here; when a
rule fails while running, the engines run a traced copy of the sheet that announces every label
with `xsl:message` as it goes, and the last label announced names the rule. Tracing costs a second
compile, so it happens only after a failure, never on the path of a conformant payload.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ._source import XSL_NS
from ._translate import SOURCE_LABEL

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
    """The Schematron source described by the generated instruction at `line`, if any."""
    best: etree._Element | None = None
    for element in xslt.iter():
        if isinstance(element.tag, str) and element.sourceline is not None and element.sourceline <= line:
            best = element
        elif element.sourceline is not None and element.sourceline > line:
            break
    node = best
    while node is not None:
        label = node.get(SOURCE_LABEL)
        if label is not None:
            return label
        node = node.getparent()
    return None


def first_source(xslt: etree._Element, lines: Iterable[int]) -> str | None:
    """The source of the first of `lines` (an engine's error report) that has one."""
    for line in lines:
        if line > 0:
            found = source_of(xslt, line)
            if found is not None:
                return found
    return None
