"""Throughput and memory of `validate` against its floor, measured in the same run.

Floor, XML: read + lxml parse (hardened parser) + XSD validation.
Floor, JSON: read + json.loads + jsonschema-rs validation.
Pipeline: the whole `validate` path (read, sniff, parse, recognise, schema, rules, built-in checks,
outcomes, verdicts) with the standard's full rule set, with --jobs 1 and --jobs 2.

Targets (ratios, not absolute times): XML pipeline >= 0.2 of the XML floor; JSON pipeline >= 0.2
of the JSON floor; jobs 2 >= 1.6 x jobs 1; peak memory flat in the number of payloads.

    python benchmarks/bench_validate.py            # 2,000 envelopes per syntax
    python benchmarks/bench_validate.py --count 300 --quick
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conformance.core.xmlparser import FilesUnder, xml_parser  # noqa: E402
from conformance.execution.batch import validate_paths  # noqa: E402
from conformance.execution.session import ValidationSession  # noqa: E402
from conformance.standard.catalog import Catalog  # noqa: E402
from conformance.validation.documents.xmldoc import hardened_parser  # noqa: E402
from conformance.validation.schemas import JsonSchemaValidator  # noqa: E402

STANDARD = "egov-exchange-envelope@1.0.0"
FIXTURES = REPO / "fixtures" / "egov-exchange-envelope" / "1.0.0"
NS = "urn:egov-conformance:exchange-envelope:1"
TARGET_BYTES = 15_000


def _uuid4(rng: random.Random) -> str:
    b = bytearray(rng.getrandbits(8) for _ in range(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def make_corpus(folder: Path, count: int, seed: int = 20261125) -> tuple[Path, Path]:
    """`count` envelopes per syntax of about 15 KB, grown from conformant fixtures by adding parts."""
    rng = random.Random(seed)
    xml_dir, json_dir = folder / "xml", folder / "json"
    xml_dir.mkdir(parents=True, exist_ok=True)
    json_dir.mkdir(parents=True, exist_ok=True)
    # The payload parser opens nothing by name (issue 8): give it the bytes.
    xml_template = etree.ElementTree(etree.fromstring(
        (FIXTURES / "xml" / "conformant-full.xml").read_bytes(), hardened_parser()))
    json_template = json.loads((FIXTURES / "json" / "conformant-full.json").read_text("utf-8"))
    for i in range(count):
        tree = copy.deepcopy(xml_template)
        root = tree.getroot()
        root.find(f"{{{NS}}}MessageId").text = _uuid4(rng)
        parts = root.find(f"{{{NS}}}Payload")
        model = parts[0]  # a part with a hex digest
        n = 0
        while len(etree.tostring(tree)) < TARGET_BYTES:
            part = copy.deepcopy(model)
            part.set("id", f"gen-{i}-{n}")
            part.find(f"{{{NS}}}Size").text = str(rng.randrange(1, 10**7))
            part.find(f"{{{NS}}}Digest").text = hashlib.sha256(f"{i}/{n}".encode()).hexdigest()
            parts.append(part)
            n += 1
        (xml_dir / f"env-{i:05d}.xml").write_bytes(
            etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))

        doc = copy.deepcopy(json_template)
        doc["messageId"] = _uuid4(rng)
        jparts = doc["payload"]["parts"]
        jmodel = jparts[0]
        n = 0
        while len(json.dumps(doc, ensure_ascii=False, indent=2).encode()) < TARGET_BYTES:
            part = copy.deepcopy(jmodel)
            part["id"] = f"gen-{i}-{n}"
            part["size"] = rng.randrange(1, 10**7)
            part["digest"]["value"] = hashlib.sha256(f"{i}/{n}".encode()).hexdigest()
            jparts.append(part)
            n += 1
        (json_dir / f"env-{i:05d}.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
    return xml_dir, json_dir


def _timed(label: str, files: list[Path], fn: Callable[[Path], object], repeat: int) -> dict[str, float]:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for f in files:
            fn(f)
        best = min(best, time.perf_counter() - start)
    size = sum(f.stat().st_size for f in files)
    return {"label": label, "seconds": best, "per_s": len(files) / best, "mb_s": size / best / 1e6}


def _pipeline(session: ValidationSession, files: list[Path], jobs: int, repeat: int,
              label: str) -> dict[str, float]:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        verdicts = [r.verdict.value for r in validate_paths(session, iter(files), jobs=jobs)]
        best = min(best, time.perf_counter() - start)
    bad = [v for v in verdicts if v != "conformant"]
    if bad:
        raise SystemExit(f"{label}: {len(bad)} generated payloads were not conformant: fix the corpus")
    size = sum(f.stat().st_size for f in files)
    return {"label": label, "seconds": best, "per_s": len(files) / best, "mb_s": size / best / 1e6}


def _peak_memory(folder: Path, count: int) -> int:
    """Peak RSS (KiB) of a fresh process validating the first `count` files of `folder`."""
    code = (
        f"import sys, resource; sys.path.insert(0, {str(REPO)!r})\n"
        "from pathlib import Path\n"
        "from conformance import api\n"
        f"files = sorted(Path({str(folder)!r}).iterdir())[:{count}]\n"
        f"n = sum(1 for _ in api.validate(files, standard={STANDARD!r}))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def profile(session: ValidationSession, files: list[Path]) -> Iterator[tuple[str, float]]:
    """Microseconds per payload spent in each stage and in each rule or check."""
    from conformance.validation.documents.excerpt import Excerpts
    from conformance.validation.documents.jsondoc import parse_json
    from conformance.validation.documents.payload import read_payload
    from conformance.validation.documents.xmldoc import parse_xml
    from conformance.validation.sources import BuiltinCheckSource, JsonRuleSource, SchematronSource

    standard = session.standards[0]
    for mt in standard.message_types.values():
        validator = session.judge.validators[(standard.ref, mt.id)]
        sample = [f for f in files if f.suffix == (".xml" if mt.syntax.value == "xml" else ".json")][:200]
        if not sample:
            continue
        payloads = [read_payload(f) for f in sample]
        parse = parse_xml if mt.syntax.value == "xml" else parse_json
        start = time.perf_counter()
        docs = [parse(p) for p in payloads]
        yield f"{mt.id}: parse", (time.perf_counter() - start) / len(docs) * 1e6
        schema, rules, checks = validator.sources[:3]
        stages: list[tuple[str, Callable[[object, Excerpts], object]]] = [
            ("schema", lambda d, e, s=schema: list(s.iter_findings(d, e))),
        ]
        if isinstance(rules, SchematronSource):
            stages.append(("schematron (all rules)", lambda d, e, s=rules: list(s.iter_findings(d, e))))
        elif isinstance(rules, JsonRuleSource):
            for rule_set in rules.rule_sets:
                for rule in rule_set.rules:
                    stages.append((f"json rule {rule.id}",
                                   lambda d, e, r=rule: r.evaluate(d.value)))
        assert isinstance(checks, BuiltinCheckSource)
        for binding in checks.bindings:
            one = checks.only(binding)
            stages.append((f"check {binding.check.name} ({binding.requirement.id})",
                           lambda d, e, s=one: list(s.iter_findings(d, e))))
        for name, fn in stages:
            start = time.perf_counter()
            for d in docs:
                fn(d, Excerpts(d))
            yield f"{mt.id}: {name}", (time.perf_counter() - start) / len(docs) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=2000, help="envelopes per syntax")
    ap.add_argument("--corpus", type=Path, default=REPO / "benchmarks" / "corpus")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one repetition, no memory runs")
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat

    start = time.perf_counter()
    xml_dir, json_dir = make_corpus(args.corpus, args.count)
    xml_files = sorted(xml_dir.glob("*.xml"))[: args.count]
    json_files = sorted(json_dir.glob("*.json"))[: args.count]
    print(f"corpus: {len(xml_files)} XML + {len(json_files)} JSON envelopes, mean "
          f"{sum(f.stat().st_size for f in xml_files) / len(xml_files) / 1000:.1f} KB XML / "
          f"{sum(f.stat().st_size for f in json_files) / len(json_files) / 1000:.1f} KB JSON "
          f"(made in {time.perf_counter() - start:.1f}s)")

    standard = Catalog([REPO / "standards"]).load(STANDARD)
    session = ValidationSession([standard])
    mt_xml = next(m for m in standard.message_types.values() if m.syntax.value == "xml")
    mt_json = next(m for m in standard.message_types.values() if m.syntax.value == "json")
    schema_parser = xml_parser(resolvers=[FilesUnder(mt_xml.schema.parent)])  # its includes only
    xsd = etree.XMLSchema(etree.parse(str(mt_xml.schema), schema_parser))
    json_floor = JsonSchemaValidator(mt_json.schema)._rust

    def xml_floor(path: Path) -> bool:
        return bool(xsd.validate(etree.fromstring(path.read_bytes(), hardened_parser())))

    def json_floor_fn(path: Path) -> bool:
        return bool(json_floor.is_valid(json.loads(path.read_bytes())))

    rows = [
        _timed("XML floor (parse + XSD)", xml_files, xml_floor, repeat),
        _pipeline(session, xml_files, 1, repeat, "XML pipeline, jobs 1"),
        _pipeline(session, xml_files, 2, repeat, "XML pipeline, jobs 2"),
        _timed("JSON floor (json.loads + jsonschema-rs)", json_files, json_floor_fn, repeat),
        _pipeline(session, json_files, 1, repeat, "JSON pipeline, jobs 1"),
        _pipeline(session, json_files, 2, repeat, "JSON pipeline, jobs 2"),
    ]
    print(f"\n{'measure':<42}{'payloads/s':>12}{'MB/s':>9}{'seconds':>9}")
    for r in rows:
        print(f"{r['label']:<42}{r['per_s']:>12.0f}{r['mb_s']:>9.2f}{r['seconds']:>9.2f}")
    xf, x1, x2, jf, j1, j2 = (r["per_s"] for r in rows)
    print("\nratios (target):")
    print(f"  XML pipeline / XML floor    {x1 / xf:6.3f}  (>= 0.2)")
    print(f"  JSON pipeline / JSON floor  {j1 / jf:6.3f}  (>= 0.2)")
    print(f"  XML jobs 2 / jobs 1         {x2 / x1:6.3f}  (>= 1.6)")
    print(f"  JSON jobs 2 / jobs 1        {j2 / j1:6.3f}  (>= 1.6)")

    if not args.quick:
        small, large = max(1, args.count // 8), args.count
        for label, folder in (("XML", xml_dir), ("JSON", json_dir)):
            a, b = _peak_memory(folder, small), _peak_memory(folder, large)
            print(f"  peak RSS {label}: {small} payloads {a / 1024:.1f} MiB, {large} payloads "
                  f"{b / 1024:.1f} MiB (ratio {b / a:.3f}, flat = about 1)")

    print("\ncost profile, microseconds per payload:")
    for name, micros in profile(session, xml_files[:200] + json_files[:200]):
        print(f"  {name:<60}{micros:>10.1f}")


if __name__ == "__main__":
    main()
