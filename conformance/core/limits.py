"""Every budget the tool enforces, in one place, so that each is explicit, documented and tested.

A payload and a standard bundle are both third-party data (ARCHITECTURE.md, "Threat model"). Each
constant below bounds one resource one of them could otherwise consume without end; the test that
shows it holds lives in `tests/hostile/`. Exhausting a budget is never a verdict: for a payload it
is a processing error (`cantTell`), for a bundle a `SpecError` naming the file (exit code 2).
"""

from __future__ import annotations

MIB = 1024 * 1024

# --- Payloads ---------------------------------------------------------------------------------
PAYLOAD_MAX_BYTES = 64 * MIB  # `--max-bytes`: bigger files are never read
XML_MAX_DEPTH = 256  # libxml2's own limit without huge_tree
JSON_MAX_DEPTH = 128
# Digits of one JSON integer: CPython's own int() limit (sys.int_info.default_max_str_digits),
# which guards against its quadratic decimal conversion; more is refused as a payload error.
JSON_MAX_INTEGER_DIGITS = 4300

# --- Standard bundles ---------------------------------------------------------------------------
MANIFEST_MAX_BYTES = 4 * MIB  # standard.yaml, and any other YAML file of a bundle
# YAML documents (core/yamlload.py: manifests, rule files, payload manifests), counted while
# composing, before any object is built. An alias counts as the whole subtree it repeats: the
# "billion laughs" of 1.5 KB would otherwise be walked as 10^9 nodes by JSON Schema validation.
# The shipped standard.yaml has about 1,200 nodes and 14,000 characters of text.
YAML_MAX_NODES = 200_000
YAML_MAX_CHARS = 2 * MANIFEST_MAX_BYTES  # twice what an alias-free file can hold: only aliases reach it
# Nesting: composing and every reader after it recurse. A JSON rule expression at its own limit
# (RULE_MAX_DEPTH) takes two YAML levels a step (operator mapping, argument list), plus the file's.
YAML_MAX_DEPTH = 2 * 64 + 32
# Characters of one integer scalar: Python refuses over 4,300 digits with a ValueError, base-60
# (`1:2:3`) and hexadecimal ones take quadratic time; no manifest or rule needs 100 digits.
YAML_MAX_INT_DIGITS = 100
# The files of one bundle, as hashed (standard/bundle.py): every regular file is read once for the
# content hash, so these bound the walk and the reading. A big published bundle (UBL 2.4 schemas,
# Schematron, code lists) has a few hundred files and a few tens of MiB.
BUNDLE_MAX_FILES = 10_000  # files, directories and symlinks walked
# All regular files together; each is read whole (one at a time) to hash it, so this also bounds
# the memory hashing takes.
BUNDLE_MAX_BYTES = 256 * MIB
JSON_SCHEMA_MAX_BYTES = 32 * MIB  # one JSON Schema of a bundle (read with core.files.read_bounded)
CODE_LIST_MAX_BYTES = 32 * MIB  # one Genericode file (the largest ISO/UN lists are a few MiB)
BUNDLE_PATH_MAX_CHARS = 1024  # an artefact path in a manifest (PATH_MAX is 4096; real ones < 100)
# What an error message quotes from a hostile document: enough to recognise it, never all of it.
QUOTE_MAX_CHARS = 120
# One XML file of a bundle: each schema document `validation/xsd.py` reads for libxml2 and xmlschema
# (and any file `core.xmlparser.FilesUnder` serves): the largest published schema sets (UBL 2.4)
# are a few MiB a file.
XML_ARTEFACT_MAX_BYTES = 32 * MIB

