"""Small hand-written artefacts for import tests: a rule set with an include, an XSD, payloads.

The rule set covers: an `include`, every flag/role spelling the level mapping knows plus an
unknown one, an assertion without an id, a language-tagged diagnostic, a report, and two phases.
"""

from __future__ import annotations

from pathlib import Path

NS = "urn:test:order"

MAIN_SCH = f"""<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt" xml:lang="en">
  <title>Orders</title>
  <ns prefix="o" uri="{NS}"/>
  <phase id="basic"><active pattern="p-order"/></phase>
  <phase id="lines"><active pattern="p-lines"/></phase>
  <pattern id="p-order">
    <rule context="/o:Order">
      <assert id="ORD-1" flag="fatal" test="o:Id">An order MUST have an id.</assert>
      <assert id="ORD-2" role="warning" test="o:Note">An order should have a note.</assert>
      <report id="ORD-3" flag="information" test="o:Comment">The order has a comment.</report>
      <assert id="ORD-4" flag="bogus" test="count(o:Line) &lt; 100">At most 99 lines.</assert>
    </rule>
  </pattern>
  <include href="inc/lines.sch"/>
  <diagnostics>
    <diagnostic id="d-price-zh" xml:lang="zh">每一行必须有价格。</diagnostic>
  </diagnostics>
</schema>
"""

LINES_SCH = """<?xml version="1.0" encoding="UTF-8"?>
<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="p-lines">
  <rule context="o:Line">
    <assert test="number(o:Qty) &gt; 0">The quantity <value-of select="o:Qty"/> must be positive.</assert>
    <assert id="LINE-2" role="ERROR" test="o:Price" diagnostics="d-price-zh">A line has a price.</assert>
  </rule>
</pattern>
"""

ORDER_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:o="{NS}" targetNamespace="{NS}"
           elementFormDefault="qualified">
  <xs:include schemaLocation="types/common.xsd"/>
  <xs:element name="Order">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Id" type="xs:string" minOccurs="0"/>
        <xs:element name="Note" type="xs:string" minOccurs="0"/>
        <xs:element name="Comment" type="xs:string" minOccurs="0"/>
        <xs:element ref="o:Line" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

COMMON_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:o="{NS}" targetNamespace="{NS}"
           elementFormDefault="qualified">
  <xs:element name="Line" type="o:LineType"/>
  <xs:complexType name="LineType">
    <xs:sequence>
      <xs:element name="Qty" type="xs:string"/>
      <xs:element name="Price" type="xs:decimal" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>
</xs:schema>
"""


def order(*children: str) -> str:
    return f'<?xml version="1.0"?>\n<Order xmlns="{NS}">\n  ' + "\n  ".join(children) + "\n</Order>\n"


LINE_OK = "<Line><Qty>2</Qty><Price>1.50</Price></Line>"
LINE_ZERO = "<Line><Qty>0</Qty><Price>1.50</Price></Line>"
PAYLOADS = {
    # every MUST holds; ORD-2 (SHOULD) and ORD-3 (MAY) hold too
    "good.xml": order("<Id>A1</Id>", "<Note>n</Note>", LINE_OK),
    # ORD-1 (MUST) fails
    "no-id.xml": order("<Note>n</Note>", LINE_OK),
    # only ORD-2 (SHOULD) and ORD-3 (MAY, a report) fire: still conformant
    "warnings.xml": order("<Id>A1</Id>", "<Comment>c</Comment>", LINE_OK),
    # only the line rule without an id fails: conformant in phase "basic"
    "zero-qty.xml": order("<Id>A1</Id>", "<Note>n</Note>", LINE_ZERO),
    # not valid against the XSD (undeclared element), rules all hold
    "invalid.xml": order("<Id>A1</Id>", "<Note>n</Note>", "<Extra/>", LINE_OK),
}


def write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_artefacts(folder: Path) -> tuple[Path, Path]:
    """Write the rule set and the XSD under `folder`; returns (entry .sch, entry .xsd)."""
    sch = write(folder, "rules/main.sch", MAIN_SCH)
    write(folder, "rules/inc/lines.sch", LINES_SCH)
    xsd = write(folder, "xsd/order.xsd", ORDER_XSD)
    write(folder, "xsd/types/common.xsd", COMMON_XSD)
    return sch, xsd


def make_payloads(folder: Path) -> dict[str, Path]:
    return {name: write(folder, f"payloads/{name}", text) for name, text in PAYLOADS.items()}
