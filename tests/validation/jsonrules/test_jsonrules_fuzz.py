"""Fuzzing the rule compiler: random rules (valid or not), contexts and patterns on random documents.

Compiling gives a rule set or a SpecError; evaluating gives checks or a RuleError (a processing
error), always within the budgets. Nothing else may escape, whatever the rule file says.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import RuleError, SpecError
from conformance.validation.jsonrules import JsonRuleSet, compile_expression, operators
from conformance.validation.jsonrules._rules import _rules
from tests.fuzzing import examples
from tests.validation.jsonrules.test_jsonrules_properties import JSON, KEYS, SCALARS

pytestmark = pytest.mark.fuzz

# Names the compiler knows, a few it refuses, and junk.
NAMES = st.sampled_from([*operators(), "==", "!=", "nope", "", "__import__"]) | st.text(max_size=4)
# Regular expressions built from the pieces ReDoS is made of, plus what RE2 refuses.
PATTERN_PIECES = st.sampled_from(
    ["a", "b", ".", "*", "+", "?", "(", ")", "|", "[a-z]", "\\d", "\\w", "{2}", "{1,3}", "{1001}",
     "\\1", "(?=", "(?!", "(?<=", "\\u3000", "\\p{Han}", "^", "$", "\\", "中"]
)
PATTERNS = st.lists(PATTERN_PIECES, max_size=12).map("".join)
CONTEXT_TOKENS = st.sampled_from(["*", "a", "b", "0", "1", "01", "-", "~0", "~1", "~2", "x/y", ""])
CONTEXTS = st.lists(CONTEXT_TOKENS, max_size=4).map(lambda ts: "".join("/" + t for t in ts)) | st.text(
    max_size=5)


def _raw_expressions() -> st.SearchStrategy[Any]:
    leaves = (
        SCALARS
        | st.lists(KEYS, max_size=3).map(lambda ks: {"var": ".".join(ks)})
        | st.lists(KEYS, max_size=2).map(lambda ks: {"root": ".".join(ks)})
    )

    def branches(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.tuples(NAMES, st.lists(inner, max_size=4)).map(lambda t: {t[0]: t[1]}),
            st.tuples(inner, PATTERNS).map(lambda t: {"match": [t[0], t[1]]}),
            st.lists(inner, max_size=3),
            # Shapes that build large values from small ones: doubling, concatenation, mapping.
            inner.map(lambda e: {"reduce": [{"root": ""}, [{"var": "accumulator"}] * 2, e]}),
            inner.map(lambda e: {"map": [{"root": ""}, {"cat": [e, e]}]}),
            inner.map(lambda e: {"unique": [[e, e]]}),
        )

    return st.recursive(leaves, branches, max_leaves=15)


RAW = _raw_expressions()
DOCUMENTS = JSON | st.lists(JSON, max_size=40)
RULE = st.fixed_dictionaries(
    {"id": st.sampled_from(["R-1", "R-2"]), "assert": RAW},
    optional={"context": CONTEXTS},
)

# CPU-time bound of one example: far above what the budgets allow on these small inputs, far
# below what a runaway would take. CPU time of this process, not wall clock: a machine shared with
# other jobs must not fail it (a CI clone beside seven busy processes took 53 s of wall clock).
SECONDS = 5.0


def _rule_set(rules: list[dict[str, Any]]) -> JsonRuleSet:
    raw = {"format": "egov-conformance/json-rules", "version": 1, "language": "certlogic",
           "rules": [dict(rule, message={"zh": "规则", "en": "rule"}) for rule in rules]}
    return JsonRuleSet(Path("fuzz.rules.yaml"), _rules(raw, "fuzz.rules.yaml"), "sha256:0")


@settings(max_examples=examples(400), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(RULE, min_size=1, max_size=2), DOCUMENTS)
def test_rule_files_compile_or_refuse_and_evaluate_within_budgets(
    rules: list[dict[str, Any]], document: Any
) -> None:
    try:
        rule_set = _rule_set(rules)
    except SpecError as exc:
        assert exc.location == "fuzz.rules.yaml" and exc.message
        return
    start = time.process_time()
    for evaluation in rule_set.evaluate(document, rule_set.by_id):
        if isinstance(evaluation, RuleError):
            assert evaluation.rule in rule_set.by_id and evaluation.location == "fuzz.rules.yaml"
            continue
        rule = rule_set.by_id[evaluation.rule_id]
        assert evaluation.nodes == len(rule.selector.nodes(document))
        # The pointers of failing nodes are those `outcomes` gives, in the same order.
        assert list(evaluation.failed) == [o.pointer for o in rule.outcomes(document) if o.failed]
    assert time.process_time() - start < SECONDS


@settings(max_examples=examples(300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(RAW, DOCUMENTS, st.sampled_from([10, 1_000, 100_000]))
def test_random_expressions_stay_within_the_step_budget(expression: Any, document: Any, budget: int) -> None:
    try:
        compiled = compile_expression(expression)
    except SpecError:
        return
    start = time.process_time()
    try:
        compiled.evaluate(document, max_steps=budget)
    except RuleError as exc:
        assert "exhausted" in exc.message or "longer than" in exc.message or "surrogate" in exc.message
    assert time.process_time() - start < SECONDS
