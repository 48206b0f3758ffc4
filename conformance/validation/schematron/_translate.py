"""Our Schematron -> XSLT translation: one mode per pattern, one template per rule.

The generated stylesheet writes SVRL. It walks the document once per active pattern (elements, and
attributes too when a rule of that pattern can match one); within a pattern, rule templates get
descending priorities, so a node is handled by the first rule whose context matches it. Failed
assertions carry the location of their context node in the same form as the ISO skeleton, so
results can be compared with stylesheets compiled by the publisher.

Bookkeeping travels in the stylesheet itself: a `cfs:meta` top-level element (JSON) describes rules
and assertions, and `cfs:src` attributes tie generated instructions back to Schematron source
lines. The stylesheet text is therefore all the disk cache needs to hold.

Every sheet ends with `cfs:location`, the ISO skeleton's way of spelling a node's path. It is
fixed XSLT with nothing to substitute, so it ships as a file beside this module
(`location-xslt1.xsl`, `location-xslt2.xsl`), read once per process and copied into each sheet.
What the translator needs to know about XPath text is in `_xpath.py`; how the engines find their
way back from a failure to the source is in `_trace.py`.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.xmlparser import xml_parser

from ._expand import Plan, RulePlan, assertion_key, pattern_label
from ._sandbox import NOW, RANDOM, SEED, police_stylesheet
from ._source import CF_NS, FILE_ATTR, SCH_NS, XSL_NS, quote, where
from ._xpath import is_absolute, may_match_attributes

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
XS_NS = "http://www.w3.org/2001/XMLSchema"
# Bump when the generated XSLT changes: old disk-cache entries then stop matching.
TRANSLATOR_VERSION = "7"

_RESERVED = {"xsl": XSL_NS, "svrl": SVRL_NS, "cfs": CF_NS, "cfxs": XS_NS}
# Bound for the XPath 2/3 bindings whether or not the rule set declares it, as SchXslt and the
# ISO skeleton do: published rule sets (XRechnung) write `xs:decimal(...)` and `as="xs:boolean"`
# without an `ns` for it. A rule set's own `ns prefix="xs"` still wins.
_XPATH2_DEFAULTS = {"xs": XS_NS}
# On generated instructions: the Schematron source they came from, for errors (`_trace.py`).
SOURCE_LABEL = f"{{{CF_NS}}}src"
# On the instructions inside copied XSLT (a function's body): their own place in the source, so that
# an error names the line of the instruction, not only that of the function. Apart from SOURCE_LABEL,
# which the traced variant of a sheet announces: a rule's failure is still reported as the rule's.
SOURCE_PLACE = f"{{{CF_NS}}}at"
# How the label of a pattern's walk starts: coarser than the labels of the rules it walks to.
PATTERN_LABEL = "pattern "
# On SVRL results: the index of the rule (fired-rule) or assertion (failed-assert,
# successful-report) in the metadata, which the reader (`_compiled.py`) maps back.
RULE_ATTR = f"{{{CF_NS}}}r"
ASSERT_ATTR = f"{{{CF_NS}}}a"
_META = f"{{{CF_NS}}}meta"


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


def static_text(element: etree._Element) -> str:
    """The message of an assertion with value-of/name shown as `{expression}`."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == _sch("value-of"):
            parts.append("{" + child.get("select", "") + "}")
        elif child.tag == _sch("name"):
            parts.append("{name(" + child.get("path", "") + ")}")
        elif isinstance(child.tag, str):
            parts.append(static_text(child))
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
        if not self.xslt1:
            for prefix, uri in _XPATH2_DEFAULTS.items():
                nsmap.setdefault(prefix, uri)
        nsmap.update(_RESERVED)
        return nsmap

    def translate(self) -> etree._Element:
        plan = self.plan
        nsmap = self.nsmap()
        sheet = etree.Element(_x("stylesheet"), nsmap=nsmap)
        sheet.set("version", self.version)
        # The last resort of an error that no instruction of its own explains: the schema file.
        sheet.set(SOURCE_LABEL, f"schema at {where(plan.schema)}")
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
            if not count:
                # A pattern of lets only (XRechnung's "variable-pattern"): its variables are global,
                # there is nothing to walk, and an empty union would not compile.
                continue
            label = f"{PATTERN_LABEL}{pattern.id + ' ' if pattern.id else ''}at {where(pattern.element)}"
            if all(is_absolute(r.context) for r in pattern.rules):
                # Every context is an absolute path: select the nodes they match directly (in
                # document order, as the walk would visit them) instead of walking the whole
                # tree. First-match-wins still holds: each node goes to its best template.
                union = " | ".join(f"({r.context})" for r in pattern.rules)
                _sub(out, _x("apply-templates"), select=union, mode=mode).set(SOURCE_LABEL, label)
                walk = ""
            else:
                _sub(out, _x("apply-templates"), select="/", mode=mode).set(SOURCE_LABEL, label)
                walk = "@*|*" if any(may_match_attributes(r.context) for r in pattern.rules) else "*"
            for rule in pattern.rules:
                self._rule(sheet, rule, pattern.id, pattern.index, mode, 1000 + count - rule.index, walk)
            fallback = _sub(sheet, _x("template"), match="@*|node()", mode=mode, priority="-2")
            if walk:
                _sub(fallback, _x("apply-templates"), select=walk, mode=mode)

        sheet.append(_location(self.xslt1))
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
            label = node.get(SOURCE_PLACE) or node.get(SOURCE_LABEL)
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
        variable.set(SOURCE_LABEL, f"let {let.get('name')} at {where(let)}")
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
            SOURCE_LABEL,
            f"rule {element.get('id') or ''} context {quote(rule.context)} at {where(element)}".replace(
                "rule  ", "rule "
            ),
        )
        fired = _sub(template, _s("fired-rule"), context=_avt(rule.context))
        for attr in ("id", "role", "flag"):
            if element.get(attr):
                fired.set(attr, _avt(element.get(attr, "")))
        fired.set(RULE_ATTR, str(rule_index))
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
                "text": static_text(item),
                "src": where(item),
            }
        )
        label = f"{kind} {key} in rule context {quote(rule.context)} at {where(item)}"
        if kind == "assert":
            choose = _sub(template, _x("choose"))
            choose.set(SOURCE_LABEL, label)
            _sub(choose, _x("when"), test=test)
            body = _sub(choose, _x("otherwise"))
            result = _sub(body, _s("failed-assert"))
        else:
            body = _sub(template, _x("if"), test=test)
            body.set(SOURCE_LABEL, label)
            result = _sub(body, _s("successful-report"))
        result.set("test", _avt(test))
        for attr in ("id", "role", "flag", "see", "icon", "fpi", "subject"):
            value = item.get(attr) or (
                rule.element.get(attr) if attr in ("role", "flag", "subject") else None
            )
            if value:
                result.set(attr, _avt(value))
        result.set(ASSERT_ATTR, str(index))
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
                _sub(target, _x("value-of"), select=select).set(SOURCE_LABEL, f"value-of at {where(child)}")
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



