"""An invalid message for the `invalid` scenario: one of ours, made to fail a MUST requirement.

The generator of the generation layer (`conform examples --violate REQ`) makes mutants that fail
exactly one named requirement; the partner asks it for one per MUST requirement of the message
type and keeps the first whose identity fields (message id, conversation id, in-reply-to) and kind
still read as they did, so that the system under test can tell what it is answering. Requirements
whose checks aim at those fields (a message id that must be a UUID) are asked last: a mutant of
theirs breaks the very ids the answer must name. The whole search has one budget (`seconds`, the
run's --timeout), shared by every call to the generator. Where the generator finds none in time,
small breakages of our own are tried: a non-identity exposed field emptied or set to a value no
code list has, then an undeclared element or member at the root. Every candidate is judged: a
mutant is one that fails a MUST requirement, by construction, never by assumption.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping

from lxml import etree

from conformance.core.errors import ConformanceError
from conformance.core.findings import Level
from conformance.generation import mutant
from conformance.partner.composer import Composer, Outgoing
from conformance.partner.filling import fill
from conformance.standard.model import Syntax
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.payload import Payload
from conformance.validation.documents.xmldoc import parse_xml

# Reads the exposed fields of a body (None: unreadable), as the driver classifies messages.
FieldReader = Callable[[bytes], Mapping[str, str | None] | None]
_SEED = 11
# The least one call to the generator is given: below it, the search is not worth starting.
_MIN_CALL_SECONDS = 0.05


def invalid_variant(composer: Composer, valid: Outgoing, read: FieldReader, *,
                    seconds: float) -> tuple[bytes, str] | None:
    """A mutant of `valid` that fails a MUST requirement and keeps its identity and kind, with the
    requirements it fails (comma-separated); None when none could be made. The generator's search
    takes at most `seconds` in all."""
    conversation = composer.roles.conversation
    keep = [*conversation.identity.values(), composer.roles.message(valid.kind).match.field]
    expected = read(valid.body)
    if expected is None:
        return None
    for candidate in _candidates(composer, valid, keep, time.monotonic() + seconds):
        failing = composer.failing_musts(candidate)
        if not failing or failing[0].startswith("("):
            continue
        fields = read(candidate)
        if fields is not None and all(fields.get(k) == expected.get(k) for k in keep):
            return candidate, ", ".join(failing)
    return None


def _candidates(composer: Composer, valid: Outgoing, keep: list[str], deadline: float) -> Iterator[bytes]:
    yield from _generated(composer, valid, keep, deadline)
    where = f"<mutant of {valid.kind}>"
    for name in composer.paths:
        if name in keep:
            continue
        for value in ("", "\u2603-not-a-valid-value"):
            try:
                yield fill(valid.body, composer.message_type, composer.paths, {name: value}, where=where)
            except ConformanceError:
                break  # this example lacks the field: nothing to break there
    yield _undeclared(composer, valid.body)


def _generated(composer: Composer, valid: Outgoing, keep: list[str], deadline: float) -> Iterator[bytes]:
    """Mutants from the generation layer, one per MUST requirement of the message type (those aimed
    at the kept fields last), until `deadline` (time.monotonic())."""
    standard = composer.standard
    message_type = composer.message_type.id
    kept_paths = {composer.paths[name] for name in keep if name in composer.paths}

    def aims_at_kept(requirement_id: str) -> bool:
        checks = standard.requirements[requirement_id].checks
        return any(c.target is not None and c.target in kept_paths for c in checks)

    musts = [r.id for r in standard.requirements.values()
             if r.level is Level.MUST and r.applies_to(message_type)]
    for requirement_id in sorted(musts, key=aims_at_kept):  # stable: the bundle's order otherwise
        left = deadline - time.monotonic()
        if left < _MIN_CALL_SECONDS:
            return
        try:
            body = mutant(standard, message_type, requirement_id, seed=_SEED, base=valid.body, seconds=left)
        except ConformanceError:
            continue
        yield body


def _undeclared(composer: Composer, body: bytes) -> bytes:
    """`body` with an element (XML) or a member (JSON) no schema of ours declares, at the root."""
    if composer.message_type.syntax is Syntax.XML:
        doc = parse_xml(Payload("<mutant>", body))
        root = doc.root
        qname = etree.QName(root)
        etree.SubElement(root, etree.QName(qname.namespace, "UndeclaredByThePartner") if qname.namespace
                         else "UndeclaredByThePartner").text = "x"
        return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")
    value = parse_json(Payload("<mutant>", body)).value
    if isinstance(value, dict):
        value["undeclaredByThePartner"] = "x"
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
