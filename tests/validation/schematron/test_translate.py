"""The translator's output: pinned per TRANSLATOR_VERSION, and the `cfs:location` XSLT it ships."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from conformance.validation.schematron import compile_schematron
from conformance.validation.schematron._translate import TRANSLATOR_VERSION, _location, _location_resource

XSL = "http://www.w3.org/1999/XSL/Transform"
PACKAGE = "conformance.validation.schematron"

# The disk cache is keyed by TRANSLATOR_VERSION, not by the translator's code: a change to the
# generated text (the translator or its .xsl resources) that keeps the version would let old cached
# sheets pass for new ones. When this fails on purpose, bump TRANSLATOR_VERSION and the digests.
GENERATED = {
    ("7", "xslt"): "54b735aa19cebe5c1a2d1028fec36a391a6821032b54616a8877cd21d7057e88",
    ("7", "xslt2"): "08d7316922b3de31664276a12285ebc5d0ca0862fae0376f6eab6d12b87a5791",
    ("7", "xslt3"): "2c3585b72d411df6ba56ff48c8b4c36da07950daedc64aebc9bdfb860846f4b0",
}


@pytest.mark.parametrize("binding", ["xslt", "xslt2", "xslt3"])
def test_generated_text_is_pinned_to_the_translator_version(
    binding: str, with_binding: Callable[[str, str], Path]
) -> None:
    folder = with_binding("features", binding)
    text = compile_schematron(folder / "invoice.sch").xslt
    # Source labels name the files where they are: digest the text as if they were in DIR.
    digest = hashlib.sha256(text.replace(str(folder), "DIR").encode()).hexdigest()
    assert digest == GENERATED[(TRANSLATOR_VERSION, binding)], "generated XSLT changed: bump the version"


@pytest.mark.parametrize(
    ("binding", "tag"), [("xslt", "template"), ("xslt2", "function"), ("xslt3", "function")]
)
def test_every_sheet_ends_with_the_location_of_its_binding(
    binding: str, tag: str, with_binding: Callable[[str, str], Path]
) -> None:
    text = compile_schematron(with_binding("features", binding) / "invoice.sch").xslt
    last = etree.fromstring(text.encode())[-1]
    assert (last.tag, last.get("name")) == (f"{{{XSL}}}{tag}", "cfs:location")
    # The namespaces the resource file declares are the sheet's own: not declared again on it.
    start = text.rindex(f"<xsl:{tag} ")
    assert "xmlns" not in text[start : text.index(">", start)]


def test_the_location_xslt_ships_in_the_package_and_is_read_once() -> None:
    for name in ("location-xslt1.xsl", "location-xslt2.xsl"):
        assert resources.files(PACKAGE).joinpath(name).is_file()
        assert _location_resource(name) is _location_resource(name)
    first, second = _location(True), _location(True)
    # Each sheet gets its own copy: appending one must not move the cached element.
    assert first is not second and first is not _location_resource("location-xslt1.xsl")
    assert etree.tostring(first) == etree.tostring(second)
    assert first.tail is None  # a tail would turn off pretty-printing of the whole sheet
    assert etree.QName(_location(False)).localname == "function"
