"""Rule files: loading, errors naming file + rule + field, contexts, outcomes, limits."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import conformance.validation.jsonrules as jsonrules
from conformance.core.errors import RuleError, SpecError
from conformance.core.findings import Severity
from conformance.validation.jsonrules import (
    MAX_DEPTH,
    ContextSelector,
    JsonRuleSet,
    RuleEvaluation,
    RuleOutcome,
    compile_expression,
    escape_token,
    load_rules,
)

HEADER = "format: egov-conformance/json-rules\nversion: 1\nlanguage: certlogic\n"
GOOD = HEADER + textwrap.dedent(
    """\
    rules:
      - id: ENV-J-001
        context: /payload/parts/*
        assert: {"!==": [{"var": "sender.code"}, {"var": "receiver.code"}]}
        flag: error
        message: {en: "sender and receiver differ", zh: "发送方与接收方不同"}
      - id: ENV-J-002
        report: {"missing": ["id"]}
        flag: warning
        message: {en: "the envelope has an id", zh: "信封有标识"}
    """
)
DOCUMENT = {
    "id": "m-1",
    "payload": {
        "parts": [
            {"sender": {"code": "A"}, "receiver": {"code": "B"}},
            {"sender": {"code": "A"}, "receiver": {"code": "A"}},
        ]
    },
}


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_all_module_exports_exist() -> None:
    for name in jsonrules.__all__:
        assert hasattr(jsonrules, name), name


def test_load_and_evaluate(tmp_path: Path) -> None:
    rule_set = load_rules(write(tmp_path, GOOD))
    assert isinstance(rule_set, JsonRuleSet)
    assert [r.id for r in rule_set.rules] == ["ENV-J-001", "ENV-J-002"]
    first, second = rule_set.rules
    assert first.kind == "assert" and first.flag is Severity.ERROR
    assert first.context == "/payload/parts/*"
    assert first.message.zh == "发送方与接收方不同"
    assert second.kind == "report" and second.flag is Severity.WARNING and second.context == ""
    assert rule_set.content_hash.startswith("sha256:") and len(rule_set.content_hash) == 71
    assert list(rule_set.outcomes(DOCUMENT)) == [
        RuleOutcome("ENV-J-001", "/payload/parts/0", False),
        RuleOutcome("ENV-J-001", "/payload/parts/1", True),
        RuleOutcome("ENV-J-002", "", False),
    ]
    # A report fires when its expression is truthy.
    assert list(rule_set.rules[1].outcomes({})) == [RuleOutcome("ENV-J-002", "", True)]


def test_evaluate_gives_one_evaluation_per_wanted_rule(tmp_path: Path) -> None:
    rule_set = load_rules(write(tmp_path, GOOD))
    assert list(rule_set.evaluate(DOCUMENT)) == [
        RuleEvaluation("ENV-J-001", 2, ("/payload/parts/1",)),
        RuleEvaluation("ENV-J-002", 1, ()),
    ]
    assert list(rule_set.evaluate({}, {"ENV-J-002"})) == [RuleEvaluation("ENV-J-002", 1, ("",))]
    assert rule_set.rules[0].evaluate({"payload": "text"}) == RuleEvaluation("ENV-J-001", 0, ())


def test_inapplicable_rules_yield_nothing(tmp_path: Path) -> None:
    rule_set = load_rules(write(tmp_path, GOOD))
    assert list(rule_set.rules[0].outcomes({"payload": {"parts": []}})) == []
    assert list(rule_set.rules[0].outcomes({"payload": "text"})) == []
    assert list(rule_set.rules[0].outcomes([1, 2])) == []


def test_content_hash_follows_the_bytes(tmp_path: Path) -> None:
    a = load_rules(write(tmp_path, GOOD, "a.yaml"))
    b = load_rules(write(tmp_path, GOOD + "# comment\n", "b.yaml"))
    assert a.content_hash != b.content_hash
    assert load_rules(write(tmp_path, GOOD, "c.yaml")).content_hash == a.content_hash


# --- loader errors: each names file, rule and field ----------------------------------------------

RULE = {
    "id": "R-1",
    "context": "",
    "assert": {"var": "x"},
    "message": {"en": "x is set", "zh": "x 已设置"},
}


def rules_file(tmp_path: Path, *rules: dict[str, Any], header: str = HEADER) -> Path:
    # JSON is YAML: json.dumps keeps the test data unambiguous.
    return write(tmp_path, header + "rules: " + json.dumps(list(rules), ensure_ascii=False) + "\n")


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"assert": {"nope": [1]}}, "assert", "unknown operator 'nope'"),
        ({"assert": {"===": [1]}}, "assert", "takes 2 arguments"),
        ({"assert": {"==": [1, 1]}}, "assert", "use '==='"),
        ({"assert": {"match": ["a", "(b)\\1"]}}, "assert", "the dialect is RE2"),
        ({"context": "payload"}, "context", "must be empty or start with '/'"),
        ({"context": "/a~2b"}, "context", "'~' must be followed by 0 or 1"),
        ({"context": "/a~"}, "context", "'~' must be followed by 0 or 1"),
        ({"context": 5}, "context", "must be a JSON pointer string"),
        ({"flag": "fatal"}, "flag", "must be error, warning or info"),
        ({"message": "just text"}, "message", "non-empty 'zh' and 'en'"),
        ({"message": {"en": "only english"}}, "message", "non-empty 'zh' and 'en'"),
        ({"message": {"en": "x", "zh": ""}}, "message", "non-empty 'zh' and 'en'"),
        ({"report": {"var": "x"}}, "assert", "exactly one of 'assert' and 'report'"),
        ({"severity": "error"}, "severity", "unknown field"),
    ],
)
def test_rule_errors_name_file_rule_and_field(
    tmp_path: Path, change: dict[str, Any], field: str, fragment: str
) -> None:
    bad = {**RULE, **change}
    path = rules_file(tmp_path, {**RULE, "id": "R-0"}, bad)
    with pytest.raises(SpecError) as info:
        load_rules(path)
    error = info.value
    assert error.location == str(path)
    assert f"rules[1] (rule R-1).{field}" in error.message, error.message
    assert fragment in error.message


def test_missing_assert_and_report(tmp_path: Path) -> None:
    rule = {k: v for k, v in RULE.items() if k != "assert"}
    with pytest.raises(SpecError, match=r"rules\[0\] \(rule R-1\)\.assert: a rule has exactly one"):
        load_rules(rules_file(tmp_path, rule))


def test_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_rules(rules_file(tmp_path, RULE, {**RULE, "context": "/a"}))
    assert "rules[1] (rule R-1).id: duplicate id, first used by rules[0]" in info.value.message
    assert info.value.location is not None and info.value.location.endswith("rules.yaml")


@pytest.mark.parametrize("rule_id", [None, 7, "1-starts-with-digit", "has space", ""])
def test_bad_ids(tmp_path: Path, rule_id: Any) -> None:
    with pytest.raises(SpecError, match=r"rules\[0\]\.id: must be an identifier"):
        load_rules(rules_file(tmp_path, {**RULE, "id": rule_id}))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- a\n- b\n", "a rule file is a mapping"),
        (HEADER.replace("json-rules", "rules") + "rules: []\n", "format: must be"),
        (HEADER.replace("version: 1", "version: 2") + "rules: []\n", "version: must be 1"),
        (HEADER.replace("version: 1", "version: '1'") + "rules: []\n", "version: must be 1"),
        (HEADER.replace("certlogic", "jsonlogic") + "rules: []\n", "language: must be 'certlogic'"),
        (HEADER + "rules: []\n", "rules: must be a non-empty list"),
        (HEADER + "rules: {}\n", "rules: must be a non-empty list"),
        (HEADER + "rules: [1]\n", "rules[0]: a rule is a mapping"),
        (HEADER + "title: x\nrules: []\n", "unknown top-level field 'title'"),
        (HEADER + "rules: [\n", "not valid YAML"),
        (HEADER + "rules:\n  - id: R-1\n    assert: {'===': [{var: d}, 2024-01-01]}\n"
         "    message: {en: a, zh: b}\n", "YAML date"),
    ],
)
def test_file_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_rules(path)
    assert fragment in info.value.message
    assert (info.value.location or "").startswith(str(path))  # YAML errors add :line:column


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read rule file"):
        load_rules(tmp_path / "absent.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(HEADER.encode() + "rules: [é]\n".encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_rules(path)


def test_alias_bomb_is_bounded(tmp_path: Path) -> None:
    # Each anchor refers twice to the previous one: 2**40 nodes to walk without the node limit.
    levels = "".join(f"        &a{i} {{'and': [*a{i - 1}, *a{i - 1}]}},\n" for i in range(1, 41))
    text = HEADER + (
        "rules:\n  - id: R-1\n    assert:\n      {'or': [\n"
        "        &a0 {'!!': [1]},\n" + levels + "      ]}\n    message: {en: a, zh: b}\n"
    )
    with pytest.raises(SpecError, match=r"more than \d+ nodes"):
        load_rules(write(tmp_path, text))


# --- contexts -------------------------------------------------------------------------------------


def select(pointer: str, document: Any) -> list[tuple[str, Any]]:
    return list(ContextSelector(pointer).select(document))


def test_context_root_and_plain_pointers() -> None:
    document = {"a": {"b": [10, 20]}, "": {"": "empty keys"}}
    assert select("", document) == [("", document)]
    assert select("/a/b/1", document) == [("/a/b/1", 20)]
    assert select("/a/b/2", document) == []
    assert select("/a/b/-", document) == []
    assert select("/a/b/01", document) == []
    assert select("/a/x", document) == []
    assert select("//", document) == [("//", "empty keys")]


def test_context_wildcards_over_arrays_and_objects() -> None:
    document = {"parts": [{"x": 1}, {"x": 2}], "meta": {"b": 1, "a": 2}}
    assert select("/parts/*", document) == [("/parts/0", {"x": 1}), ("/parts/1", {"x": 2})]
    assert select("/parts/*/x", document) == [("/parts/0/x", 1), ("/parts/1/x", 2)]
    assert select("/meta/*", document) == [("/meta/b", 1), ("/meta/a", 2)]  # document order
    assert select("/*", document) == [("/parts", document["parts"]), ("/meta", document["meta"])]
    assert select("/*/*/x", document) == [("/parts/0/x", 1), ("/parts/1/x", 2)]
    assert select("/parts/*/x/*", document) == []  # wildcard over scalars matches nothing
    assert select("/*", "scalar") == []


