"""ISO Schematron (ISO/IEC 19757-3) compiled by our own translator to XSLT, run on lxml or Saxon.

Query bindings: `xslt` (XPath 1.0 on libxslt) and `xslt2`/`xslt3` (XPath 2.0/3.1 on SaxonC-HE).
Compile once with `compile_schematron`, then call `CompiledSchematron.validate` per document;
`outline_schematron` lists what a rule set holds without compiling it.
"""

from __future__ import annotations

from ._compiled import CompiledSchematron, cache_dir, clear_memory_cache, compile_schematron
from ._location import LineFinder
from ._model import AssertionInfo, SchematronFailure, SchematronReport
from ._outline import OutlinedAssertion, RuleSetOutline, outline_schematron
from ._xpath import union_branches

__all__ = [
    "AssertionInfo",
    "CompiledSchematron",
    "LineFinder",
    "OutlinedAssertion",
    "RuleSetOutline",
    "SchematronFailure",
    "SchematronReport",
    "cache_dir",
    "clear_memory_cache",
    "compile_schematron",
    "outline_schematron",
    "union_branches",
]
