"""ISO Schematron (ISO/IEC 19757-3) compiled by our own translator to XSLT, run on lxml or Saxon.

Query bindings: `xslt` (XPath 1.0 on libxslt) and `xslt2`/`xslt3` (XPath 2.0/3.1 on SaxonC-HE).
Compile once with `compile_schematron`, then call `CompiledSchematron.validate` per document.
"""

from __future__ import annotations

from ._compiled import CompiledSchematron, cache_dir, clear_memory_cache, compile_schematron
from ._model import AssertionInfo, SchematronFailure, SchematronReport

__all__ = [
    "AssertionInfo",
    "CompiledSchematron",
    "SchematronFailure",
    "SchematronReport",
    "cache_dir",
    "clear_memory_cache",
    "compile_schematron",
]
