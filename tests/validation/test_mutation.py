"""The house property: a mutated payload yields a finding at the mutated node.

The nodes come from the standard itself: every built-in check a requirement declares selects its
nodes (`target`) in the conformant fixtures, and each such node is a *site*. A mutation changes one
character of the site's value to one its check can never accept there; validating the result must
then give a failed finding of that requirement located at that node (line and XPath for XML, JSON
pointer and line for JSON). Locations are worked out here with lxml and `json`, apart from the
engine's own position code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.core.findings import Finding, Location, Outcome
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.standard.model import CheckKind
from conformance.validation.documents.payload import Payload
from tests.conftest import ENVELOPE_FIXTURES, envelope_standard, fixture_manifest
from tests.fuzzing import examples

pytestmark = pytest.mark.fuzz


@dataclass(frozen=True, slots=True)
class Breakage:
    """How to break any value a built-in check accepts: change one character to one of these."""

    replacements: str
    # Where the check still looks: media types accept any parameters after ';'.
    stop_at: str | None = None


# One per built-in check the standard names; `test_every_builtin_check_has_a_breakage` keeps it so.
BREAKAGES = {
    "uuid": Breakage("xX"),  # neither a hex digit nor a hyphen
    "timestamp": Breakage("xX"),  # no letter but T and Z belongs in YYYY-MM-DDThh:mm:ss(Z|±hh:mm)
    # Any other digit: GB 32100's weights are all non-zero modulo the prime 31, so one changed
    # character always changes the check character (or is the check character).
    "unified-social-credit-code": Breakage("0123456789"),
    "division-code": Breakage("x"),  # six digits only
    "code-list": Breakage("#"),  # no code of our lists has one; `_site_break` confirms it
    "sha256-digest-value": Breakage("!"),  # neither hex nor base64
    "media-type": Breakage("\u00e9", stop_at=";"),  # not ASCII: no registered type, no subtype
}


@dataclass(frozen=True, slots=True)
class Site:
    """One node of a conformant fixture that a requirement's built-in check reads."""

    file: str
    requirement: str
    check: str
    params: tuple[tuple[str, object], ...]
    # XML: the element's place in document order (to find it again) and its line.
    element_index: int | None
    line: int | None
    # JSON: the tokens from the root to the value.
    tokens: tuple[str | int, ...] | None
    value: str

    def __repr__(self) -> str:  # Hypothesis prints sites: say which node, briefly
        where = f"line {self.line}" if self.tokens is None else _pointer(self.tokens)
        return f"Site({self.file} {self.requirement} {self.check} at {where}: {self.value!r})"


standard = envelope_standard


@cache
def session() -> ValidationSession:
    return ValidationSession([standard()])


def _conformant_files() -> list[str]:
    return [c["file"] for c in fixture_manifest()
            if not c.get("error") and not c.get("fails")
            and all(v == "conformant" for v in c["verdicts"].values())]


def _parse_xml(data: bytes) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             strip_cdata=False)
    return etree.ElementTree(etree.fromstring(data, parser))


def _json_nodes(value: Any, steps: list[str], tokens: tuple[str | int, ...] = ()
                ) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (tokens, value) a JSON pointer with `*` steps selects, in document order."""
    if not steps:
        yield tokens, value
        return
    step, rest = steps[0], steps[1:]
    if isinstance(value, dict):
        keys = list(value) if step == "*" else [step] if step in value else []
        for key in keys:
            yield from _json_nodes(value[key], rest, (*tokens, key))
    elif isinstance(value, list):
        indices = range(len(value)) if step == "*" else [int(step)] if step.isdigit() else []
        for index in indices:
            if index < len(value):
                yield from _json_nodes(value[index], rest, (*tokens, index))


def _sites_of(file: str) -> Iterator[Site]:
    data = (ENVELOPE_FIXTURES / file).read_bytes()
    message_type = standard().message_types["envelope-xml" if file.endswith(".xml") else "envelope-json"]
    for requirement in standard().requirements.values():
        for check in requirement.checks:
            if check.kind is not CheckKind.BUILTIN or message_type.id not in check.message_types:
                continue
            assert check.name is not None and check.target is not None, requirement.id
            params = tuple(sorted(check.params.items()))
            if message_type.syntax.value == "xml":
                tree = _parse_xml(data)
                order = {element: index for index, element in enumerate(tree.iter())}
                for node in tree.xpath(check.target, namespaces=dict(message_type.namespaces)):
                    # Attribute or text targets would need their own location rule here.
                    assert isinstance(node, etree._Element), f"{requirement.id}: {check.target}"
                    if len(node) == 0 and node.text:  # leaf elements: their text is the value
                        yield Site(file, requirement.id, check.name, params, order[node],
                                   node.sourceline, None, node.text)
            else:
                document = json.loads(data)
                steps = [t.replace("~1", "/").replace("~0", "~") for t in check.target[1:].split("/")]
                for tokens, value in _json_nodes(document, steps):
                    if isinstance(value, str) and value:
                        yield Site(file, requirement.id, check.name, params, None, None, tokens, value)


@cache
def sites() -> tuple[Site, ...]:
    return tuple(site for file in _conformant_files() for site in _sites_of(file))


def _pointer(tokens: tuple[str | int, ...]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _readable_xpath(tree: etree._ElementTree, element: etree._Element) -> str:
    """The XPath a person writes: the standard's prefixes, a position only among same-named siblings."""
    prefixes = {uri: prefix for prefix, uri in standard().message_types["envelope-xml"].namespaces.items()}

    def prefixed(step: str) -> str:  # lxml writes `{uri}local[2]`
        uri, _, rest = step[1:].partition("}")
        return f"{prefixes[uri]}:{rest}"

    root = tree.getroot()
    steps = [root.tag] + ([] if element is root else tree.getelementpath(element).split("/"))
    return "/" + "/".join(prefixed(step) for step in steps)


