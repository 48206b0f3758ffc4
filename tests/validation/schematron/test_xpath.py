"""The lexical scans of XPath text: the shape of rule contexts and the function names the sandbox sees."""

from __future__ import annotations

import pytest

from conformance.validation.schematron._xpath import FN_NS, calls, is_absolute, skip_gap, union_branches


@pytest.mark.parametrize(
    ("context", "branches"),
    [
        ("/a:Invoice", ["/a:Invoice"]),
        ("/a:Invoice | /b:CreditNote", ["/a:Invoice ", " /b:CreditNote"]),
        ("x[@k = 'a|b'] | y", ["x[@k = 'a|b'] ", " y"]),
        ('x[. = "|"]|y', ['x[. = "|"]', "y"]),
        ("(a | b)/c | d", ["(a | b)/c ", " d"]),
        ("x[y | z]", ["x[y | z]"]),
    ],
)
def test_union_branches_split_only_at_the_top_level(context: str, branches: list[str]) -> None:
    assert union_branches(context) == branches


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("/a:Invoice", True),
        (" /a:Invoice/a:Line | /b:CreditNote", True),
        ("/a:Invoice | a:Line", False),
        ("a:Line", False),
        ("//a:Line", True),  # starts at the root: the node set can be selected directly
        ("(/a | /b)", False),  # a parenthesised union is one branch that does not start with /
    ],
)
def test_is_absolute(context: str, expected: bool) -> None:
    assert is_absolute(context) is expected


def test_skip_gap_passes_spaces_and_nested_comments_only() -> None:
    text = "f \n(: a (: nested :) comment :) ('x')"
    assert text[skip_gap(text, 1)] == "("
    assert text[skip_gap(text, skip_gap(text, 1) + 1)] == "'"
    assert skip_gap("abc", 0) == 0


def test_calls_resolve_prefixes_and_eqnames() -> None:
    found = calls("f:g(1) + Q{ urn:q }h#2 + fn:doc(.) + saxon:x() + u:y()", {"f": "urn:f"})
    assert [(c.uri, c.local, c.reference) for c in found] == [
        ("urn:f", "g", False),
        ("urn:q", "h", True),
        (FN_NS, "doc", False),
        ("http://saxon.sf.net/", "x", False),
        ("undeclared:u", "y", False),
    ]


def test_calls_read_literals_as_code_but_not_numbers_or_variables() -> None:
    # A literal that spells a call is a call to the sandbox (it errs on the side of refusing).
    assert [c.local for c in calls("'doc(x)' = 1-doc('y')", {})] == ["doc", "doc"]
    assert calls("1e2 + .5 + $doc('x') + $ doc('y')", {}) == []
    assert calls("child::doc and @doc and doc", {}) == []


def test_a_call_spans_its_name_and_points_at_the_parenthesis() -> None:
    text = "concat (: why :) ('a')"
    (call,) = calls(text, {})
    assert text[call.start : call.end] == "concat"
    assert text[call.after] == "("
    assert call.uri is None
