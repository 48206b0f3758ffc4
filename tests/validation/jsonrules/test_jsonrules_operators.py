"""Every operator of the rule language, on matching and mismatched types (LANGUAGE.md section 4)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.core.errors import RuleError, SpecError
from conformance.validation.jsonrules import compile_expression, operators, truthy


def ev(expression: Any, data: Any = None, root: Any = None) -> Any:
    compiled = compile_expression(expression)
    if root is None:
        return compiled.evaluate(data)
    return compiled.evaluate(data, root=root)


def same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types (Python's == says True == 1)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    kinds = {type(a), type(b)}
    if kinds <= {int, float}:
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


OBJ = {"k": 1}
# (name, expression, data, expected)
CASES: list[tuple[str, Any, Any, Any]] = [
    # literals and arrays
    ("string literal", "abc", None, "abc"),
    ("null literal", None, {"x": 1}, None),
    ("array literal evaluates items", [1, {"var": "x"}, [True]], {"x": "v"}, [1, "v", [True]]),
    # var
    ("var whole context", {"var": ""}, {"foo": "bar"}, {"foo": "bar"}),
    ("var no argument", {"var": []}, [1, 2], [1, 2]),
    ("var key", {"var": "x"}, {"x": 1}, 1),
    ("var index", {"var": "x.0"}, {"x": [1]}, 1),
    ("var deep", {"var": "xxx.0.yyy"}, {"xxx": [{"yyy": 1}]}, 1),
    ("var integer path", {"var": 1}, [1, 2], 2),
    ("var on null", {"var": "x"}, None, None),
    ("var on scalar", {"var": "x"}, "text", None),
    ("var undrillable 1", {"var": "x.y"}, {"x": {"z": 1}}, None),
    ("var undrillable 2", {"var": "x.0"}, {"x": {"z": 1}}, None),
    ("var index past end", {"var": "1"}, [1], None),
    ("var non-canonical index", {"var": "01"}, [1, 2], None),
    ("var digits as object key", {"var": "01"}, {"01": "a"}, "a"),
    ("var index on object key", {"var": "0"}, {"0": "zero"}, "zero"),
    ("var default when missing", {"var": ["x", 7]}, {}, 7),
    ("var default is an expression", {"var": ["x", {"var": "y"}]}, {"y": 3}, 3),
    ("var explicit null keeps null", {"var": ["x", 7]}, {"x": None}, None),
    ("var default unused", {"var": ["x", 7]}, {"x": 0}, 0),
    # missing
    ("missing none", {"missing": ["a", "b.c"]}, {"a": 1, "b": {"c": 2}}, []),
    ("missing some", {"missing": ["a", "b.c", "d"]}, {"a": "", "b": {"c": None}, "d": 0},
     ["a", "b.c"]),
    ("missing nested array form", {"missing": [["a", "b"]]}, {"b": 1}, ["a"]),
    ("missing on non-object", {"missing": ["a"]}, 5, ["a"]),
    # if
    ("if truthy", {"if": [{"var": ""}, "T", "F"]}, True, "T"),
    ("if array", {"if": [{"var": ""}, "T", "F"]}, ["foo"], "T"),
    ("if empty object", {"if": [{"var": ""}, "T", "F"]}, {}, "F"),
    ("if null", {"if": [{"var": ""}, "T", "F"]}, None, "F"),
    ("if chain", {"if": [False, 1, {"var": ""}, 2, 3]}, "yes", 2),
    ("if chain else", {"if": [False, 1, 0, 2, 3]}, None, 3),
    ("if no else", {"if": [False, 1]}, None, None),
    # === and !==
    ("=== numbers", {"===": [1, 1.0]}, None, True),
    ("=== bool vs number", {"===": [True, 1]}, None, False),
    ("=== string vs number", {"===": ["1", 1]}, None, False),
    ("=== null", {"===": [None, {"var": "nope"}]}, {}, True),
    ("=== null vs false", {"===": [None, False]}, None, False),
    ("=== arrays structurally", {"===": [[1, [2, "a"]], {"var": "x"}]}, {"x": [1.0, [2, "a"]]},
     True),
    ("=== arrays with bool", {"===": [[1], [True]]}, None, False),
    ("=== array lengths", {"===": [[1], [1, 1]]}, None, False),
    ("=== objects", {"===": [{"var": "a"}, {"var": "b"}]}, {"a": OBJ, "b": {"k": 1.0}}, True),
    ("=== objects keys", {"===": [{"var": "a"}, {"var": "b"}]}, {"a": OBJ, "b": {"j": 1}}, False),
    ("=== object vs array", {"===": [{"var": "a"}, []]}, {"a": {}}, False),
    ("!== strings", {"!==": ["a", "b"]}, None, True),
    ("!== equal", {"!==": [2, 2.0]}, None, False),
    # ! and !!
    ("! shorthand", {"!": {"var": "x"}}, {"x": 0}, True),
    ("! empty array", {"!": [[]]}, None, True),  # one argument: the empty array
    ("!! string", {"!!": ["0"]}, None, True),
    ("!! empty object", {"!!": {"var": "o"}}, {"o": {}}, False),
    # and / or
    ("and false", {"and": [{"var": "0"}, {"var": "1"}]}, [True, False], False),
    ("and null first", {"and": [{"var": "0"}, {"var": "1"}]}, [None, True], None),
    ("and last value", {"and": [{"var": "0"}, {"var": "1"}]}, [True, {}], {}),
    ("and ternary", {"and": [{"var": "0"}, {"var": "1"}, {"var": "2"}]}, [True, None, False], None),
    ("and single", {"and": [3]}, None, 3),
    ("or first truthy", {"or": [0, "", "x", 1]}, None, "x"),
    ("or last falsy", {"or": [0, "", []]}, None, []),
    # comparisons
    ("<= equal", {"<=": [{"var": "0"}, {"var": "1"}]}, [0, 0], True),
    ("<= greater", {"<=": [{"var": "0"}, {"var": "1"}]}, [1, 0], False),
    ("< between true", {"<": [1, 2, 3]}, None, True),
    ("< between false", {"<": [1, 3, 2]}, None, False),
    ("<= between edges", {"<=": [1, 1, 1]}, None, True),
    ("> floats", {">": [2.5, 2]}, None, True),
    (">= strings lexical", {">=": ["2024-03-01T00:00:00Z", "2024-02-29T23:59:59Z"]}, None, True),
    ("< strings code points", {"<": ["Z", "a"]}, None, True),
    ("< mixed types false", {"<": [1, "2"]}, None, False),
    ("> mixed types false", {">": ["2", 1]}, None, False),
    ("< null false", {"<": [None, 1]}, None, False),
    ("< bool false", {"<": [False, True]}, None, False),
    ("< arrays false", {"<": [[1], [2]]}, None, False),
    ("< between mixed", {"<": [1, 2, "3"]}, None, False),
    # arithmetic
    ("+ sum", {"+": [1, 2, 3.5]}, None, 6.5),
    ("+ single", {"+": [4]}, None, 4),
    ("+ string operand", {"+": [1, "2"]}, None, None),
    ("+ bool operand", {"+": [1, True]}, None, None),
    ("+ null operand", {"+": [1, {"var": "x"}]}, {}, None),
    ("+ overflow to null", {"+": [1e308, 1e308]}, None, None),
    ("+ big ints become doubles", {"+": [2**63, 2**63]}, None, float(2**64)),
    ("* product", {"*": [2, 3, 0.5]}, None, 3.0),
    ("* non-number", {"*": [2, []]}, None, None),
    ("* overflow", {"*": [1e200, 1e200]}, None, None),
    ("- difference", {"-": [5, 7]}, None, -2),
    ("- negation", {"-": [2.5]}, None, -2.5),
    ("- negation of text", {"-": ["2"]}, None, None),
    ("/ exact ints", {"/": [6, 3]}, None, 2),
    ("/ fraction", {"/": [1, 4]}, None, 0.25),
    ("/ by zero", {"/": [1, 0]}, None, None),
    ("/ by zero float", {"/": [1, 0.0]}, None, None),
    ("/ text", {"/": ["6", 3]}, None, None),
    ("% positive", {"%": [7, 3]}, None, 1),
    ("% negative dividend", {"%": [-7, 3]}, None, -1),
    ("% negative divisor", {"%": [7, -3]}, None, 1),
    ("% float", {"%": [7.5, 2]}, None, 1.5),
    ("% by zero", {"%": [7, 0]}, None, None),
    ("% null", {"%": [None, 2]}, None, None),
    ("max", {"max": [1, 3.5, 2]}, None, 3.5),
    ("min", {"min": [1, -3, 2]}, None, -3),
    ("max non-number", {"max": [1, "9"]}, None, None),
    ("min null", {"min": [{"var": "x"}]}, {}, None),
    # in
    ("in substring", {"in": ["Spring", "Springfield"]}, None, True),
    ("in substring absent", {"in": ["x", "abc"]}, None, False),
    ("in empty substring", {"in": ["", "abc"]}, None, True),
    ("in non-string needle in string", {"in": [1, "123"]}, None, False),
    ("in array", {"in": [{"var": "x"}, {"var": "y"}]}, {"x": "a", "y": ["a", "b"]}, True),
    ("in array absent", {"in": [{"var": "x"}, {"var": "y"}]}, {"x": "c", "y": ["a", "b"]}, False),
    ("in null in []", {"in": [{"var": "x"}, {"var": "y"}]}, {"x": None, "y": []}, False),
    ("in null in [null]", {"in": [{"var": "x"}, {"var": "y"}]}, {"x": None, "y": [None]}, True),
    ("in null in strings", {"in": [{"var": "x"}, ["a", "b"]]}, {}, False),
    ("in number vs bool", {"in": [1, [True]]}, None, False),
    ("in bool vs number", {"in": [True, [1]]}, None, False),
    ("in number vs float", {"in": [1, [1.0]]}, None, True),
    ("in array of arrays", {"in": [[1], [[1], [2]]]}, None, True),
    ("in non-container", {"in": ["a", {"var": "x"}]}, {"x": None}, False),
    ("in object haystack", {"in": ["k", {"var": "o"}]}, {"o": OBJ}, False),
    # cat
    ("cat strings", {"cat": ["I love", " pie"]}, None, "I love pie"),
    ("cat scalars", {"cat": ["n=", 1, " f=", 1.5, " i=", 2.0, " ", True, " ", None]}, None,
     "n=1 f=1.5 i=2 true null"),
    ("cat container", {"cat": ["a", [1]]}, None, None),
    # substr
    ("substr start", {"substr": ["jsonlogic", 4]}, None, "logic"),
    ("substr negative start", {"substr": ["jsonlogic", -5]}, None, "logic"),
    ("substr length", {"substr": ["jsonlogic", 1, 3]}, None, "son"),
    ("substr negative length", {"substr": ["jsonlogic", 4, -2]}, None, "log"),
    ("substr past end", {"substr": ["abc", 10]}, None, ""),
    ("substr integral float", {"substr": ["abc", 1.0]}, None, "bc"),
    ("substr fractional start", {"substr": ["abc", 1.5]}, None, None),
    ("substr non-string", {"substr": [12345, 1]}, None, None),
    ("substr bool start", {"substr": ["abc", True]}, None, None),
    ("substr chinese", {"substr": ["电子政务", 2]}, None, "政务"),
    # count
    ("count array", {"count": {"var": "xs"}}, {"xs": [1, 2, 3]}, 3),
    ("count string", {"count": ["电子政务"]}, None, 4),
    ("count null", {"count": {"var": "xs"}}, {}, None),
    ("count object", {"count": {"var": "o"}}, {"o": OBJ}, None),
    ("count number", {"count": [12]}, None, None),
    # all / some / none
    ("all true", {"all": [{"var": "xs"}, {">": [{"var": ""}, 0]}]}, {"xs": [1, 2]}, True),
    ("all false", {"all": [{"var": "xs"}, {">": [{"var": ""}, 1]}]}, {"xs": [1, 2]}, False),
    ("all empty is false", {"all": [[], True]}, None, False),
    ("all non-array is false", {"all": [{"var": "x"}, True]}, {}, False),
    ("all item context", {"all": [{"var": "p"}, {"===": [{"var": "t"}, "a"]}]},
     {"p": [{"t": "a"}, {"t": "a"}]}, True),
    ("some true", {"some": [[0, 0, 3], {"var": ""}]}, None, True),
    ("some false", {"some": [[0, ""], {"var": ""}]}, None, False),
    ("some empty", {"some": [[], True]}, None, False),
    ("some object", {"some": [{"var": "o"}, True]}, {"o": OBJ}, False),
    ("none true", {"none": [[0, ""], {"var": ""}]}, None, True),
    ("none false", {"none": [[0, 1], {"var": ""}]}, None, False),
    ("none empty", {"none": [[], True]}, None, True),
    ("none non-array", {"none": ["abc", True]}, None, True),
    ("nested quantifiers", {"all": [{"var": ""}, {"some": [{"var": ""}, {"var": ""}]}]},
     [[0, 1], [1]], True),
    # reduce
    ("reduce sum", {"reduce": [{"var": "xs"},
                               {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
     {"xs": [1, 2, 3]}, 6),
    ("reduce empty", {"reduce": [[], {"var": "current"}, "init"]}, None, "init"),
    ("reduce non-array", {"reduce": [{"var": "x"}, {"var": "current"}, 5]}, {"x": "s"}, 5),
    ("reduce context", {"reduce": [[1, 2], {"cat": [{"var": "accumulator"}, {"var": "current"}]},
                                   ""]}, None, "12"),
    ("reduce hides outer data", {"reduce": [[1], {"var": "outer"}, 0]}, {"outer": 9}, None),
    # match
    ("match full", {"match": [{"var": "c"}, "[0-9]{6}"]}, {"c": "110105"}, True),
    ("match is anchored", {"match": [{"var": "c"}, "[0-9]{6}"]}, {"c": "1101050"}, False),
    ("match ascii digits", {"match": ["١٢٣", "\\d+"]}, None, False),
    ("match chinese literal", {"match": ["有条件共享", "(无条件|有条件)共享"]}, None, True),
    ("match non-string", {"match": [123, "[0-9]+"]}, None, False),
    ("match null", {"match": [{"var": "x"}, ".*"]}, {}, False),
    ("match fixed repeat in group", {"match": ["2024-01-02", "[0-9]{4}(-[0-9]{2})*"]}, None, True),
    ("match nested repeat (linear in RE2)", {"match": ["a" * 50 + "!", "(a+)+"]}, None, False),
    ("match \\uXXXX escape", {"match": ["a\u3000", "a[\\u3000]"]}, None, True),
    ("match escaped backslash before u", {"match": ["\\u3000", "\\\\u3000"]}, None, True),
    ("match \\w is ascii", {"match": ["中", "\\w"]}, None, False),
    ("match dot is one code point", {"match": ["中", "."]}, None, True),
    ("unique nested int equals float", {"unique": [[[1], [1.0]]]}, None, False),
    ("unique member name is not a value", {"unique": [{"var": "xs"}]}, {"xs": [{"a": "b"}, {"b": "a"}]},
     True),
    # map and unique
    ("map ids", {"map": [{"var": "ps"}, {"var": "id"}]}, {"ps": [{"id": "a"}, {"id": "b"}]},
     ["a", "b"]),
    ("map non-array", {"map": [{"var": "x"}, {"var": "id"}]}, {"x": 1}, []),
    ("unique yes", {"unique": [["a", "b", 1, True, None]]}, None, True),
    ("unique repeated string", {"unique": [["a", "b", "a"]]}, None, False),
    ("unique int equals float", {"unique": [[1, 1.0]]}, None, False),
    ("unique true is not 1", {"unique": [[True, 1]]}, None, True),
    ("unique objects", {"unique": [{"var": "xs"}]}, {"xs": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]},
     False),
    ("unique non-array", {"unique": ["abc"]}, None, None),
    ("unique of map", {"unique": [{"map": [{"var": "ps"}, {"var": "id"}]}]},
     {"ps": [{"id": "a"}, {"id": "a"}]}, False),
]


@pytest.mark.parametrize(("expression", "data", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_operator(expression: Any, data: Any, expected: Any) -> None:
    result = ev(expression, data)
    assert same(result, expected), (result, expected)


def test_every_operator_is_exercised() -> None:
    used: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                used.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for case in CASES:
        walk(case[1])
    assert set(operators()) - used == {"root"}  # root has its own tests below


def test_root_reads_the_document() -> None:
    document: dict[str, Any] = {"header": {"sender": "A"}, "parts": [{"from": "A"}, {"from": "B"}]}
    same_sender = {"===": [{"var": "from"}, {"root": "header.sender"}]}
    assert ev(same_sender, document["parts"][0], root=document) is True
    assert ev(same_sender, document["parts"][1], root=document) is False
    assert ev({"root": ["nope", "dflt"]}, {}, root=document) == "dflt"
    assert ev({"root": ""}, {}, root=document) is document
    inside = {"all": [{"var": "parts"}, {"!==": [{"var": "from"}, {"root": "header.missing"}]}]}
    assert ev(inside, document, root=document) is True
    # Without an explicit root, the context node is the root.
    assert ev({"root": "header.sender"}, document) == "A"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (False, False), (None, False), (0, False), (0.0, False), (-0.0, False), ("", False),
        ([], False), ({}, False), (float("nan"), False),
        (True, True), (1, True), (-1, True), (0.5, True), ("0", True), ("false", True),
        (" ", True), ([0], True), ([[]], True), ({"a": None}, True), (float("inf"), True),
    ],
)
def test_truthiness_table(value: Any, expected: bool) -> None:
    assert truthy(value) is expected
    assert ev({"!!": [{"var": "v"}]}, {"v": value}) is expected
    assert ev({"!": [{"var": "v"}]}, {"v": value}) is (not expected)


def test_if_evaluates_only_the_chosen_branch() -> None:
    # The untaken branch would exceed a small budget if it ran.
    costly = {"reduce": [{"var": "xs"}, {"+": [{"var": "accumulator"}, 1]}, 0]}
    expression = compile_expression({"if": [True, "cheap", costly]})
    assert expression.evaluate({"xs": list(range(1000))}, max_steps=100) == "cheap"


def test_and_or_short_circuit() -> None:
    costly = {"all": [{"var": "xs"}, {"!!": [{"var": ""}]}]}
    data = {"xs": list(range(1, 1000))}
    assert compile_expression({"and": [False, costly]}).evaluate(data, max_steps=50) is False
    assert compile_expression({"or": [True, costly]}).evaluate(data, max_steps=50) is True


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ({"==": [1, 1]}, "use '==='"),
        ({"!=": [1, 1]}, "use '!=='"),
        ({"filter": [[1], 1]}, "unknown operator 'filter'"),
        ({"plusTime": ["2024-01-01", 1, "day"]}, "unknown operator 'plusTime'"),
        ({"a": 1, "b": 2}, "exactly one key"),
        ({}, "exactly one key"),
        ({"===": [1]}, "'===' takes 2 arguments, found 1"),
        ({"!": [1, 2]}, "'!' takes 1 arguments, found 2"),
        ({"<": [1, 2, 3, 4]}, "'<' takes 2 to 3 arguments, found 4"),
        ({"reduce": [[], 1]}, "'reduce' takes 3 arguments"),
        ({"if": [True]}, "'if' takes 2 or more arguments"),
        ({"var": {"cat": ["a", "b"]}}, "path must be a literal string"),
        ({"var": 1.5}, "path must be a literal string"),
        ({"var": -1}, "path must be a literal string"),
        ({"missing": [{"var": "a"}]}, "path must be a literal string"),
        ({"match": ["a", {"var": "p"}]}, "must be a literal string"),
        ({"match": ["a", "("]}, "invalid regular expression"),
        ({"match": ["a", "x" * 513]}, "longer than 512"),
        ({"match": ["a", "(a)\\1"]}, "invalid escape sequence: \\1 (the dialect is RE2"),
        ({"match": ["a", "(?=a)a"]}, "invalid perl operator: (?="),
        ({"match": ["a", "(?<!b)a"]}, "invalid perl operator: (?<"),
        ({"match": ["a", "a++"]}, "bad repetition operator"),
        ({"match": ["a", "a{1001}"]}, "invalid repetition size"),
        ({"+": [float("nan")]}, "not a JSON number"),
        ({"+": [float("inf")]}, "not a JSON number"),
        ({"===": [{"var": "d"}, b"bytes"]}, "not a JSON value"),
        ({1: [2]}, "operator 1 is not a string"),
    ],
)
def test_compile_errors(expression: Any, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        compile_expression(expression, field="rules[0] (rule R-1).assert", location="f.yaml")
    assert fragment in str(info.value)
    assert info.value.location == "f.yaml"
    assert "rules[0] (rule R-1).assert" in info.value.message


def test_compile_error_points_into_the_expression() -> None:
    with pytest.raises(SpecError, match=r"at /and/1/or/0/nope in the expression"):
        compile_expression({"and": [True, {"or": [{"nope": 1}]}]})


def test_yaml_dates_are_refused_as_literals() -> None:
    from datetime import date

    with pytest.raises(SpecError, match="YAML date"):
        compile_expression({"===": [{"var": "d"}, date(2024, 1, 1)]})


def test_match_on_a_lone_surrogate_is_a_rule_error() -> None:
    """RE2 reads UTF-8, which cannot hold a lone surrogate: a processing error, not False."""
    with pytest.raises(RuleError, match="lone surrogate"):
        compile_expression({"match": [{"var": ""}, ".*"]}).evaluate("\ud800")


def test_match_charges_steps_by_subject_length_and_program_size() -> None:
    expression = compile_expression({"match": [{"var": ""}, "a*"]})  # a program of 5 instructions
    assert expression.evaluate("a" * 64_000, max_steps=41_000) is True
    with pytest.raises(RuleError, match="step budget"):
        expression.evaluate("a" * 64_000, max_steps=39_000)
