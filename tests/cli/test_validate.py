"""`conform validate` as a user meets it: output, exit codes, JSON format, hostile input, jobs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ENVELOPE_FIXTURES, ENVELOPE_REF, REPO, fixture_manifest, invoke


def _first(pred: Any) -> Path:
    return ENVELOPE_FIXTURES / next(c["file"] for c in fixture_manifest() if pred(c))


def conformant(suffix: str) -> Path:
    return _first(lambda c: not c.get("error") and c["file"].endswith(suffix) and not c.get("fails")
                  and all(v == "conformant" for v in c["verdicts"].values()))


def failing(suffix: str) -> tuple[Path, str]:
    case = next(c for c in fixture_manifest() if not c.get("error") and c["file"].endswith(suffix)
                and c.get("fails") and c["verdicts"].get("full") == "not-conformant")
    return ENVELOPE_FIXTURES / case["file"], case["fails"][0]


@pytest.mark.parametrize("suffix", [".xml", ".json"])
def test_conformant_payload_exits_0(suffix: str) -> None:
    result = invoke("validate", str(conformant(suffix)))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS")
    assert "1 conformant" in result.output


@pytest.mark.parametrize("suffix", [".xml", ".json"])
def test_failure_shows_requirement_statement_location_excerpt(suffix: str) -> None:
    path, requirement = failing(suffix)
    result = invoke("validate", str(path))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("FAIL")
    assert requirement in result.output
    assert "line " in result.output
    assert (" | " in result.output), "a source excerpt is shown"
    zh = invoke("validate", "--lang", "zh", str(path))
    assert "不符合" in zh.output


def test_json_output_follows_its_schema() -> None:
    schema = json.loads((REPO / "conformance" / "records" / "validation-results.schema.json").read_text())
    path, requirement = failing(".json")
    result = invoke("validate", "--format", "json", str(conformant(".xml")), str(path))
    assert result.exit_code == 1
    data = json.loads(result.output)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["summary"] == {"payloads": 2, "conformant": 1, "not-conformant": 1, "error": 0}
    failed = data["payloads"][1]
    assert failed["outcomes"][requirement] == "failed"
    assert any(f["requirement"] == requirement and "line" in f["location"] for f in failed["findings"])


def test_jobs_2_gives_the_same_results_as_jobs_1() -> None:
    one = invoke("validate", "--format", "json", "--jobs", "1", str(ENVELOPE_FIXTURES))
    two = invoke("validate", "--format", "json", "--jobs", "2", str(ENVELOPE_FIXTURES))
    assert one.exit_code == two.exit_code == 1
    assert one.output == two.output


def test_hostile_payloads_do_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "a-good.xml").write_bytes(conformant(".xml").read_bytes())
    (tmp_path / "b-xxe.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    (tmp_path / "c-empty.json").write_bytes(b"")
    (tmp_path / "d-binary.xml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "e-dir.xml").mkdir()
    (tmp_path / "e-dir.xml" / "f-latin1.json").write_bytes(b'{"a": "\xe9"}')
    huge = tmp_path / "g-huge.xml"
    with huge.open("wb") as handle:  # sparse: 100 MB on paper, nothing on disk, never read
        handle.truncate(100 * 1024 * 1024)
    (tmp_path / "h-good.json").write_bytes(conformant(".json").read_bytes())
    result = invoke("validate", "--format", "json", str(tmp_path))
    assert result.exit_code == 1
    data = json.loads(result.output)
    verdicts = {Path(p["name"]).name: p["verdict"] for p in data["payloads"]}
    assert verdicts == {
        "a-good.xml": "conformant", "b-xxe.xml": "error", "c-empty.json": "error",
        "d-binary.xml": "error", "f-latin1.json": "error", "g-huge.xml": "error",
        "h-good.json": "conformant",
    }
    messages = {Path(p["name"]).name: p["findings"][0]["message"]["en"]
                for p in data["payloads"] if p["verdict"] == "error"}
    assert "DOCTYPE" in messages["b-xxe.xml"]
    assert "over the limit" in messages["g-huge.xml"]
    assert "UTF-8" in messages["f-latin1.json"]
    assert "root:" not in result.output  # /etc/passwd never leaks


def test_unrecognised_payload_lists_candidates(tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text('<Invoice xmlns="urn:example"/>')
    result = invoke("validate", str(other))
    assert result.exit_code == 1
    assert "candidates" in result.output and ENVELOPE_REF in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "nope/absent.xml"], "no such file or folder"),
        (["validate", "--standard", "no-such-standard", "x"], "no such file"),
        (["validate", "--standard", "no-such-standard", "README.md"], "no standard 'no-such-standard'"),
        (["validate", "--standard", f"{ENVELOPE_REF.split('@')[0]}@9.9.9", "README.md"], "has no version"),
        (["validate", "--class", "ghost", "README.md"], "conformance class 'ghost'"),
    ],
)
def test_usage_and_spec_errors_exit_2(args: list[str], message: str) -> None:
    os.chdir(REPO)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_empty_payload_set_exits_2(tmp_path: Path) -> None:
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2
    assert "no payloads found" in result.output


def test_standards_list_and_show() -> None:
    listing = invoke("standards", "list")
    assert ENVELOPE_REF in listing.output and "reference specification" in listing.output
    shown = invoke("standards", "show", ENVELOPE_REF)
    assert shown.exit_code == 0
    assert "conformance classes:" in shown.output and "EXC-001" in shown.output
    data = json.loads(invoke("standards", "show", ENVELOPE_REF, "--format", "json").output)
    assert data["id"] == ENVELOPE_REF.split("@")[0] and len(data["requirements"]) >= 20
    zh = invoke("standards", "show", ENVELOPE_REF, "--lang", "zh")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.output)


def test_a_lone_surrogate_is_a_processing_error_and_the_run_goes_on(tmp_path: Path) -> None:
    good = conformant(".json").read_bytes()
    (tmp_path / "a-lone.json").write_bytes(good.replace(b'"notice"', b'"\\ud800"', 1)
                                           .replace(b'"request"', b'"\\ud800"', 1))
    with open(os.path.join(os.fsencode(tmp_path), b"b-\xff\x1b[2J.json"), "wb") as handle:
        handle.write(good)
    out = tmp_path / "out" / "results.json"
    out.parent.mkdir()
    result = invoke("validate", "--format", "json", "-o", str(out), str(tmp_path))
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_bytes().decode("utf-8"))
    verdicts = {Path(p["name"]).name: p["verdict"] for p in data["payloads"]}
    assert verdicts == {"a-lone.json": "error", "b-\\udcff\x1b[2J.json": "conformant"}
    assert "unpaired surrogate" in data["payloads"][0]["findings"][0]["message"]["en"]
    assert os.listdir(out.parent) == ["results.json"]  # written beside, then renamed
    text = invoke("validate", str(tmp_path))
    assert "\x1b" not in text.output and "b-\\udcff\\x1b[2J.json" in text.output


def test_an_interrupted_run_leaves_the_previous_output(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.records import results_json

    out = tmp_path / "results.json"
    out.write_text("previous")

    def broken(self: Any, result: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(results_json.ResultsJsonWriter, "write", broken)
    result = invoke("validate", "--format", "json", "-o", out, conformant(".json"))
    assert result.exit_code == 1 and result.output.strip() == "Aborted!"  # click's own Ctrl-C exit
    assert out.read_text() == "previous" and os.listdir(tmp_path) == ["results.json"]


def _stdin(data: bytes, *args: str) -> Any:
    """`conform validate ARGS` with `data` on standard input (CliRunner: stdout and stderr apart)."""
    from click.testing import CliRunner

    from conformance.cli import cli

    result = CliRunner().invoke(cli, ["validate", *args], input=data, catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize("suffix", [".xml", ".json"])
def test_dash_reads_one_payload_from_standard_input(suffix: str) -> None:
    path = conformant(suffix)
    result = _stdin(path.read_bytes(), "-", "--standard", ENVELOPE_REF, "--format", "json")
    assert result.exit_code == 0, result.output
    (payload,) = json.loads(result.stdout)["payloads"]
    from_file = json.loads(invoke("validate", "--format", "json", str(path)).output)["payloads"][0]
    assert payload["name"] == "<stdin>"
    # Sniffed as the file is: the same message type, hash and outcomes.
    assert {k: v for k, v in payload.items() if k != "name"} == {k: v for k, v in from_file.items()
                                                                  if k != "name"}


def test_standard_input_is_one_payload_among_files_in_order() -> None:
    path, requirement = failing(".xml")
    result = _stdin(path.read_bytes(), str(conformant(".json")), "-", str(conformant(".xml")))
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line[:4] in ("PASS", "FAIL")]
    names = [str(conformant(".json")), "<stdin>", str(conformant(".xml"))]
    assert [line.split()[1] for line in lines] == names
    assert lines[1].startswith("FAIL") and requirement in result.stdout


def test_standard_input_over_the_size_budget_is_a_processing_error() -> None:
    result = _stdin(b"<a>" + b"x" * 5000 + b"</a>", "-", "--max-bytes", "100")
    assert result.exit_code == 1
    assert "ERROR <stdin>" in result.stdout and "payload is over the limit of 100 bytes" in result.stdout


def test_standard_input_is_read_once() -> None:
    result = _stdin(b"{}", "-", "-")
    assert result.exit_code == 2 and "standard input (-) can be read only once" in result.stderr


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "9" * 5000, ""])
def test_jobs_is_auto_or_a_whole_number(value: str) -> None:
    result = invoke("validate", "--jobs", value, str(conformant(".xml")))
    assert result.exit_code == 2
    assert "is not 'auto' or a whole number of at least 1" in result.output
    assert len(result.output) < 1000  # the value is quoted, not a page of nines


def test_jobs_auto_is_the_default_and_says_so() -> None:
    result = invoke("validate", "--help")
    assert "-j, --jobs N|auto" in result.output and "[default: auto]" in result.output
    auto = invoke("validate", "--format", "json", "--jobs", "auto", str(ENVELOPE_FIXTURES))
    default = invoke("validate", "--format", "json", str(ENVELOPE_FIXTURES))
    one = invoke("validate", "--format", "json", "--jobs", "1", str(ENVELOPE_FIXTURES))
    assert json.loads(auto.output)["payloads"] == json.loads(one.output)["payloads"]
    assert json.loads(default.output)["payloads"] == json.loads(one.output)["payloads"]


def test_more_jobs_than_payloads_is_cut_with_a_note() -> None:
    result = _stdin(b"", "--jobs", "64", str(conformant(".xml")))
    assert result.exit_code == 0
    assert result.stderr == ("conform: note: --jobs 64: 1 worker process(es), never more than the CPUs "
                             f"available to this process ({len(os.sched_getaffinity(0))}) or the payloads\n")
    assert "note" not in _stdin(b"", "--jobs", "auto", str(conformant(".xml"))).stderr
    assert "note" not in _stdin(b"", "--jobs", "1", str(conformant(".xml"))).stderr


def test_the_cli_spells_the_engine_constants_as_the_engine_does() -> None:
    """validate.py and common.py repeat three constants so that `--help` and Tab do not load the engine."""
    from conformance.cli import common, validate
    from conformance.execution import batch, executors

    assert common.AUTO_JOBS == executors.AUTO_JOBS
    assert (validate.DEFAULT_PATTERNS, validate.STDIN) == (batch.DEFAULT_PATTERNS, batch.STDIN)
