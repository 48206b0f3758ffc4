"""`conform keys generate` and `conform certificate issue|verify|revoke|render`.

Exit codes of `conform certificate` (each answer its own, so that scripts can tell them apart):

    0  done: issued, valid, revoked, rendered
    1  refused: the run results do not support a certificate (issue)
    2  usage or bad input: missing, unreadable, corrupted or foreign file, wrong key type,
       an output file that already exists
    3  tampered: the signature does not match the content
    4  wrong issuer key: signed by another key than the one given
    5  expired
    6  revoked
    7  not yet valid
    8  the revocation list cannot be trusted: unsigned, tampered or signed by another key
    9  the revocation list is stale: past its next-update, or older than --max-age
   10  the revocation list is rolled back: a lower sequence than --min-sequence or than one
       already recorded in --revocation-state (an old list replayed to hide revocations)
"""

from __future__ import annotations

import functools
import json
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.certify import signed_file
from conformance.certify.certificate import IssueOptions, issue_file
from conformance.certify.render import render_html
from conformance.certify.revocation import (
    MAX_NEXT_UPDATE_DAYS,
    NEXT_UPDATE_DAYS,
    Freshness,
    Revocation,
    load_revocations,
    parse_age,
    refresh,
    revoke,
)
from conformance.certify.revocation_state import record_seen
from conformance.certify.timestamps import format_time, parse_time
from conformance.certify.verification import Status, Verification, certificate_id, load_certificate, verify
from conformance.cli.common import EXIT_NOT_CONFORMANT, EXIT_OK, EXIT_USAGE, say, tool_errors
from conformance.core.errors import (
    IssueRefused,
    RolledBackRevocations,
    SignatureError,
    StaleRevocations,
    UntrustedRevocations,
)
from conformance.core.printable import json_text
from conformance.trust.keys import generate_keys, key_id, load_private_key, load_public_key, write_new

F = TypeVar("F", bound=Callable[..., Any])

EXIT_REFUSED = EXIT_NOT_CONFORMANT
EXIT_TAMPERED = 3
EXIT_WRONG_KEY = 4
EXIT_EXPIRED = 5
EXIT_REVOKED = 6
EXIT_NOT_YET_VALID = 7
EXIT_UNTRUSTED_REVOCATIONS = 8
EXIT_STALE_REVOCATIONS = 9
EXIT_ROLLED_BACK_REVOCATIONS = 10

EXIT_CODES = {
    Status.VALID: EXIT_OK,
    Status.TAMPERED: EXIT_TAMPERED,
    Status.WRONG_KEY: EXIT_WRONG_KEY,
    Status.EXPIRED: EXIT_EXPIRED,
    Status.REVOKED: EXIT_REVOKED,
    Status.NOT_YET_VALID: EXIT_NOT_YET_VALID,
    Status.UNTRUSTED_REVOCATIONS: EXIT_UNTRUSTED_REVOCATIONS,
    Status.STALE_REVOCATIONS: EXIT_STALE_REVOCATIONS,
    Status.ROLLED_BACK_REVOCATIONS: EXIT_ROLLED_BACK_REVOCATIONS,
}
_LABELS = {
    Status.VALID: "VALID",
    Status.TAMPERED: "TAMPERED",
    Status.WRONG_KEY: "WRONG ISSUER KEY",
    Status.EXPIRED: "EXPIRED",
    Status.REVOKED: "REVOKED",
    Status.NOT_YET_VALID: "NOT YET VALID",
    Status.UNTRUSTED_REVOCATIONS: "REVOCATION LIST NOT TRUSTED",
    Status.STALE_REVOCATIONS: "REVOCATION LIST STALE",
    Status.ROLLED_BACK_REVOCATIONS: "REVOCATION LIST ROLLED BACK",
}

_EXIT_HELP = """
\b
Exit codes:
  0  done (issued, valid, revoked, rendered)
  1  refused: the run results do not support a certificate
  2  usage or bad input (missing, corrupted or foreign file,
     wrong key type, output file exists)
  3  tampered: the signature does not match the content
  4  wrong issuer key: signed by another key
  5  expired
  6  revoked
  7  not yet valid
  8  revocation list not trusted (unsigned, tampered, other key)
  9  revocation list stale (past its next-update, or --max-age)
 10  revocation list rolled back (below --min-sequence, or older
     than one recorded in --revocation-state)
"""


