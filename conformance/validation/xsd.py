"""XSD documents of a bundle, read by us and served to libxml2 and xmlschema, and their budgets.

Neither engine may open a file itself: libxml2 loads `include`/`import`/`redefine`/`override`
targets with entity substitution on, and both resolve `file:` URLs and absolute paths. So every
schema document is read here (`read_bounded`, inside the bundle, no external DTD or entity,
served without its DOCTYPE), each schemaLocation is rewritten to a `bundle:///PATH` URL naming the
document we read, and the engines get only those documents: an lxml `Resolver` on the entry's
parser for libxml2, an `OpenerDirector` with no handler but ours for xmlschema. Any other URL (a
location we did not write, an entity, a DTD) is refused.

XSD 1.1 runs in Python (xmlschema, elementpath), whose regular expressions backtrack
(`matches(@id, '^(a+)+$')`, an `xs:pattern`) and whose XPath has unbounded loops (`for $i in 1 to
...`). Its compilation and each validation run under a wall-clock budget (`within_budget`), which
interrupts the Python `re` engine too (it checks for signals as it runs). XSD 1.1 assertions see the
run's pinned time, and XPath functions that read the host are refused when the schema is compiled.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.files import read_bounded
from conformance.core.limits import XML_ARTEFACT_MAX_BYTES, XSD_MAX_DOCUMENTS, XSD_MAX_TOTAL_BYTES
from conformance.core.xmlparser import xml_parser

XS_NS = "http://www.w3.org/2001/XMLSchema"
VC_NS = "http://www.w3.org/2007/XMLSchema-versioning"
_REFERENCES = tuple(f"{{{XS_NS}}}{name}" for name in ("include", "import", "redefine", "override"))
_SCHEME = "bundle"
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# XPath functions that would read the host (files, collections, the environment): a bundle may not.
HOST_FUNCTIONS = frozenset({
    "doc", "doc-available", "collection", "uri-collection", "unparsed-text", "unparsed-text-lines",
    "unparsed-text-available", "environment-variable", "available-environment-variables",
})
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SchemaDocuments:
    """Every document of one XSD, read from the bundle, with schemaLocations as `bundle:///` URLs."""

    entry: Path
    entry_url: str
    # `bundle:///PATH` -> the document's bytes as the engines will see them.
    served: Mapping[str, bytes]
    # `bundle:///PATH` -> the file it was read from (for messages).
    files: Mapping[str, Path]
    version: str  # "1.0" or "1.1" (vc:minVersion of the entry)
    # Local names of every element the documents declare: tells a stray element from a misplaced
    # one when a schema error is said again in plain words (`xsd_messages`).
    element_names: frozenset[str] = frozenset()
    # Local names that every particle of the documents makes optional (minOccurs="0"): of several
    # names a content model expected, the one that is not optional is the one missing.
    optional_names: frozenset[str] = frozenset()


def _url(relative: str) -> str:
    return f"{_SCHEME}:///{urllib.parse.quote(relative)}"


def _key(url: str) -> str:
    """The bundle path a served URL names; engines may hand it back escaped or unescaped."""
    return urllib.parse.unquote(url.removeprefix(f"{_SCHEME}:///"))


def _target(location: str, referrer: Path, root: Path, where: str) -> Path:
    """The bundle file a schemaLocation names: a relative path that stays inside `root`."""
    location = location.strip()
    if (not location or _URI_SCHEME.match(location) or location.startswith("/") or "\\" in location
            or "?" in location or "#" in location or "\x00" in location):
        # `file:/x`, `C:x` and `http://...` alike: a scheme is never a bundle path, whatever
        # file of that odd name the bundle may also hold.
        raise BundlePathError(f"schema location {_quote(location)} is not a relative path in the "
                              "bundle (nothing outside the bundle is read)", location=where)
    path = urllib.parse.unquote(location)
    if "\x00" in path:
        raise BundlePathError(f"schema location {_quote(location)} is not a path", location=where)
    target = Path(os.path.realpath(referrer.parent / path))
    if not target.is_relative_to(root):
        raise BundlePathError(f"schema location {_quote(location)} leaves the bundle folder",
                              location=where)
    return target


def _quote(text: str) -> str:
    """A location from the bundle, capped and escaped for a message."""
    return repr(text[:200] + ("..." if len(text) > 200 else ""))


def read_schema_documents(entry: Path, *, root: Path) -> SchemaDocuments:
    """Read the XSD at `entry` and every document it reaches, all inside `root`; SpecError if not."""
    root = Path(os.path.realpath(root))
    entry_file = Path(os.path.realpath(entry))
    if not entry_file.is_relative_to(root):
        raise BundlePathError("the schema lies outside its bundle folder", location=str(entry))
    served: dict[str, bytes] = {}
    files: dict[str, Path] = {}
    pending = [(entry_file, str(entry))]
    queued = {entry_file}
    total = 0
    version = "1.0"
    names: set[str] = set()
    optional: set[str] = set()
    mandatory: set[str] = set()
    while pending:
        file, referrer = pending.pop()
        if len(files) >= XSD_MAX_DOCUMENTS:
            raise SpecError(f"the schema reaches more than {XSD_MAX_DOCUMENTS} documents",
                            location=str(entry))
        try:
            data = read_bounded(file, max_bytes=XML_ARTEFACT_MAX_BYTES, error=SpecError,
                                what="XML Schema", what_zh="XML 模式")
        except SpecError as exc:
            if file == entry_file:
                raise
            # Located where the document is named: that is the line to fix.
            raise SpecError(f"{file}: {exc.message}", location=referrer) from None
        total += len(data)
        if total > XSD_MAX_TOTAL_BYTES:
            raise SpecError(f"the schema's documents add up to more than {XSD_MAX_TOTAL_BYTES} bytes",
                            location=str(entry))
        tree = _parse(data, file, referrer)
        if file == entry_file and tree.getroot().get(f"{{{VC_NS}}}minVersion") == "1.1":
            version = "1.1"
        _collect_names(tree.getroot(), names, optional, mandatory)
        for node in tree.getroot().iter(*_REFERENCES):
            location = node.get("schemaLocation")
            if location is None:
                continue  # an import without a location names a namespace, no document
            where = f"{file}:{node.sourceline}"
            target = _target(location, file, root, where)
            node.set("schemaLocation", _url(target.relative_to(root).as_posix()))
            if target not in queued:
                queued.add(target)
                pending.append((target, where))
        url = _url(file.relative_to(root).as_posix())
        served[url] = _serve(tree)
        files[url] = file
    return SchemaDocuments(entry=entry, entry_url=_url(entry_file.relative_to(root).as_posix()),
                           served=served, files=files, version=version,
                           element_names=frozenset(names), optional_names=frozenset(optional - mandatory))


def _collect_names(schema: etree._Element, names: set[str], optional: set[str], mandatory: set[str]) -> None:
    """The element names a schema document declares, and which particles make them optional."""
    for node in schema.iter(f"{{{XS_NS}}}element"):
        name = node.get("name") or (node.get("ref") or "").rpartition(":")[2]
        if not name:
            continue
        if node.get("name"):
            names.add(name)
        if node.getparent() is schema:
            continue  # a global declaration is no particle: it has no minOccurs
        (optional if node.get("minOccurs", "1").strip() == "0" else mandatory).add(name)


def _parse(data: bytes, file: Path, referrer: str) -> etree._ElementTree:
    try:
        root = etree.fromstring(data, xml_parser(), base_url=str(file))
    except etree.XMLSyntaxError as exc:
        raise SpecError(f"schema is not well-formed XML: {exc.msg}",
                        location=f"{file}:{exc.lineno}") from exc
    _refuse_external_declarations(root.getroottree(), file)
    if root.tag != f"{{{XS_NS}}}schema":
        raise SpecError(f"{file} is not an XML Schema (root element {_quote(str(root.tag))})",
                        location=referrer)
    return root.getroottree()


def _refuse_external_declarations(tree: etree._ElementTree, file: Path) -> None:
    """A DOCTYPE may only declare internal things, and no entity may be used.

    libxml2 parses schema documents with entity substitution on, so an external subset or entity
    would be read from anywhere. The engines never see a DTD (documents are served without it, see
    `_serve`); published schemas that carry an internal subset (UBL's copy of xmldsig-core declares
    unused internal entities and a #FIXED attribute) still load, and a document that relies on an
    entity is refused here rather than half-read.
    """
    docinfo = tree.docinfo
    if docinfo.system_url or docinfo.public_id:
        raise SpecError("an external DTD (DOCTYPE with a SYSTEM or PUBLIC id) is not allowed in a "
                        "schema document", location=str(file))
    dtd = docinfo.internalDTD
    if dtd is not None:
        for entity in dtd.iterentities():
            if entity.system_url:
                raise SpecError(f"the DOCTYPE declares an external entity {_quote(entity.name or '')}: "
                                "not allowed in a schema document", location=str(file))
    for reference in tree.getroot().iter(etree.Entity):
        raise SpecError(f"entity reference {_quote(str(reference.text))} in a schema document: "
                        "entities (DOCTYPE) are not allowed there",
                        location=f"{file}:{reference.sourceline}")


def _serve(tree: etree._ElementTree) -> bytes:
    """The document without its prolog (no DOCTYPE), padded so that libxml2's lines stay ours."""
    root = tree.getroot()
    return b"\n" * max((root.sourceline or 1) - 1, 0) + etree.tostring(root, encoding="utf-8",
                                                                       xml_declaration=False)


# -- XSD 1.0: libxml2 ----------------------------------------------------------------------------

class _BundleResolver(etree.Resolver):
    """Serves libxml2 the documents we read; every other load gets an empty document."""

    def __init__(self, documents: SchemaDocuments) -> None:
        super().__init__()
        self._served = {_key(url): data for url, data in documents.served.items()}

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        if system_url and system_url.startswith(f"{_SCHEME}:///"):
            data = self._served.get(_key(system_url))
            if data is not None:
                return self.resolve_string(data, context, base_url=system_url)
        return self.resolve_string("", context)


def compile_xsd10(documents: SchemaDocuments) -> etree.XMLSchema:
    """The schema compiled by libxml2 from our documents only; SpecError naming the file if it fails."""
    parser = xml_parser(resolvers=[_BundleResolver(documents)])
    try:
        entry = etree.fromstring(documents.served[documents.entry_url], parser,
                                 base_url=documents.entry_url)
        return etree.XMLSchema(entry.getroottree())
    except etree.XMLSchemaParseError as exc:
        raise SpecError(f"invalid XSD: {_readable(str(exc), documents)}",
                        location=str(documents.entry)) from exc
    except (etree.Error, ValueError) as exc:
        # libxml2 can also give up on a schema for its own reasons: still a bad schema, not a bug.
        raise SpecError(f"XSD cannot be compiled: {_readable(str(exc), documents)}",
                        location=str(documents.entry)) from exc


def _readable(message: str, documents: SchemaDocuments) -> str:
    """An engine's message with our `bundle:///` URLs put back as the files they stand for."""
    for url, file in documents.files.items():
        message = message.replace(url, str(file))
    return message[:2000]


# -- XSD 1.1: xmlschema --------------------------------------------------------------------------

class _BundleHandler(urllib.request.BaseHandler):
    """The only handler of xmlschema's opener: `bundle:` URLs of documents we read, nothing else."""

    def __init__(self, documents: SchemaDocuments) -> None:
        self._served = {_key(url): data for url, data in documents.served.items()}

    def bundle_open(self, request: urllib.request.Request) -> Any:
        url = request.full_url
        data = self._served.get(_key(url))
        if data is None:
            raise urllib.error.URLError(f"{url} is not a document of the bundle")
        return urllib.response.addinfourl(BytesIO(data), Message(), url)

    def unknown_open(self, request: urllib.request.Request) -> Any:
        raise urllib.error.URLError(f"{request.full_url[:200]} refused: a schema reads only its bundle")


def _opener(documents: SchemaDocuments) -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()  # no default handlers: no file:, http:, ftp:, data:
    opener.add_handler(_BundleHandler(documents))
    return opener


class _PinnedTime:
    """An XPath expression token that evaluates with the run's pinned time as "now"."""

    def __init__(self, token: Any, now: Any, timezone: Any) -> None:
        self._token = token
        self._now = now
        self._timezone = timezone

    def _pin(self, context: Any) -> Any:
        if context is not None:
            context.current_dt = self._now
            context.timezone = self._timezone
        return context

    def evaluate(self, context: Any = None) -> Any:
        return self._token.evaluate(self._pin(context))

    def select(self, context: Any = None) -> Any:
        return self._token.select(self._pin(context))

    def boolean_value(self, value: Any) -> Any:
        return self._token.boolean_value(value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._token, name)


def compile_xsd11(documents: SchemaDocuments, *, evaluation: EvaluationContext, seconds: float) -> Any:
    """An xmlschema XSD 1.1 validator over our documents, its XPath pinned and denied the host."""
    import xmlschema
    from elementpath.datatypes import Timezone
    from xmlschema.validators import XsdAlternative, XsdAssert, XsdAssertionFacet

    def build() -> Any:
        return xmlschema.XMLSchema11(
            documents.entry_url, opener=_opener(documents), allow="all", defuse="always",
            use_xpath3=False)

    try:
        schema = within_budget(seconds, build)
    except BudgetExhausted as exc:
        raise SpecError(f"compiling the XSD 1.1 schema took longer than {seconds:g} s",
                        location=str(documents.entry)) from exc
    except Exception as exc:  # xmlschema raises a family of its own; all mean a bad schema
        raise SpecError(f"invalid XSD 1.1 schema: {_readable(str(exc), documents)}",
                        location=str(documents.entry)) from exc
    now = evaluation.now
    offset = now.utcoffset()
    timezone = Timezone(offset) if offset is not None else None
    for component in schema.maps.iter_components((XsdAssert, XsdAssertionFacet, XsdAlternative)):
        token = getattr(component, "token", None)
        if token is None:
            continue
        for call in token.iter(*HOST_FUNCTIONS):
            where = getattr(component.elem, "sourceline", None)
            raise SpecError(f"XSD 1.1 XPath function {call.symbol}() reads the host and is not "
                            "allowed in a bundle", location=f"{documents.entry}"
                            + (f" (line {where})" if where else ""))
        component.token = _PinnedTime(token, now, timezone)
    return schema


# -- the wall-clock budget -------------------------------------------------------------------------

class BudgetExhausted(Exception):
    """A budgeted piece of work ran out of time (raised by `within_budget`, never inside it)."""


class _Expired(BaseException):
    # A BaseException: library code that catches Exception (and would report a validation error,
    # a verdict) cannot swallow it.
    pass


def within_budget(seconds: float, work: Callable[[], _T]) -> _T:
    """`work()`, interrupted after `seconds` of wall-clock time (BudgetExhausted).

    A timer signal is the one way to stop Python code and `re` from outside. Signals reach only the
    main thread: elsewhere `work` runs unbounded here, and the run's per-payload supervisor bounds it.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return work()
    try:
        with _timer(seconds):
            return work()
    except _Expired:
        raise BudgetExhausted(f"over {seconds:g} s") from None


@contextmanager
def _timer(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise _Expired()

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:
            # Someone else's timer was running: give it back what is left of it.
            left = max(outer_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
