"""`conform examples`: files written, the same seed the same bytes, mutants and what cannot be made."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from conformance.core.findings import Outcome
from conformance.validation.documents.payload import Payload
from conformance.validation.judge import PayloadJudge
from tests.conftest import ENVELOPE_REF, STANDARDS, envelope_standard


def run(*args: object) -> Result:
    from conformance.cli.examples import examples  # registered in `conform` by cli/__init__.py

    result = CliRunner().invoke(examples, [ENVELOPE_REF, "--standards-path", str(STANDARDS),
                                           *(str(a) for a in args)], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def failed(data: bytes) -> set[str]:
    judgement = PayloadJudge([envelope_standard()]).judge(Payload(name="written", data=data))
    return {r for r, o in judgement.outcomes.items() if o in (Outcome.FAILED, Outcome.CANT_TELL)}


def test_valid_payloads_are_written_and_repeatable(tmp_path: Path) -> None:
    result = run("--count", 3, "--seed", 5, "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == [f"envelope-{s}-000{n}.{s}" for s in ("json", "xml") for n in (1, 2, 3)]
    assert all(failed(p.read_bytes()) == set() for p in (tmp_path / "a").iterdir())
    assert run("--count", 3, "--seed", 5, "--out", tmp_path / "b").exit_code == 0
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)


def test_a_mutant_is_printed_and_fails_exactly_its_requirement() -> None:
    result = run("--violate", "EXC-012", "--message-type", "envelope-json")
    assert result.exit_code == 0, result.output
    assert failed(result.stdout.encode("utf-8")) == {"EXC-012"}


def test_mutants_of_every_message_type_the_requirement_checks(tmp_path: Path) -> None:
    result = run("--violate", "EXC-009", "--count", 2, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["envelope-json-EXC-009-0001.json", "envelope-json-EXC-009-0002.json",
                       "envelope-xml-EXC-009-0001.xml", "envelope-xml-EXC-009-0002.xml"]
    assert all(failed((tmp_path / n).read_bytes()) == {"EXC-009"} for n in written)


def test_no_exact_mutant_is_exit_1_with_what_was_tried() -> None:
    result = run("--violate", "EXC-002", "--message-type", "envelope-xml", "--budget", 1)
    assert result.exit_code == 1
    assert "fails exactly EXC-002" in result.output and "tried" in result.output
    assert "closest fail EXC-002, EXC-010 together" in result.output


def test_usage_errors_are_exit_2() -> None:
    assert "no such requirement" in run("--violate", "EXC-999").output
    assert run("--violate", "EXC-999").exit_code == 2
    many = run("--count", 2)
    assert many.exit_code == 2 and "give --out DIR" in many.output
    wrong = run("--message-type", "nope")
    assert wrong.exit_code == 2 and "envelope-xml" in wrong.output
    assert run("--count", 1001).exit_code == 2


def test_violating_a_requirement_judged_on_logs_points_to_logs_whatever_the_type() -> None:
    from conformance.cli.examples import examples

    for extra in ((), ("--message-type", "approval-xml")):
        args = ["egov-parallel-approval@1.0.0", "--standards-path", str(STANDARDS), "--violate", "APR-105"]
        result = CliRunner().invoke(examples, [*args, *extra], catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert "judged on exchange logs (conversation parallel-approval, rule APR-C-" in result.output
        assert "conform validate LOG-FOLDER" in result.output and "conform partner" in result.output
