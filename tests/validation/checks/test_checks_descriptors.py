"""sha256-digest-value and media-type: the same definition for the XML and the JSON binding."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.validation.checks import BuiltinCheck, CheckProblem, get_check

DIGEST = get_check("sha256-digest-value")
MEDIA = get_check("media-type")
# The definitions as regular expressions, written independently of the implementation.
DIGEST_RE = re.compile(r"[0-9A-Fa-f]{64}|[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")
MEDIA_RE = re.compile(r"(?:application|audio|font|haptics|image|message|model|multipart|text|video)"
                      r"/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:[ \t]*;[\s\S]*)?")


def problems(check: BuiltinCheck, value: str, **params: object) -> tuple[CheckProblem, ...]:
    """The problems `check` finds in `value`; these checks never ask for a code list."""
    return check.run(value, params, None)  # type: ignore[arg-type]


@given(st.binary())
def test_every_real_sha256_passes_in_hex_and_base64(data: bytes) -> None:
    digest = hashlib.sha256(data).digest()
    assert problems(DIGEST, digest.hex()) == ()
    assert problems(DIGEST, digest.hex().upper()) == ()
    assert problems(DIGEST, base64.b64encode(digest).decode()) == ()


@given(st.text(alphabet="0123456789abcdefABCDEF+/=-_ xyz\t", max_size=70))
def test_digest_agrees_with_the_regular_expression(value: str) -> None:
    assert (problems(DIGEST, value) == ()) == bool(DIGEST_RE.fullmatch(value))


@pytest.mark.parametrize(("value", "says"), [
    ("ab" * 31, "62 digits"),
    ("g" + "a" * 60 + "zza", "character 1 ('g') is not a hex digit (0-9, a-f) (and 2 more)"),
    (base64.b64encode(bytes([255] * 32)).decode().rstrip("="), "43 characters"),
    (base64.urlsafe_b64encode(bytes([251] * 32)).decode(), "'-'"),
    ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", "character 43 ('B')"),  # low bits not zero
])
def test_digest_failures_say_what_is_wrong(value: str, says: str) -> None:
    (problem,) = problems(DIGEST, value)
    assert says in problem.message.en and problem.hint is not None


def test_collapse_strips_xml_whitespace_only() -> None:
    value = "\n  " + "a" * 64 + "\t "
    assert problems(DIGEST, value, whitespace="collapse") == ()
    assert problems(DIGEST, value) != ()  # JSON strings keep their spaces
    assert problems(DIGEST, "\u3000" + "a" * 64, whitespace="collapse") != ()


@given(st.one_of(
    st.text(alphabet="abcdefimnoprstuvxy/;=+-.# \tACZ019", max_size=40),
    st.sampled_from(["application/pdf", "text/csv;charset=utf-8", "text/csv \t; q=1", "Text/csv",
                     "image/", "/png", "application/" + "a" * 127, "application/" + "a" * 128,
                     "video/-x", "font/woff2", "x-custom/thing", "multipart/form-data; boundary=x"]),
))
def test_media_type_agrees_with_the_regular_expression(value: str) -> None:
    assert (problems(MEDIA, value) == ()) == bool(MEDIA_RE.fullmatch(value))


def test_media_type_messages() -> None:
    (problem,) = problems(MEDIA, "Application/pdf")
    assert "'Application'" in problem.message.en and "registered" in problem.message.en
    (problem,) = problems(MEDIA, "pdf")
    assert "type/subtype" in problem.message.en
    assert problems(MEDIA, " text/csv ; charset=utf-8\n", whitespace="collapse") == ()


def test_digest_message_of_a_hostile_value_stays_capped() -> None:
    (problem,) = problems(DIGEST, "\x1b[2J" + "x" * 1_000_000)
    assert len(problem.message.en) < 300 and len(problem.message.zh) < 300
    assert "\x1b" not in problem.message.en and "\x1b" not in problem.message.zh