# --- JSON business rules (engine/jsonrules, LANGUAGE.md section 6) ------------------------------
# Compiling: a rule file's expressions are bounded before anything runs.
RULE_FILE_MAX_BYTES = 4 * MIB  # one rule file
RULE_MAX_DEPTH = 64  # nesting of one expression: the compiler and evaluator recurse on it
RULE_MAX_NODES = 10_000  # JSON values of one expression: a YAML alias bomb is refused when counted
RULE_MAX_PATTERN_LENGTH = 512  # a `match` pattern; RE2 also bounds its compiled program (below)
RULE_REGEX_MAX_MEM = 8 * MIB  # RE2's memory for one compiled pattern (its DFA cache included)
# Evaluating: each rule on each context node starts with these budgets; exhausting one is a
# processing error (cantTell) naming the rule, never a verdict.
RULE_MAX_STEPS = 1_000_000  # operator runs, loop items, compared pairs, string work (per 64 chars)
RULE_MAX_STRING_LENGTH = 1_000_000  # one string a rule builds (`cat`)
# Characters of strings plus items of arrays a rule builds on one node, all added up: without it
# `map` over a big array of `cat` results grows by a megabyte a step (8 GB in 15 s).
RULE_MAX_BUILT = 4_000_000
RULE_MAX_MATCH_SUBJECT = 100_000  # characters of one string given to `match`
# Characters of the pointers of one rule's failing nodes in one document: a node's pointer repeats
# its parents' member names, so long names over many nodes are quadratic in the payload.
RULE_MAX_POINTER_CHARS = 16_000_000

# --- XML Schemas (validation/xsd.py): every document is read by us, never by libxml2 or xmlschema ---
# One schema document: XML_ARTEFACT_MAX_BYTES (above).
# Documents one XSD reaches through include/import/redefine/override (UBL 2.1: about 90).
XSD_MAX_DOCUMENTS = 2_000
XSD_MAX_TOTAL_BYTES = 128 * MIB  # all of them together: bounds the memory compiling takes
# XSD 1.1 runs in Python (xmlschema, elementpath), whose regexes backtrack and whose XPath can
# loop: a wall clock on each run of it (libxml2, XSD 1.0, has automata and limits of its own).
XSD11_COMPILE_SECONDS = 60.0  # compiling one schema (xmlschema takes a few seconds for UBL-sized ones)
XSD11_VALIDATE_SECONDS = 20.0  # validating one payload; exhausted: a processing error (cantTell)

# --- Schematron (engine/schematron): loading, expanding and running a rule set --------------------
# Loading (`_source.py`): files are read once each, but an `include` may pull the same file in many
# times, and every copy is parsed and kept. EN 16931 (UBL + CII) is 9 files, 1.3 MiB, with about
# 60 includes two levels deep; the bomb of 25 files each including the next twice is 2^25 copies.
SCHEMATRON_MAX_FILES = 1_000  # distinct files of one rule set
SCHEMATRON_MAX_FILE_BYTES = 32 * MIB  # one file (read with core.files.read_bounded)
SCHEMATRON_MAX_BYTES = 64 * MIB  # the distinct files together: what the content hash reads
# Bytes parsed, counting every inclusion of a file again: bounds the resolved tree (lxml keeps
# about 10x the text in memory), so repeated includes cannot multiply a small bundle into gigabytes.
SCHEMATRON_MAX_INCLUDED_BYTES = 128 * MIB
SCHEMATRON_MAX_INCLUDES = 10_000  # include/extends elements resolved, counting repeats
SCHEMATRON_MAX_INCLUDE_DEPTH = 32  # nesting of includes (published rule sets use 2 or 3)
# Element nesting of the resolved tree: the loader, expander and translator recurse on it, and
# includes stack each file's own depth (at most XML_MAX_DEPTH) on the includer's.
SCHEMATRON_MAX_TREE_DEPTH = 200
# Elements created by expanding abstract patterns and abstract rules (`_expand.py`): an abstract
# rule extending another twice, 25 deep, copies 2^25 rules. A 1 MiB rule set (EN 16931 UBL) has
# about 10,000 elements in all; each copy costs about 20 us, so the bound is also about 4 s of work.
SCHEMATRON_MAX_EXPANDED_ELEMENTS = 200_000
# Running: SaxonC stops a call chain deeper than its own limit (SXLM0001, "too many nested function
# calls", about 10^4 to 10^5 frames) but turns tail calls into loops that never end. Tail-call
# optimisation is switched off (optimizationLevel "-t") so that every endless recursion, tail or
# not, ends in that error; libxslt stops template recursion at its own depth (3,000). A loop with
# no recursion (`sum(1 to 10000000000)`, a backtracking `matches()`) is stopped only by
# PAYLOAD_SECONDS below.
SAXON_OPTIMIZATION = "-t"

