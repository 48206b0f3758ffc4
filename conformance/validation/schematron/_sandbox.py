"""What a rule set's XPath and XSLT may do: nothing that reads the host, and a clock pinned to the run.

A rule set is third-party data. Saxon lets XPath read environment variables, Java system properties
and the working directory, and both engines can reach functions by a name built at run time. The
engines deny file and network access themselves (libxslt `XSLTAccessControl.DENY_ALL`, Saxon
`allowedProtocols` empty); for the rest SaxonC offers no switch, so every expression of the
generated stylesheet is checked here before it is compiled, wherever the translator put it (rule
contexts, assertions, lets, messages, copied `xsl:function`s, keys, templates).

The check is lexical and errs on the side of refusing: string literals and comments are scanned
like code, so an assertion whose *text* spells `doc(` is refused too. What it must not miss is a
call, so names are found by a small XPath lexer (`_xpath.calls`: a numeric literal ends before
`-doc(`, prefixes are resolved against the element's namespaces, and comments between a name and its
`(` are skipped); this module holds the policy applied to what it finds.
Dynamic ways around a lexical check are refused outright: `function-lookup`, `xsl:evaluate`,
`transform`, `load-xquery-module`, EXSLT `dyn:`, shadow attributes (`_select="{...}"`, an
expression built at compile time), and extension instructions.

The clock and the random generator are rewritten to read stylesheet parameters that the engines
set from the run's `EvaluationContext`: the same inputs then give the same findings on every rerun.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from conformance.core.errors import SpecError

from ._source import CF_NS, XSL_NS, quote
from ._xpath import FN_NS, calls, skip_gap

EXSLT_DATES = "http://exslt.org/dates-and-times"
EXSLT_MATH = "http://exslt.org/math"

# Functions of the standard library (fn namespace, or unprefixed) that read the host, files or the
# network, or that find a function or a stylesheet by a name known only at run time.
_DENIED_FUNCTIONS = {
    "environment-variable": "reads the process environment",
    "available-environment-variables": "reads the process environment",
    "available-system-properties": "reads the host's system properties",
    "static-base-uri": "reveals where the tool runs",
    "doc": "reads a file or URL",
    "doc-available": "probes for a file or URL",
    "document": "reads a file or URL",
    "unparsed-text": "reads a file or URL",
    "unparsed-text-lines": "reads a file or URL",
    "unparsed-text-available": "probes for a file or URL",
    "unparsed-binary": "reads a file or URL",
    "collection": "reads a folder or URL",
    "uri-collection": "reads a folder or URL",
    "json-doc": "reads a file or URL",
    "csv-doc": "reads a file or URL",
    "transform": "loads and runs another stylesheet",
    "load-xquery-module": "loads and runs a query module",
    "function-lookup": "calls a function chosen at run time",
}
# system-property() is harmless for these (XSLT's own facts); Saxon answers any other name from
# the Java system properties (user.home, user.dir, ...).
_HARMLESS_PROPERTIES = frozenset({
    "version", "vendor", "vendor-url", "product-name", "product-version", "is-schema-aware",
    "supports-serialization", "supports-backwards-compatibility", "supports-namespace-axis",
    "supports-streaming", "supports-dynamic-evaluation", "supports-higher-order-functions",
    "xpath-version", "xsd-version",
})
_SYSTEM_PROPERTY = re.compile(r"\(\s*(['\"])xsl:([\w.\-]+)\1\s*\)")
# Whole namespaces of extensions: Saxon's own (and libxslt's emulation of old Saxon, which has
# `saxon:evaluate`), EXSLT dynamic (`dyn:evaluate`), libxslt's, Xalan's and Java reflection.
_DENIED_NAMESPACES = ("http://saxon.sf.net/", "http://icl.com/saxon", "http://exslt.org/dynamic",
                      "http://xmlsoft.org/XSLT/namespace", "http://xml.apache.org/xalan",
                      "http://www.jclark.com/xt", "java:", "clitype:")
# XSLT instructions that read or write documents, pull in other stylesheets or evaluate a string.
DENIED_INSTRUCTIONS = frozenset({
    "result-document", "include", "import", "import-schema", "use-package", "package",
    "evaluate", "source-document", "merge-source", "stream", "document",
})

# The clock and the random generator, per binding: name -> replacement (XPath text). In XSLT 1.0
# EXSLT's date functions without an argument read the clock: they are given the pinned one.
NOW, SEED, RANDOM = "now", "seed", "random"
_PINNED_FN = {
    "current-dateTime": ("$cfs:now", NOW),
    "current-date": ("cfxs:date($cfs:now)", NOW),
    "current-time": ("cfxs:time($cfs:now)", NOW),
    "implicit-timezone": ("timezone-from-dateTime($cfs:now)", NOW),
    "random-number-generator": ("random-number-generator($cfs:seed)", SEED),
}
_EXSLT_DATE_DEFAULT_NOW = frozenset({
    "date", "time", "year", "leap-year", "month-in-year", "month-name", "month-abbreviation",
    "week-in-year", "week-in-month", "day-in-year", "day-in-month", "day-of-week-in-month",
    "day-in-week", "day-name", "day-abbreviation", "hour-in-day", "minute-in-hour",
    "second-in-minute", "seconds",
})
# The values of XSLT's yes-or-no attributes (expand-text) that mean yes.
_TRUE = ("yes", "true", "1")


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_standard(uri: str | None) -> bool:
    return uri is None or uri == FN_NS


def _police(text: str, nsmap: dict[str | None, str], xslt1: bool, used: set[str]) -> str:
    """`text` with the clock pinned; _Refused for a call that reads the host."""
    found = calls(text, nsmap)
    if not found:
        return text
    out: list[str] = []
    last = 0
    for call in found:
        name = call.local
        if call.uri is not None and any(call.uri.startswith(ns) for ns in _DENIED_NAMESPACES):
            raise _Refused(f"calls the extension function {quote(name)} of {quote(call.uri)}")
        if _is_standard(call.uri):
            if name in _DENIED_FUNCTIONS:
                raise _Refused(f"calls {name}(), which {_DENIED_FUNCTIONS[name]}")
            if name == "system-property":
                harmless = _SYSTEM_PROPERTY.match(text, call.after)
                if call.reference or harmless is None or harmless.group(2) not in _HARMLESS_PROPERTIES:
                    raise _Refused("calls system-property() for something other than XSLT's own "
                                   "xsl:version, xsl:vendor, ... (it reads the host's properties)")
                continue
        replacement: tuple[str, str] | None = None
        if not xslt1 and _is_standard(call.uri) and name in _PINNED_FN:
            replacement = _PINNED_FN[name]
        elif xslt1 and call.uri == EXSLT_DATES and name in _EXSLT_DATE_DEFAULT_NOW | {"date-time"}:
            replacement = ("$cfs:now" if name == "date-time" else text[call.start : call.end] + "($cfs:now)",
                           NOW)
        elif xslt1 and call.uri == EXSLT_MATH and name == "random":
            replacement = ("$cfs:random", RANDOM)
        if replacement is None:
            continue
        if call.reference:
            raise _Refused(f"refers to {name}#...: call it directly, so that it can be pinned to the run")
        close = skip_gap(text, call.after + 1)
        if close >= len(text) or text[close] != ")":
            continue  # arguments given: random-number-generator($seed), date:year($d) are pure
        out.append(text[last : call.start])
        out.append(replacement[0])
        used.add(replacement[1])
        last = close + 1
    out.append(text[last:])
    return "".join(out)


def _expands_text(element: etree._Element) -> bool:
    node: etree._Element | None = element
    while node is not None:
        own = node.get("expand-text") if _is_xsl(node) else node.get(f"{{{XSL_NS}}}expand-text")
        if own is not None:
            return own.strip() in _TRUE
        node = node.getparent()
    return False


def _is_xsl(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and element.tag.startswith(f"{{{XSL_NS}}}")


def police_stylesheet(sheet: etree._Element, binding: str,
                      where: Callable[[etree._Element], str]) -> set[str]:
    """Refuse what reads the host, pin the clock in place; the pinned parameters the sheet now uses.

    `where(element)` names the Schematron source an element of the sheet came from.
    """
    xslt1 = binding == "xslt"
    used: set[str] = set()
    for element in sheet.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == f"{{{CF_NS}}}meta":
            continue
        try:
            _police_element(element, xslt1, used)
        except _Refused as refused:
            raise SpecError(f"the rule set {refused.reason}: rule sets may not read the host, "
                            "the network or files", location=where(element)) from None
    return used


def _police_element(element: etree._Element, xslt1: bool, used: set[str]) -> None:
    qname = etree.QName(element)
    namespace = qname.namespace or ""
    if namespace == XSL_NS and qname.localname in DENIED_INSTRUCTIONS:
        raise _Refused(f"uses xsl:{qname.localname}")
    if any(namespace.startswith(ns) for ns in _DENIED_NAMESPACES):
        raise _Refused(f"uses the extension element {quote(qname.localname)} of {quote(namespace)}")
    nsmap = element.nsmap
    xsl = namespace == XSL_NS
    for key, value in element.attrib.items():
        attribute = etree.QName(key)
        attr_ns = attribute.namespace or ""
        if attr_ns == CF_NS:
            continue  # our own bookkeeping, never evaluated
        extension = attr_ns == XSL_NS or (xsl and not attr_ns)
        if attribute.localname == "extension-element-prefixes" and extension:
            raise _Refused("declares extension instructions (extension-element-prefixes)")
        if xsl and not attr_ns and attribute.localname.startswith("_"):
            raise _Refused(f"uses the shadow attribute {quote(attribute.localname)}, an expression "
                           "built while compiling")
        if any(attr_ns.startswith(ns) for ns in _DENIED_NAMESPACES):
            raise _Refused(f"uses the extension attribute {quote(attribute.localname)}")
        policed = _police(value, nsmap, xslt1, used)
        if policed != value:
            element.set(key, policed)
    if _expands_text(element):
        if element.text:
            element.text = _police(element.text, nsmap, xslt1, used)
        for child in element:
            if child.tail:
                child.tail = _police(child.tail, nsmap, xslt1, used)
