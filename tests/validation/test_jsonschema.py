"""JSON Schema on jsonschema-rs: linear-time patterns, and every failure of the engine a processing error."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import PayloadError, RuleError, SpecError
from conformance.validation.schemas import JsonSchemaValidator, read_json_schema


def _validator(tmp_path: Path, schema: dict[str, Any]) -> JsonSchemaValidator:
    path = tmp_path / "message.schema.json"
    path.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}))
    return JsonSchemaValidator(path)


def test_a_pattern_that_exhausted_fancy_regex_is_refused_when_the_schema_loads(tmp_path: Path) -> None:
    # With fancy-regex, "a" * 30 gave "max limit for backtracking count exceeded" as a violation:
    # a failed payload decided by an exhausted budget. Lookaround needs a backtracking engine.
    with pytest.raises(SpecError, match="linear-time engine: no lookaround") as info:
        _validator(tmp_path, {"type": "string", "pattern": "^(?!((a)\\2|a)*c)"})
    assert info.value.location == str(tmp_path / "message.schema.json")


@pytest.mark.parametrize("pattern", ["(?=a)", "(?<!a)b", "(a)\\1"])
def test_lookaround_and_back_references_are_spec_errors(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(SpecError, match="is not a \"regex\""):
        _validator(tmp_path, {"patternProperties": {pattern: True}})


def test_nested_repeats_match_in_linear_time(tmp_path: Path) -> None:
    validator = _validator(tmp_path, {"type": "string", "pattern": "^(a|aa)*(a|aa)*(a+)+c$"})
    assert list(validator.iter_violations("a" * 100_000 + "c")) == []
    (violation,) = validator.iter_violations("a" * 100_000 + "!")
    assert "does not match" in violation.message


@pytest.mark.parametrize("value", ["\ud800", {"k": ["\udfff"]}, {"\ud800": 1}])
def test_a_lone_surrogate_is_a_payload_error_not_an_internal_one(tmp_path: Path, value: Any) -> None:
    validator = _validator(tmp_path, {"type": "integer"})
    with pytest.raises(PayloadError, match=r"lone surrogate \(U\+D[89A-F][0-9A-F]{2}\)") as info:
        list(validator.iter_violations(value))
    assert "孤立代理项" in info.value.message_zh


def test_any_other_engine_failure_is_a_rule_error_naming_the_schema(tmp_path: Path) -> None:
    validator = _validator(tmp_path, {"type": "integer"})

    class Broken:
        def is_valid(self, value: Any) -> bool:
            raise ValueError("x" * 10_000)

    validator._rust = Broken()
    with pytest.raises(RuleError, match="JSON Schema validation could not run: ValueError") as info:
        list(validator.iter_violations(1))
    assert info.value.location == str(tmp_path / "message.schema.json")
    assert len(info.value.message) < 500  # what an engine quotes is capped


def test_a_violation_never_quotes_a_huge_value_whole(tmp_path: Path) -> None:
    validator = _validator(tmp_path, {"type": "string", "maxLength": 64})
    (violation,) = validator.iter_violations("名" * 400_000)
    assert len(violation.message) < 400
    assert violation.message.endswith("is longer than 64 characters"), violation.message[-80:]


@pytest.mark.parametrize("content", ["fifo", "deep", "huge-int"])
def test_a_hostile_json_schema_file_is_a_spec_error(tmp_path: Path, content: str) -> None:
    # A FIFO would block the reader; 100,000 brackets overflow the stack of json and jsonschema;
    # an integer of 5,000 digits is over Python's limit: each a SpecError naming the file.
    path = tmp_path / "schema.json"
    if content == "fifo":
        os.mkfifo(path)
    elif content == "deep":
        path.write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema", "allOf": '
                        + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    else:
        path.write_text('{"maximum": ' + "9" * 5000 + "}", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        JsonSchemaValidator(path)
    assert caught.value.location == str(path)
    assert len(str(caught.value)) < 500


@pytest.mark.parametrize(("content", "says"), [
    ('{"$schema": "http://json-schema.org/draft-07/schema#"}', "must declare draft 2020-12"),
    ('{"type": 5}', "invalid JSON Schema at type"),
    ("{", "cannot read JSON Schema"),
    (b"\xff", "cannot read JSON Schema"),
])
def test_a_json_schema_is_read_and_checked_without_being_compiled(tmp_path: Path, content: str | bytes,
                                                                  says: str) -> None:
    path = tmp_path / "schema.json"
    path.write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "http://x/y"}')
    # A remote $ref is refused only when compiling: reading gives the schema as written.
    assert read_json_schema(path)["$ref"] == "http://x/y"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(SpecError, match=says) as caught:
        read_json_schema(path)
    assert caught.value.location == str(path)


OBJECT = {"type": "object", "required": ["conversationId", "sender"], "additionalProperties": False,
          "properties": {"conversationId": {"type": "string"}, "sender": {
              "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}


def test_a_missing_member_is_said_missing_at_the_object_that_lacks_it(tmp_path: Path) -> None:
    validator = _validator(tmp_path, OBJECT)
    found = [(v.pointer, v.message, v.message_zh) for v in validator.iter_violations({"sender": {}})]
    assert found == [("", "conversationId is missing", "缺少 conversationId"),
                     ("/sender", "name is missing", "缺少 name")]
    (violation,) = validator.iter_violations({"sender": {"name": "x"}})
    assert violation.engine_message == '"conversationId" is a required property'


def test_an_undeclared_member_is_named(tmp_path: Path) -> None:
    validator = _validator(tmp_path, OBJECT)
    (violation,) = validator.iter_violations({"conversationId": "c", "sender": {"name": "x"}, "priority": 1})
    assert (violation.pointer, violation.message) == ("", "priority: not a member the schema declares here")


def test_hostile_member_names_stay_capped_and_quoted(tmp_path: Path) -> None:
    long = "\x1b[2J" + "m" * 100_000
    validator = _validator(tmp_path, {"type": "object", "required": [long], "additionalProperties": False})
    found = list(validator.iter_violations({long + "x": 1}))
    assert len(found) == 2
    for violation in found:
        assert len(violation.message) < 200 and "\x1b" not in violation.message
