"""The hardened YAML loader (core/yamlload.py): JSON-shaped values, every budget a SpecError.

It lives in core and serves spec (manifests), engine (rule files) and runs (payload manifests);
its tests sit here, with the bundle loading it was written for.
"""

from __future__ import annotations

import pytest

from conformance.core.errors import PayloadError, SpecError, UsageError
from conformance.core.limits import (
    QUOTE_MAX_CHARS,
    YAML_MAX_CHARS,
    YAML_MAX_DEPTH,
    YAML_MAX_INT_DIGITS,
    YAML_MAX_NODES,
)
from conformance.core.yamlload import parse_yaml, quote, read_yaml


def parse(text: str, **options: object) -> object:
    return parse_yaml(text.encode("utf-8"), where="f.yaml", **options)  # type: ignore[arg-type]


def test_plain_documents_load_as_json_values() -> None:
    assert parse("a: [1, 2.5, true, null, 'x']\nb: {c: d}\n") == {
        "a": [1, 2.5, True, None, "x"], "b": {"c": "d"}}
    # Dates stay the text the author wrote (the manifest schema checks their form) ...
    assert parse("d: 2026-01-01") == {"d": "2026-01-01"}
    # ... unless the reader asks for them, to refuse them in its own words (JSON rules).
    assert type(parse("d: 2026-01-01", dates=True)["d"]).__name__ == "date"  # type: ignore[index]


def test_aliases_and_merges_within_the_budget_still_work() -> None:
    assert parse("a: &x {k: 1}\nb: *x\nc: {<<: *x, j: 2}\n") == {
        "a": {"k": 1}, "b": {"k": 1}, "c": {"k": 1, "j": 2}}


def bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ",".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines)


def test_an_alias_counts_as_the_nodes_it_repeats() -> None:
    parse(bomb(4))  # about 11,000 nodes expanded
    with pytest.raises(SpecError, match=f"more than {YAML_MAX_NODES} nodes") as info:
        parse(bomb(9))
    assert info.value.location is not None and info.value.location.startswith("f.yaml:")


def test_an_alias_counts_as_the_text_it_repeats() -> None:
    # Few nodes, long text: 2**12 copies of a 4 KiB string is 16 MiB for whoever prints it.
    lines = ["s0: &s0 '" + "x" * 4096 + "'"]
    lines += [f"s{i}: &s{i} [*s{i - 1}, *s{i - 1}]" for i in range(1, 13)]
    with pytest.raises(SpecError, match=f"more than {YAML_MAX_CHARS} characters"):
        parse("\n".join(lines))


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(SpecError, match="refers to a node that contains it"):
        parse("a: &a [1, *a]")
    with pytest.raises(SpecError, match="refers to a node that contains it"):
        parse("a: &a {b: {c: *a}}")


@pytest.mark.parametrize("text", [
    "a: " + "[" * (YAML_MAX_DEPTH + 1) + "]" * (YAML_MAX_DEPTH + 1),
    "".join(" " * i + "- \n" for i in range(YAML_MAX_DEPTH + 1)),
    "".join(" " * i + "k:\n" for i in range(YAML_MAX_DEPTH + 1)),
    "a: " + "[" * 20_000,
])
def test_nesting_is_bounded(text: str) -> None:
    with pytest.raises(SpecError):
        parse(text)


def test_nesting_up_to_the_limit_loads() -> None:
    depth = YAML_MAX_DEPTH - 1
    assert parse("[" * depth + "]" * depth) is not None


@pytest.mark.parametrize("digits", ["9" * 5_000, "0x" + "f" * 200, "1" + ":59" * 100, "-" + "1" * 200])
def test_integers_with_too_many_digits_are_refused(digits: str) -> None:
    with pytest.raises(SpecError, match=f"over the limit of {YAML_MAX_INT_DIGITS}"):
        parse(f"n: {digits}")
    # Quoted, it is text.
    assert parse(f"n: '{digits}'") == {"n": digits}


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: 2\na: 3", "duplicate key 'a'"),
    ("a: !!binary aGVsbG8=", "not allowed"),
    ("a: !!set {x, y}", "not allowed"),
    ("a: !!omap [{x: 1}]", "not allowed"),
    ("!!python/object/apply:os.system ['echo pwned']", "not allowed"),
    ("a: !custom x", "not allowed"),
    ("a: !!int x", "'x' is not a valid int"),
    ("a: !!int ''", "is not a valid int"),
    ("a: !!float x", "is not a valid float"),
    ("a: !!bool maybe", "is not a valid bool"),
    ("a: [1, 2", "not valid YAML"),
    ("a: 1\n---\nb: 2", "not valid YAML"),
    ("a: *nowhere", "undefined alias"),
    ("a: &x 1\nb: &x 2", "not valid YAML"),
])
def test_what_json_cannot_hold_is_refused(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse(text)


def test_messages_quote_little_of_a_hostile_document() -> None:
    with pytest.raises(SpecError) as info:
        parse("a: *" + "x" * 100_000)
    assert len(str(info.value)) < 6 * QUOTE_MAX_CHARS
    with pytest.raises(SpecError) as info:
        parse("k" * 100_000 + ": 1\n" + "k" * 100_000 + ": 2\n")
    assert len(str(info.value)) < 3 * QUOTE_MAX_CHARS


def test_non_utf8_is_refused_with_the_byte() -> None:
    with pytest.raises(SpecError, match=r"not UTF-8 \(byte 3\)"):
        parse_yaml(b"a: \xff", where="f.yaml")


def test_the_callers_error_type_is_raised() -> None:
    with pytest.raises(UsageError, match="payload manifest is not valid YAML"):
        parse_yaml(b"[", where="m.yaml", error=UsageError, what="payload manifest")
    with pytest.raises(PayloadError):
        parse_yaml(b"[", where="m.yaml", error=PayloadError)


def test_read_yaml_refuses_what_is_not_a_bounded_regular_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(SpecError, match="not a regular file"):
        read_yaml(tmp_path / "fifo.yaml")
    (tmp_path / "big.yaml").write_text("a: 1\n" * 100)
    with pytest.raises(SpecError, match="over the limit of 10 bytes"):
        read_yaml(tmp_path / "big.yaml", max_bytes=10)


@pytest.mark.parametrize(("value", "expected"), [
    ("short", "'short'"),
    ("a\x1b[31mred\n", "'a\\x1b[31mred\\n'"),
])
def test_quote_escapes(value: str, expected: str) -> None:
    assert quote(value) == expected


def test_quote_caps_strings_and_shared_trees_without_building_them() -> None:
    assert len(quote("x" * 10_000_000)) == QUOTE_MAX_CHARS
    tree: list[object] = ["x" * 100] * 10
    for _ in range(30):  # 10**30 leaves as a tree, a few hundred objects as a graph
        tree = [tree] * 10
    assert len(quote(tree)) <= QUOTE_MAX_CHARS
