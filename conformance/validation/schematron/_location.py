"""SVRL locations back to lxml nodes, for source lines (Saxon-HE cannot report line numbers)."""

from __future__ import annotations

import re

from lxml import etree

# One step of a location, in either spelling the translator writes:
#   /*:local[namespace-uri()='uri'][n]                            (xslt2, xslt3: ISO skeleton form)
#   /*[local-name()='local' and namespace-uri()='uri'][n]         (xslt: XPath 1.0 form)
#   /name[n]                                                      (no namespace)
#   /@name  or  /@*[local-name()='local' and namespace-uri()='uri']
_STEP = re.compile(
    r"/(?:"
    r"\*:(?P<l1>[^\[/]+)\[namespace-uri\(\)='(?P<u1>[^']*)'\]\[(?P<n1>\d+)\]"
    r"|\*\[local-name\(\)='(?P<l2>[^']*)' and namespace-uri\(\)='(?P<u2>[^']*)'\]\[(?P<n2>\d+)\]"
    r"|@\*\[local-name\(\)='(?P<al>[^']*)' and namespace-uri\(\)='(?P<au>[^']*)'\]"
    r"|@(?P<an>[^/\[]+)"
    r"|(?P<l3>[^\[/@*]+)\[(?P<n3>\d+)\]"
    r")"
)


class LineFinder:
    """Resolves many locations against one tree, indexing children by name once per parent."""

    def __init__(self, document: etree._ElementTree) -> None:
        self.document = document
        self._children: dict[tuple[etree._Element, str], list[etree._Element]] = {}

    def element(self, location: str) -> etree._Element | None:
        """The element a location names (the owner element for an attribute), or None."""
        node: etree._Element | None = None
        position = 0
        while position < len(location):
            match = _STEP.match(location, position)
            if match is None:
                return None
            position = match.end()
            groups = match.groupdict()
            if groups["al"] is not None or groups["an"] is not None:
                # An attribute is always the last step: its line is its element's.
                return node
            if groups["l1"] is not None:
                local, uri, index = groups["l1"], groups["u1"], groups["n1"]
            elif groups["l2"] is not None:
                local, uri, index = groups["l2"], groups["u2"], groups["n2"]
            else:
                local, uri, index = groups["l3"], "", groups["n3"]
            tag = f"{{{uri}}}{local}" if uri else local
            if node is None:
                root = self.document.getroot()
                if root.tag != tag or index != "1":
                    return None
                node = root
                continue
            key = (node, tag)
            children = self._children.get(key)
            if children is None:
                children = list(node.iterchildren(tag))
                self._children[key] = children
            number = int(index)
            if number < 1 or number > len(children):
                return None
            node = children[number - 1]
        return node

    def line(self, location: str) -> int | None:
        """The source line of the node at `location`, when it can be recovered."""
        element = self.element(location)
        return element.sourceline if element is not None else None
