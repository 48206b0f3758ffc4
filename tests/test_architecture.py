"""The layer rule of ARCHITECTURE.md, checked on the source and in fresh processes; the public API pinned."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import conformance

PACKAGE = Path(conformance.__file__).parent
# The layers of ARCHITECTURE.md. Homes that are declared but not built yet are listed too, so the
# first module written there is held to its floor from the start.
LAYERS = {
    "core": 0, "_version": 0,
    "trust": 1,
    "standard": 2,
    "validation": 3,
    "conversations": 4,
    "generation": 4,
    "execution": 5,
    "partner": 6,
    "records": 7,
    "reports": 8,
    "certify": 9,
    "authoring": 10, "runs": 10,
    "api": 11, "cli": 11, "service": 11, "__main__": 11, "__init__": 11,
}
# Packages that share a floor are siblings and do not import each other; only the interfaces
# (the API, the command, the service) may.
SIBLINGS_MAY_IMPORT = {"api", "cli", "service", "__main__", "__init__"}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int:
    return LAYERS[_package(module)]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1] if len(parts) > 2 else parts
    return ".".join(parts)


def _relative_targets(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The absolute modules a relative import names: `from ..x import y` in `a.b.c` is `a.x`."""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[:len(parts) - (node.level - 1)]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]


def test_relative_imports_are_resolved() -> None:
    node = ast.parse("from ..records import cases").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _relative_targets("conformance.reports.junit", False, node) == ["conformance.records"]
    assert _relative_targets("conformance.reports", True, node) == ["conformance.records"]
    sibling = ast.parse("from . import _files").body[0]
    assert isinstance(sibling, ast.ImportFrom)
    assert _relative_targets("conformance.authoring.importer", True, sibling) == [
        "conformance.authoring.importer._files"]


