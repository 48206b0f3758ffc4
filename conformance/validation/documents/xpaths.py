"""Readable XPaths for elements: prefixed names and positions, as a person would write them."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree


def readable_xpath(element: etree._Element, namespaces: Mapping[str, str]) -> str:
    """`/env:Envelope/env:Parts/env:Part[2]`: prefixes from the standard, positions when needed."""
    prefixes = {uri: prefix for prefix, uri in namespaces.items()}
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None and isinstance(node.tag, str):
        q = etree.QName(node)
        if q.namespace and q.namespace in prefixes:
            name = f"{prefixes[q.namespace]}:{q.localname}"
        elif q.namespace:
            name = f"*[local-name()='{q.localname}']"
        else:
            name = q.localname
        parent = node.getparent()
        if parent is not None:
            same = [s for s in parent if s.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))
