"""Properties on generated documents: the bindings agree, and failures match a Python oracle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.validation.schematron import CompiledSchematron, compile_schematron

INV = "urn:example:invoice"

amounts = st.one_of(
    st.integers(min_value=-50, max_value=50).map(str),
    st.decimals(min_value=-50, max_value=50, places=2).map(str),
)
lines = st.lists(st.tuples(st.sampled_from(["L1", "L2", "L3", "L4"]), amounts), max_size=6)
parties = st.lists(st.tuples(st.sampled_from(["seller", "buyer", "payee"]), st.booleans()), max_size=3)


def build(items: list[tuple[str, str]], people: list[tuple[str, bool]], total: int) -> etree._ElementTree:
    root = etree.Element(f"{{{INV}}}invoice", nsmap={"inv": INV}, currency="EUR")
    etree.SubElement(root, f"{{{INV}}}id").text = "X"
    for role, named in people:
        party = etree.SubElement(root, f"{{{INV}}}party", role=role)
        if named:
            etree.SubElement(party, f"{{{INV}}}name").text = "N"
    for ident, amount in items:
        etree.SubElement(root, f"{{{INV}}}line", id=ident, amount=amount)
    etree.SubElement(root, f"{{{INV}}}total").text = str(total)
    # Re-parse from text, as callers do, so that elements have source lines.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.ElementTree(etree.fromstring(etree.tostring(root, pretty_print=True), parser))


@pytest.fixture(scope="module")
def compiled_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CompiledSchematron]:
    source = (Path(__file__).parent / "data" / "features" / "invoice.sch").read_text()
    result = {}
    for binding in ("xslt", "xslt2"):
        path = tmp_path_factory.mktemp(binding) / "invoice.sch"
        path.write_text(source.replace('queryBinding="xslt"', f'queryBinding="{binding}"'))
        result[binding] = compile_schematron(path)
    return result


def findings(compiled: CompiledSchematron, doc: etree._ElementTree) -> Counter[tuple[str, int | None]]:
    return Counter((f.assertion_id, f.line) for f in compiled.validate(doc).failures)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=lines, people=parties, total=st.integers(min_value=-10, max_value=100))
def test_bindings_agree_and_match_oracle(
    compiled_pair: dict[str, CompiledSchematron],
    items: list[tuple[str, str]],
    people: list[tuple[str, bool]],
    total: int,
) -> None:
    doc = build(items, people, total)
    xslt = findings(compiled_pair["xslt"], doc)
    assert xslt == findings(compiled_pair["xslt2"], doc)
    ids: Callable[[str], int] = lambda name: sum(n for (i, _), n in xslt.items() if i == name)  # noqa: E731
    assert ids("L-2") == sum(1 for _, amount in items if float(amount) <= 0)
    counts = Counter(ident for ident, _ in items)
    assert ids("L-3") == sum(1 for ident, _ in items if counts[ident] > 1)
    assert ids("P-1") == sum(1 for _, named in people if not named)
    assert ids("F-1") == sum(1 for role, _ in people if role == "seller")
    assert ids("F-2") == sum(1 for role, _ in people if role != "seller")
    assert ids("T-2") == (1 if len(items) > 2 else 0)
