"""The one place XML parsers are configured: every parser of ours starts hardened from here."""

from __future__ import annotations

from typing import Any

from lxml import etree

_HARDENED: dict[str, Any] = {
    "resolve_entities": False,  # XXE: entity references are never expanded
    "no_network": True,  # nothing is fetched
    "load_dtd": False,  # external DTDs are never read
    "dtd_validation": False,
    "huge_tree": False,  # keeps libxml2's depth (256) and text-node limits
}


def xml_parser(**options: Any) -> etree.XMLParser:
    """A hardened lxml parser; `options` add to (or, for our own trusted output, relax) the defaults."""
    return etree.XMLParser(**{**_HARDENED, **options})
