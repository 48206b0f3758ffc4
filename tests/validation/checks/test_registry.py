"""The registry: names, docs, explicit registration, params validation, lookup errors; third-party
checks from the entry-point group, loaded from a real distribution on sys.path."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path

import pytest

import conformance.validation.checks as checks
from conformance.core.errors import ConformanceError, SpecError
from conformance.core.findings import Finding, Outcome
from conformance.core.text import Text
from conformance.standard.manifest import load_standard
from conformance.standard.model import CodeList
from conformance.validation.checks import (
    BuiltinCheck,
    CheckContext,
    CheckProblem,
    Param,
    all_checks,
    builtin_check,
    get_check,
    register,
    registry,
)
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.payload import Payload
from conformance.validation.validator import MessageTypeValidator

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


def _doc_only(value: str, params: Mapping[str, object], ctx: CheckContext) -> tuple[CheckProblem, ...]:
    """Passes everything."""
    return ()


def test_decorator_refuses_bad_names_generators_and_missing_docs() -> None:
    with pytest.raises(ConformanceError, match="lower-case"):
        builtin_check("Bad_Name", title=Text.same("x"))
    with pytest.raises(ConformanceError, match="generator; a check returns a tuple"):

        @builtin_check("test-generator", title=Text.same("x"))  # type: ignore[arg-type]
        def generator(
            value: str, params: Mapping[str, object], ctx: CheckContext
        ) -> Iterator[CheckProblem]:
            """Doc."""
            yield from ()

    with pytest.raises(ConformanceError, match="docstring"):

        @builtin_check("test-undocumented", title=Text.same("x"))
        def undocumented(
            value: str, params: Mapping[str, object], ctx: CheckContext
        ) -> tuple[CheckProblem, ...]:
            return ()

    assert "test-generator" not in all_checks() and "test-undocumented" not in all_checks()


def test_a_decorated_check_is_a_value_and_stays_callable() -> None:
    check = builtin_check("test-callable", title=Text.same("x"))(_doc_only)
    assert isinstance(check, BuiltinCheck)
    assert check.name == "test-callable" and check.doc == "Passes everything."
    assert check("anything", {}, Lists()) == ()
    assert "test-callable" not in all_checks()  # made, not registered: registering is explicit


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """`register` for this test only: the registry of the process is left as it was."""
    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._registered()))


@pytest.mark.usefixtures("scratch_registry")
def test_register_adds_a_check_and_refuses_a_taken_name_or_a_plain_function() -> None:
    check = register(builtin_check("test-registered", title=Text.same("x"))(_doc_only))
    assert get_check("test-registered") is check
    assert "test-registered" in all_checks()
    with pytest.raises(ConformanceError, match="'uuid' is registered twice"):
        register(builtin_check("uuid", title=Text.same("x"))(_doc_only))
    with pytest.raises(ConformanceError, match="not a check"):
        register(_doc_only)  # type: ignore[arg-type]
    assert get_check("uuid").title.en.startswith("Universally unique identifier")


def test_built_in_checks_come_from_the_table_of_modules() -> None:
    exported = {check.name for module in registry.BUILTIN_MODULES
                for check in importlib.import_module(module).CHECKS}
    assert exported == PUBLIC_NAMES


def test_built_in_checks_are_registered_on_first_use_not_on_import() -> None:
    code = (
        "import conformance.validation.checks as checks\n"
        "from conformance.validation.checks import registry\n"
        "assert registry._REGISTERED == {}, 'registered on import'\n"
        "assert checks.get_check('uuid').name == 'uuid'\n"
        "assert len(registry._REGISTERED) == 8\n"
        "assert registry._ENTRY_POINTS is None, 'entry points read for a built-in check'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


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


# --- third-party checks: a distribution on sys.path declaring the entry-point group ------------

ACME_MODULE = '''
from conformance.core.text import Text
from conformance.validation.checks import CheckProblem, builtin_check


@builtin_check("acme-order-number", title=Text.same("ACME order number"))
def order_number(value, params, context):
    """An ACME order number: ACME- and six digits."""
    if len(value) == 11 and value.startswith("ACME-") and value[5:].isdigit():
        return ()
    return (CheckProblem(Text.same(f"{value!r} is not an ACME order number")),)


uuid = builtin_check("uuid", title=Text.same("ACME's UUID"))(order_number.function)


def plain(value, params, context):
    """Not made with builtin_check."""
    return ()
'''
ACME_MANIFEST = """\
manifest-format: 1
id: acme
version: 1.0.0
title: {zh: 订单, en: Orders}
description: {zh: 订单, en: Orders}
publisher: {zh: ACME, en: ACME}
reference-specification: {zh: 参考, en: Reference}
lifecycle: {status: active, valid-from: 2026-01-01}
base-uri: "urn:acme:"
default-class: core
message-types:
  - id: order
    syntax: json
    title: {zh: 订单, en: Order}
    recognise: {pointer: /kind, value: order}
conformance-classes:
  - id: core
    title: {zh: 核心, en: Core}