def test_context_pointer_escaping() -> None:
    document = {"a/b": {"m~n": [{"c": 1}]}, "~1": "tilde-one"}
    assert select("/a~1b/m~0n/0", document) == [("/a~1b/m~0n/0", {"c": 1})]
    assert select("/*/*/*", document) == [("/a~1b/m~0n/0", {"c": 1})]
    assert select("/~01", document) == [("/~01", "tilde-one")]
    assert select("/*", {"x/y~z": 1}) == [("/x~1y~0z", 1)]
    assert escape_token("~/") == "~0~1"


def test_rule_outcome_pointers_are_escaped(tmp_path: Path) -> None:
    path = rules_file(tmp_path, {**RULE, "context": "/*", "assert": {"!!": {"var": ""}}})
    outcomes = list(load_rules(path).outcomes({"a/b": 1, "c~d": 0}))
    assert outcomes == [RuleOutcome("R-1", "/a~1b", False), RuleOutcome("R-1", "/c~0d", True)]


# --- limits ---------------------------------------------------------------------------------------


def test_depth_limit() -> None:
    expression: Any = True
    for _ in range(MAX_DEPTH - 1):
        expression = {"!": [expression]}
    compile_expression(expression)
    with pytest.raises(SpecError, match=f"nested deeper than {MAX_DEPTH} levels"):
        compile_expression({"!": [expression]})


