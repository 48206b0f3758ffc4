"""JSON business rules: a CertLogic profile of JsonLogic, loaded from YAML rule files.

The language is specified in LANGUAGE.md next to this file. Rules play the part Schematron plays
for XML: each has a context (a JSON pointer with `*` steps) and an `assert` or `report` expression.
"""

from __future__ import annotations

from conformance.validation.jsonrules._expression import (
    MAX_DEPTH,
    MAX_MATCH_SUBJECT,
    MAX_NODES,
    MAX_PATTERN_LENGTH,
    Expression,
    compile_expression,
    operators,
)
from conformance.validation.jsonrules._pointer import ContextSelector, escape_token
from conformance.validation.jsonrules._rules import (
    FORMAT,
    MAX_FILE_BYTES,
    JsonRule,
    JsonRuleSet,
    RuleCheck,
    RuleOutcome,
    load_rules,
)
from conformance.validation.jsonrules._values import (
    MAX_BUILT,
    MAX_STEPS,
    MAX_STRING_LENGTH,
    truthy,
)

__all__ = [
    "FORMAT",
    "MAX_BUILT",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_MATCH_SUBJECT",
    "MAX_NODES",
    "MAX_PATTERN_LENGTH",
    "MAX_STEPS",
    "MAX_STRING_LENGTH",
    "ContextSelector",
    "Expression",
    "JsonRule",
    "JsonRuleSet",
    "RuleCheck",
    "RuleOutcome",
    "compile_expression",
    "escape_token",
    "load_rules",
    "operators",
    "truthy",
]
