"""The layer rule of ARCHITECTURE.md, checked on the source: imports only go downwards."""

from __future__ import annotations

import ast
from pathlib import Path

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
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            for target in targets:
                if target == "conformance" or not target.startswith("conformance."):
                    continue
                if _layer(target) > own:
                    wrong.append(f"{module} (layer {own}) imports {target} (layer {_layer(target)})")
                elif (_layer(target) == own and _package(target) != _package(module)
                      and _package(module) not in SIBLINGS_MAY_IMPORT):
                    wrong.append(f"{module} imports its sibling {target} (both layer {own})")
    assert not wrong, "\n".join(wrong)


def test_public_api_is_exactly_all() -> None:
    for name in conformance.__all__:
        assert getattr(conformance, name) is not None, name
    assert "validate" in conformance.__all__ and "Finding" in conformance.__all__
