"""Running a generated stylesheet: libxslt (via lxml) for `xslt`, SaxonC-HE for `xslt2`/`xslt3`.

Both engines return SVRL bytes and map their failures into our errors: a stylesheet that does not
compile is a SpecError (the rule set is wrong), a failure while running is a RuleError naming the
rule, found by re-running a traced copy of the stylesheet. Neither engine may read files or use the
network while running a rule set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, Protocol

from lxml import etree

from conformance.core.errors import PayloadError, RuleError, SpecError

from ._translate import TRACE_PREFIX, source_of, trace_variant


class Engine(Protocol):
    """Runs one compiled stylesheet on documents."""

    def run(self, document: etree._ElementTree, name: str) -> bytes | etree._Element:
        """The SVRL output for `document`: bytes, or the result tree's root element."""
        ...


def _first_line(xslt: etree._Element, lines: list[int]) -> str | None:
    for line in lines:
        if line > 0:
            found = source_of(xslt, line)
            if found is not None:
                return found
    return None


class LxmlEngine:
    """XSLT 1.0 on libxslt with every kind of file and network access denied."""

    _ACCESS = etree.XSLTAccessControl.DENY_ALL

    def __init__(self, xslt: etree._Element) -> None:
        self.xslt = xslt
        try:
            self.transform = etree.XSLT(xslt, access_control=self._ACCESS)
        except etree.XSLTParseError as exc:
            log = exc.error_log
            where = _first_line(xslt, [entry.line for entry in log])
            detail = "; ".join(dict.fromkeys(entry.message for entry in log)) or str(exc)
            raise SpecError(f"rule set does not compile: {detail}", location=where) from exc
        self._traced: etree.XSLT | None = None

    def run(self, document: etree._ElementTree, name: str) -> etree._Element:
        try:
            result = self.transform(document)
        except etree.XSLTApplyError as exc:
            raise self._rule_error(document, name, str(exc)) from exc
        # The result tree is read in place: serialising and re-parsing it cost as much again.
        return result.getroot()

    def _rule_error(self, document: etree._ElementTree, name: str, message: str) -> RuleError:
        if self._traced is None:
            self._traced = etree.XSLT(trace_variant(self.xslt), access_control=self._ACCESS)
        rule: str | None = None
        try:
            self._traced(document)
        except etree.XSLTApplyError:
            rule = _last_label(e.message for e in self._traced.error_log)
        return _rule_error(message, name, rule)


def _last_label(messages: Iterable[str]) -> str | None:
    labels = [m[len(TRACE_PREFIX) :] for m in messages if m.startswith(TRACE_PREFIX)]
    return labels[-1] if labels else None


def _rule_error(message: str, name: str, rule: str | None) -> RuleError:
    text = " ".join(message.split()) or "the rule set failed while running"
    if rule:
        text = f"{text} (in {rule})"
    return RuleError(text, location=name or "<document>", rule=rule)


_SAXON: dict[str, Any] = {}


def saxon_processor() -> Any:
    """This process's SaxonC processor, created on first use, with external access disabled."""
    pid = os.getpid()
    if _SAXON.get("pid") != pid:
        try:
            import saxonche
        except ImportError as exc:  # pragma: no cover - saxonche is a declared dependency
            raise SpecError("xslt2/xslt3 rule sets need the saxonche package") from exc
        processor = saxonche.PySaxonProcessor(license=False)
        # Empty list of allowed protocols: doc(), unparsed-text(), collection() and friends can
        # reach neither files nor the network.
        processor.set_configuration_property("http://saxon.sf.net/feature/allowedProtocols", "")
        _SAXON.update(pid=pid, processor=processor, error=saxonche.PySaxonApiError)
    return _SAXON["processor"]


def _saxon_error() -> type[Exception]:
    saxon_processor()
    error: type[Exception] = _SAXON["error"]
    return error


_LINE = re.compile(r"on line (\d+)")


def document_text(document: etree._ElementTree) -> str:
    """The document as text for Saxon: root element plus top-level comments/PIs, never a DTD."""
    root = document.getroot()
    before = list(root.itersiblings(preceding=True))
    after = list(root.itersiblings())
    body = etree.tostring(root, encoding="unicode", with_tail=False)
    if not before and not after:
        return body
    parts = [etree.tostring(n, encoding="unicode", with_tail=False) for n in reversed(before)]
    parts.append(body)
    parts.extend(etree.tostring(n, encoding="unicode", with_tail=False) for n in after)
    return "\n".join(parts)


class SaxonEngine:
    """XSLT 2.0/3.0 on SaxonC-HE."""

    def __init__(self, text: str, xslt: etree._Element) -> None:
        self.xslt = xslt
        self.processor = saxon_processor()
        self.error = _saxon_error()
        self.executable = self._compile(text)
        self._traced: Any = None

    def _compile(self, text: str) -> Any:
        compiler = self.processor.new_xslt30_processor()
        try:
            return compiler.compile_stylesheet(stylesheet_text=text)
        except self.error as exc:
            message = str(exc)
            lines = [int(n) for n in _LINE.findall(message)]
            where = _first_line(self.xslt, lines)
            raise SpecError(
                f"rule set does not compile: {' '.join(message.split())}", location=where
            ) from exc

    def parse(self, text: str, name: str) -> Any:
        """A Saxon tree for `text`; PayloadError when Saxon cannot read it."""
        try:
            return self.processor.parse_xml(xml_text=text)
        except self.error as exc:
            raise PayloadError(f"cannot read document: {exc}", location=name or None) from exc

    def run(self, document: etree._ElementTree, name: str) -> bytes:
        return self.run_node(self.parse(document_text(document), name), name)

    def run_node(self, node: Any, name: str) -> bytes:
        """SVRL for a document already built by this process's Saxon processor."""
        try:
            output: str = self.executable.transform_to_string(xdm_node=node)
        except self.error as exc:
            raise self._rule_error(node, name, str(exc)) from exc
        if output is None:
            raise _rule_error("the rule set produced no output", name, None)
        return output.encode("utf-8")

    def _rule_error(self, node: Any, name: str, message: str) -> RuleError:
        if self._traced is None:
            traced = trace_variant(self.xslt)
            self._traced = self._compile(etree.tostring(traced, encoding="unicode"))
            self._traced.set_save_xsl_message(True)
        rule: str | None = None
        self._traced.clear_xsl_messages()
        try:
            self._traced.transform_to_string(xdm_node=node)
        except self.error:
            messages = self._traced.get_xsl_messages()
            rule = _last_label(str(item) for item in messages) if messages is not None else None
        return _rule_error(message, name, rule)