def _copy(element: etree._Element) -> etree._Element:
    clone: etree._Element = etree.fromstring(etree.tostring(element))
    # Serialising and parsing again keeps the tree's shape: nodes pair up in document order.
    for node, original in zip(clone.iter(), element.iter(), strict=False):
        if not isinstance(node.tag, str):
            continue
        if FILE_ATTR in node.attrib:
            del node.attrib[FILE_ATTR]
        if node is not clone and etree.QName(node).namespace == XSL_NS:
            node.set(SOURCE_PLACE, f"xsl:{etree.QName(node).localname} at {where(original)}")
    # Copied XSLT says where it came from (for errors); a literal result element must not, as
    # its attributes are copied to the output.
    if etree.QName(clone).namespace == XSL_NS and SOURCE_LABEL not in clone.attrib:
        clone.set(SOURCE_LABEL, f"xsl:{etree.QName(clone).localname} at {where(element)}")
    return clone


def _location(xslt1: bool) -> etree._Element:
    """A fresh copy of the `cfs:location` template (XSLT 1.0) or function (2.0/3.0) for a new sheet."""
    return copy.deepcopy(_location_resource("location-xslt1.xsl" if xslt1 else "location-xslt2.xsl"))


@functools.cache
def _location_resource(name: str) -> etree._Element:
    # Read once per process; the files ship beside this module (package data `*.xsl`).
    data = resources.files(__name__.rpartition(".")[0]).joinpath(name).read_bytes()
    return etree.fromstring(data, xml_parser())


def translate(plan: Plan) -> str:
    """The XSLT text for a planned rule set (pretty-printed: one instruction per line)."""
    sheet = _Translator(plan).translate()
    return etree.tostring(sheet, pretty_print=True, encoding="unicode")


def metadata(xslt: etree._Element) -> dict[str, Any]:
    """The `cfs:meta` JSON of a generated stylesheet."""
    meta = xslt.find(_META)
    if meta is None or not meta.text:
        raise SpecError("generated stylesheet without metadata")
    data: dict[str, Any] = json.loads(meta.text)
    return data

