"""`match` and the safety of its regular expressions: RE2, bounded when compiling and when run.

RE2 (google-re2) matches in time linear in the subject whatever the pattern, so safety comes from
the engine, not from screening patterns: a screen over Python's backtracking `re` (on the private
`re._parser`) came first, let `a*a*a*a*a*a*b` through, and is gone. What is left to bound: the
pattern's length and RE2's program memory when the rule file loads (patterns RE2 cannot express,
back-references and lookaround, are refused then too), and at evaluation the subject's length and
a step charge by subject length times program size, because a program that outgrows RE2's DFA
memory falls back to a much slower simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import re2

from conformance.core.errors import RuleError
from conformance.core.limits import RULE_MAX_MATCH_SUBJECT, RULE_MAX_PATTERN_LENGTH, RULE_REGEX_MAX_MEM
from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, Problem, operator
from conformance.validation.jsonrules._values import Env

MAX_PATTERN_LENGTH = RULE_MAX_PATTERN_LENGTH
MAX_MATCH_SUBJECT = RULE_MAX_MATCH_SUBJECT

OPERATORS: OperatorTable = {}

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # errors are ours to report, as a SpecError
_RE2_OPTIONS.never_capture = True  # `match` only asks whether the whole subject matches
_RE2_OPTIONS.max_mem = RULE_REGEX_MAX_MEM
_ANCHOR_BOTH = re2._Anchor.ANCHOR_BOTH
_HEX = frozenset("0123456789abcdefABCDEF")

# Steps charged per character and instruction of the pattern's program, as a shift: one step per
# 8, so that the slowest matching (about 150 ns per character and instruction) still costs no more
# than about a microsecond per step.
MATCH_COST_SHIFT = 3


def re2_syntax(pattern: str) -> str:
    r"""`\uXXXX` (Python, ECMAScript, XML Schema) as RE2's `\x{XXXX}`; the rest unchanged."""
    if "\\u" not in pattern:
        return pattern
    out: list[str] = []
    i, end = 0, len(pattern)
    while i < end:
        char = pattern[i]
        if char == "\\" and i + 1 < end:
            if pattern[i + 1] == "u" and len(pattern) >= i + 6 and set(pattern[i + 2:i + 6]) <= _HEX:
                out.append("\\x{" + pattern[i + 2:i + 6] + "}")
                i += 6
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def compile_pattern(pattern: Any, path: str = "") -> tuple[Callable[[str], bool], int]:
    """Compile a `match` pattern (literal, bounded, RE2); Problem if refused.

    Gives the full-match test and the size of the compiled program, on which the time per
    character depends: RE2's DFA reads a character in a few nanoseconds, but when a pattern's
    states outgrow the DFA's memory it falls back to simulating the program, up to about 150 ns
    per character per instruction (measured with `(a|b)*a(a|b){20}`).
    """
    if type(pattern) is not str:
        raise Problem(f"the pattern of 'match' must be a literal string, found {pattern!r}", path)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise Problem(f"pattern longer than {MAX_PATTERN_LENGTH} characters", path)
    try:
        compiled = re2.compile(re2_syntax(pattern), options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and type(exc.args[0]) is bytes \
            else str(exc)
        raise Problem(f"invalid regular expression {pattern!r}: {reason} (the dialect is RE2: "
                      "no back-references, no lookaround; see LANGUAGE.md section 5)", path) from None
    program = compiled.programsize
    regexp = getattr(compiled, "_regexp", None)
    if regexp is None:  # pragma: no cover - another release of the binding: its public, slower path
        return (lambda subject: compiled.fullmatch(subject) is not None), program

    # The binding's own `fullmatch` builds a match object and maps offsets back to characters,
    # 8x the cost of the match itself; a yes/no needs only the span of the whole match.
    def fullmatch(subject: str) -> bool:
        encoded = subject.encode("utf-8")
        return regexp.Match(_ANCHOR_BOTH, encoded, 0, len(encoded))[0][0] == 0

    return fullmatch, program


@operator(OPERATORS, "match", 2, 2)
def _match(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    subject_of = compiler.compile(args[0], f"{path}/0", depth)
    compiler.nodes += 1  # the pattern, a literal the compiler does not visit
    compiler.dynamic = True
    fullmatch, program = compile_pattern(args[1], f"{path}/1")

    def match(data: Any, env: Env) -> Any:
        subject = subject_of(data, env)
        if type(subject) is not str:
            return False
        length = len(subject)
        if length > MAX_MATCH_SUBJECT:
            raise RuleError(f"'match' subject longer than {MAX_MATCH_SUBJECT} characters")
        env.spend((length * program) >> MATCH_COST_SHIFT)
        try:
            return fullmatch(subject)
        except UnicodeEncodeError:
            # Only a lone surrogate cannot be encoded; parsers refuse them, this stays total.
            raise RuleError("'match' subject holds a lone surrogate, which is not Unicode text") \
                from None

    return match
