"""Running a generated stylesheet: libxslt (via lxml) for `xslt`, SaxonC-HE for `xslt2`/`xslt3`.

Both engines return SVRL bytes and map their failures into our errors: a stylesheet that does not
compile is a SpecError (the rule set is wrong), a failure while running is a RuleError naming the
rule, found by re-running a traced copy of the stylesheet (`_trace.py` maps both back to the
Schematron source). Neither engine may read files or use the network while running a rule set.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from typing import Any, Protocol

from lxml import etree

from conformance.core.errors import PayloadError, RuleError, SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.limits import SAXON_OPTIMIZATION

from ._sandbox import NOW, RANDOM, SEED
from ._source import CF_NS
from ._trace import explain_saxon, first_source, last_label, trace_variant


class Engine(Protocol):
    """Runs one compiled stylesheet on documents."""

    def run(self, document: etree._ElementTree, name: str,
            evaluation: EvaluationContext) -> bytes | etree._Element:
        """The SVRL output for `document`: bytes, or the result tree's root element."""
        ...


_DEFAULT: list[EvaluationContext] = []


def default_evaluation() -> EvaluationContext:
    """The context of a caller that names none: this process's first use, the same ever after."""
    if not _DEFAULT:
        _DEFAULT.append(EvaluationContext())
    return _DEFAULT[0]


def _param(name: str) -> str:
    return f"{{{CF_NS}}}{name}"


def _instant(evaluation: EvaluationContext) -> str:
    return evaluation.now.isoformat().replace("+00:00", "Z")


def _random(evaluation: EvaluationContext) -> float:
    """EXSLT math:random() answers one number per run, derived from the run's seed."""
    return random.Random(evaluation.seed).random()  # noqa: S311 - reproducible on purpose, not a secret


class LxmlEngine:
    """XSLT 1.0 on libxslt with every kind of file and network access denied."""

    _ACCESS = etree.XSLTAccessControl.DENY_ALL

    def __init__(self, xslt: etree._Element, pinned: Sequence[str] = ()) -> None:
        self.xslt = xslt
        self.pinned = tuple(pinned)
        self._params: tuple[EvaluationContext | None, dict[str, Any]] = (None, {})
        try:
            self.transform = etree.XSLT(xslt, access_control=self._ACCESS)
        except etree.XSLTParseError as exc:
            log = exc.error_log
            where = first_source(xslt, [entry.line for entry in log])
            detail = "; ".join(dict.fromkeys(entry.message for entry in log)) or str(exc)
            raise SpecError(f"rule set does not compile: {detail}", location=where) from exc
        self._traced: etree.XSLT | None = None

    def params(self, evaluation: EvaluationContext) -> dict[str, Any]:
        """The pinned clock and random number as libxslt parameters (kept while the context holds)."""
        known, params = self._params
        if known is not evaluation and self.pinned:
            values = {NOW: etree.XSLT.strparam(_instant(evaluation)), RANDOM: repr(_random(evaluation))}
            params = {_param(name): values[name] for name in self.pinned}
            self._params = (evaluation, params)
        return params

    def run(self, document: etree._ElementTree, name: str, evaluation: EvaluationContext) -> etree._Element:
        params = self.params(evaluation)
        try:
            result = self.transform(document, **params)
        except etree.XSLTApplyError as exc:
            raise self._rule_error(document, name, str(exc), params) from exc
        # The result tree is read in place: serialising and re-parsing it cost as much again.
        return result.getroot()

    def _rule_error(self, document: etree._ElementTree, name: str, message: str,
                    params: dict[str, Any]) -> RuleError:
        if self._traced is None:
            self._traced = etree.XSLT(trace_variant(self.xslt), access_control=self._ACCESS)
        rule: str | None = None
        try:
            self._traced(document, **params)
        except etree.XSLTApplyError:
            rule = last_label(e.message for e in self._traced.error_log)
        return _rule_error(message, name, rule)


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
        # Without tail-call optimisation an endless tail recursion ends in SXLM0001 ("too many
        # nested function calls") like any other, instead of looping for ever (core/limits.py).
        processor.set_configuration_property("http://saxon.sf.net/feature/optimizationLevel",
                                             SAXON_OPTIMIZATION)
        _SAXON.update(pid=pid, processor=processor, error=saxonche.PySaxonApiError)
    return _SAXON["processor"]


def _saxon_error() -> type[Exception]:
    saxon_processor()
    error: type[Exception] = _SAXON["error"]
    return error


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

    def __init__(self, text: str, xslt: etree._Element, pinned: Sequence[str] = ()) -> None:
        self.xslt = xslt
        self.pinned = tuple(pinned)
        self.processor = saxon_processor()
        self.error = _saxon_error()
        self.executable = self._compile(text)
        self._traced: Any = None
        self._pinned_to: dict[int, EvaluationContext] = {}

    def _pin(self, executable: Any, evaluation: EvaluationContext) -> None:
        """Set the clock and seed parameters on `executable`, unless they already hold `evaluation`."""
        if not self.pinned or self._pinned_to.get(id(executable)) is evaluation:
            return
        for name in self.pinned:
            if name == NOW:
                value = self.processor.make_atomic_value("dateTime", _instant(evaluation))
            elif name == SEED:
                value = self.processor.make_integer_value(evaluation.seed)
            else:
                continue
            executable.set_parameter(_param(name), value)
        self._pinned_to[id(executable)] = evaluation

    def _compile(self, text: str) -> Any:
        compiler = self.processor.new_xslt30_processor()
        try:
            return compiler.compile_stylesheet(stylesheet_text=text)
        except self.error as exc:
            message, where = explain_saxon(self.xslt, str(exc))
            raise SpecError(f"rule set does not compile: {message}", location=where) from exc

    def parse(self, text: str, name: str) -> Any:
        """A Saxon tree for `text`; PayloadError when Saxon cannot read it."""
        try:
            return self.processor.parse_xml(xml_text=text)
        except self.error as exc:
            raise PayloadError(f"cannot read document: {exc}", location=name or None) from exc

    def run(self, document: etree._ElementTree, name: str, evaluation: EvaluationContext) -> bytes:
        return self.run_node(self.parse(document_text(document), name), name, evaluation)

    def run_node(self, node: Any, name: str, evaluation: EvaluationContext | None = None) -> bytes:
        """SVRL for a document already built by this process's Saxon processor."""
        evaluation = evaluation or default_evaluation()
        self._pin(self.executable, evaluation)
        try:
            output: str = self.executable.transform_to_string(xdm_node=node)
        except self.error as exc:
            raise self._rule_error(node, name, str(exc), evaluation) from exc
        if output is None:
            raise _rule_error("the rule set produced no output", name, None)
        return output.encode("utf-8")

    def _rule_error(self, node: Any, name: str, message: str, evaluation: EvaluationContext) -> RuleError:
        if self._traced is None:
            traced = trace_variant(self.xslt)
            self._traced = self._compile(etree.tostring(traced, encoding="unicode"))
            self._traced.set_save_xsl_message(True)
        self._pin(self._traced, evaluation)
        rule: str | None = None
        self._traced.clear_xsl_messages()
        try:
            self._traced.transform_to_string(xdm_node=node)
        except self.error:
            messages = self._traced.get_xsl_messages()
            # The text of each message, not its serialisation (which escapes the `<rule>` of a label).
            texts = (getattr(item, "string_value", None) or str(item) for item in messages or ())
            rule = last_label(texts) if messages is not None else None
        return _rule_error(message, name, rule)
