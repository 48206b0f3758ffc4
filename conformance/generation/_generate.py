"""Payloads generated from a bundle: valid ones, and mutants that fail exactly one requirement.

Both start from base payloads (the one the caller gives, else every example the bundle declares for
the message type, its conversation messages' included, else a skeleton) and edit them at the places
their structure description knows. Every candidate is judged by the engine itself (`PayloadJudge`,
recognition included) and kept only when the judgement says so: a valid payload fails nothing and
leaves nothing undecided; a mutant fails its requirement and no other. Nothing is assumed from how a
candidate was made.

Valid payloads come from a Hypothesis search over edit plans (a base; which places change, to which
values of their strategies), seeded, without a database: the same seed gives the same bytes.
Mutants are tried first as single edits derived from the requirement's checks (a value the
built-in check rejects at its target; a required part dropped, an undeclared one added, a type
broken; values of the fields a rule reads, the constants it compares them with included), then,
for a rule, pairs (a constant in one field it reads, another blanked), in an order the seed
shuffles, then as an edit that made the requirement fail combined with a valid plan (the others'
failures repaired). Every search is bounded in candidates and in seconds; one `Mutator` builds its
generator once and spends one budget over every requirement it is asked about.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.core.errors import ConformanceError, SpecError, UsageError
from conformance.core.files import read_bounded
from conformance.core.findings import Outcome
from conformance.core.limits import PAYLOAD_MAX_BYTES
from conformance.standard.model import CheckKind, MessageType, Standard, Syntax
from conformance.validation.documents.payload import Payload
from conformance.validation.judge import Judgement, PayloadJudge

from ._tree import Point, Tree, parse_tree
from .describe import Limits, structure
from .examples import example_payload

MAX_COUNT = 1000  # payloads of one call
DEFAULT_SECONDS = 60.0  # the time one call may search
_SINGLE_EDITS = 5000  # single-edit mutants tried at most
_PLANS = 2000  # Hypothesis plans tried at least per search of valid payloads (20 per payload asked)
_MAX_PLANS = 100_000
_COMBINED = 500  # a mutant edit combined with a valid plan, tried at most
_PAIRS = 3000  # two edits a rule needs together, tried at most
_UNDECIDED = (Outcome.FAILED, Outcome.CANT_TELL)


class GenerationError(ConformanceError):
    """No payload with the asked property was found within the budget."""


class NoMutantFound(GenerationError):
    """No payload failing exactly the requirement was found; the message says what was tried."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One change at one point: set, add (an absent child), remove, duplicate, undeclared."""

    point: int
    action: str
    value: Any = None


Plan = tuple[Edit, ...]


class Base:
    """One base payload parsed, its points and the value strategies of each."""

    def __init__(self, data: bytes, root: Any, standard: Standard, message_type: MessageType,
                 checked: Mapping[str, Any]) -> None:
        from ._strategies import field_strategy

        self.standard = standard
        self.message_type = message_type
        self.tree: Tree = parse_tree(data, root, message_type)
        self.points: list[Point] = self.tree.points()
        self.strategies = [field_strategy(p.field, message_type.syntax, checked) for p in self.points]
        # The points a valid plan may change: a value to draw, or an optional part to drop or add.
        self.variable = [i for i, s in enumerate(self.strategies) if s is not None or self.points[i].optional]

    def build(self, plan: Plan) -> bytes | None:
        """The base with `plan` applied, or None when XML cannot hold a value it sets."""
        try:
            return self._build(plan)
        except ValueError:  # a control character from a rule file's constants, say: no candidate
            return None

    def _build(self, plan: Plan) -> bytes:
        tree = self.tree.copy()
        points = tree.points()
        resolved = [(edit, points[edit.point], tree.resolve(points[edit.point])) for edit in plan
                    if edit.point < len(points)]
        for edit, point, node in resolved:
            if edit.action == "set":
                tree.set(node, point, edit.value)
            elif edit.action == "add":
                tree.add(node, point, edit.value)
            elif edit.action == "remove":
                tree.remove(node, point)
            elif edit.action == "duplicate":
                tree.duplicate(node, point)
            elif edit.action == "undeclared":
                tree.add_undeclared(node, point)
        finish = getattr(tree, "finish", None)
        if finish is not None:
            finish()
        return tree.serialise()

    def valid_plans(self) -> Any:
        """A Hypothesis strategy of edit plans: up to six points, each given a value of its strategy."""
        from hypothesis import strategies as st

        variable = self.variable

        @st.composite
        def plans(draw: Any) -> Plan:
            if not variable:
                return ()
            chosen = draw(st.lists(st.sampled_from(variable), unique=True, max_size=min(6, len(variable))))
            return tuple(draw(self._edit_of(i)) for i in sorted(chosen))

        return plans()

    def _edit_of(self, i: int) -> Any:
        from hypothesis import strategies as st

        point, strategy = self.points[i], self.strategies[i]
        options: list[Any] = []
        if point.present:
            if strategy is not None:
                options.append(strategy.map(functools.partial(Edit, i, "set")))
            if point.optional:
                options.append(st.just(Edit(i, "remove")))
        else:
            options.append((strategy if strategy is not None else st.none()).map(
                functools.partial(Edit, i, "add")))
        return st.one_of(options)

    def single_edits(self, checks: list[Any]) -> tuple[list[Plan], list[Plan]]:
        """The single edits the requirement's checks suggest, and the other generic ones."""
        from ._mutations import builtin_edits, rule_edits, schema_edits

        own: list[Plan] = []
        kinds = {c.kind for c in checks}
        for check in checks:
            if check.kind is CheckKind.BUILTIN:
                own.extend((e,) for e in builtin_edits(self.tree, self.points, check))
        if CheckKind.SCHEMA in kinds:
            own.extend((e,) for e in schema_edits(self.points, self.message_type.syntax))
        if CheckKind.RULE in kinds:
            own.extend((e,) for e in rule_edits(self.standard, self.message_type, self.points))
        seen = set(own)
        generic = _unique(rule_edits(self.standard, self.message_type, self.points),
                          schema_edits(self.points, self.message_type.syntax))
        others: list[Plan] = [(e,) for e in generic if (e,) not in seen]
        return _dedupe(own), others