requirements:
  - id: ACME-1
    level: MUST
    statement: {zh: 订单号, en: Order number}
    classes: [core]
    checks:
      - {by: builtin, message-types: [order], check: CHECK, target: /orders/*/number}
"""


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """`install(name=value, ...)`: a distribution `acme-checks` declaring those entry points."""

    def put(folder: str = "site", dist: str = "acme_checks", **entry_points: str) -> None:
        site = tmp_path / folder
        (site / "acme_checks").mkdir(parents=True, exist_ok=True)
        (site / "acme_checks" / "__init__.py").write_text(ACME_MODULE, encoding="utf-8")
        info = site / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist.replace('_', '-')}\n"
                                       "Version: 1.0\n", encoding="utf-8")
        lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{checks.ENTRY_POINT_GROUP}]\n{lines}", encoding="utf-8")
        monkeypatch.syspath_prepend(str(site))
        checks.clear_cache()

    yield put
    checks.clear_cache()
    for name in [m for m in sys.modules if m == "acme_checks" or m.startswith("acme_checks.")]:
        del sys.modules[name]


def _validate_orders(tmp_path: Path, check: str, numbers: list[str]) -> list[Finding]:
    bundle = tmp_path / "acme" / "1.0.0"
    bundle.mkdir(parents=True)
    (bundle / "standard.yaml").write_text(ACME_MANIFEST.replace("CHECK", check), encoding="utf-8")
    standard = load_standard(bundle)
    validator = MessageTypeValidator(standard, standard.message_types["order"])
    payload = json.dumps({"kind": "order", "orders": [{"number": n} for n in numbers]})
    return list(validator.validate(parse_json(Payload("orders.json", payload.encode()))))


def test_a_bundle_names_a_third_party_check(tmp_path: Path, install: Callable[..., None]) -> None:
    install(**{"acme-order-number": "acme_checks:order_number"})
    findings = _validate_orders(tmp_path, "acme-order-number", ["ACME-000001", "ACME-1", "ACME-000002"])
    assert [(f.requirement_id, f.outcome, f.source) for f in findings] == [
        ("ACME-1", Outcome.FAILED, "check:acme-order-number")]
    assert findings[0].message.en == "'ACME-1' is not an ACME order number"
    assert findings[0].location is not None and findings[0].location.pointer == "/orders/1/number"
    passed = _validate_orders(tmp_path / "again", "acme-order-number", ["ACME-123456"])
    assert [(f.outcome, f.message.en) for f in passed] == [(Outcome.PASSED, "1 value(s) checked")]
    assert "acme-order-number" in all_checks()  # listed beside ours
    assert set(all_checks()) == PUBLIC_NAMES | {"acme-order-number"}


def test_an_unknown_check_lists_third_party_names_too(install: Callable[..., None]) -> None:
    install(**{"acme-order-number": "acme_checks:order_number"})
    with pytest.raises(SpecError,
                       match=r"unknown built-in check 'acme-ordre'; known checks: .*acme-order-number"):
        get_check("acme-ordre")
    assert "acme_checks" not in sys.modules  # listing names loads nothing


def test_entry_points_are_read_only_for_a_name_that_is_not_ours(install: Callable[..., None]) -> None:
    install(**{"acme-order-number": "acme_checks:missing_module_attribute"})
    assert get_check("uuid").name == "uuid"  # ours: the broken entry point is never read
    with pytest.raises(SpecError, match="cannot be loaded: AttributeError"):
        get_check("acme-order-number")


@pytest.mark.parametrize(
    ("entry_points", "ask", "refusal"),
    [
        ({"uuid": "acme_checks:uuid"}, None, "'uuid' is the name of a built-in check"),
        ({"acme-plain": "acme_checks:plain"}, "acme-plain", "loads a function, not a check"),
        ({"acme-id": "acme_checks:order_number"}, "acme-id",
         "loads the check 'acme-order-number', not 'acme-id'"),
        ({"acme-broken": "acme_nowhere:check"}, "acme-broken",
         "cannot be loaded: ModuleNotFoundError"),
    ],
)
def test_a_refused_third_party_check_names_distribution_and_entry_point(
    install: Callable[..., None], entry_points: dict[str, str], ask: str | None, refusal: str,
) -> None:
    install(**entry_points)
    name, value = next(iter(entry_points.items()))
    with pytest.raises(SpecError) as info:
        if ask is None:
            all_checks()
        else:
            get_check(ask)
    text = str(info.value)
    assert refusal in text
    assert f"entry point {name} = {value} of distribution acme-checks 1.0" in text
    assert checks.ENTRY_POINT_GROUP in text


def test_a_name_two_distributions_declare_is_refused(install: Callable[..., None]) -> None:
    install(**{"acme-order-number": "acme_checks:order_number"})
    install("other", "acme_rival", **{"acme-order-number": "acme_checks:order_number"})
    with pytest.raises(SpecError, match="'acme-order-number' is declared more than once") as info:
        get_check("acme-order-number")
    assert "distribution acme-checks 1.0" in str(info.value)
    assert "distribution acme-rival 1.0" in str(info.value)


def test_clear_cache_forgets_loaded_checks(install: Callable[..., None]) -> None:
    install(**{"acme-order-number": "acme_checks:order_number"})
    first = get_check("acme-order-number")
    assert get_check("acme-order-number") is first  # cached
    checks.clear_cache()
    for name in [m for m in sys.modules if m == "acme_checks"]:
        del sys.modules[name]
    assert get_check("acme-order-number") is not first
