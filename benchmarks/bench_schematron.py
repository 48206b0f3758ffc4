"""Benchmark: the EN 16931 (UBL) rule set run from its Schematron source vs the publisher's XSLT.

Both run on the same SaxonC-HE processor in this process, on the same documents (the published
examples plus generated variants with duplicated invoice lines). For every document the findings
(assertion id + location) must agree. Reported: first-compile and cached-load times, throughput of
both after warm-up and their ratio, and time against document size (100 / 1,000 / 10,000 lines).

    python benchmarks/bench_schematron.py            # full run (>= 1,000 documents)
    python benchmarks/bench_schematron.py --quick    # smoke test
"""

from __future__ import annotations

import argparse
import copy
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conformance.validation.schematron import (  # noqa: E402
    CompiledSchematron,
    clear_memory_cache,
    compile_schematron,
)
from conformance.validation.schematron._runtime import document_text, saxon_processor  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "en16931-ubl"
SCHEMA = CORPUS / "schematron" / "EN16931-UBL-validation.sch"
PUBLISHED = CORPUS / "xslt" / "EN16931-UBL-validation.xslt"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"

Findings = Counter[tuple[str, str]]


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def with_lines(document: etree._ElementTree, count: int) -> etree._ElementTree:
    """A copy of `document` whose invoice (or credit note) lines are repeated to `count` lines."""
    tree = copy.deepcopy(document)
    root = tree.getroot()
    lines = root.findall(f"{CAC}InvoiceLine") or root.findall(f"{CAC}CreditNoteLine")
    if not lines:
        return tree
    anchor = lines[-1]
    for index in range(count - len(lines)):
        clone = copy.deepcopy(lines[index % len(lines)])
        ident = clone.find(f"{CBC}ID")
        if ident is not None:
            ident.text = f"G{index + 1}"
        anchor.addnext(clone)
        anchor = clone
    # Serialise and re-parse so that source lines are those of a real file.
    return etree.ElementTree(etree.fromstring(etree.tostring(tree), parser()))


def corpus(size: int) -> list[tuple[str, etree._ElementTree]]:
    """The examples, then variants of them with more (duplicated) lines, `size` documents in all."""
    base = [(p.name, etree.parse(str(p), parser())) for p in sorted((CORPUS / "examples").glob("*"))]
    documents = list(base)
    extra = 1
    while len(documents) < size:
        for name, doc in base:
            if len(documents) >= size:
                break
            count = len(doc.getroot().findall(f"{CAC}InvoiceLine")) + len(
                doc.getroot().findall(f"{CAC}CreditNoteLine")
            )
            documents.append((f"{name}+{extra}", with_lines(doc, count + extra)))
        extra += 1
    return documents


class Published:
    """The publisher's compiled stylesheet, run through the same steps as ours."""

    def __init__(self) -> None:
        self.processor = saxon_processor()
        self.executable = self.processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_text=PUBLISHED.read_text(encoding="utf-8")
        )

    def findings(self, document: etree._ElementTree) -> Findings:
        node = self.processor.parse_xml(xml_text=document_text(document))
        output = self.executable.transform_to_string(xdm_node=node)
        svrl = etree.fromstring(output.encode("utf-8"), parser())
        return Counter(
            (e.get("id", ""), e.get("location", ""))
            for e in svrl
            if e.tag in (f"{SVRL}failed-assert", f"{SVRL}successful-report")
        )


def ours(compiled: CompiledSchematron, document: etree._ElementTree) -> Findings:
    return Counter((f.assertion_id, f.location) for f in compiled.validate(document).failures)


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def best_of(rounds: int, function: Callable[[], Any], repeat: int) -> float:
    """Seconds per call: the best of `rounds` runs of `repeat` calls."""
    return min(timed(lambda: [function() for _ in range(repeat)]) for _ in range(rounds)) / repeat


