<?xml version="1.0" encoding="UTF-8"?>
<!--
  The location of a node for XSLT 1.0 (the cfs:location named template), spelled like the ISO
  skeleton's default ("schematron-get-full-path") so that results line up with stylesheets
  compiled by publishers. XPath 1.0 has no `*:name`; this form is both readable and evaluable by
  XPath 1.0 engines. The translator appends this element, as it stands, to every xslt stylesheet
  it generates: whatever changes here changes every generated stylesheet (and needs a new
  TRANSLATOR_VERSION in _translate.py). Comments go outside the element, never inside it.
-->
<xsl:template xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="cfs:location"
    xmlns:cfs="urn:egov-conformance:schematron">
  <xsl:choose>
    <xsl:when test="count(. | /) = 1">
      <xsl:for-each select="*"><xsl:call-template name="cfs:location"/></xsl:for-each>
    </xsl:when>
    <xsl:otherwise>
      <xsl:for-each select="ancestor-or-self::*">
        <xsl:text>/</xsl:text>
        <xsl:choose>
          <xsl:when test="namespace-uri() = ''"><xsl:value-of select="name()"/></xsl:when>
          <xsl:otherwise>
            <xsl:text>*[local-name()='</xsl:text><xsl:value-of select="local-name()"/>
            <xsl:text>' and namespace-uri()='</xsl:text><xsl:value-of select="namespace-uri()"/>
            <xsl:text>']</xsl:text>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:text>[</xsl:text>
        <xsl:value-of select="1 + count(preceding-sibling::*[local-name() = local-name(current())
            and namespace-uri() = namespace-uri(current())])"/>
        <xsl:text>]</xsl:text>
      </xsl:for-each>
      <xsl:if test="count(. | ../@*) = count(../@*)">
        <xsl:text>/</xsl:text>
        <xsl:choose>
          <xsl:when test="namespace-uri() = ''">@<xsl:value-of select="name()"/></xsl:when>
          <xsl:otherwise>
            <xsl:text>@*[local-name()='</xsl:text><xsl:value-of select="local-name()"/>
            <xsl:text>' and namespace-uri()='</xsl:text><xsl:value-of select="namespace-uri()"/>
            <xsl:text>']</xsl:text>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:if>
    </xsl:otherwise>
  </xsl:choose>
</xsl:template>
