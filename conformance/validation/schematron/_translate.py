"""Our Schematron -> XSLT translation: one mode per pattern, one template per rule.

The generated stylesheet writes SVRL. It walks the document once per active pattern (elements, and
attributes too when a rule of that pattern can match one); within a pattern, rule templates get
descending priorities, so a node is handled by the first rule whose context matches it. Failed
assertions carry the location of their context node in the same form as the ISO skeleton, so
results can be compared with stylesheets compiled by the publisher.

Bookkeeping travels in the stylesheet itself: a `cfs:meta` top-level element (JSON) describes rules
and assertions, and `cfs:src` attributes tie generated instructions back to Schematron source
lines. The stylesheet text is therefore all the disk cache needs to hold.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError

from ._expand import Plan, RulePlan, assertion_key, pattern_label
from ._sandbox import NOW, RANDOM, SEED, police_stylesheet
from ._source import CF_NS, FILE_ATTR, SCH_NS, XSL_NS, quote, where

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
XS_NS = "http://www.w3.org/2001/XMLSchema"
# Bump when the generated XSLT changes: old disk-cache entries then stop matching.
TRANSLATOR_VERSION = "6"

_RESERVED = {"xsl": XSL_NS, "svrl": SVRL_NS, "cfs": CF_NS, "cfxs": XS_NS}
_SRC = f"{{{CF_NS}}}src"
_RULE_ATTR = f"{{{CF_NS}}}r"
_ASSERT_ATTR = f"{{{CF_NS}}}a"
_META = f"{{{CF_NS}}}meta"
TRACE_PREFIX = "cfs-trace: "


def _x(name: str) -> str:
    return f"{{{XSL_NS}}}{name}"


def _s(name: str) -> str:
    return f"{{{SVRL_NS}}}{name}"


def _sch(name: str) -> str:
    return f"{{{SCH_NS}}}{name}"


def _avt(text: str) -> str:
    """Text that must come out literally from an attribute value template."""
    return text.replace("{", "{{").replace("}", "}}")


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        element.set(key, value)
    return element


_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")
_ATTRIBUTE_HINT = re.compile(
    r"@|attribute|namespace|::|\$|~|\b(?:key|id|element-with-id|root|doc)\s*\(|(?:^|[\s|/(])\.(?:$|[\s|/)])"
)


def may_match_attributes(context: str) -> bool:
    """False only when a rule context can match nothing but elements, documents, text, comments."""
    text = _LITERAL.sub("''", context)
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(char)
    return bool(_ATTRIBUTE_HINT.search("".join(out)))


def _static_text(element: etree._Element) -> str:
    """The message of an assertion with value-of/name shown as `{expression}`."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == _sch("value-of"):
            parts.append("{" + child.get("select", "") + "}")
        elif child.tag == _sch("name"):
            parts.append("{name(" + child.get("path", "") + ")}")
        elif isinstance(child.tag, str):
            parts.append(_static_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


class _Translator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.version = {"xslt": "1.0", "xslt2": "2.0", "xslt3": "3.0"}[plan.binding]
        self.xslt1 = plan.binding == "xslt"
        self.rules: list[dict[str, Any]] = []
        self.assertions: list[dict[str, Any]] = []

    def nsmap(self) -> dict[str, str]:
        nsmap: dict[str, str] = {}
        for prefix, uri in self.plan.namespaces:
            if prefix in _RESERVED and _RESERVED[prefix] != uri:
                raise SpecError(
                    f"prefix {quote(prefix)} is reserved for {_RESERVED[prefix]}",
                    location=where(self.plan.schema),
                )
            nsmap[prefix] = uri
        # Foreign XSLT (functions, keys) may use prefixes declared only around it in the source.
        for element in self.plan.foreign:
            for prefix, uri in element.nsmap.items():
                if prefix and prefix not in nsmap and prefix not in _RESERVED:
                    nsmap[prefix] = uri
        nsmap.update(_RESERVED)
        return nsmap

    def translate(self) -> etree._Element:
        plan = self.plan
        nsmap = self.nsmap()
        sheet = etree.Element(_x("stylesheet"), nsmap=nsmap)
        sheet.set("version", self.version)
        if self.xslt1:
            sheet.set(
                "exclude-result-prefixes",
                " ".join(p for p in nsmap if p not in ("xsl", "svrl", "cfs")),
            )
        else:
            sheet.set("exclude-result-prefixes", "#all")
        meta = _sub(sheet, _META)
        _sub(sheet, _x("output"), method="xml", indent="no", encoding="UTF-8")

        for param in plan.params:
            self._variable(sheet, param, _x("param"))
        for element in plan.foreign:
            copied = _copy(element)
            sheet.append(copied)
        for let in plan.lets:
            self._variable(sheet, let, _x("variable"))

        root = _sub(sheet, _x("template"), match="/")
        out = _sub(root, _s("schematron-output"))
        title = plan.schema.find(_sch("title"))
        if title is not None:
            out.set("title", _avt(" ".join("".join(title.itertext()).split())))
        if plan.schema.get("schemaVersion"):
            out.set("schemaVersion", _avt(plan.schema.get("schemaVersion", "")))
        if plan.phase not in ("#ALL",):
            out.set("phase", _avt(plan.phase))
        for prefix, uri in plan.namespaces:
            _sub(out, _s("ns-prefix-in-attribute-values"), prefix=prefix, uri=_avt(uri))

        for pattern in plan.patterns:
            mode = f"cfs:p{pattern.index}"
            active = _sub(out, _s("active-pattern"))
            if pattern.id:
                active.set("id", _avt(pattern.id))
            name = pattern.element.find(_sch("title"))
            if name is not None:
                active.set("name", _avt(" ".join("".join(name.itertext()).split())))
            count = len(pattern.rules)
            if all(is_absolute(r.context) for r in pattern.rules):
                # Every context is an absolute path: select the nodes they match directly (in
                # document order, as the walk would visit them) instead of walking the whole
                # tree. First-match-wins still holds: each node goes to its best template.
                union = " | ".join(f"({r.context})" for r in pattern.rules)
                _sub(out, _x("apply-templates"), select=union, mode=mode)
                walk = ""
            else:
                _sub(out, _x("apply-templates"), select="/", mode=mode)
                walk = "@*|*" if any(may_match_attributes(r.context) for r in pattern.rules) else "*"
            for rule in pattern.rules:
                self._rule(sheet, rule, pattern.id, pattern.index, mode, 1000 + count - rule.index, walk)
            fallback = _sub(sheet, _x("template"), match="@*|node()", mode=mode, priority="-2")
            if walk:
                _sub(fallback, _x("apply-templates"), select=walk, mode=mode)

        self._location(sheet)
        # Everything author XPath/XSLT reaches is in the sheet now: check and pin it in one pass.
        pinned = police_stylesheet(sheet, plan.binding, self._source_of)
        self._pinned_params(sheet, pinned)
        meta.text = json.dumps(
            {
                "version": TRANSLATOR_VERSION,
                "binding": plan.binding,
                "phase": plan.phase,
                "pinned": sorted(pinned),
                "rules": self.rules,
                "assertions": self.assertions,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return sheet

    def _source_of(self, element: etree._Element) -> str:
        """The 'file:line <element>' of the Schematron source a generated element came from."""
        node: etree._Element | None = element
        while node is not None:
            label = node.get(_SRC)
            if label is not None and " at " in label:
                return label.rsplit(" at ", 1)[1]
            node = node.getparent()
        return where(self.plan.schema)

    def _pinned_params(self, sheet: etree._Element, pinned: set[str]) -> None:
        """Stylesheet parameters for the run's clock and seed, set by the engine on every run."""
        position = sheet.index(sheet.find(_x("output"))) + 1
        for name in sorted(pinned, reverse=True):
            if self.xslt1:
                default = {NOW: "'1970-01-01T00:00:00Z'", RANDOM: "0"}[name]
                param = etree.Element(_x("param"), name=f"cfs:{name}", select=default)
            else:
                kind, default = {NOW: ("cfxs:dateTime", "cfxs:dateTime('1970-01-01T00:00:00Z')"),
                                 SEED: ("cfxs:integer", "0")}[name]
                param = etree.Element(_x("param"), name=f"cfs:{name}", select=default)
                param.set("as", kind)
            sheet.insert(position, param)

    def _variable(self, parent: etree._Element, let: etree._Element, tag: str) -> None:
        variable = _sub(parent, tag, name=let.get("name", ""))
        variable.set(_SRC, f"let {let.get('name')} at {where(let)}")
        value = let.get("value")
        if value is not None:
            variable.set("select", value)
        elif tag == _x("param") and len(let) == 0 and not (let.text or "").strip():
            return
        else:
            # ISO 2016: a let without @value holds its element content as a (temporary) tree.
            variable.text = let.text
            for child in let:
                variable.append(_copy(child))

    def _rule(
        self,
        sheet: etree._Element,
        rule: RulePlan,
        pattern_id: str | None,
        pattern_index: int,
        mode: str,
        priority: int,
        walk: str,
    ) -> None:
        element = rule.element
        rule_index = len(self.rules)
        template = _sub(sheet, _x("template"), match=rule.context, mode=mode, priority=str(priority))
        template.set(
            _SRC,
            f"rule {element.get('id') or ''} context {quote(rule.context)} at {where(element)}".replace(
                "rule  ", "rule "
            ),
        )
        fired = _sub(template, _s("fired-rule"), context=_avt(rule.context))
        for attr in ("id", "role", "flag"):
            if element.get(attr):
                fired.set(attr, _avt(element.get(attr, "")))
        fired.set(_RULE_ATTR, str(rule_index))
        keys: list[int] = []
        pattern_name = pattern_label(pattern_id, pattern_index)
        position = 0
        for item in rule.items:
            if item.tag == _sch("let"):
                self._variable(template, item, _x("variable"))
            elif item.tag in (_sch("assert"), _sch("report")):
                position += 1
                keys.append(self._assertion(template, item, rule, pattern_id, pattern_name, position))
            else:
                template.append(_copy(item))
        if walk:
            _sub(template, _x("apply-templates"), select=walk, mode=mode)
        self.rules.append(
            {
                "id": element.get("id"),
                "context": rule.context,
                "pattern": pattern_id,
                "assertions": keys,
            }
        )

    def _assertion(
        self,
        template: etree._Element,
        item: etree._Element,
        rule: RulePlan,
        pattern_id: str | None,
        pattern_name: str,
        position: int,
    ) -> int:
        kind = "assert" if item.tag == _sch("assert") else "report"
        test = item.get("test")
        if test is None or not test.strip():
            raise SpecError(f"{kind} without test", location=where(item))
        index = len(self.assertions)
        key = assertion_key(item, pattern_name, rule.index, position)
        flag = item.get("flag") or rule.element.get("flag")
        role = item.get("role") or rule.element.get("role")
        self.assertions.append(
            {
                "key": key,
                "kind": kind,
                "test": test,
                "flag": flag,
                "role": role,
                "rule_id": rule.element.get("id"),
                "rule_context": rule.context,
                "pattern_id": pattern_id,
                "text": _static_text(item),
                "src": where(item),
            }
        )
        label = f"{kind} {key} in rule context {quote(rule.context)} at {where(item)}"
        if kind == "assert":
            choose = _sub(template, _x("choose"))
            choose.set(_SRC, label)
            _sub(choose, _x("when"), test=test)
            body = _sub(choose, _x("otherwise"))
            result = _sub(body, _s("failed-assert"))
        else:
            body = _sub(template, _x("if"), test=test)
            body.set(_SRC, label)
            result = _sub(body, _s("successful-report"))
        result.set("test", _avt(test))
        for attr in ("id", "role", "flag", "see", "icon", "fpi", "subject"):
            value = item.get(attr) or (
                rule.element.get(attr) if attr in ("role", "flag", "subject") else None
            )
            if value:
                result.set(attr, _avt(value))
        result.set(_ASSERT_ATTR, str(index))
        if self.xslt1:
            location = _sub(result, _x("attribute"), name="location")
            _sub(location, _x("call-template"), name="cfs:location")
        else:
            result.set("location", "{cfs:location(.)}")
        for ref in (item.get("diagnostics") or "").split():
            diagnostic = _sub(result, _s("diagnostic-reference"), diagnostic=_avt(ref))
            self._message(_sub(diagnostic, _s("text")), self.plan.diagnostics[ref])
        for ref in (item.get("properties") or "").split():
            prop = self.plan.properties[ref]
            reference = _sub(result, _s("property-reference"), property=_avt(ref))
            for attr in ("role", "scheme"):
                if prop.get(attr):
                    reference.set(attr, _avt(prop.get(attr, "")))
            self._message(_sub(reference, _s("text")), prop)
        self._message(_sub(result, _s("text")), item)
        return index

    def _message(self, target: etree._Element, source: etree._Element) -> None:
        """Translate mixed message content: text kept verbatim, value-of and name evaluated."""
        self._text(target, source.text)
        for child in source:
            if child.tag == _sch("value-of"):
                select = child.get("select")
                if not select:
                    raise SpecError("value-of without select", location=where(child))
                _sub(target, _x("value-of"), select=select).set(_SRC, f"value-of at {where(child)}")
            elif child.tag == _sch("name"):
                path = child.get("path")
                _sub(target, _x("value-of"), select=f"name({path})" if path else "name()")
            elif isinstance(child.tag, str):
                self._message(target, child)
            self._text(target, child.tail)

    @staticmethod
    def _text(target: etree._Element, text: str | None) -> None:
        if text:
            _sub(target, _x("text")).text = text

    def _location(self, sheet: etree._Element) -> None:
        if self.xslt1:
            _location_xslt1(sheet)
        else:
            _location_xslt2(sheet)


def _copy(element: etree._Element) -> etree._Element:
    clone: etree._Element = etree.fromstring(etree.tostring(element))
    for node in clone.iter():
        if isinstance(node.tag, str) and FILE_ATTR in node.attrib:
            del node.attrib[FILE_ATTR]
    # Copied XSLT says where it came from (for errors); a literal result element must not, as
    # its attributes are copied to the output.
    if etree.QName(clone).namespace == XSL_NS and _SRC not in clone.attrib:
        clone.set(_SRC, f"xsl:{etree.QName(clone).localname} at {where(element)}")
    return clone


# The location of a node, spelled like the ISO skeleton's default ("schematron-get-full-path")
# so that results line up with stylesheets compiled by publishers; the document node is given
# the path of its element, as the skeleton does.
_LOCATION_XSLT2 = """
<xsl:function xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="cfs:location"
    as="cfxs:string" xmlns:cfs="urn:egov-conformance:schematron"
    xmlns:cfxs="http://www.w3.org/2001/XMLSchema">
  <xsl:param name="n" as="node()"/>
  <xsl:choose>
    <xsl:when test="$n instance of document-node()">
      <xsl:sequence select="string-join(for $e in $n/* return cfs:location($e), '')"/>
    </xsl:when>
    <xsl:when test="$n instance of element()">
      <xsl:sequence select="string-join(for $a in $n/ancestor-or-self::* return concat('/',
        if (namespace-uri($a) = '') then name($a)
        else concat('*:', local-name($a), '[namespace-uri()=''', namespace-uri($a), ''']'),
        '[', 1 + count($a/preceding-sibling::*[node-name(.) eq node-name($a)]), ']'), '')"/>
    </xsl:when>
    <xsl:when test="$n instance of attribute()">
      <xsl:sequence select="concat(if ($n/..) then cfs:location($n/..) else '', '/',
        if (namespace-uri($n) = '') then concat('@', name($n))
        else concat('@*[local-name()=''', local-name($n), ''' and namespace-uri()=''',
                    namespace-uri($n), ''']'))"/>
    </xsl:when>
    <xsl:otherwise><xsl:sequence select="''"/></xsl:otherwise>
  </xsl:choose>
</xsl:function>
"""

# XPath 1.0 has no `*:name`; this form is both readable and evaluable by XPath 1.0 engines.
_LOCATION_XSLT1 = """
<xsl:template xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="cfs:location"
    xmlns:cfs="urn:egov-conformance:schematron">
  <xsl:choose>
    <xsl:when test="count(. | /) = 1">
      <xsl:for-each select="*"><xsl:call-template name="cfs:location"/></xsl:for-each>
    </xsl:when>
    <xsl:otherwise>
      <xsl:for-each select="ancestor-or-self::*">
        <xsl:text>/</xsl:text>
        <xsl:choose>
          <xsl:when test="namespace-uri() = ''"><xsl:value-of select="name()"/></xsl:when>
          <xsl:otherwise>
            <xsl:text>*[local-name()='</xsl:text><xsl:value-of select="local-name()"/>
            <xsl:text>' and namespace-uri()='</xsl:text><xsl:value-of select="namespace-uri()"/>
            <xsl:text>']</xsl:text>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:text>[</xsl:text>
        <xsl:value-of select="1 + count(preceding-sibling::*[local-name() = local-name(current())
            and namespace-uri() = namespace-uri(current())])"/>
        <xsl:text>]</xsl:text>
      </xsl:for-each>
      <xsl:if test="count(. | ../@*) = count(../@*)">
        <xsl:text>/</xsl:text>
        <xsl:choose>
          <xsl:when test="namespace-uri() = ''">@<xsl:value-of select="name()"/></xsl:when>
          <xsl:otherwise>
            <xsl:text>@*[local-name()='</xsl:text><xsl:value-of select="local-name()"/>
            <xsl:text>' and namespace-uri()='</xsl:text><xsl:value-of select="namespace-uri()"/>
            <xsl:text>']</xsl:text>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:if>
    </xsl:otherwise>
  </xsl:choose>
</xsl:template>
"""


def _location_xslt2(sheet: etree._Element) -> None:
    sheet.append(etree.fromstring(_LOCATION_XSLT2))


def _location_xslt1(sheet: etree._Element) -> None:
    sheet.append(etree.fromstring(_LOCATION_XSLT1))


def translate(plan: Plan) -> str:
    """The XSLT text for a planned rule set (pretty-printed: one instruction per line)."""
    sheet = _Translator(plan).translate()
    return etree.tostring(sheet, pretty_print=True, encoding="unicode")


def trace_variant(xslt: etree._Element) -> etree._Element:
    """A copy that announces every rule and assertion with xsl:message, to name a failing rule."""
    traced = etree.fromstring(etree.tostring(xslt))
    for element in list(traced.iter(_x("template"), _x("choose"), _x("if"))):
        label = element.get(_SRC)
        if label is None:
            continue
        message = etree.Element(_x("message"))
        message.text = TRACE_PREFIX + label
        if element.tag == _x("template"):
            # After the template's parameters, which must come first.
            params = [child for child in element if child.tag == _x("param")]
            element.insert(len(params), message)
        else:
            parent = element.getparent()
            assert parent is not None
            parent.insert(parent.index(element), message)
    return traced


def metadata(xslt: etree._Element) -> dict[str, Any]:
    """The `cfs:meta` JSON of a generated stylesheet."""
    meta = xslt.find(_META)
    if meta is None or not meta.text:
        raise SpecError("generated stylesheet without metadata")
    data: dict[str, Any] = json.loads(meta.text)
    return data


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
        label = node.get(_SRC)
        if label is not None:
            return label
        node = node.getparent()
    return None


def union_branches(context: str) -> list[str]:
    """The branches of an XPath union: `context` split at `|` outside brackets and quotes."""
    branches: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(context):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(context[start:index])
            start = index + 1
    branches.append(context[start:])
    return branches


def is_absolute(context: str) -> bool:
    """Whether every branch of a rule context (split at top-level `|`) is an absolute path."""
    branches = union_branches(context)
    return all(b.strip().startswith("/") for b in branches)