# --- Execution: the supervisor of worker processes (execution/supervisor.py) ------------------------
# The backstop behind every other budget: native code (libxml2, libxslt, SaxonC, `re`) does not
# return to Python, so only a parent process can stop it, by killing the worker. Exhausted: that
# payload is a processing error (cantTell), the worker is replaced and the run goes on.
# `--timeout`: wall clock of one payload in a worker (0 = none). The slowest legitimate payloads
# we know (64 MiB XML through XSD and Schematron) take about 10 s; a hang takes forever.
PAYLOAD_SECONDS = 60.0
# `--max-memory`: resident memory of one worker (0 = none), read from /proc by the parent (RSS,
# not address space: SaxonC's native image reserves gigabytes it never touches). A 64 MiB payload
# parsed and validated takes well under 1 GiB; a bomb crosses this in about a second.
WORKER_MAX_MIB = 2048
# How often the parent reads each worker's memory: at 5 GB/s of page faults (the fastest bomb) a
# worker overshoots its budget by at most about 250 MB before it is killed.
SUPERVISOR_POLL_SECONDS = 0.05
# A payload whose worker died while nothing could be blamed (between payloads) is tried again on a
# fresh worker at most this often before it is reported as a processing error: no endless restarts.
PAYLOAD_MAX_ATTEMPTS = 2
# Results held in the parent to give them back in input order while one payload is slow: workers
# get no payload further ahead than this, so memory stays flat whatever one payload does.
RESULTS_MAX_AHEAD = 1024

# --- Files the tool reads for itself (certificates, revocation lists, results) -----------------
DOCUMENT_MAX_BYTES = 64 * MIB
# Run results (`certificate issue RESULTS`): about 2 KB a payload with findings, so 10,000 payloads
# (the throughput target) stay far below; /dev/zero or a runaway file stops here.
RUN_RESULTS_MAX_BYTES = 256 * MIB
# A certificate holds one 71-character hash per payload (200,000 payloads fit); a revocation list
# about 150 bytes per entry (over 100,000 revocations fit). Both are parsed whole into memory.
CERTIFICATE_MAX_BYTES = 16 * MIB
REVOCATIONS_MAX_BYTES = 16 * MIB
# A verifier's record of the highest revocation-list sequence seen per issuer key: 150 bytes an issuer.
REVOCATION_STATE_MAX_BYTES = 1 * MIB
# Ed25519 key files are a few hundred bytes (PEM or JWK); anything much larger is not a key.
KEY_MAX_BYTES = 64 * 1024

# --- Exchange logs (conversations/logfile.py, EXCHANGE-LOG.md) and HAR files imported as logs ---
# A log is third-party data like a payload: exceeding one of these is a processing error of the log.
# A partner scenario records a few dozen events; 10,000 is a system under test answering
# 10,000 times, which the partner stops recording at its own, lower, bound.
LOG_MAX_EVENTS = 10_000
LOG_EVENTS_MAX_BYTES = 64 * MIB  # events.jsonl: an event line is a few hundred bytes
LOG_EVENT_MAX_BYTES = 1 * MIB  # one line of events.jsonl (headers are bounded by the schema)
LOG_MANIFEST_MAX_BYTES = 1 * MIB  # exchange.json: a few hundred bytes in practice
# The bodies of one log together (each is also at most PAYLOAD_MAX_BYTES): every one is read
# and hashed when the log is read, so this bounds the time reading a log takes.
LOG_BODIES_MAX_BYTES = 1024 * MIB
# A HAR file (`conform exchange import-har`): browsers write response bodies too, so they are big.
HAR_MAX_BYTES = 256 * MIB
HAR_MAX_ENTRIES = 100_000  # entries looked at, skipped ones included
