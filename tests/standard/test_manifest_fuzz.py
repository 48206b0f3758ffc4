"""Fuzzing the bundle loader: whatever `standard.yaml` holds, only SpecError may come out.

Inputs start from the shipped envelope manifest: text mutations (slices cut, repeated, replaced,
YAML syntax inserted), value mutations (a node of the parsed document replaced by a random
JSON-like value, then dumped again), and random YAML-ish text. Each is loaded from a copy of the
whole bundle, so the code lists, the schema and the content hash are exercised too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import SpecError
from conformance.core.yamlload import parse_yaml
from conformance.standard.manifest import load_standard
from tests.conftest import ENVELOPE_BUNDLE as ENVELOPE
from tests.fuzzing import examples

pytestmark = pytest.mark.fuzz

ORIGINAL = (ENVELOPE / "standard.yaml").read_text("utf-8")
DOCUMENT = yaml.safe_load(ORIGINAL)

# Fragments of YAML syntax that reach the loader's corners: anchors and aliases, merges, tags,
# flow and block nesting, long integers, base-60, control characters, BOMs, document markers.
TOKENS = ["&a ", "*a", "&b [*a, *a]", "<<: *a", "!!int ", "!!binary ", "!!set ", "!!python/name:os.system",
          "!x ", "[", "]", "{", "}", "- ", ": ", "? ", ",", "'", '"', "|\n", ">-\n", "#", "\n", "\t",
          "  ", "---\n", "...\n", "%YAML 1.1\n", "9" * 120, "0x" + "f" * 120, "1:2:3", ".nan", "~",
          "\x00", "\x1b", "\ufeff", "\ud7ff", "2026-13-45", "yes", "null", "..", "/", "file:/etc/passwd",
          "../../outside.xsd"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "egov-exchange-envelope" / "1.0.0"
    shutil.copytree(ENVELOPE, target)
    return target


def load(folder: Path, text: str | bytes) -> None:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    (folder / "standard.yaml").write_bytes(data)
    try:
        load_standard(folder)
    except SpecError as exc:
        assert len(str(exc)) < 20_000, "a message quotes the document capped"


@st.composite
def text_mutations(draw: st.DrawFn) -> str:
    text = ORIGINAL
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 200)))
        kind = draw(st.sampled_from(["cut", "repeat", "insert", "replace"]))
        if kind == "cut":
            text = text[:start] + text[end:]
        elif kind == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(1, 50)) + text[end:]
        else:
            piece = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=20)))
            text = text[:start] + piece + text[end if kind == "replace" else start:]
    return text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def value_mutations(draw: st.DrawFn) -> str:
    document: Any = yaml.safe_load(ORIGINAL)  # a fresh copy to mutate
    for _ in range(draw(st.integers(1, 3))):
        node: Any = document
        parent: Any = None
        key: Any = None
        for _ in range(draw(st.integers(1, 6))):
            if isinstance(node, dict) and node:
                parent, key = node, draw(st.sampled_from(sorted(node, key=str)))
            elif isinstance(node, list) and node:
                parent, key = node, draw(st.integers(0, len(node) - 1))
            else:
                break
            node = parent[key]
        if parent is not None:
            parent[key] = draw(json_values)
    return yaml.safe_dump(document, allow_unicode=True)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=text_mutations())
def test_mutated_manifest_text_gives_only_spec_errors(folder: Path, text: str) -> None:
    load(folder, text)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=value_mutations())
def test_mutated_manifest_values_give_only_spec_errors(folder: Path, text: str) -> None:
    load(folder, text)


@settings(max_examples=examples(100), deadline=None)
@given(text=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)), max_size=40).map("".join))
def test_random_yaml_gives_only_spec_errors(folder: Path, text: str) -> None:
    load(folder, text)


@settings(max_examples=examples(300), deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_give_only_spec_errors(data: bytes) -> None:
    try:
        parse_yaml(data, where="f.yaml")
    except SpecError:
        pass


# Strings near the formats the manifest schema asserts (date, date-time), where two implementations
# are most likely to disagree.
format_strings = st.sampled_from([
    "2026-12-01", "2026-13-01", "2026-02-30", "2026-2-1", "20261201", "2026-12-01T10:00:00Z",
    "2026-12-01T10:00:00+08:00", "2026-12-01t10:00:00z", "2026-12-01T24:00:00Z", "2026-12-01T10:00:60Z",
    "2026-12-01 10:00:00Z", "2026-12-01T10:00:00", "٢٠٢٦-١٢-٠١", "2026-12-01\n", ""])


@st.composite
def date_mutations(draw: st.DrawFn) -> Any:
    document: Any = yaml.safe_load(ORIGINAL)
    lifecycle = document.setdefault("lifecycle", {})
    for field in draw(st.lists(st.sampled_from(["valid-from", "valid-to"]), max_size=2, unique=True)):
        lifecycle[field] = draw(format_strings)
    return document


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=value_mutations(), dated=date_mutations())
def test_the_fast_manifest_check_agrees_with_jsonschema(text: str, dated: Any) -> None:
    """jsonschema-rs screens every manifest; only where it finds a fault does Python `jsonschema`
    look (issue 10 §2). Were it to accept what jsonschema refuses, a broken manifest would load."""
    import jsonschema

    from conformance.standard.manifest import _fast_check, manifest_schema

    python = jsonschema.Draft202012Validator(manifest_schema(),
                                             format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    try:
        mutated = parse_yaml(text.encode("utf-8"), where="standard.yaml")
    except SpecError:
        mutated = None  # not a manifest the loader reads at all
    for raw in (mutated, dated):
        if raw is None:
            continue
        try:
            fast = _fast_check().is_valid(raw)
        except (ValueError, TypeError, OverflowError):
            continue  # the loader falls back to jsonschema for these
        assert fast == python.is_valid(raw), raw
