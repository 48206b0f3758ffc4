"""The layer rule of ARCHITECTURE.md, checked on the source: imports only go downwards."""

from __future__ import annotations

import ast
from pathlib import Path

import conformance

PACKAGE = Path(conformance.__file__).parent
LAYERS = {
    "core": 0, "_version": 0,
    "spec": 1,
    "engine": 2,
    "reports": 3,
    "certify": 4,
    "runs": 5,
    "api": 6, "cli": 6, "__main__": 6, "__init__": 6,
}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else "__init__"]


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
    assert not wrong, "\n".join(wrong)


def test_public_api_is_exactly_all() -> None:
    for name in conformance.__all__:
        assert getattr(conformance, name) is not None, name
    assert "validate" in conformance.__all__ and "Finding" in conformance.__all__
