"""The one protocol of everything that turns a document into findings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.sources.binding import MessageTypeBinding


class FindingSource(Protocol):
    """A compiled producer of findings for one message type, reused for every payload of it."""

    @property
    def fork_safe(self) -> bool:
        """Whether a forked process may use this source as it is (SaxonC's threads do not survive
        fork; libxml2, libxslt and Python state do)."""
        ...

    def iter_findings(self, doc: XmlDocument | JsonDocument, excerpts: Excerpts) -> Iterator[Finding]:
        """The findings of this source on `doc`; `excerpts` locates them and cuts their excerpts."""
        ...


class SourceFactory(Protocol):
    """Builds a source for one message type: its requirements and the run's evaluation context."""

    def __call__(self, binding: MessageTypeBinding, evaluation: EvaluationContext) -> FindingSource:
        """A source compiled for `binding`; SpecError when the bundle cannot give one."""
        ...
