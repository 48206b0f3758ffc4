"""`conform keys` and `conform certificate` as a user meets them: messages and exit codes."""

from __future__ import annotations

import copy
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.certify.builders import NOT_CONFORMANT, encode, results, results_bytes
from tests.conftest import invoke


@pytest.fixture
def lab(tmp_path: Path) -> dict[str, Path]:
    """Issuer keys, another issuer's keys and conformant run results in `tmp_path`."""
    assert invoke("keys", "generate", "--out", tmp_path / "keys", "--name", "lab").exit_code == 0
    assert invoke("keys", "generate", "--out", tmp_path / "keys", "--name", "other").exit_code == 0
    (tmp_path / "results.json").write_bytes(results_bytes())
    k = tmp_path / "keys"
    return {"dir": tmp_path, "results": tmp_path / "results.json",
            "key": k / "lab.private.pem", "jwk": k / "lab.public.jwk", "pem": k / "lab.public.pem",
            "other": k / "other.private.pem", "other_jwk": k / "other.public.jwk"}


def issue(lab: dict[str, Path], *extra: Any, results: Path | None = None, name: str = "cert.json",
          key: Path | None = None) -> Result:
    return invoke("certificate", "issue", results or lab["results"], "--key", key or lab["key"],
               "--issuer", "Test Lab", "--out", lab["dir"] / name, *extra)


def issued(lab: dict[str, Path], *extra: Any) -> Path:
    result = issue(lab, *extra)
    assert result.exit_code == 0, result.output
    return lab["dir"] / "cert.json"


def verify(cert: Path, key: Path, *extra: Any) -> Result:
    return invoke("certificate", "verify", cert, "--issuer-key", key, *extra)


def test_keys_generate(tmp_path: Path) -> None:
    result = invoke("keys", "generate", "--out", tmp_path, "--name", "lab")
    assert result.exit_code == 0, result.output
    private = tmp_path / "lab.private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    kid = json.loads((tmp_path / "lab.public.jwk").read_text())["kid"]
    assert f"key id:      {kid}" in result.output
    assert str(private) in result.output and "PRIVATE KEY" not in result.output
    again = invoke("keys", "generate", "--out", tmp_path, "--name", "lab")
    assert again.exit_code == 2 and "refusing to overwrite" in again.output


def test_issue_and_verify(lab: dict[str, Path]) -> None:
    result = issue(lab, "--valid-days", "30", "--third-party", "--role", "sender",
                   "--status-url", "https://lab.example/r.json")
    assert result.exit_code == 0, result.output
    assert "issued urn:uuid:" in result.output and "ACME/Gateway/2.1" in result.output
    cert = lab["dir"] / "cert.json"
    content = json.loads(cert.read_text("utf-8"))["certificate"]
    assert content["self-test"] is False and content["scope"]["role"] == "sender"
    for key in (lab["jwk"], lab["pem"]):
        ok = verify(cert, key)
        assert ok.exit_code == 0, ok.output
        assert ok.output.startswith("VALID: urn:uuid:") and "Test Lab" in ok.output


def test_issue_to_stdout(lab: dict[str, Path]) -> None:
    result = invoke("certificate", "issue", lab["results"], "--key", lab["key"], "--issuer", "Lab")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["certificate"]["issuer"]["name"] == "Lab"
    assert "issued urn:uuid:" in result.stderr


def _must_cant_tell() -> bytes:
    document = copy.deepcopy(results())
    next(r for r in document["requirements"] if r["level"] == "MUST")["outcome"] = "cantTell"
    return encode(document)