def test_imports_only_go_downwards() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module == "conformance.__init__":
            continue  # the facade re-exports lazily from every layer
        own = _layer(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                targets = _relative_targets(module, path.name == "__init__.py", node)
            for target in targets:
                if target == "conformance" or not target.startswith("conformance."):
                    continue
                if _layer(target) > own:
                    wrong.append(f"{module} (layer {own}) imports {target} (layer {_layer(target)})")
                elif (_layer(target) == own and _package(target) != _package(module)
                      and _package(module) not in SIBLINGS_MAY_IMPORT):
                    wrong.append(f"{module} imports its sibling {target} (both layer {own})")
    assert not wrong, "\n".join(wrong)


# Packages written so far, lowest floor first.
BUILT = sorted((p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name in LAYERS
                and LAYERS[p.name] < LAYERS["api"]), key=lambda name: (LAYERS[name], name))
# In one fresh interpreter, floor by floor: import every module of a package, then name the packages
# of ours loaded so far. One process for all (each costs seconds); a package that loads a higher
# floor shows it at its own step, since nothing above it has been imported yet.
_LOAD_FLOOR_BY_FLOOR = """
import importlib, json, pkgutil, sys
for package in sys.argv[1:]:
    root = importlib.import_module("conformance." + package)
    for info in pkgutil.walk_packages(root.__path__, prefix=root.__name__ + "."):
        importlib.import_module(info.name)
    ours = {m.split(".")[1] for m in sys.modules if m.startswith("conformance.")}
    print(json.dumps([package, sorted(ours)]))
"""


def _run_fresh(code: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code, *args], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_each_layer_loads_without_the_layers_above() -> None:
    """Every module of a package imports with no higher floor loaded, nor a sibling not yet imported."""
    wrong = []
    imported: set[str] = {"_version"}  # comes with `import conformance` itself (`__version__`)
    for line in _run_fresh(_LOAD_FLOOR_BY_FLOOR, *BUILT):
        package, loaded = json.loads(line)
        imported.add(package)
        wrong += [f"conformance.{package} loads conformance.{p}" for p in loaded
                  if p not in imported and LAYERS[p] >= LAYERS[package]]
        imported.update(loaded)
    assert imported >= set(BUILT)
    assert not wrong, "\n".join(wrong)


def test_the_standard_model_loads_without_the_engine() -> None:
    loaded = json.loads(_run_fresh(
        "import conformance.standard, json, sys; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('conformance.'))))")[-1])
    assert "conformance.standard" in loaded
    assert not [m for m in loaded if m.startswith(("conformance.validation", "conformance.execution"))]


def test_the_facade_loads_its_names_on_first_use() -> None:
    loaded = json.loads(_run_fresh(
        "import conformance, json, sys; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('conformance.'))))")[-1])
    assert loaded == ["conformance._version"]


# The public names, pinned: a name added or removed is an API change, made here on purpose.
PUBLIC_API: dict[str, list[str]] = {
    "conformance": [
        "BundlePathError", "ConformanceClass", "ConformanceError", "Finding", "Level", "Location",
        "MessageType", "Outcome", "PayloadError", "PayloadResult", "RecognitionError", "Requirement",
        "RuleError", "Severity", "SpecError", "Standard", "StandardNotFound", "Text", "UsageError",
        "Verdict", "__version__", "catalog", "load_standard", "session", "validate",
    ],
    "conformance.conversations": [
        "BODIES_DIR", "ConversationChecker", "Direction", "EVENTS_NAME", "Event", "ExchangeLog",
        "LOG_FORMAT", "LOG_FORMAT_VERSION", "LogManifest", "LogWriter", "MANIFEST_NAME", "NoteKind",
        "Party", "Transport", "is_exchange_log", "log_error", "read_log",
    ],
    "conformance.partner": [
        "EXCHANGES_DIR", "PartnerSession", "Probe", "Roles", "SCENARIOS", "ScenarioReport", "Settings",
        "Skipped", "overall", "plan",
    ],
    "conformance.generation": [
        "Example", "GenerationError", "MAX_COUNT", "Mutator", "NoMutantFound", "example_payload", "mutant",
        "mutants", "skeleton", "valid_payloads",
    ],
    "conformance.generation.describe": [
        "CHECK_SAMPLES", "CodeListUse", "Field", "FieldCheck", "FieldKind", "Limits",
        "MessageTypeDescription", "Sample", "as_json", "describe_message_type", "describe_standard",
        "field_path", "render",
        "structure",
    ],
    "conformance.authoring.importer": [
        "CLASS_ID", "ImportPlan", "Root", "import_standard", "parse_root", "plan_import",
        "temporary_standard", "write_bundle",
    ],
    "conformance.certify": [
        "CanonicalizationError", "Freshness", "IssueOptions", "IssueRefused", "KeyFiles",
        "Revocation", "RevocationList", "Revoked", "RolledBackRevocations", "SignatureError",
        "StaleRevocations", "Status", "UntrustedRevocations", "Verification", "canonicalize",
        "certificate_hash", "certificate_id", "generate_keys", "issue", "issue_file", "key_id",
        "load_certificate", "load_private_key", "load_public_key", "load_revocations", "public_jwk",
        "refresh", "render_html", "revoke", "verify",
    ],
    "conformance.validation.checks": [
        "BuiltinCheck", "CITIZEN_ID_CHECK", "CITIZEN_ID_WEIGHTS", "CheckContext", "CheckFunction",
        "CheckProblem", "CodeListContext", "ENTRY_POINT_GROUP", "ORG_CODE_WEIGHTS", "Param",
        "USCC_CHARSET", "USCC_WEIGHTS", "all_checks", "builtin_check", "citizen_id_check_char",
        "clear_cache", "get_check", "org_code_check_char", "register", "uscc_check_char",
    ],
    "conformance.validation.jsonrules": [
        "ContextSelector", "Expression", "FORMAT", "JsonRule", "JsonRuleSet", "MAX_BUILT",
        "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_MATCH_SUBJECT", "MAX_NODES", "MAX_PATTERN_LENGTH",
        "MAX_STEPS", "MAX_STRING_LENGTH", "RuleEvaluation", "RuleOutcome", "compile_expression",
        "escape_token", "load_rules", "operators", "truthy",
    ],
    "conformance.validation.schematron": [
        "AssertionInfo", "CompiledSchematron", "LineFinder", "OutlinedAssertion", "RuleSetOutline",
        "SchematronFailure", "SchematronReport", "cache_dir", "clear_memory_cache",
        "compile_schematron", "outline_schematron", "union_branches",
    ],
    "conformance.validation.sources": [
        "BuiltinCheckSource", "CheckBinding", "FindingSource", "JsonRuleSource", "MessageTypeBinding",
        "SchemaSource", "SchematronSource", "SourceFactory",
    ],
}


def _facades() -> list[str]:
    """Every public package of ours whose `__init__.py` declares `__all__`."""
    found = []
    for path in sorted(PACKAGE.rglob("__init__.py")):
        parts = path.relative_to(PACKAGE.parent).parent.parts
        if any(part.startswith("_") for part in parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, (ast.Assign, ast.AnnAssign)) and "__all__" in
               [t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(t, ast.Name)] for node in tree.body):
            found.append(".".join(parts))
    return found


def test_every_facade_is_pinned() -> None:
    assert _facades() == sorted(PUBLIC_API)


@pytest.mark.parametrize("facade", sorted(PUBLIC_API))
def test_public_api_is_exactly_all(facade: str) -> None:
    module = importlib.import_module(facade)
    names = list(module.__all__)
    assert len(names) == len(set(names)), f"{facade}.__all__ names something twice"
    assert sorted(names) == PUBLIC_API[facade]


@pytest.mark.parametrize("facade", sorted(PUBLIC_API))
def test_every_public_name_resolves(facade: str) -> None:
    module = importlib.import_module(facade)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{facade}.__all__ names what it does not define: {missing}"
