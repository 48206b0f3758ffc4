"""Fuzzing the conversation loader: whatever a conversation file holds, only SpecError may come out.

Inputs start from the test conversation (tests/standard/conversation_bundle.py): value mutations
(nodes replaced by random JSON-like values, members deleted), then loaded from a bundle written
once per module, so the schema screen, both schema engines and every cross-reference check run.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import SpecError
from conformance.standard.manifest import load_standard
from tests.fuzzing import examples
from tests.standard.conversation_bundle import CONVERSATION, write_conversation_bundle

pytestmark = pytest.mark.fuzz

# Values near the ones the loader reads: ids of every kind, durations, paths, wrong types.
NEAR = ["lead", "co-approver", "boss", "start", "notified", "opinion-request", "receipt-ack", "error",
        "APR-C-ACK-WITHIN", "APR-C-DECISION", "APR-C-SEQUENCE", "kind", "case-id", "colour", "PT5M", "P1M",
        "PT0S", "-P1D", "P1W3D", "approval-xml", "approval-json", "x@1:y", "/header/~2", "/apr:X[",
        "/x:y", "/a\x1fb", "../outside.xml", "examples/request.xml", "", "\x00", 0, -1, 10**30, 1.5, True,
        None]
VALUES = st.recursive(
    st.sampled_from(NEAR) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(NEAR[:20]) | st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.extend(_paths(child, (*prefix, key)))
    return found


PATHS = _paths(CONVERSATION)


@st.composite
def mutations(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(CONVERSATION)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        node: Any = document
        try:
            for step in path[:-1]:
                node = node[step]
            if draw(st.booleans()) and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = draw(VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed the shape above this path
    return document


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_conversation_bundle(tmp_path_factory.mktemp("conversation-fuzz") / "bundle")


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(document=mutations())
def test_a_mutated_conversation_loads_or_is_a_spec_error(folder: Path, document: Any) -> None:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    (folder / "conversations" / "parallel-approval.yaml").write_text(text, "utf-8")
    try:
        standard = load_standard(folder)
    except SpecError as exc:
        assert len(str(exc)) < 20_000, "a message quotes the document capped"
        return
    conversation = standard.conversations["parallel-approval"]
    for rule_id in conversation.rules:  # whatever loaded is consistent enough to be used
        for role in conversation.rule_roles(rule_id):
            assert role in conversation.roles
