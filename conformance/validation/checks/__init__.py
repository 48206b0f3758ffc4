"""Built-in checks: named, documented functions a standard applies to payload nodes.

A check takes the text of one node, its declared params and a context giving code lists, and
returns the problems found (empty when the value passes). Names are the public contract used in a
bundle's `standard.yaml` (`by: builtin`, `check: <name>`):

    citizen-id, unified-social-credit-code, division-code, timestamp, code-list, uuid,
    sha256-digest-value, media-type
"""

from __future__ import annotations

# Imported for their side effect: each module registers its checks with the decorator.
from conformance.validation.checks import _codes, _descriptors, _formats, _identifiers  # noqa: F401
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
from conformance.validation.checks._registry import (
    BuiltinCheck,
    CheckContext,
    CheckProblem,
    Param,
    all_checks,
    builtin_check,
    get_check,
)

__all__ = [
    "CITIZEN_ID_CHECK",
    "CITIZEN_ID_WEIGHTS",
    "ORG_CODE_WEIGHTS",
    "USCC_CHARSET",
    "USCC_WEIGHTS",
    "BuiltinCheck",
    "CheckContext",
    "CheckProblem",
    "Param",
    "all_checks",
    "builtin_check",
    "citizen_id_check_char",
    "get_check",
    "org_code_check_char",
    "uscc_check_char",
]
