"""Compile once, validate many times: the compiled rule set, its caches and the SVRL reader."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.xmlparser import xml_parser

from ._expand import plan, query_binding
from ._location import LineFinder
from ._model import AssertionInfo, SchematronFailure, SchematronReport
from ._runtime import Engine, LxmlEngine, SaxonEngine, default_evaluation
from ._sandbox import police_stylesheet
from ._source import load_source
from ._translate import ASSERT_ATTR, RULE_ATTR, SVRL_NS, TRANSLATOR_VERSION, metadata, translate

_FIRED = f"{{{SVRL_NS}}}fired-rule"
_FAILED = f"{{{SVRL_NS}}}failed-assert"
_REPORTED = f"{{{SVRL_NS}}}successful-report"
_TEXT = f"{{{SVRL_NS}}}text"
_DIAGNOSTIC = f"{{{SVRL_NS}}}diagnostic-reference"


def cache_dir() -> Path:
    """Where generated stylesheets are kept between processes."""
    configured = os.environ.get("CONFORMANCE_CACHE_DIR")
    if configured:
        return Path(configured) / "schematron"
    return Path.home() / ".cache" / "egov-conformance" / "schematron"


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


@dataclass(frozen=True, slots=True)
class _Compiled:
    """What a process keeps per rule set content: the engine and the tables to read SVRL."""

    xslt_text: str
    binding: str
    phase: str
    infos: tuple[AssertionInfo, ...]
    assertions: Mapping[str, AssertionInfo]
    rule_keys: tuple[frozenset[str], ...]
    engine: Engine


class CompiledSchematron:
    """A rule set compiled to XSLT for its query binding; `validate` runs it on one document."""

    def __init__(self, path: Path, content_hash: str, phase: str | None, compiled: _Compiled) -> None:
        self.path = path
        self.content_hash = content_hash
        self.phase = phase
        self.query_binding = compiled.binding
        self.assertions: Mapping[str, AssertionInfo] = compiled.assertions
        self._compiled = compiled

    @property
    def xslt(self) -> str:
        """The generated stylesheet text (what the disk cache holds)."""
        return self._compiled.xslt_text

    def __repr__(self) -> str:
        return f"CompiledSchematron({str(self.path)!r}, binding={self.query_binding!r}, phase={self.phase!r})"

    def validate(self, document: etree._ElementTree, *, name: str = "",
                 evaluation: EvaluationContext | None = None) -> SchematronReport:
        """Run the rule set on a parsed document: failed asserts, fired reports, fired rules.

        `evaluation` is the time and seed the rules see (the run's); by default the same for every
        document this process checks.
        """
        if isinstance(document, etree._Element):
            document = document.getroottree()
        svrl = self._compiled.engine.run(document, name, evaluation or default_evaluation())
        return self.read_svrl(svrl, document)

    def read_svrl(self, svrl: bytes | etree._Element, document: etree._ElementTree) -> SchematronReport:
        """Map SVRL produced by this rule set onto values (lines looked up in `document`)."""
        compiled = self._compiled
        output = svrl if not isinstance(svrl, bytes) else etree.fromstring(svrl, xml_parser(huge_tree=True))
        failures: list[SchematronFailure] = []
        fired: set[int] = set()
        finder: LineFinder | None = None
        for element in output:
            tag = element.tag
            if tag == _FIRED:
                fired.add(int(element.get(RULE_ATTR, "-1")))
            elif tag in (_FAILED, _REPORTED):
                info = compiled.infos[int(element.get(ASSERT_ATTR, "0"))]
                location = element.get("location", "")
                if finder is None:
                    finder = LineFinder(document)
                failures.append(
                    SchematronFailure(
                        assertion_id=info.id,
                        kind=info.kind,
                        flag=info.flag,
                        role=info.role,
                        location=location,
                        line=finder.line(location),
                        text=_text(element.find(_TEXT)),
                        diagnostics=tuple(_text(d) for d in element.iter(_DIAGNOSTIC)),
                        test=info.test,
                    )
                )
        keys: set[str] = set()
        for index in fired:
            if 0 <= index < len(compiled.rule_keys):
                keys.update(compiled.rule_keys[index])
        return SchematronReport(failures=tuple(failures), fired_assertions=frozenset(keys), svrl_source=svrl)


# content key -> compiled state; (path, phase, root) -> (file stats, key, digest) for the fast path.
_MEMORY: dict[str, _Compiled] = {}
_STATS: dict[tuple[str, str | None, str | None], tuple[tuple[tuple[str, int, int], ...], str, str]] = {}
# Counts translations in this process; tests use it to see cache hits.
TRANSLATIONS = [0]


def clear_memory_cache() -> None:
    """Forget everything compiled in this process (the disk cache stays)."""
    _MEMORY.clear()
    _STATS.clear()


def _stats(files: tuple[str, ...]) -> tuple[tuple[str, int, int], ...] | None:
    result = []
    for file in files:
        try:
            st = os.stat(file)
        except OSError:
            return None
        result.append((file, st.st_mtime_ns, st.st_size))
    return tuple(result)


def _cache_key(digest: str, phase: str | None, binding: str) -> str:
    material = f"{TRANSLATOR_VERSION}\0{digest}\0{phase or '#DEFAULT'}\0{binding}"
    return hashlib.sha256(material.encode()).hexdigest()


def _read_disk(key: str) -> str | None:
    try:
        return (cache_dir() / f"{key}.xsl").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_disk(key: str, text: str) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Write then rename, so that a parallel process never reads half a stylesheet.
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, folder / f"{key}.xsl")
    except OSError:
        # A cache we cannot write is only slower, never wrong.
        return


def _build(text: str) -> _Compiled:
    xslt = etree.fromstring(
        text.encode("utf-8"),
        xml_parser(huge_tree=True),
    )
    meta = metadata(xslt)
    if meta.get("version") != TRANSLATOR_VERSION:
        raise SpecError("stale generated stylesheet")
    # The sheet came from our translator, or from a cache folder someone else may write: check
    # it again as it will run (nothing is left to pin in a sheet the translator wrote).
    if police_stylesheet(xslt, meta["binding"], lambda _: "generated stylesheet"):
        raise SpecError("generated stylesheet with an unpinned clock")
    infos = tuple(
        AssertionInfo(
            id=a["key"],
            kind=a["kind"],
            test=a["test"],
            flag=a["flag"],
            role=a["role"],
            rule_id=a["rule_id"],
            rule_context=a["rule_context"],
            pattern_id=a["pattern_id"],
            text=a["text"],
        )
        for a in meta["assertions"]
    )
    by_key: dict[str, AssertionInfo] = {}
    for info in infos:
        # Published rule sets reuse an id for the same check on different contexts (e.g. invoice
        # and credit note): the first one describes them all.
        by_key.setdefault(info.id, info)
    rule_keys = tuple(frozenset(infos[i].id for i in rule["assertions"]) for rule in meta["rules"])
    pinned = tuple(meta.get("pinned", ()))
    engine: Engine = (LxmlEngine(xslt, pinned) if meta["binding"] == "xslt"
                      else SaxonEngine(text, xslt, pinned))
    return _Compiled(
        xslt_text=text,
        binding=meta["binding"],
        phase=meta["phase"],
        infos=infos,
        assertions=MappingProxyType(by_key),
        rule_keys=rule_keys,
        engine=engine,
    )


def compile_schematron(
    path: Path, *, phase: str | None = None, root: Path | None = None
) -> CompiledSchematron:
    """Compile the ISO Schematron rule set at `path` (cached in memory and on disk)."""
    path = Path(path)
    stat_key = (os.path.abspath(path), phase, os.path.abspath(root) if root is not None else None)
    known = _STATS.get(stat_key)
    if known is not None:
        stats, key, digest = known
        if _stats(tuple(s[0] for s in stats)) == stats and key in _MEMORY:
            return CompiledSchematron(path, digest, phase, _MEMORY[key])

    source = load_source(path, root=root)
    binding = query_binding(source.schema)
    key = _cache_key(source.digest, phase, binding)
    compiled = _MEMORY.get(key)
    if compiled is None:
        text = _read_disk(key)
        if text is not None:
            try:
                compiled = _build(text)
            except (SpecError, etree.XMLSyntaxError, KeyError, ValueError, TypeError):
                compiled = None
        if compiled is None:
            TRANSLATIONS[0] += 1
            text = translate(plan(source.schema, phase))
            compiled = _build(text)
            _write_disk(key, text)
        _MEMORY[key] = compiled
    stats_now = _stats(tuple(str(f) for f in source.files))
    if stats_now is not None:
        _STATS[stat_key] = (stats_now, key, source.digest)
    return CompiledSchematron(path, source.digest, phase, compiled)
