<?xml version="1.0" encoding="UTF-8"?>
<!--
  The location of a node for XSLT 2.0/3.0 (the cfs:location function), spelled like the ISO
  skeleton's default ("schematron-get-full-path") so that results line up with stylesheets
  compiled by publishers; the document node is given the path of its element, as the skeleton
  does. The translator appends this element, as it stands, to every xslt2/xslt3 stylesheet it
  generates: whatever changes here changes every generated stylesheet (and needs a new
  TRANSLATOR_VERSION in _translate.py). Comments go outside the element, never inside it.
-->
<xsl:function xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="cfs:location"
    as="cfxs:string" xmlns:cfs="urn:egov-conformance:schematron"
    xmlns:cfxs="http://www.w3.org/2001/XMLSchema">
  <xsl:param name="n" as="node()"/>
  <xsl:choose>
    <xsl:when test="$n instance of document-node()">
      <xsl:sequence select="string-join(for $e in $n/* return cfs:location($e), '')"/>
    </xsl:when>
    <xsl:when test="$n instance of element()">
      <xsl:sequence select="string-join(for $a in $n/ancestor-or-self::* return concat('/',
        if (namespace-uri($a) = '') then name($a)
        else concat('*:', local-name($a), '[namespace-uri()=''', namespace-uri($a), ''']'),
        '[', 1 + count($a/preceding-sibling::*[node-name(.) eq node-name($a)]), ']'), '')"/>
    </xsl:when>
    <xsl:when test="$n instance of attribute()">
      <xsl:sequence select="concat(if ($n/..) then cfs:location($n/..) else '', '/',
        if (namespace-uri($n) = '') then concat('@', name($n))
        else concat('@*[local-name()=''', local-name($n), ''' and namespace-uri()=''',
                    namespace-uri($n), ''']'))"/>
    </xsl:when>
    <xsl:otherwise><xsl:sequence select="''"/></xsl:otherwise>
  </xsl:choose>
</xsl:function>