# A candidate: which base, and the edits made to it.
Candidate = tuple[int, Plan]


class Generator:
    """One message type of one standard: its judge compiled, its base payloads parsed once.

    The bases are the payload the caller gives, else every example the bundle declares for the
    message type (`examples:`, then each conversation message's), else a skeleton. `seconds` and
    `candidates` (judged payloads, None: no bound) are one budget for every search it makes.
    """

    def __init__(self, standard: Standard, message_type: MessageType, *, base: bytes | None = None,
                 seconds: float = DEFAULT_SECONDS, candidates: int | None = None) -> None:
        from ._strategies import check_strategies

        self.standard = standard
        self.message_type = message_type
        self.judge = PayloadJudge([standard])
        if base is not None and len(base) > PAYLOAD_MAX_BYTES:
            raise UsageError(f"the base payload has {len(base)} bytes, more than {PAYLOAD_MAX_BYTES}")
        fields, _ = structure(standard, message_type, Limits(depth=32))
        checked = check_strategies(standard, message_type)
        payloads = [base] if base is not None else _declared(standard, message_type)
        self.bases = [Base(data, fields[0] if fields else None, standard, message_type, checked)
                      for data in payloads]
        # A base as it serialises unchanged: a "variation" that equals it varies nothing.
        self.unchanged = [b.build(()) for b in self.bases]
        self.deadline = time.monotonic() + seconds
        self.candidates = candidates
        self.tried = 0
        self._last_failed: frozenset[str] = frozenset()  # what the last candidate judged failed

    def build(self, candidate: Candidate) -> bytes | None:
        number, plan = candidate
        return self.bases[number].build(plan)

    def verdict(self, data: bytes | None) -> Judgement | None:
        """The judgement of `data`, or None when it is not read or not recognised as our message type."""
        if data is None:
            return None
        self.tried += 1
        try:
            judgement = self.judge.judge(Payload(name="a generated payload", data=data))
        except ConformanceError:
            return None
        if judgement.message_type.id != self.message_type.id:
            return None
        return judgement

    def out_of_time(self) -> bool:
        """The budget is spent: its seconds, or its candidates."""
        spent = self.candidates is not None and self.tried >= self.candidates
        return spent or time.monotonic() > self.deadline

    def valid_candidates(self) -> Any:
        """A base (by number), then a plan of edits to it."""
        from hypothesis import strategies as st

        per_base = [st.tuples(st.just(n), b.valid_plans()) for n, b in enumerate(self.bases)]
        return st.one_of(per_base)

    # -- valid payloads ------------------------------------------------------------------------------
    def valid_payloads(self, count: int, seed: int) -> list[bytes]:
        found: dict[bytes, None] = {}
        # A base is a valid payload of its own only when nothing of it can vary; otherwise the
        # empty plans Hypothesis draws first would hand the examples back untouched.
        fixed = {n for n, b in enumerate(self.bases) if not b.variable}

        def visit(candidate: Candidate) -> bool:
            data = self.build(candidate)
            if data is not None and data == self.unchanged[candidate[0]] and candidate[0] not in fixed:
                return self.out_of_time()
            if data is not None and data not in found:
                judgement = self.verdict(data)
                if judgement is not None and not any(o in _UNDECIDED for o in judgement.outcomes.values()):
                    found[data] = None
            return len(found) >= count or self.out_of_time()

        explore(self.valid_candidates(), seed, visit, examples=min(_MAX_PLANS, max(_PLANS, 20 * count)))
        return list(found)

    # -- mutants -------------------------------------------------------------------------------------
    def mutants(self, requirement_id: str, count: int, seed: int) -> list[bytes]:
        requirement = self.standard.requirements.get(requirement_id)
        if requirement is None:
            raise UsageError(f"{self.standard.ref} has no requirement {requirement_id!r}")
        checks = [c for c in requirement.checks if self.message_type.id in c.message_types]
        if not checks:
            raise NoMutantFound(f"{requirement_id} has no check on the message type {self.message_type.id}: "
                                "no payload of it can fail that requirement")
        shuffler = random.Random(seed)  # noqa: S311 - an order to try, reproducible, not a secret
        own: list[Candidate] = []
        others: list[Candidate] = []
        for number, base in enumerate(self.bases):
            mine, theirs = base.single_edits(checks)
            shuffler.shuffle(mine)
            shuffler.shuffle(theirs)
            own.extend((number, plan) for plan in mine)
            others.extend((number, plan) for plan in theirs)
        found: dict[bytes, None] = {}
        closest: dict[frozenset[str], int] = {}
        hits: list[Candidate] = []  # single edits that made the requirement fail, with others: to repair

        def exact(data: bytes) -> bool:
            self._last_failed = frozenset()
            judgement = self.verdict(data)
            if judgement is None:
                return False
            failed = frozenset(r for r, o in judgement.outcomes.items() if o in _UNDECIDED)
            self._last_failed = failed
            if failed == {requirement_id} and judgement.outcomes[requirement_id] is Outcome.FAILED:
                return True
            if requirement_id in failed:
                closest[failed] = closest.get(failed, 0) + 1
            return False

        singles = 0
        singles_first = [*own[:_SINGLE_EDITS], *self._pairs(checks, seed)]
        for candidate in [*singles_first, *others[:max(0, _SINGLE_EDITS - len(own))]]:
            if len(found) >= count or self.out_of_time():
                break
            singles += 1
            data = self.build(candidate)
            self._last_failed = frozenset()
            if data is not None and data not in found and exact(data):
                found[data] = None
            if requirement_id in self._last_failed:
                hits.append(candidate)
        combined = 0
        # Repairs help an edit that made the requirement fail together with others; when no single
        # edit made it fail at all, combining them with valid plans only spends the budget.
        primaries = hits
        if len(found) < count and primaries and not self.out_of_time():
            from hypothesis import strategies as st

            def visit(candidate: Candidate) -> bool:
                nonlocal combined
                combined += 1
                data = self.build(candidate)
                if data is not None and data not in found and exact(data):
                    found[data] = None
                return len(found) >= count or self.out_of_time()

            # The repairs first, the mutation last, on the mutation's base.
            mixed = st.sampled_from(primaries).flatmap(
                lambda c: self.bases[c[0]].valid_plans().map(lambda plan, c=c: (c[0], plan + c[1])))
            explore(mixed, seed, visit, examples=_COMBINED)
        if not found:
            kinds = ", ".join(sorted({c.kind.value for c in checks}))
            near = ""
            if closest:
                best = min(closest, key=lambda s: (len(s), sorted(s)))
                near = f"; the closest fail {', '.join(sorted(best))} together"
            timed = " (the budget ran out)" if self.out_of_time() else ""
            raise NoMutantFound(
                f"no payload of {self.message_type.id} fails exactly {requirement_id} ({kinds} check): "
                f"tried {singles} single edits and pairs of {len(self.bases)} base payload(s) and {combined} "
                f"combined with valid variations{timed}{near}")
        return list(found)


    def _pairs(self, checks: list[Any], seed: int) -> list[Candidate]:
        """For a rule: a field it reads set to a constant it compares with, another it reads blanked."""
        from ._mutations import rule_pairs

        if not any(c.kind is CheckKind.RULE for c in checks):
            return []
        pairs: list[Candidate] = []
        for number, base in enumerate(self.bases):
            pairs.extend((number, pair) for pair in dict.fromkeys(rule_pairs(self.message_type, base.points)))
        random.Random(seed).shuffle(pairs)  # noqa: S311 - an order to try, reproducible, not a secret
        return pairs[:_PAIRS]


