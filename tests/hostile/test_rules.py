"""Hostile JSON rule files and JSON Schemas: each case runs in a child under a time and memory bound.

The bound is the assertion: before the fix each of these hung or grew without end. A case that
finishes prints one line saying what the engine decided, which must be a processing error (or a
SpecError for the bundle), never a verdict.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_FIXTURES
from tests.hostile.bounded import assert_no_traceback, conform, python

pytestmark = pytest.mark.hostile

_PRELUDE = """
from conformance.core.errors import RuleError, SpecError, PayloadError
from conformance.validation.jsonrules import compile_expression
from conformance.validation.jsonrules._rules import _rules
def rule_set(rules):
    from conformance.validation.jsonrules import JsonRuleSet
    from pathlib import Path
    raw = {"format": "egov-conformance/json-rules", "version": 1, "language": "certlogic",
           "rules": [dict(r, message={"zh": "x", "en": "x"}) for r in rules]}
    return JsonRuleSet(Path("hostile.rules.yaml"), _rules(raw, "hostile.rules.yaml"), "sha256:0")
def outcome(rules, document):
    for check in rule_set(rules).evaluate(document, {r["id"] for r in rules}):
        if isinstance(check, RuleError):
            print("RuleError", check.rule, check.location, check.message[:200])
        else:
            print("check", check.rule_id, check.nodes, len(check.failed))
