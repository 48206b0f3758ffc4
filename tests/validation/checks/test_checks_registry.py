"""The registry: names, docs, params validation, lookup errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime

import pytest

import conformance.validation.checks as checks
from conformance.core.errors import ConformanceError, SpecError
from conformance.core.text import Text
from conformance.standard.model import CodeList
from conformance.validation.checks import (
    CheckContext,
    CheckProblem,
    Param,
    all_checks,
    builtin_check,
    get_check,
)

PUBLIC_NAMES = {
    "citizen-id",
    "unified-social-credit-code",
    "division-code",
    "sha256-digest-value",
    "media-type",
    "timestamp",
    "code-list",
    "uuid",
}


class Lists:
    """A CheckContext over a fixed set of code lists."""

    def __init__(self, *lists: CodeList) -> None:
        self._lists = {cl.id: cl for cl in lists}

    def code_list(self, list_id: str) -> CodeList:
        try:
            return self._lists[list_id]
        except KeyError:
            raise SpecError(f"unknown code list {list_id!r}") from None


DIVISIONS = CodeList(
    id="gbt2260", version="2023", date=date(2023, 12, 31), title=Text.same("GB/T 2260"),
    codes=frozenset({"110105", "350100", "440300", "440524"}),
)


def test_public_names_are_registered_sorted() -> None:
    names = list(all_checks())
    assert set(names) == PUBLIC_NAMES
    assert names == sorted(names)


def test_all_module_exports_exist() -> None:
    for name in checks.__all__:
        assert hasattr(checks, name), name


@pytest.mark.parametrize("name", sorted(PUBLIC_NAMES))
def test_every_check_is_documented(name: str) -> None:
    check = get_check(name)
    assert check.name == name
    assert check.doc and len(check.doc.splitlines()[0]) > 10
    assert check.title.zh and check.title.en
    for param in check.params:
        assert param.description


def test_unknown_check_lists_known_names() -> None:
    with pytest.raises(SpecError) as info:
        get_check("citizen-number")
    for name in PUBLIC_NAMES:
        assert name in str(info.value)


def test_register_rejects_bad_names_duplicates_and_missing_docs() -> None:
    with pytest.raises(ConformanceError, match="lower-case"):
        builtin_check("Bad_Name", title=Text.same("x"))
    with pytest.raises(ConformanceError, match="registered twice"):

        @builtin_check("uuid", title=Text.same("x"))
        def again(
            value: str, params: Mapping[str, object], ctx: CheckContext
        ) -> Iterator[CheckProblem]:
            """Doc."""
            yield from ()

    with pytest.raises(ConformanceError, match="docstring"):

        @builtin_check("test-undocumented", title=Text.same("x"))
        def undocumented(
            value: str, params: Mapping[str, object], ctx: CheckContext
        ) -> Iterator[CheckProblem]:
            yield from ()

    assert "test-undocumented" not in all_checks()


def test_run_refuses_non_text_values_with_a_problem() -> None:
    problems = get_check("uuid").run(42, {}, Lists())  # type: ignore[arg-type]
    assert len(problems) == 1 and "text" in problems[0].message.en


# --- params validation: one test per kind of error --------------------------------------------


def test_unknown_param() -> None:
    with pytest.raises(SpecError, match=r"unknown parameter 'versoin'.*known parameters: version"):
        get_check("uuid").validate_params({"versoin": 4})


def test_missing_required_param() -> None:
    with pytest.raises(SpecError, match="missing required parameter 'code-list'"):
        get_check("code-list").validate_params({})


@pytest.mark.parametrize(
    ("check", "params", "fragment"),
    [
        ("uuid", {"version": "4"}, "must be an integer"),
        ("uuid", {"version": True}, "must be an integer"),
        ("uuid", {"version": 9}, "must be one of"),
        ("uuid", {"version": 0}, "must be one of"),
        ("code-list", {"code-list": 7}, "non-empty string"),
        ("code-list", {"code-list": ""}, "non-empty string"),
        ("citizen-id", {"today": "2024-13-01"}, "must be a date"),
        ("citizen-id", {"today": "yesterday"}, "must be a date"),
        ("citizen-id", {"today": datetime(2024, 1, 1, 12, 0)}, "must be a date"),
        ("citizen-id", {"today": 20240101}, "must be a date"),
        ("division-code", {"code-list": ["gbt2260"]}, "non-empty string"),
    ],
)
def test_ill_typed_params(check: str, params: dict[str, object], fragment: str) -> None:
    with pytest.raises(SpecError, match=fragment) as info:
        get_check(check).validate_params(params, location="standard.yaml: requirements[3]")
    assert info.value.location == "standard.yaml: requirements[3]"


def test_params_must_be_a_mapping() -> None:
    with pytest.raises(SpecError, match="mapping"):
        get_check("uuid").validate_params([("version", 4)])  # type: ignore[arg-type]


def test_code_list_params_are_resolved_when_a_context_is_given() -> None:
    get_check("division-code").validate_params({"code-list": "gbt2260"}, context=Lists(DIVISIONS))
    get_check("division-code").validate_params({"code-list": "other"})  # no context: not resolved
    with pytest.raises(SpecError, match="unknown code list 'other'"):
        get_check("division-code").validate_params({"code-list": "other"}, context=Lists(DIVISIONS))


@pytest.mark.parametrize(
    ("check", "params"),
    [
        ("uuid", {}),
        ("uuid", {"version": 7}),
        ("citizen-id", {"today": date(2024, 1, 1)}),
        ("citizen-id", {"today": "2024-01-01", "division-code-list": "gbt2260"}),
        ("unified-social-credit-code", {"division-code-list": "gbt2260"}),
        ("timestamp", {}),
        ("code-list", {"code-list": "gbt2260"}),
    ],
)
def test_valid_params_pass(check: str, params: dict[str, object]) -> None:
    get_check(check).validate_params(params, context=Lists(DIVISIONS))


def test_param_is_a_frozen_value() -> None:
    param = Param("x", "an x")
    with pytest.raises(AttributeError):
        param.name = "y"  # type: ignore[misc]
    assert param.kind == "string" and param.required is False