def compile_times() -> tuple[float, float, float, CompiledSchematron]:
    """(first compile, cached load in a fresh process state, in-memory hit) in seconds."""
    os.environ["CONFORMANCE_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-schematron-")
    clear_memory_cache()
    first = timed(lambda: compile_schematron(SCHEMA, root=CORPUS / "schematron"))
    clear_memory_cache()  # what a second process sees: only the disk cache
    cached = timed(lambda: compile_schematron(SCHEMA, root=CORPUS / "schematron"))
    holder: list[CompiledSchematron] = []
    memory = timed(lambda: holder.append(compile_schematron(SCHEMA, root=CORPUS / "schematron")))
    return first, cached, memory, holder[0]


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="small smoke run")
    args.add_argument("--documents", type=int, default=None, help="documents in the throughput run")
    args.add_argument("--rounds", type=int, default=None, help="timed rounds (best is reported)")
    options = args.parse_args()
    if not SCHEMA.is_file():
        print(f"EN 16931 corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    size = options.documents or (60 if options.quick else 1000)
    rounds = options.rounds or (1 if options.quick else 3)
    sizes = (100, 1000) if options.quick else (100, 1000, 10000)

    first, cached, memory, compiled = compile_times()
    published = Published()
    documents = corpus(size)

    # Agreement, document by document (also the warm-up of both stylesheets).
    disagreements = [name for name, doc in documents if ours(compiled, doc) != published.findings(doc)]
    with_failures = sum(1 for _, doc in documents if compiled.validate(doc).failures)

    ours_times, theirs_times = [], []
    for _ in range(rounds):
        # Interleaved rounds, so that load from other processes hits both alike.
        ours_times.append(timed(lambda: [ours(compiled, d) for _, d in documents]))
        theirs_times.append(timed(lambda: [published.findings(d) for _, d in documents]))
    ours_rate = len(documents) / min(ours_times)
    theirs_rate = len(documents) / min(theirs_times)

    scaling = []
    base = etree.parse(str(CORPUS / "examples" / "ubl-tc434-example1.xml"), parser())
    for lines in sizes:
        doc = with_lines(base, lines)
        agree = ours(compiled, doc) == published.findings(doc)
        repeat = max(1, 2000 // lines)
        t_ours = best_of(2, lambda: ours(compiled, doc), repeat)  # noqa: B023 - called at once
        t_theirs = best_of(2, lambda: published.findings(doc), repeat)  # noqa: B023
        scaling.append((lines, len(etree.tostring(doc)), t_ours, t_theirs, agree))

    print(f"EN 16931 UBL rule set, SaxonC-HE {saxon_processor().version}")
    print()
    print("compile                         seconds")
    print(f"  first compile (translate+Saxon) {first:8.3f}")
    print(f"  cached load (disk, new state)   {cached:8.3f}")
    print(f"  in-memory hit                   {memory:8.4f}")
    print()
    counts = f"{len(documents)} documents ({with_failures} with failures)"
    print(f"throughput over {counts}, best of {rounds}")
    print("  stylesheet              docs/s    ms/doc")
    print(f"  ours (from .sch)      {ours_rate:8.1f}  {1000 / ours_rate:8.2f}")
    print(f"  publisher's XSLT      {theirs_rate:8.1f}  {1000 / theirs_rate:8.2f}")
    print(f"  ratio ours/publisher  {ours_rate / theirs_rate:8.2f}   (target >= 0.90)")
    print(f"  disagreements         {len(disagreements):8d}")
    for name in disagreements[:10]:
        print(f"    {name}")
    print()
    print("document size          bytes    ours ms  publisher ms  ours ms/line  agree")
    for lines, size_bytes, t_ours, t_theirs, agree in scaling:
        print(
            f"  {lines:6d} lines {size_bytes:12d} {t_ours * 1000:10.2f} {t_theirs * 1000:13.2f}"
            f" {t_ours * 1000 / lines:13.4f}  {'yes' if agree else 'NO'}"
        )
    if len(scaling) >= 2:
        # Per 10x more lines, how much more time per line: 1.0 is linear, 10.0 quadratic.
        growth = [b[2] / a[2] / (b[0] / a[0]) for a, b in itertools.pairwise(scaling)]
        print(f"  time per line, growth per 10x lines (1.0 = linear): {statistics.fmean(growth):.2f}")
    return 1 if disagreements or not all(s[4] for s in scaling) else 0


if __name__ == "__main__":
    raise SystemExit(main())