def test_step_budget() -> None:
    expression = compile_expression({"all": [{"var": ""}, {"!!": [{"var": ""}]}]})
    data = list(range(1, 101))
    assert expression.evaluate(data, max_steps=1000) is True
    with pytest.raises(RuleError, match="step budget of 100 steps exhausted"):
        expression.evaluate(data, max_steps=100)


def test_step_budget_stops_exponential_equality() -> None:
    # The accumulator doubles each step as a shared structure: cheap to build, costly to compare.
    doubling = {"reduce": [{"var": ""}, [{"var": "accumulator"}, {"var": "accumulator"}], 0]}
    expression = compile_expression({"===": [doubling, doubling]})
    with pytest.raises(RuleError, match="exhausted"):
        expression.evaluate(list(range(60)))


def test_string_limit() -> None:
    doubling = {"reduce": [{"var": ""}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]},
                           "x"]}
    with pytest.raises(RuleError, match="'cat' result longer than"):
        compile_expression(doubling).evaluate(list(range(40)))


def test_match_subject_limit() -> None:
    expression = compile_expression({"match": [{"var": ""}, "a*"]})
    assert expression.evaluate("a" * 100_000) is True
    with pytest.raises(RuleError, match="'match' subject longer than"):
        expression.evaluate("a" * 100_001)


def test_in_charges_per_item() -> None:
    expression = compile_expression({"in": [-1, {"var": ""}]})
    assert expression.evaluate(list(range(500))) is False
    with pytest.raises(RuleError):
        expression.evaluate(list(range(500)), max_steps=100)


def test_rule_errors_name_rule_and_node(tmp_path: Path) -> None:
    path = rules_file(tmp_path, {**RULE, "context": "/xs/*",
                                 "assert": {"match": [{"var": ""}, "a*"]}})
    rule_set = load_rules(path)
    with pytest.raises(RuleError) as info:
        list(rule_set.outcomes({"xs": ["a", "a" * 100_001]}))
    assert info.value.rule == "R-1"
    assert info.value.location == str(path)
    assert "context node /xs/1" in info.value.message


def test_large_integers_stay_bounded() -> None:
    squaring = {"reduce": [{"var": ""}, {"*": [{"var": "accumulator"}, {"var": "accumulator"}]}, 3]}
    assert compile_expression(squaring).evaluate(list(range(200))) is None  # overflow -> null


@settings(max_examples=200)
@given(
    st.recursive(st.none() | st.integers() | st.text(max_size=2),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab0"), inner,
                                                                            max_size=3),
                 max_leaves=25),
    st.lists(st.sampled_from(["a", "b", "0", "*"]), max_size=3),
)
def test_nodes_walk_equals_select_walk(document: object, steps: list[str]) -> None:
    """Rules find a failing node's pointer again by position: both walks must agree item by item."""
    selector = ContextSelector("".join("/" + s for s in steps))
    pairs = list(selector.select(document))
    nodes = selector.nodes(document)
    assert len(nodes) == len(pairs) and all(a is b for a, (_, b) in zip(nodes, pairs, strict=True))
