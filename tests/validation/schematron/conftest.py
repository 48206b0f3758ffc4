"""Fixtures for the Schematron engine: an isolated cache, a hardened parser, per-binding copies."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from conformance.validation.schematron import clear_memory_cache

DATA = Path(__file__).parent / "data"
BINDINGS = ("xslt", "xslt2", "xslt3")


def parse(path: Path) -> etree._ElementTree:
    """Parse a document the way callers must: with the hardened parser."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.parse(str(path), parser)


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    # Tests never write into the user's cache, and each starts with an empty memory cache.
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(folder))
    clear_memory_cache()
    yield folder
    clear_memory_cache()


@pytest.fixture
def with_binding(tmp_path: Path) -> Callable[[str, str], Path]:
    """Copy a data folder and rewrite queryBinding="xslt" in its .sch files to `binding`."""

    def make(folder: str, binding: str) -> Path:
        target = tmp_path / binding / folder
        if not target.exists():
            shutil.copytree(DATA / folder, target)
        for sch in target.rglob("*.sch"):
            text = sch.read_text(encoding="utf-8")
            sch.write_text(text.replace('queryBinding="xslt"', f'queryBinding="{binding}"'), encoding="utf-8")
        return target

    return make


def location(binding: str, *steps: tuple[str, str, int]) -> str:
    """The SVRL location the engine writes for (namespace, local name, position) steps."""
    parts = []
    for ns, local, index in steps:
        if binding == "xslt":
            parts.append(f"/*[local-name()='{local}' and namespace-uri()='{ns}'][{index}]")
        else:
            parts.append(f"/*:{local}[namespace-uri()='{ns}'][{index}]")
    return "".join(parts)
