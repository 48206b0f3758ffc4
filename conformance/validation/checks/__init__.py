"""Built-in checks: named, documented functions a standard applies to payload nodes.

A check takes the text of one node, its declared params and a context giving code lists, and
returns the tuple of problems found (empty when the value passes). Names are the public contract
used in a bundle's `standard.yaml` (`by: builtin`, `check: <name>`); ours are

    citizen-id, unified-social-credit-code, division-code, timestamp, code-list, uuid,
    sha256-digest-value, media-type

and a distribution adds its own through the entry-point group `egov_conformance.checks`
(`registry.py`). The registry loads our check modules on first use, from one table.
"""

from __future__ import annotations

from conformance.validation.checks._identifiers import (
    CITIZEN_ID_CHECK,
    CITIZEN_ID_WEIGHTS,
    ORG_CODE_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
    citizen_id_check_char,
    org_code_check_char,
    uscc_check_char,
)
from conformance.validation.checks.check import (
    BuiltinCheck,
    CheckFunction,
    CheckProblem,
    Param,
    builtin_check,
)
from conformance.validation.checks.context import CheckContext, CodeListContext
from conformance.validation.checks.registry import (
    ENTRY_POINT_GROUP,
    all_checks,
    clear_cache,
    get_check,
    register,
)

__all__ = [
    "CITIZEN_ID_CHECK",
    "CITIZEN_ID_WEIGHTS",
    "ENTRY_POINT_GROUP",
    "ORG_CODE_WEIGHTS",
    "USCC_CHARSET",
    "USCC_WEIGHTS",
    "BuiltinCheck",
    "CheckContext",
    "CheckFunction",
    "CheckProblem",
    "CodeListContext",
    "Param",
    "all_checks",
    "builtin_check",
    "citizen_id_check_char",
    "clear_cache",
    "get_check",
    "org_code_check_char",
    "register",
    "uscc_check_char",
]
