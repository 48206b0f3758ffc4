"""JSON business rules: a CertLogic profile of JsonLogic, loaded from YAML rule files.

The language is specified in LANGUAGE.md next to this file. Rules play the part Schematron plays
for XML: each has a context (a JSON pointer with `*` steps) and an `assert` or `report` expression.

Layout: `_rules` loads rule files and evaluates their rules on a document (`JsonRuleSet.evaluate`,
one `RuleEvaluation` per rule); `_pointer` selects context nodes; `_expression` compiles an
expression with `_compiler` over the operators of `_paths` (`var`, `root`, `missing`), `_logic`,
`_comparison`, `_arithmetic`, `_strings`, `_arrays`, `_loops` and `_patterns` (`match` on RE2);
`_values` holds the semantics of JSON values and the budgets of one evaluation (`Env`).
"""

from __future__ import annotations

from conformance.validation.jsonrules._compiler import MAX_DEPTH, MAX_NODES
from conformance.validation.jsonrules._expression import Expression, compile_expression, operators
from conformance.validation.jsonrules._patterns import MAX_MATCH_SUBJECT, MAX_PATTERN_LENGTH
from conformance.validation.jsonrules._pointer import ContextSelector, escape_token
from conformance.validation.jsonrules._rules import (
    FORMAT,
    MAX_FILE_BYTES,
    JsonRule,
    JsonRuleSet,
    RuleEvaluation,
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
    "RuleEvaluation",
    "RuleOutcome",
    "compile_expression",
    "escape_token",
    "load_rules",
    "operators",
    "truthy",
]
