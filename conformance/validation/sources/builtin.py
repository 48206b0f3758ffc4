"""Built-in checks (ours and third parties'): each check on every value its target selects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.core.errors import SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Location, Outcome, Severity
from conformance.core.text import Text
from conformance.standard.model import Requirement, Syntax
from conformance.validation.checks import BuiltinCheck, CheckContext, CodeListContext, get_check
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.documents.xpaths import readable_xpath
from conformance.validation.sources.binding import MessageTypeBinding
from conformance.validation.targets import (
    compile_xml_target,
    json_pointers_at,
    parse_json_target,
    select_json_values,
    select_xml,
)


@dataclass(frozen=True, slots=True)
class CheckBinding:
    """One requirement's check, resolved: the registered check, its params, its compiled target."""

    requirement: Requirement
    check: BuiltinCheck
    params: Mapping[str, object]
    selector: Any  # etree.XPath (XML) or a Selector (JSON, validation/selector.py)
    source: str  # check:<name>, the finding's source


class BuiltinCheckSource:
    """Every built-in check bound to the message type, run in the order of the manifest."""

    fork_safe = True

    def __init__(self, bindings: tuple[CheckBinding, ...], context: CheckContext, *,
                 namespaces: Mapping[str, str]) -> None:
        self.bindings = bindings
        self.context = context
        self._namespaces = namespaces

    @classmethod
    def build(cls, binding: MessageTypeBinding, evaluation: EvaluationContext) -> BuiltinCheckSource:
        """Look every check up, validate its params and compile its target (SpecError naming the
        requirement)."""
        where = binding.where
        mt = binding.message_type
        bindings = []
        for r, c in binding.builtin_checks:
            assert c.name is not None and c.target is not None  # bound only when both are given
            check = get_check(c.name)
            at = f"{where}: requirement {r.id}"
            try:
                check.validate_params(c.params)
            except SpecError as exc:
                raise SpecError(f"requirement {r.id}, check {c.name}: {exc.message}",
                                location=where) from exc
            selector = (compile_xml_target(c.target, mt.namespaces, where=at)
                        if mt.syntax is Syntax.XML
                        else parse_json_target(c.target, where=at))
            bindings.append(CheckBinding(r, check, c.params, selector, f"check:{check.name}"))
        return cls(tuple(bindings), CodeListContext(binding.standard.code_lists, where),
                   namespaces=mt.namespaces)

    def only(self, binding: CheckBinding) -> BuiltinCheckSource:
        """This source with one of its checks alone (to measure or test one check)."""
        return BuiltinCheckSource((binding,), self.context, namespaces=self._namespaces)

    def iter_findings(self, doc: XmlDocument | JsonDocument, excerpts: Excerpts) -> Iterator[Finding]:
        """Failed at each value with problems; per check, passed (or inapplicable) when none has."""
        context = self.context
        for binding in self.bindings:
            req, source = binding.requirement, binding.source
            # The values alone first (a non-string is reported by the check itself); where a value
            # sits is worked out only for the few that fail: most values pass.
            if isinstance(doc, XmlDocument):
                nodes = list(select_xml(binding.selector, doc.root))
                values = [value for value, _ in nodes]
            else:
                values = select_json_values(binding.selector, doc.value)
            verdicts = binding.check.run_all(values, binding.params, context)
            pointers: dict[int, str] | None = None
            problems_seen = False
            for index, problems in enumerate(verdicts):
                if not problems:
                    continue
                problems_seen = True
                if isinstance(doc, XmlDocument):
                    location = self._locate(nodes[index][1], excerpts)
                else:
                    if pointers is None:  # the same walk again, joining pointers for failures only
                        failed = {i for i, found in enumerate(verdicts) if found}
                        pointers = json_pointers_at(binding.selector, doc.value, failed)
                    location = excerpts.locate(pointer=pointers.get(index))
                for problem in problems:
                    yield Finding(
                        req.id, Outcome.FAILED, req.level.severity, problem.message, source,
                        location=location, hint=problem.hint or req.hint,
                        excerpt=excerpts.excerpt(location))
            if not problems_seen:
                yield checked(req.id, source, len(values))

    def _locate(self, element: Any, excerpts: Excerpts) -> Location:
        return excerpts.locate(line=element.sourceline, xpath=readable_xpath(element, self._namespaces))


_CHECKED: dict[tuple[str, str, int], Finding] = {}


def checked(requirement_id: str, source: str, count: int) -> Finding:
    """The finding for a check no value failed: passed if it saw values, else inapplicable."""
    key = (requirement_id, source, count)
    finding = _CHECKED.get(key)
    if finding is None:
        if count:
            finding = Finding(requirement_id, Outcome.PASSED, Severity.INFO,
                              Text(zh=f"检查了 {count} 个值", en=f"{count} value(s) checked"), source)
        else:
            finding = Finding(requirement_id, Outcome.INAPPLICABLE, Severity.INFO,
                              Text(zh="报文中没有该检查的目标", en="the payload has no value to check"),
                              source)
        if len(_CHECKED) < 10_000:  # counts vary with payloads: keep the cache bounded
            _CHECKED[key] = finding
    return finding