REFUSED = {
    "not conformant": (lambda: results_bytes(NOT_CONFORMANT), "the run is not conformant to class"),
    "MUST cantTell": (_must_cant_tell, "is cantTell"),
    "empty run": (lambda: results_bytes(()), "no payload was tested"),
    "no subject": (lambda: results_bytes(subject=None), "no subject"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refusals_exit_1_and_write_nothing(lab: dict[str, Path], case: str) -> None:
    data, message = REFUSED[case]
    lab["results"].write_bytes(data())
    result = issue(lab)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("conform: refused:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (lab["dir"] / "cert.json").exists()


def _wrong_format_version() -> bytes:
    return encode({**results(), "format-version": "2.0"})


BAD_RESULTS = {
    "corrupted JSON": (lambda: results_bytes()[:200], "not JSON (line"),
    "foreign JSON": (lambda: b'{"type": "FeatureCollection"}', "not egov-conformance run results"),
    "wrong format version": (_wrong_format_version, "format version '2.0' is not supported"),
    "binary": (lambda: b"\x89PNG\r\n\x1a\n\x00", "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_RESULTS))
def test_bad_results_exit_2_and_write_nothing(lab: dict[str, Path], case: str) -> None:
    data, message = BAD_RESULTS[case]
    lab["results"].write_bytes(data())
    result = issue(lab)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("conform: error:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (lab["dir"] / "cert.json").exists()


def _write_pem(path: Path, key: Any, private: bool) -> Path:
    if private:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    else:
        path.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.mark.parametrize("make", [lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
                                  lambda: ec.generate_private_key(ec.SECP256R1())], ids=["RSA", "EC"])
def test_wrong_key_types_exit_2(lab: dict[str, Path], make: Any) -> None:
    key = make()
    result = issue(lab, key=_write_pem(lab["dir"] / "wrong.pem", key, private=True))
    assert result.exit_code == 2 and "wrong key type" in result.stderr
    assert not (lab["dir"] / "cert.json").exists()
    cert = issued(lab)
    result = verify(cert, _write_pem(lab["dir"] / "wrong.pub.pem", key, private=False))
    assert result.exit_code == 2 and "wrong key type" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["issue", "{dir}/missing.json", "--key", "{key}", "--issuer", "L"], "cannot read run results"),
    (["issue", "{results}", "--key", "{dir}/missing.pem", "--issuer", "L"], "cannot read key"),
    (["issue", "{results}", "--key", "{pem}", "--issuer", "L"], "a public key; signing needs"),
    (["issue", "{results}", "--key", "{key}", "--issuer", "L", "--out", "{results}"],
     "refusing to overwrite"),
    (["verify", "{dir}/missing.json", "--issuer-key", "{jwk}"], "cannot read certificate"),
    (["verify", "{results}", "--issuer-key", "{jwk}"], "not a conformance certificate"),
    (["verify", "{cert}", "--issuer-key", "{key}"], "a private key; give the issuer's public key"),
    (["verify", "{cert}", "--issuer-key", "{jwk}", "--at", "tomorrow"], "is not a date"),
    (["verify", "{cert}", "--issuer-key", "{jwk}", "--revocations", "{dir}/none.json"],
     "cannot read revocation list"),
    (["render", "{results}"], "not a conformance certificate"),
    (["revoke", "nonsense", "--key", "{key}", "--list", "{dir}/r.json"], "neither a certificate file"),
])
def test_usage_errors_exit_2(lab: dict[str, Path], args: list[str], message: str) -> None:
    cert = issued(lab)
    values = {k: str(v) for k, v in lab.items()} | {"cert": str(cert)}
    result = invoke("certificate", *(a.format(**values) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _edit(cert: Path, edit: Any) -> None:
    document = json.loads(cert.read_text("utf-8"))
    edit(document["certificate"])
    cert.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("edit", [
    lambda c: c["subject"].update(organisation="Mallory Inc"),
    lambda c: c.update(expires="2099-01-01T00:00:00Z"),
    lambda c: c["scope"].update(**{"class": "core"}),
    lambda c: c["summary"]["payloads"].update(payloads=1000),
    lambda c: c.update(**{"self-test": False}),
    lambda c: c["evidence"]["payload-hashes"].pop(),
], ids=["subject", "expiry", "class", "count", "self-test", "evidence"])
def test_tampered_certificate_exits_3(lab: dict[str, Path], edit: Any) -> None:
    cert = issued(lab)
    _edit(cert, edit)
    result = verify(cert, lab["jwk"])
    assert result.exit_code == 3, result.output
    assert result.output.startswith("TAMPERED:") and "changed after signing" in result.output


def test_wrong_issuer_key_exits_4(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    result = verify(cert, lab["other_jwk"])
    assert result.exit_code == 4, result.output
    assert result.output.startswith("WRONG ISSUER KEY:") and "not by the given key" in result.output


def test_expired_exits_5_and_not_yet_valid_exits_7(lab: dict[str, Path]) -> None:
    cert = issued(lab, "--valid-days", "10")
    expired = verify(cert, lab["jwk"], "--at", "2099-01-01")
    assert expired.exit_code == 5 and expired.output.startswith("EXPIRED:")
    early = verify(cert, lab["jwk"], "--at", "2000-01-01T00:00:00Z")
    assert early.exit_code == 7 and early.output.startswith("NOT YET VALID:")


def test_revoke_then_verify_exits_6(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    listing = lab["dir"] / "revocations.json"
    done = invoke("certificate", "revoke", cert, "--key", lab["key"], "--list", listing,
                  "--reason", "withdrawn")
    assert done.exit_code == 0 and "created" in done.output, done.output
    cert_id = json.loads(cert.read_text("utf-8"))["certificate"]["id"]
    again = invoke("certificate", "revoke", cert_id, "--key", lab["key"], "--list", listing)
    assert again.exit_code == 0 and "already revoked" in again.output
    other = invoke("certificate", "revoke", "urn:uuid:a0000000-0000-4000-8000-000000000001", "--key",
                lab["key"], "--list", listing)
    assert other.exit_code == 0 and "updated" in other.output
    result = verify(cert, lab["jwk"], "--revocations", listing)
    assert result.exit_code == 6, result.output
    assert result.output.startswith("REVOKED:") and "withdrawn" in result.output
    assert verify(cert, lab["jwk"], "--revocations", listing, "--at", "2000-01-01").exit_code == 7


def test_untrusted_revocation_list_exits_8(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    listing = lab["dir"] / "revocations.json"
    invoke("certificate", "revoke", cert, "--key", lab["key"], "--list", listing)
    document = json.loads(listing.read_text("utf-8"))
    document["revocations"]["entries"] = []  # hide the revocation
    listing.write_text(json.dumps(document), encoding="utf-8")
    result = verify(cert, lab["jwk"], "--revocations", listing)
    assert result.exit_code == 8, result.output
    assert result.output.startswith("REVOCATION LIST NOT TRUSTED:")
    # Nor can the issuer add to a list that was changed behind its back.
    refused = invoke("certificate", "revoke", "urn:uuid:a0000000-0000-4000-8000-000000000001", "--key",
                  lab["key"], "--list", listing)
    assert refused.exit_code == 8 and "changed after signing" in refused.stderr
    # A list signed by another issuer is no better.
    foreign = lab["dir"] / "foreign.json"
    invoke("certificate", "revoke", "urn:uuid:a0000000-0000-4000-8000-000000000001", "--key", lab["other"],
        "--list", foreign)
    assert verify(cert, lab["jwk"], "--revocations", foreign).exit_code == 8


def test_revoking_someone_elses_or_a_tampered_certificate(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    listing = lab["dir"] / "revocations.json"
    other = invoke("certificate", "revoke", cert, "--key", lab["other"], "--list", listing)
    assert other.exit_code == 4 and not listing.exists()
    _edit(cert, lambda c: c.update(id="urn:uuid:a0000000-0000-4000-8000-000000000001"))
    tampered = invoke("certificate", "revoke", cert, "--key", lab["key"], "--list", listing)
    assert tampered.exit_code == 3 and not listing.exists()


def test_render(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    out = lab["dir"] / "cert.html"
    result = invoke("certificate", "render", cert, "--out", out, "--lang", "both")
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    assert "Certificate of Conformance" in html and "符合性证书" in html
    assert invoke("certificate", "render", cert).stdout == html
    assert invoke("certificate", "render", cert, "--lang", "en").stdout != html


def test_help_documents_exit_codes() -> None:
    for command in ("issue", "verify", "revoke", "render"):
        text = invoke("certificate", command, "--help").output
        for line in ("3  tampered", "4  wrong issuer key", "5  expired", "6  revoked",
                     "7  not yet valid", "8  revocation list not trusted"):
            assert line in text, (command, line)


def test_a_private_key_others_can_read_is_warned_about(lab: dict[str, Path]) -> None:
    lab["key"].chmod(0o644)
    result = issue(lab)
    assert result.exit_code == 0
    assert "can be read by others" in result.stderr


def test_a_replayed_older_revocation_list_is_refused(lab: dict[str, Path]) -> None:
    """Revoke A, keep that list, revoke B: B's certificate must not verify with the older list."""
    cert_a, cert_b = issued(lab), lab["dir"] / "b.json"
    assert issue(lab, name="b.json").exit_code == 0
    listing, state = lab["dir"] / "revocations.json", lab["dir"] / "seen.json"
    assert invoke("certificate", "revoke", cert_a, "--key", lab["key"], "--list", listing).exit_code == 0
    old = lab["dir"] / "old.json"
    old.write_bytes(listing.read_bytes())
    assert invoke("certificate", "revoke", cert_b, "--key", lab["key"], "--list", listing).exit_code == 0
    current = verify(cert_b, lab["jwk"], "--revocations", listing, "--revocation-state", state)
    assert current.exit_code == 6, current.output  # the verifier has now seen sequence 2
    replayed = verify(cert_b, lab["jwk"], "--revocations", old, "--revocation-state", state)
    assert replayed.exit_code == 10, replayed.output
    assert replayed.output.startswith("REVOCATION LIST ROLLED BACK:") and "sequence 2" in replayed.output
    # Without a state file, a verifier that knows the current sequence asks for it.
    pinned = verify(cert_b, lab["jwk"], "--revocations", old, "--min-sequence", "2")
    assert pinned.exit_code == 10 and "--min-sequence 2" in pinned.output
    # And a list past its next-update is stale whoever replays it.
    stale = verify(cert_b, lab["jwk"], "--revocations", old, "--at", "2099-01-01")
    assert stale.exit_code == 9 and stale.output.startswith("REVOCATION LIST STALE:")


def test_max_age_and_refresh(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    listing = lab["dir"] / "revocations.json"
    created = invoke("certificate", "refresh", "--key", lab["key"], "--list", listing,
                     "--next-update-days", "2")
    assert created.exit_code == 0 and "sequence 1, 0 revocation(s)" in created.output, created.output
    assert verify(cert, lab["jwk"], "--revocations", listing, "--max-age", "1h").exit_code == 0
    at = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = verify(cert, lab["jwk"], "--revocations", listing, "--max-age", "1h", "--at", at)
    assert old.exit_code == 9 and "--max-age 1h" in old.output, old.output
    refreshed = invoke("certificate", "refresh", "--key", lab["key"], "--list", listing)
    assert refreshed.exit_code == 0 and "sequence 2" in refreshed.output
    assert verify(cert, lab["jwk"], "--revocations", listing, "--at", at).exit_code == 0


@pytest.mark.parametrize("args", [["--min-sequence", "3"], ["--max-age", "1d"],
                                  ["--revocation-state", "state.json"]])
def test_freshness_options_need_a_revocation_list(lab: dict[str, Path], args: list[str]) -> None:
    result = verify(issued(lab), lab["jwk"], *args)
    assert result.exit_code == 2 and "need --revocations" in result.stderr


def test_bad_max_age_is_a_usage_error(lab: dict[str, Path]) -> None:
    listing = lab["dir"] / "revocations.json"
    invoke("certificate", "refresh", "--key", lab["key"], "--list", listing)
    result = verify(issued(lab), lab["jwk"], "--revocations", listing, "--max-age", "soon")
    assert result.exit_code == 2 and "--max-age 'soon'" in result.stderr


def _verified_json(result: Result) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.output)
    assert document["format"] == "egov-conformance/certificate-verification"
    assert document["exit-code"] == result.exit_code
    return document


def _outcomes(document: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["outcome"] for c in document["checks"]}


def test_verify_json_of_a_valid_certificate(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    result = verify(cert, lab["jwk"], "--format", "json")
    assert result.exit_code == 0, result.output
    document = _verified_json(result)
    assert document["valid"] is True and document["status"] == "valid"
    assert _outcomes(document) == {"issuer-key": "passed", "signature": "passed",
                                   "revocation": "not-checked", "validity-period": "passed"}
    stated = json.loads(cert.read_text("utf-8"))["certificate"]
    assert document["certificate"]["id"] == stated["id"]
    assert document["certificate"]["subject"] == stated["subject"]
    assert document["certificate"]["standard"] == {"id": stated["scope"]["standard"]["id"],
                                                   "version": stated["scope"]["standard"]["version"]}
    assert document["certificate"]["class"] == stated["scope"]["class"]
    assert (document["certificate"]["issued"], document["certificate"]["expires"]) == (
        stated["issued"], stated["expires"])


def test_verify_json_keeps_the_exit_codes(lab: dict[str, Path]) -> None:
    cert = issued(lab, "--valid-days", "10")
    expired = verify(cert, lab["jwk"], "--format", "json", "--at", "2099-01-01")
    assert expired.exit_code == 5
    document = _verified_json(expired)
    assert document["valid"] is False and document["status"] == "expired"
    assert _outcomes(document)["validity-period"] == "failed"
    wrong = verify(cert, lab["other_jwk"], "--format", "json")
    assert wrong.exit_code == 4
    document = _verified_json(wrong)
    assert _outcomes(document) == {"issuer-key": "failed", "signature": "not-checked",
                                   "revocation": "not-checked", "validity-period": "not-checked"}
    assert document["certificate"] is None
    _edit(cert, lambda c: c["subject"].update(organisation="Mallory Inc"))
    tampered = verify(cert, lab["jwk"], "--format", "json")
    assert tampered.exit_code == 3
    assert _outcomes(_verified_json(tampered))["signature"] == "failed"


def test_verify_json_of_a_revoked_certificate(lab: dict[str, Path]) -> None:
    cert = issued(lab)
    listing = lab["dir"] / "revocations.json"
    assert invoke("certificate", "revoke", cert, "--key", lab["key"], "--list", listing).exit_code == 0
    result = verify(cert, lab["jwk"], "--revocations", listing, "--format", "json")
    assert result.exit_code == 6
    document = _verified_json(result)
    assert document["status"] == "revoked"
    assert _outcomes(document) == {"issuer-key": "passed", "signature": "passed", "revocation": "failed",
                                   "validity-period": "passed"}