def _mutated(site: Site, position: int, replacement: str) -> tuple[bytes, Location, str]:
    """The fixture with the site's value changed: its bytes, where the node now is, the new value."""
    value = site.value[:position] + replacement + site.value[position + 1:]
    data = (ENVELOPE_FIXTURES / site.file).read_bytes()
    if site.element_index is not None:
        tree = _parse_xml(data)
        element = list(tree.iter())[site.element_index]
        element.text = value
        encoding = tree.docinfo.encoding or "UTF-8"
        mutated = etree.tostring(tree, xml_declaration=True, encoding=encoding)
        # Serialising may join the nodes before the root onto one line: ask the new document.
        line = list(_parse_xml(mutated).iter())[site.element_index].sourceline
        assert line is not None
        return mutated, Location(line=line, xpath=_readable_xpath(tree, element)), value
    assert site.tokens is not None
    document = json.loads(data)
    parent = document
    for token in site.tokens[:-1]:
        parent = parent[token]
    # The line of the value: where a marker put in its place lands; a string stays on one line.
    parent[site.tokens[-1]] = "\x00marker"
    marked = json.dumps(document, ensure_ascii=False, indent=2)
    line = marked[:marked.index('"\\u0000marker"')].count("\n") + 1
    parent[site.tokens[-1]] = value
    mutated = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return mutated, Location(line=line, pointer=_pointer(site.tokens)), value


def _at(finding: Finding, node: Location) -> bool:
    """Whether a finding is located at the node: same line and XPath or pointer (columns aside)."""
    found = finding.location
    return found is not None and (found.line, found.xpath, found.pointer) == (
        node.line, node.xpath, node.pointer)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Site, int, str]:
    """A site, the position of the character to change, and the character it becomes."""
    site = draw(st.sampled_from(sites()))
    breakage = BREAKAGES[site.check]
    span = len(site.value) if breakage.stop_at is None else len(site.value.split(breakage.stop_at)[0])
    position = draw(st.integers(0, span - 1))
    replacement = draw(st.sampled_from([c for c in breakage.replacements if c != site.value[position]]))
    return site, position, replacement


def _site_break(site: Site, value: str) -> None:
    """Preconditions the breakage table promises, checked against the standard's own data."""
    if site.check == "code-list":
        code_list = str(dict(site.params)["code-list"])
        assert value not in standard().code_lists[code_list], value


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_a_mutated_node_fails_its_requirement_there(mutation: tuple[Site, int, str]) -> None:
    site, position, replacement = mutation
    data, node, value = _mutated(site, position, replacement)
    _site_break(site, value)
    result: PayloadResult = session().validate_payload(Payload(site.file, data))
    assert not result.processing_error, result.findings
    assert result.outcomes[site.requirement] is Outcome.FAILED, (value, result.failures())
    at_node = [f for f in result.findings if f.outcome is Outcome.FAILED and _at(f, node)]
    assert site.requirement in {f.requirement_id for f in at_node}, (
        f"{site.requirement} has no failed finding at {node.describe()} for {value!r}: "
        + "; ".join(f"{f.requirement_id} @ {f.location.describe() if f.location else '-'}"
                    for f in result.failures()))


def test_every_builtin_check_has_a_breakage() -> None:
    used = {c.name for r in standard().requirements.values() for c in r.checks if c.kind is CheckKind.BUILTIN}
    assert used == set(BREAKAGES)


def test_every_builtin_check_has_sites_in_both_bindings() -> None:
    """Each built-in check of each requirement reads some node of a conformant fixture: none goes untried."""
    found = {(s.requirement, "envelope-xml" if s.tokens is None else "envelope-json") for s in sites()}
    declared = {(r.id, mt) for r in standard().requirements.values() for c in r.checks
                if c.kind is CheckKind.BUILTIN for mt in c.message_types}
    assert declared - found == set()


@pytest.mark.parametrize("file", ["xml/conformant-full.xml", "json/conformant-full.json"])
def test_unmutated_sites_pass(file: str) -> None:
    """The re-serialised fixture (value left as it is) is still conformant: only the mutation fails."""
    site = next(s for s in sites() if s.file == file)
    data, _, _ = _mutated(site, 0, site.value[0])
    assert session().validate_payload(Payload(file, data)).findings == ()
