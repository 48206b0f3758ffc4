"""A printable, bilingual HTML page for a certificate.

The page is a rendering, not the certificate: it does not verify the signature and says so; the
QR code carries the certificate id and the SHA-256 of its JCS bytes, so whoever scans it can check
that the signed file they verify is the one printed. Output depends on the certificate alone
(no clock, no randomness), so the same certificate always renders to the same bytes. Everything
from the certificate is escaped (autoescape), the CSS is inline and nothing is fetched.

A self-tested certificate carries its self-test mark in the verdict's own style and place: a reader
must not take the vendor's own declaration for a third party's, so it is no footnote. Text that
reads the same in both languages is printed once (`reports.bilingual.lines`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import segno
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from conformance.certify import signed_file
from conformance.certify.certificate import SCHEMA, certificate_hash
from conformance.core.errors import UsageError
from conformance.reports.bilingual import lines

LANGUAGES = {"zh": ("zh",), "en": ("en",), "both": ("zh", "en")}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("conformance.certify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["bilingual"] = lines
    return env


def qr_text(certificate: dict[str, Any]) -> str:
    """What the QR code says: `urn:uuid:...#sha256:...` (id and hash of the JCS bytes)."""
    return f"{certificate['id']}#{certificate_hash(certificate)}"


def render_html(signed: signed_file.Signed, *, lang: str = "both") -> str:
    """The HTML page of a certificate in `lang` ("zh", "en" or "both")."""
    if lang not in LANGUAGES:
        raise UsageError(f"language {lang!r}: use zh, en or both")
    signed_file.check_schema(signed.as_dict(), SCHEMA, "certificate", "certificate")
    certificate = signed.content
    text = qr_text(certificate)
    # segno's SVG holds only path data computed from `text` (a URN and hex), nothing to escape.
    svg = segno.make(text, error="m").svg_inline(scale=3, dark="#000", light="#fff")
    return _environment().get_template("certificate.html.j2").render(
        c=certificate, langs=LANGUAGES[lang], qr_svg=Markup(svg), qr_text=text,  # noqa: S704
    )
