"""The one place XML parsers are configured: every parser of ours starts hardened from here.

Parser options alone do not keep libxml2 inside the bytes it was given: with lxml 6 / libxml2 2.14
a parser built with `collect_ids=False` opens the external subset and external parameter entities
even with `load_dtd=False` (`<!ENTITY % p SYSTEM "/dev/zero"> %p;` then reads forever), XSD
`include`s and XSLT `document()` open files, and `no_network` stops only the network. So every
parser also carries a resolver that answers *every* load libxml2 would make with an empty
document: nothing outside the given bytes is ever opened, and a file that exists, one that does not
and a FIFO all give the same answer (no file-existence oracle). A caller that must serve some
loads (a bundle's own schema includes) passes its resolvers to `xml_parser`, which asks them, in
order, before the refusal; never add resolvers to `parser.resolvers` afterwards (lxml keeps them in
an unordered set, so whether one is asked before the refusal would be chance).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import XML_ARTEFACT_MAX_BYTES

_HARDENED: dict[str, Any] = {
    "resolve_entities": False,  # XXE: entity references are never expanded
    "no_network": True,  # nothing is fetched
    "load_dtd": False,  # external DTDs are never read
    "dtd_validation": False,
    "huge_tree": False,  # keeps libxml2's depth (256) and text-node limits
}


class RefuseExternal(etree.Resolver):
    """Answers every external load (DTD, entity, include, `document()`) with an empty document."""

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        return self.resolve_string("", context)


_REFUSE = RefuseExternal()


class _Chain(etree.Resolver):
    """The caller's resolvers in order, then the refusal: lxml keeps its resolvers in an unordered
    set, so a refusal registered beside them could answer first."""

    def __init__(self, resolvers: tuple[etree.Resolver, ...]) -> None:
        self._resolvers = resolvers

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        for resolver in self._resolvers:
            answer = resolver.resolve(system_url, public_id, context)
            if answer is not None:
                return answer
        return _REFUSE.resolve(system_url, public_id, context)


class FilesUnder(etree.Resolver):
    """Serves loads of regular files inside `root` (a bundle's own schema includes), nothing else.

    The file is read through `read_bounded` (regular files only, size-bounded, never blocking), so
    a FIFO or a device inside the folder is refused too; a refused load falls through to the
    refusal (an empty document) and its reason is kept in `refused` for the caller's message.
    """

    def __init__(self, root: Path, *, max_bytes: int = XML_ARTEFACT_MAX_BYTES) -> None:
        self._root = Path(os.path.realpath(root))
        self._max_bytes = max_bytes
        self.refused: list[str] = []

    def _local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            return Path(unquote(parts.path))
        if parts.scheme == "" and not parts.netloc:
            return Path(url) if os.path.lexists(url) else Path(unquote(url))
        return None

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        path = self._local_path(system_url) if system_url else None
        if path is None:
            self.refused.append(f"{system_url}: not a local file (nothing is fetched)")
            return None
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self._root):
            self.refused.append(f"{system_url}: outside {self._root}")
            return None
        try:
            data = read_bounded(real, max_bytes=self._max_bytes, error=SpecError, what="XML file")
        except SpecError as exc:
            self.refused.append(f"{system_url}: {exc.message}")
            return None
        return self.resolve_string(data, context, base_url=str(path))


def xml_parser(*, resolvers: Iterable[etree.Resolver] = (), **options: Any) -> etree.XMLParser:
    """A hardened lxml parser that opens nothing; `resolvers` (asked first) may serve chosen loads.

    `options` add to (or, for our own trusted output, relax) the defaults.
    """
    parser = etree.XMLParser(**{**_HARDENED, **options})
    chain = tuple(resolvers)
    parser.resolvers.add(_Chain(chain) if chain else _REFUSE)
    return parser
