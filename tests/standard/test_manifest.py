"""Loading standard.yaml: good bundles load, every kind of bad one is refused with file and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.findings import Level
from conformance.standard.manifest import load_standard

GENERICODE = """<?xml version="1.0" encoding="UTF-8"?>
<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">
  <Identification><ShortName>colours</ShortName><LongName>Colours</LongName>
    <Version>{version}</Version></Identification>
  <ColumnSet><Column Id="code" Use="required"><ShortName>code</ShortName>
    <Data Type="normalizedString"/></Column></ColumnSet>
  <SimpleCodeList>
    <Row><Value ColumnRef="code"><SimpleValue>red</SimpleValue></Value>
         <Value ColumnRef="name-zh"><SimpleValue>红</SimpleValue></Value></Row>
    <Row><Value ColumnRef="code"><SimpleValue>blue</SimpleValue></Value></Row>
  </SimpleCodeList>
</gc:CodeList>
"""

BASE: dict[str, Any] = {
    "manifest-format": 1,
    "id": "demo",
    "version": "1.2.0",
    "title": {"zh": "示例", "en": "Demo"},
    "description": {"zh": "示例标准", "en": "A demo standard"},
    "publisher": {"zh": "本项目", "en": "This project"},
    "reference-specification": {"zh": "参考规范", "en": "Reference specification"},
    "lifecycle": {"status": "active", "valid-from": "2026-01-01"},
    "base-uri": "urn:demo:",
    "default-class": "full",
    "message-types": [{
        "id": "doc", "syntax": "json", "title": {"zh": "文档", "en": "Document"},
        "recognise": {"pointer": "/kind", "value": "demo"},
        "schema": "schema.json",
    }],
    "code-lists": [{"id": "colours", "file": "colours.gc", "version": "1", "date": "2026-01-01"}],
    "requirements": [
        {"id": "R-1", "level": "MUST", "statement": {"zh": "须有效", "en": "Must be valid"},
         "classes": ["core"], "checks": [{"by": "schema", "message-types": ["doc"]}]},
        {"id": "R-2", "level": "SHOULD", "statement": {"zh": "颜色", "en": "Colour"},
         "classes": ["full"], "checks": [{"by": "builtin", "message-types": ["doc"],
                                          "check": "code-list", "target": "/colour",
                                          "params": {"code-list": "colours"}}]},
    ],
    "conformance-classes": [
        {"id": "core", "title": {"zh": "核心", "en": "Core"}},
        {"id": "full", "title": {"zh": "完整", "en": "Full"}, "builds-on": ["core"]},
    ],
}


def write_bundle(folder: Path, manifest: dict[str, Any], *, version: str = "1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    (folder / "schema.json").write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema"}')
    (folder / "colours.gc").write_text(GENERICODE.format(version=version), "utf-8")
    return folder


def test_good_bundle_loads(tmp_path: Path) -> None:
    s = load_standard(write_bundle(tmp_path / "demo" / "1.2.0", BASE))
    assert s.ref == "demo@1.2.0"
    assert s.requirements["R-1"].uri == "urn:demo:R-1"
    assert s.requirements["R-2"].level is Level.SHOULD
    # A class needs the requirements of the classes it builds on.
    assert s.classes["full"].requirements == ("R-1", "R-2")
    assert s.classes["core"].requirements == ("R-1",)
    assert s.code_lists["colours"].codes == {"red", "blue"}
    assert s.code_lists["colours"].names["red"].zh == "红"
    assert s.content_hash.startswith("sha256:")
    assert s.reference_note is not None


def test_content_hash_is_stable_and_sensitive(tmp_path: Path) -> None:
    a = load_standard(write_bundle(tmp_path / "a", BASE))
    b = load_standard(write_bundle(tmp_path / "b", BASE))
    assert a.content_hash == b.content_hash
    (tmp_path / "b" / "schema.json").write_text(
        '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}')
    assert load_standard(tmp_path / "b").content_hash != a.content_hash


def mutate(path: str, value: Any) -> dict[str, Any]:
    manifest = copy.deepcopy(BASE)
    node: Any = manifest
    steps = path.split(".")
    for step in steps[:-1]:
        node = node[int(step)] if step.isdigit() else node[step]
    last = steps[-1]
    if value is KeyError:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return manifest


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("version", "1.2", "version"),
        ("requirements.0.level", "MUSTT", "requirements[0].level"),
        ("title", KeyError, "'title' is a required property"),
        ("lifecycle.status", "gone", "lifecycle.status"),
        ("lifecycle.valid-from", "2026-13-01", "lifecycle.valid-from"),
        ("requirements.0.statement", {"en": "only English"}, "'zh' is a required property"),
        ("requirements.1.checks.0.check", KeyError, "'check' is a required property"),
        ("requirements.0.classes", ["nope"], "unknown conformance class 'nope'"),
        ("requirements.0.checks.0.message-types", ["other"], "unknown message type 'other'"),
        ("conformance-classes.1.builds-on", ["ghost"], "unknown class 'ghost'"),
        ("default-class", "ghost", "default-class"),
        ("message-types.0.schema", "missing.json", "does not exist"),
        ("requirements.1.checks.0.params", {"code-list": "nope"}, "unknown code list 'nope'"),
        ("unknown-field", 1, "Additional properties"),
        ("message-types.0.recognise", {"root": "x"}, "needs 'pointer' and 'value'"),
    ],
)
def test_bad_manifest_names_file_and_field(tmp_path: Path, path: str, value: Any,
                                           expected: str) -> None:
    folder = write_bundle(tmp_path / "demo", mutate(path, value))
    with pytest.raises(SpecError) as info:
        load_standard(folder)
    text = str(info.value)
    assert expected in text
    assert str(folder / "standard.yaml") in text


def test_duplicate_requirement_ids_refused(tmp_path: Path) -> None:
    manifest = copy.deepcopy(BASE)
    manifest["requirements"].append(copy.deepcopy(manifest["requirements"][0]))
    with pytest.raises(SpecError, match="duplicate requirement id"):
        load_standard(write_bundle(tmp_path / "d", manifest))


def test_builds_on_cycle_refused(tmp_path: Path) -> None:
    manifest = mutate("conformance-classes.0", {"id": "core", "title": {"zh": "核", "en": "C"},
                                                "builds-on": ["full"]})
    with pytest.raises(SpecError, match="cycle"):
        load_standard(write_bundle(tmp_path / "c", manifest))


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "a/../../x.json",
                                  "..\\x.json", "C:/x.json"])
def test_artefact_paths_cannot_leave_bundle(tmp_path: Path, path: str) -> None:
    with pytest.raises(BundlePathError):
        load_standard(write_bundle(tmp_path / "t" / "b", mutate("message-types.0.schema", path)))


def test_symlink_out_of_bundle_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    folder = write_bundle(tmp_path / "s", mutate("message-types.0.schema", "link.json"))
    (folder / "link.json").symlink_to(outside)
    with pytest.raises(BundlePathError, match="leaves the bundle"):
        load_standard(folder)


def test_code_list_version_must_match(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="Identification/Version"):
        load_standard(write_bundle(tmp_path / "v", BASE, version="2"))


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "y", BASE)
    (folder / "standard.yaml").write_text("!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_standard(folder)


def test_invalid_yaml_has_line(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "l", BASE)
    (folder / "standard.yaml").write_text("id: [unclosed\n")
    with pytest.raises(SpecError, match=r"standard.yaml:\d+:\d+"):
        load_standard(folder)


# -- examples: payloads a bundle declares per message type (issue 10 §5) ---------------------------

def test_declared_examples_load_as_bundle_paths(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "e", mutate("message-types.0.examples", ["examples/min.json"]))
    (folder / "examples").mkdir()
    (folder / "examples" / "min.json").write_text('{"kind": "demo"}', "utf-8")
    standard = load_standard(folder)
    assert standard.message_types["doc"].examples == (folder.resolve() / "examples" / "min.json",)
    assert load_standard(write_bundle(tmp_path / "n", BASE)).message_types["doc"].examples == ()


@pytest.mark.parametrize(("value", "error", "message"), [
    (["missing.json"], SpecError, "does not exist in the bundle"),
    (["../../etc/passwd"], BundlePathError, "leaves the bundle"),
    ([""], SpecError, "examples"),
    ("min.json", SpecError, "examples"),
])
def test_bad_examples_are_refused_with_their_field(tmp_path: Path, value: Any, error: type[Exception],
                                                   message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        load_standard(write_bundle(tmp_path / "t" / "b", mutate("message-types.0.examples", value)))
    assert "examples" in str(caught.value) or "examples" in str(getattr(caught.value, "location", ""))
