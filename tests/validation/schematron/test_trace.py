"""From a failure in a generated stylesheet back to the Schematron source: traced copies and labels."""

from __future__ import annotations

from lxml import etree

from conformance.validation.schematron._trace import first_source, last_label, source_of, trace_variant
from conformance.validation.schematron._translate import SOURCE_LABEL

XSL = "http://www.w3.org/1999/XSL/Transform"
SHEET = f"""<xsl:stylesheet xmlns:xsl="{XSL}" xmlns:cfs="urn:egov-conformance:schematron" version="1.0">
  <xsl:template match="/">
    <out/>
  </xsl:template>
  <xsl:template match="a" mode="m" cfs:src="rule R1 at r.sch:3">
    <xsl:param name="p"/>
    <xsl:choose cfs:src="assert A1 at r.sch:4">
      <xsl:when test="1 div 0 = 1"/>
      <xsl:otherwise><fail/></xsl:otherwise>
    </xsl:choose>
    <xsl:if test="true()" cfs:src="report B1 at r.sch:5"><reported/></xsl:if>
  </xsl:template>
</xsl:stylesheet>"""


def _sheet() -> etree._Element:
    return etree.fromstring(SHEET)


def test_trace_variant_announces_every_label_and_leaves_the_original_alone() -> None:
    original = _sheet()
    before = etree.tostring(original)
    traced = trace_variant(original)
    assert etree.tostring(original) == before
    messages = [m.text for m in traced.iter(f"{{{XSL}}}message")]
    assert messages == ["cfs-trace: rule R1 at r.sch:3", "cfs-trace: assert A1 at r.sch:4",
                        "cfs-trace: report B1 at r.sch:5"]
    template = traced.findall(f"{{{XSL}}}template")[1]
    # The template's parameters must stay first; the message comes right after them.
    assert [etree.QName(child).localname for child in template][:3] == ["param", "message", "message"]
    assert etree.QName(template[2].getnext()).localname == "choose"


def test_last_label_ignores_messages_that_are_not_ours() -> None:
    messages = ["cfs-trace: rule R1", "a message of the rule set", "cfs-trace: assert A1"]
    assert last_label(messages) == "assert A1"
    assert last_label(["a message of the rule set"]) is None
    assert last_label([]) is None


def test_source_of_a_line_is_the_nearest_labelled_ancestor() -> None:
    sheet = _sheet()
    assert source_of(sheet, 3) is None  # inside the unlabelled root template
    assert source_of(sheet, 5) == "rule R1 at r.sch:3"
    assert source_of(sheet, 8) == "assert A1 at r.sch:4"
    assert source_of(sheet, 11) == "report B1 at r.sch:5"
    assert first_source(sheet, [0, 3, 9, 11]) == "assert A1 at r.sch:4"
    assert first_source(sheet, [0, -1]) is None


def test_the_translator_and_the_trace_agree_on_the_label_attribute() -> None:
    assert SOURCE_LABEL == "{urn:egov-conformance:schematron}src"
