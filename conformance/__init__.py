"""egov-conformance: conformance testing of e-government message standards.

The public API; everything not named in `__all__` is internal and may change. Names are imported
on first use so that `import conformance.standard` does not pull in the engine (layers stay separate).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from conformance._version import __version__

_EXPORTS = {
    "catalog": "conformance.api",
    "load_standard": "conformance.api",
    "session": "conformance.api",
    "validate": "conformance.api",
    "BundlePathError": "conformance.core.errors",
    "ConformanceError": "conformance.core.errors",
    "PayloadError": "conformance.core.errors",
    "RecognitionError": "conformance.core.errors",
    "RuleError": "conformance.core.errors",
    "SpecError": "conformance.core.errors",
    "StandardNotFound": "conformance.core.errors",
    "UsageError": "conformance.core.errors",
    "Finding": "conformance.core.findings",
    "Level": "conformance.core.findings",
    "Location": "conformance.core.findings",
    "Outcome": "conformance.core.findings",
    "Severity": "conformance.core.findings",
    "Verdict": "conformance.core.findings",
    "Text": "conformance.core.text",
    "PayloadResult": "conformance.core.results",
    "ConformanceClass": "conformance.standard.model",
    "MessageType": "conformance.standard.model",
    "Requirement": "conformance.standard.model",
    "Standard": "conformance.standard.model",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:  # pragma: no cover
    from conformance.api import catalog, load_standard, session, validate
    from conformance.core.errors import (
        BundlePathError,
        ConformanceError,
        PayloadError,
        RecognitionError,
        RuleError,
        SpecError,
        StandardNotFound,
        UsageError,
    )
    from conformance.core.findings import Finding, Level, Location, Outcome, Severity, Verdict
    from conformance.core.results import PayloadResult
    from conformance.core.text import Text
    from conformance.standard.model import ConformanceClass, MessageType, Requirement, Standard


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
