"""What the message types of one standard share within one description: each schema read (an XSD
compiled) once, each rule file outlined once. An imported bundle has one message type per global
root of one XSD, and compiling UBL's takes 3.5 s."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.limits import XSD11_COMPILE_SECONDS
from conformance.standard.model import Standard

from ._fields import Outlines

# What validation says of a JSON Schema it cannot parse (validation/schemas.py); authors read "not JSON".
_UNREADABLE = "cannot read JSON Schema: "


class Shared:
    """Schemas by path (or the error reading one raised) and rule outlines, for one standard."""

    def __init__(self, standard: Standard) -> None:
        self.standard = standard
        self.outlines: Outlines = {}
        self._schemas: dict[Path, Any] = {}
        self._errors: dict[Path, ConformanceError] = {}

    def xsd(self, path: Path) -> Any:
        """The XSD at `path` compiled (xmlschema, under the compile budget); SpecError if it is broken."""
        return self._once(path, lambda: _compile_xsd(self.standard, path))

    def json_schema(self, path: Path) -> Any:
        """The JSON Schema at `path`, read as validation reads it; SpecError if validation would refuse it."""
        return self._once(path, lambda: _read_json_schema(path))

    def _once(self, path: Path, read: Callable[[], Any]) -> Any:
        if path in self._errors:
            raise self._errors[path]
        if path not in self._schemas:
            try:
                self._schemas[path] = read()
            except ConformanceError as exc:
                self._errors[path] = exc
                raise
        return self._schemas[path]


def _compile_xsd(standard: Standard, path: Path) -> Any:
    # Here, not at the top: xmlschema costs half a second to import and only `show`/`example` need it.
    from conformance.core.evaluation import EvaluationContext
    from conformance.validation.xsd import compile_xsd11, read_schema_documents

    documents = read_schema_documents(path, root=standard.root)
    return compile_xsd11(documents, evaluation=EvaluationContext(), seconds=XSD11_COMPILE_SECONDS)


def _read_json_schema(path: Path) -> Any:
    # jsonschema-rs loads with the module: paid by `show`/`example` of a JSON message type only.
    from conformance.validation.schemas import read_json_schema

    try:
        return read_json_schema(path)
    except SpecError as exc:
        if exc.message.startswith(_UNREADABLE):
            raise SpecError("not JSON: " + exc.message.removeprefix(_UNREADABLE),
                            location=exc.location) from None
        raise
