"""Findings the rule sources share: a rule that holds or does not apply, a rule that broke."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from conformance.core.errors import RuleError
from conformance.core.findings import Finding, Outcome, Severity
from conformance.core.text import Text
from conformance.standard.model import Requirement

_QUIET: dict[tuple[str, str, str, bool], Finding] = {}


def quiet(req: Requirement, rule_id: str, kind: str, fired: bool) -> Finding:
    """The finding for a rule that did not fail: passed if its context matched, else inapplicable.

    Findings are values: the same one serves every payload (most rules pass on most payloads).
    """
    key = (req.id, rule_id, kind, fired)
    finding = _QUIET.get(key)
    if finding is None:
        finding = _QUIET[key] = _quiet_finding(req, rule_id, kind, fired)
    return finding


def _quiet_finding(req: Requirement, rule_id: str, kind: str, fired: bool) -> Finding:
    if fired:
        return Finding(req.id, Outcome.PASSED, Severity.INFO,
                       Text(zh=f"规则 {rule_id} 成立", en=f"rule {rule_id} holds"), f"{kind}:{rule_id}")
    return Finding(req.id, Outcome.INAPPLICABLE, Severity.INFO,
                   Text(zh=f"规则 {rule_id} 的上下文在报文中不存在",
                        en=f"the context of rule {rule_id} does not occur in the payload"),
                   f"{kind}:{rule_id}")


def broken_rules(rule_requirements: Mapping[str, tuple[Requirement, ...]], rule_ids: Iterable[str],
                 source: str, exc: RuleError) -> Iterator[Finding]:
    """Processing errors for the requirements of rules that broke: undecided, never failed."""
    detail = exc.message + (f" (rule {exc.rule})" if exc.rule else "")
    for rule_id in rule_ids:
        for req in rule_requirements.get(rule_id, ()):
            yield Finding(
                req.id, Outcome.CANT_TELL, Severity.ERROR,
                Text(zh=f"规则执行出错：{detail}", en=f"rule failed to run: {detail}"),
                source, processing_error=True,
            )