"""


def _run(code: str, *, seconds: float = 20, memory_mib: float = 600) -> str:
    outcome = python(_PRELUDE + textwrap.dedent(code), seconds=seconds, memory_mib=memory_mib)
    assert_no_traceback(outcome)
    assert outcome.returncode == 0, outcome.output[-2000:]
    return outcome.stdout


def test_redos_pattern_runs_in_linear_time() -> None:
    """`a*a*a*a*a*a*b` passed the old backtracking screen and ran for ever on a long string."""
    out = _run("""
        outcome([{"id": "R-1", "assert": {"match": [{"var": "s"}, "a*a*a*a*a*a*b"]}}],
                {"s": "a" * 90_000})
        outcome([{"id": "R-2", "assert": {"match": [{"var": "s"}, "(a+)+$"]}}], {"s": "a" * 90_000 + "!"})
    """, seconds=10)
    assert "check R-1 1 1" in out and "check R-2 1 1" in out


def test_pattern_outgrowing_the_dfa_is_charged_for_its_slow_path() -> None:
    """`(a|b)*a(a|b){20}` needs 2**21 DFA states: RE2 falls back to about 4 us a character, so a
    charge per character alone (100,000 characters = 1,562 steps) let one node run for minutes."""
    out = _run("""
        import random
        random.seed(1)
        subject = "".join(random.choice("ab") for _ in range(100_000))
        test = {"match": [{"root": "s"}, "(a|b)*a(a|b){20}c"]}
        outcome([{"id": "R-DFA", "assert": {"none": [{"root": "items"}, test]}}],
                {"s": subject, "items": list(range(100_000))})
    """, seconds=15)
    assert "RuleError R-DFA hostile.rules.yaml evaluation step budget" in out, out


def test_backreference_is_a_spec_error_naming_file_and_rule() -> None:
    out = _run("""
        try:
            rule_set([{"id": "R-BACK", "assert": {"match": [{"var": "s"}, "(a)\\\\1"]}}])
        except SpecError as exc:
            print("SpecError", exc)
    """, seconds=10)
    assert "SpecError hostile.rules.yaml: rules[0] (rule R-BACK).assert" in out, out


def test_map_of_cat_is_stopped_by_the_size_budget() -> None:
    """`map` over a big array, each item a fresh 1 MB `cat`: it grew to 8 GB in 15 s."""
    out = _run("""
        big = "x" * 999_000
        rule = {"id": "R-CAT", "assert": {"map": [{"root": "items"}, {"cat": [{"root": "big"}, "y"]}]}}
        outcome([rule], {"big": big, "items": list(range(300_000))})
    """, seconds=15, memory_mib=800)
    assert "RuleError R-CAT hostile.rules.yaml evaluation size budget exhausted" in out, out


def test_reduce_doubling_then_unique_is_bounded() -> None:
    """`[acc, acc]` forty times shares structure; `unique` used to serialise all 2**40 leaves."""
    out = _run("""
        double = {"reduce": [{"root": "n"}, [{"var": "accumulator"}, {"var": "accumulator"}], [1]]}
        outcome([{"id": "R-DAG", "assert": {"unique": [[double, 1]]}}], {"n": list(range(40))})
    """, seconds=15)
    assert "RuleError R-DAG" in out and "exhausted" in out, out


def test_long_string_work_costs_steps() -> None:
    """`===` on two megabyte strings in a loop: without a charge per character it ran for minutes."""
    out = _run("""
        a, b = "x" * 1_000_000, "x" * 1_000_000
        test = {"===": [{"root": "a"}, {"root": "b"}]}
        outcome([{"id": "R-EQ", "assert": {"all": [{"root": "items"}, test]}}],
                {"a": a, "b": b, "items": list(range(300_000))})
        outcome([{"id": "R-IN", "assert": {"none": [{"root": "items"}, {"in": ["zz", {"root": "a"}]}]}}],
                {"a": a, "items": list(range(300_000))})
    """, seconds=15)
    assert "RuleError R-EQ" in out and "RuleError R-IN" in out, out


def test_failing_nodes_under_a_long_member_name_are_bounded() -> None:
    """Each failing node's pointer repeats its parent's name: 2 MB name x 100,000 nodes = 200 GB."""
    out = _run("""
        document = {"k" * 2_000_000: [0] * 100_000}
        outcome([{"id": "R-PTR", "context": "/*/*", "assert": False}], document)
    """, seconds=20, memory_mib=800)
    assert "RuleError R-PTR hostile.rules.yaml" in out and "pointers" in out, out


def test_json_schema_pattern_never_exhausts() -> None:
    """A backtracking `pattern` was reported failed when fancy-regex hit its limit: a verdict from
    an exhausted budget. Patterns now run on a linear-time engine; lookaround is a SpecError."""
    out = _run("""
        import json, tempfile, pathlib
        from conformance.validation.schemas import JsonSchemaValidator
        folder = pathlib.Path(tempfile.mkdtemp())
        def validator(schema):
            path = folder / "s.schema.json"
            path.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}))
            return JsonSchemaValidator(path)
        v = validator({"type": "string", "pattern": "^(a|aa)*(a|aa)*(a|aa)*c$"})
        print("violations", len(list(v.iter_violations("a" * 50_000 + "c"))))
        try:
            # fancy-regex gave up on "a" * 30 and reported it as not matching: a failed payload
            validator({"type": "string", "pattern": "^(?!((a)\\\\2|a)*c)"})
        except SpecError as exc:
            print("SpecError", exc.message[:120])
    """, seconds=15)
    assert "violations 0" in out and "SpecError" in out, out


# --- through `conform validate`, with a hostile rule in a copy of the envelope bundle -------------

JSON_FIXTURES = ENVELOPE_FIXTURES / "json"
UNIQUE_IDS = "    assert: {unique: [{map: [{var: parts}, {var: id}]}]}"
# 1,000 strings of 800,000 characters: 3 GB before the size budget, which stops it at the fifth.
CAT_BOMB = ("    assert: {map: [[" + ", ".join(["1"] * 1000) + "],"
            " {cat: [{root: sender.name}, {root: sender.name}]}]}")


def test_a_rule_out_of_budget_is_cant_tell_and_the_run_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "standards"
    folder = root / "egov-exchange-envelope" / "1.0.0"
    shutil.copytree(ENVELOPE_BUNDLE, folder)
    rules = folder / "rules" / "envelope.rules.yaml"
    text = rules.read_text("utf-8")
    assert UNIQUE_IDS in text
    rules.write_text(text.replace(UNIQUE_IDS, CAT_BOMB), "utf-8")
    payload = json.loads((JSON_FIXTURES / "conformant-minimal.json").read_text("utf-8"))
    payload["sender"]["name"] = "名" * 400_000  # each `cat` builds 800,000 characters
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
    seen = conform("validate", "--standards-path", root, "--format", "json", hostile,
                   JSON_FIXTURES / "conformant-minimal.json", seconds=60, memory_mib=700)
    assert_no_traceback(seen)
    text = seen.stdout
    assert "evaluation size budget exhausted" in text and "EXC-J-009" in text, text[-3000:]
    assert "conformant-minimal.json" in text, "the run must go on with the next payload"