def _declared(standard: Standard, message_type: MessageType) -> list[bytes]:
    """The examples the bundle declares for `message_type`, each once, else its skeleton."""
    paths: dict[Path, None] = dict.fromkeys(message_type.examples)
    for conversation in standard.conversations.values():
        for message in conversation.messages.values():
            path = message.examples.get(message_type.id)
            if path is not None:
                paths[path] = None
    if not paths:
        return [example_payload(standard, message_type).data]
    return [read_bounded(p, max_bytes=PAYLOAD_MAX_BYTES, error=SpecError, what="example payload",
                         what_zh="示例报文") for p in paths]


def _unique(*groups: Iterator[Edit]) -> Iterator[Edit]:
    seen: set[Edit] = set()
    for group in groups:
        for edit in group:
            if edit not in seen:
                seen.add(edit)
                yield edit


def _dedupe(plans: list[Plan]) -> list[Plan]:
    return list(dict.fromkeys(plans))


class _Enough(Exception):
    """Raised inside a Hypothesis search to end it: the visitor has what it wanted."""


def explore(strategy: Any, seed: int, visit: Callable[[Any], bool], *, examples: int = _PLANS) -> None:
    """Draw from `strategy` with Hypothesis, seeded and without a database, until `visit` says enough."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded

    done = False

    def once(value: Any) -> None:
        nonlocal done
        if done or visit(value):
            done = True
            raise _Enough

    # From the default profile, not the one loaded: a test profile must not change what a seed gives.
    search = settings(parent=settings.get_profile("default"), database=None, max_examples=examples,
                      phases=[Phase.generate], deadline=None, derandomize=False,
                      suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                      report_multiple_bugs=False, print_blob=False)(seeded(seed)(given(strategy)(once)))
    with contextlib.suppress(_Enough):
        search()


def _message_type(standard: Standard, message_type: str) -> MessageType:
    found = standard.message_types.get(message_type)
    if found is None:
        raise UsageError(f"{standard.ref} has no message type {message_type!r}; it has "
                         + ", ".join(standard.message_types))
    return found


def _count(count: int) -> int:
    if not 1 <= count <= MAX_COUNT:
        raise UsageError(f"count must be 1 to {MAX_COUNT}, not {count}")
    return count


def valid_payloads(standard: Standard, message_type: str, *, count: int = 1, seed: int = 0,
                   base: bytes | None = None, seconds: float = DEFAULT_SECONDS) -> list[bytes]:
    """`count` distinct payloads of `message_type` that pass every requirement; GenerationError if fewer."""
    generator = Generator(standard, _message_type(standard, message_type), base=base, seconds=seconds)
    found = generator.valid_payloads(_count(count), seed)
    if len(found) < count:
        raise GenerationError(f"found {len(found)} of {count} valid payloads of {message_type} "
                              f"after {generator.tried} candidates"
                              + (" (the time budget ran out)" if generator.out_of_time() else ""))
    return found


class Mutator:
    """Mutants of one message type, for as many requirements as asked: the generator (judge
    compiled, bases parsed) is built once, and `seconds` / `candidates` bound all the searches
    together, so that a caller asking about every requirement in turn has one budget to give."""

    def __init__(self, standard: Standard, message_type: str, *, base: bytes | None = None,
                 seconds: float = DEFAULT_SECONDS, candidates: int | None = None) -> None:
        self._generator = Generator(standard, _message_type(standard, message_type), base=base,
                                    seconds=seconds, candidates=candidates)

    @property
    def spent(self) -> bool:
        """True once the budget is gone: every later call raises NoMutantFound at once."""
        return self._generator.out_of_time()

    def mutants(self, requirement_id: str, *, count: int = 1, seed: int = 0) -> list[bytes]:
        """Up to `count` distinct payloads failing exactly `requirement_id`; NoMutantFound when none is."""
        return self._generator.mutants(requirement_id, _count(count), seed)

    def mutant(self, requirement_id: str, *, seed: int = 0) -> bytes:
        """A payload that fails exactly `requirement_id`."""
        return self.mutants(requirement_id, seed=seed)[0]


def mutants(standard: Standard, message_type: str, requirement_id: str, *, count: int = 1, seed: int = 0,
            base: bytes | None = None, seconds: float = DEFAULT_SECONDS,
            candidates: int | None = None) -> list[bytes]:
    """Up to `count` distinct payloads failing exactly `requirement_id`; NoMutantFound when none is."""
    mutator = Mutator(standard, message_type, base=base, seconds=seconds, candidates=candidates)
    return mutator.mutants(requirement_id, count=count, seed=seed)


def mutant(standard: Standard, message_type: str, requirement_id: str, *, seed: int = 0,
           base: bytes | None = None, seconds: float = DEFAULT_SECONDS,
           candidates: int | None = None) -> bytes:
    """A payload of `message_type` that fails exactly `requirement_id` (from `base` when given)."""
    return mutants(standard, message_type, requirement_id, seed=seed, base=base, seconds=seconds,
                   candidates=candidates)[0]


def syntax_suffix(message_type: MessageType) -> str:
    """The file suffix of a payload of `message_type`."""
    return ".xml" if message_type.syntax is Syntax.XML else ".json"