def _certify_errors(func: F) -> F:
    """Refusals and broken signatures get their own exit codes; other tool errors reach
    `tool_errors` (exit 2)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except IssueRefused as exc:
            _exit(f"conform: refused: {exc}", EXIT_REFUSED)
        except SignatureError as exc:
            _exit(f"conform: error: {exc}", EXIT_WRONG_KEY if exc.wrong_key else EXIT_TAMPERED)
        except StaleRevocations as exc:
            _exit(f"conform: error: {exc}", EXIT_STALE_REVOCATIONS)
        except RolledBackRevocations as exc:
            _exit(f"conform: error: {exc}", EXIT_ROLLED_BACK_REVOCATIONS)
        except UntrustedRevocations as exc:
            _exit(f"conform: error: {exc}", EXIT_UNTRUSTED_REVOCATIONS)

    return wrapper  # type: ignore[return-value]


def _exit(message: str, code: int) -> NoReturn:
    say(message, err=True)
    raise click.exceptions.Exit(code)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _private_key(path: Path) -> ed25519.Ed25519PrivateKey:
    key = load_private_key(path)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        say(f"conform: warning: {path} can be read by others; chmod 600 it", err=True)
    return key


_path = click.Path(path_type=Path)
_out = click.Path(dir_okay=False, path_type=Path)


@click.group()
def keys() -> None:
    """Issuer keys (Ed25519) for signing certificates."""


@keys.command("generate")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the key files (created if missing).")
@click.option("--name", default="issuer", show_default=True,
              help="File name stem: NAME.private.pem, NAME.public.jwk, NAME.public.pem.")
@tool_errors
def keys_generate(out_dir: Path, name: str) -> None:
    """Create an Ed25519 key pair.

    The private key (PKCS#8 PEM) is created with mode 0600 and never printed; the public key is
    written as a JWK (RFC 8037) and as PEM. The key id is the RFC 7638 thumbprint. Existing files
    are never overwritten (exit code 2).
    """
    files = generate_keys(out_dir, name)
    say(f"private key: {files.private_pem} (mode 0600: keep it secret, keep a backup)")
    say(f"public key:  {files.public_jwk}")
    say(f"public key:  {files.public_pem}")
    say(f"key id:      {files.key_id}")


@click.group()
def certificate() -> None:
    """Signed conformance certificates: issue, verify, revoke, refresh, render."""


@certificate.command("issue", epilog=_EXIT_HELP)
@click.argument("results", type=_path)
@click.option("--key", "key_path", required=True, type=_path, help="The issuer's private key (PEM).")
@click.option("--issuer", required=True, help="The issuer's name, as printed on the certificate.")
@click.option("--class", "class_id", metavar="CLASS",
              help="Class to certify (default: the target class of the run).")
@click.option("--valid-days", type=click.IntRange(1, 3650), default=365, show_default=True)
@click.option("--status-url", metavar="URL", help="Where the issuer publishes revocations.")
@click.option("--self-test/--third-party", "self_test", default=True, show_default=True,
              help="Whether the subject tested itself or a third party tested it.")
@click.option("--role", help="The subject's role in the exchange, when the certificate is limited to one.")
@click.option("--out", type=_out, help="Write the certificate here (never overwritten; default: stdout).")
@tool_errors
@_certify_errors
def certificate_issue(results: Path, key_path: Path, issuer: str, class_id: str | None,
                      valid_days: int, status_url: str | None, self_test: bool, role: str | None,
                      out: Path | None) -> None:
    """Issue a signed certificate from run results (RESULTS.json of `conform run`).

    Refused (exit code 1) unless the verdict against the class is conformant, every MUST
    requirement of the class passed or was inapplicable, payloads were tested and the results
    name a subject.
    """
    key = _private_key(key_path)
    options = IssueOptions(issuer=issuer, class_id=class_id, valid_days=valid_days,
                           status_url=status_url, self_test=self_test, role=role)
    document = issue_file(results, key, options, now=_now())
    text = signed_file.dumps(document)
    cert = document["certificate"]
    subject = "/".join(cert["subject"][k] for k in ("organisation", "product", "version"))
    summary = (f"issued {cert['id']} to {subject} for {cert['scope']['standard']['id']} "
               f"{cert['scope']['standard']['version']} class {cert['scope']['class']}, "
               f"valid until {cert['expires']}")
    if out is None:
        click.echo(text, nl=False)
        say(f"conform: {summary}", err=True)
    else:
        write_new(out, text.encode("utf-8"), mode=0o644)
        say(f"{summary}: {out}")


@certificate.command("verify", epilog=_EXIT_HELP)
@click.argument("cert", type=_path)
@click.option("--issuer-key", "key_path", required=True, type=_path,
              help="The issuer's public key (.public.jwk or .public.pem).")
@click.option("--revocations", "revocations_path", type=_path, metavar="LIST",
              help="The issuer's signed revocation list (refused past its next-update: exit code 9).")
@click.option("--revocation-state", "state_path", type=_out, metavar="FILE",
              help="Remember the highest list sequence seen per issuer key in FILE (created if absent) "
                   "and refuse an older list (exit code 10).")
@click.option("--min-sequence", type=click.IntRange(0, 2**53 - 1), default=0, metavar="N",
              help="Refuse a revocation list with a sequence number below N (exit code 10).")
@click.option("--max-age", metavar="AGE",
              help="Refuse a revocation list issued longer than AGE (90s, 30m, 12h, 7d) before the "
                   "verification time (exit code 9).")
@click.option("--at", "at", metavar="DATE", help="Verify as of this date or time (default: now, UTC).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one document with the answer, each check and its outcome, "
              "and what the certificate states (exit codes as for text).")
@tool_errors
def certificate_verify(cert: Path, key_path: Path, revocations_path: Path | None, state_path: Path | None,
                       min_sequence: int, max_age: str | None, at: str | None, output_format: str) -> None:
    """Verify a certificate: signature, issuer key, validity period, revocation.

    A revocation list is trusted only when the issuer's key signed it, it is not past its
    next-update at the verification time, and it passes --max-age, --min-sequence and
    --revocation-state when given.
    """
    if revocations_path is None and (state_path is not None or min_sequence or max_age is not None):
        _exit("conform: error: --revocation-state, --min-sequence and --max-age need --revocations",
              EXIT_USAGE)
    freshness = Freshness(min_sequence=min_sequence, max_age=parse_age(max_age) if max_age else None)
    signed = load_certificate(cert)
    key = load_public_key(key_path)
    moment = parse_time(at) if at else _now()
    revocations: tuple[Revocation, ...] | UntrustedRevocations | None = None
    if revocations_path is not None:
        try:
            listed = load_revocations(revocations_path, key)
            listed.check_fresh(moment, freshness)
            if state_path is not None:
                record_seen(state_path, listed)
            revocations = listed.entries
        except UntrustedRevocations as exc:
            revocations = exc
    result = verify(signed, key, at=moment, revocations=revocations)
    if output_format == "json":
        document = verification_document(cert, result, at=moment)
        click.echo(json_text(json.dumps(document, ensure_ascii=False, indent=2)))
    elif result.valid and result.certificate is not None:
        c = result.certificate
        subject = "/".join(c["subject"][k] for k in ("organisation", "product", "version"))
        say(f"VALID: {c['id']}: {subject} conforms to {c['scope']['standard']['id']} "
                   f"{c['scope']['standard']['version']} class {c['scope']['class']}; issued by "
                   f"{c['issuer']['name']} (key {c['issuer']['key-id']}); {result.message}")
    else:
        say(f"{_LABELS[result.status]}: {cert}: {result.message}")
    raise click.exceptions.Exit(EXIT_CODES[result.status])


VERIFICATION_FORMAT = "egov-conformance/certificate-verification"
VERIFICATION_FORMAT_VERSION = "1.0"


def verification_document(cert: Path, result: Verification, *, at: datetime) -> dict[str, Any]:
    """The JSON answer of `conform certificate verify --format json`."""
    c = result.certificate
    stated: dict[str, Any] | None = None
    if c is not None:
        stated = {
            "id": c["id"], "subject": c["subject"],
            "standard": {"id": c["scope"]["standard"]["id"], "version": c["scope"]["standard"]["version"]},
            "class": c["scope"]["class"], "role": c["scope"].get("role"),
            "issuer": c["issuer"], "issued": c["issued"], "expires": c["expires"],
            "self-test": c.get("self-test"),
        }
    return {
        "format": VERIFICATION_FORMAT, "format-version": VERIFICATION_FORMAT_VERSION,
        "file": str(cert), "verified-at": format_time(at),
        "valid": result.valid, "status": result.status.value, "exit-code": EXIT_CODES[result.status],
        "message": result.message,
        "checks": [{"check": name, "outcome": outcome.value} for name, outcome in result.checks],
        "certificate": stated,
    }


_next_update_days = click.option(
    "--next-update-days", type=click.IntRange(1, MAX_NEXT_UPDATE_DAYS), default=NEXT_UPDATE_DAYS,
    show_default=True, help="The list's next-update: re-sign it (`conform certificate refresh`) within "
    "this many days, or verifiers refuse it as stale.")


@certificate.command("revoke", epilog=_EXIT_HELP)
@click.argument("reference", metavar="CERT_OR_ID")
@click.option("--key", "key_path", required=True, type=_path, help="The issuer's private key (PEM).")
@click.option("--list", "list_path", required=True, type=_out,
              help="The revocation list (created if absent; its signature is checked first).")
@click.option("--reason", help="Why the certificate is revoked.")
@_next_update_days
@tool_errors
@_certify_errors
def certificate_revoke(reference: str, key_path: Path, list_path: Path, reason: str | None,
                       next_update_days: int) -> None:
    """Revoke a certificate (a certificate file, or its id urn:uuid:...) in a signed list.

    The list is locked while it is read, extended and re-signed (LIST.lock beside it), so
    revocations made at the same time all land; each signing raises its sequence number.
    """
    key = _private_key(key_path)
    target = certificate_id(reference, key.public_key())
    done = revoke(list_path, target, key, reason=reason, now=_now(), next_update_days=next_update_days)
    if done.already:
        say(f"{target} was already revoked on {done.entry.revoked}: {list_path} unchanged")
    else:
        action = "created" if done.created else "updated"
        say(f"revoked {target} on {done.entry.revoked}: {list_path} {action} "
                   f"(signed by key {key_id(key.public_key())})")


@certificate.command("refresh", epilog=_EXIT_HELP)
@click.option("--key", "key_path", required=True, type=_path, help="The issuer's private key (PEM).")
@click.option("--list", "list_path", required=True, type=_out,
              help="The revocation list (created empty if absent; its signature is checked first).")
@_next_update_days
@tool_errors
@_certify_errors
def certificate_refresh(key_path: Path, list_path: Path, next_update_days: int) -> None:
    """Re-sign the revocation list with the next sequence number and a new next-update.

    Run it (from cron, say) before the list's next-update, so that verifiers keep trusting it.
    """
    key = _private_key(key_path)
    listed = refresh(list_path, key, now=_now(), next_update_days=next_update_days)
    say(f"{list_path}: sequence {listed.sequence}, {len(listed.entries)} revocation(s), "
               f"issued {listed.updated}, next update by {listed.next_update}")


@certificate.command("render", epilog=_EXIT_HELP)
@click.argument("cert", type=_path)
@click.option("--out", type=_out, help="Write the HTML here (default: stdout).")
@click.option("--lang", type=click.Choice(["zh", "en", "both"]), default="both", show_default=True)
@tool_errors
def certificate_render(cert: Path, out: Path | None, lang: str) -> None:
    """A printable bilingual HTML page of a certificate (does not verify it: use verify)."""
    html = render_html(load_certificate(cert), lang=lang)
    if out is None:
        click.echo(html, nl=False)
        return
    signed_file.replace_file(out, html)  # whole or not at all
    say(f"wrote {out}")
