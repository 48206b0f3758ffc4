"""What a check may ask of the standard it runs under: its code lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from conformance.core.errors import SpecError
from conformance.standard.model import CodeList


class CheckContext(Protocol):
    """What a check may ask of the standard it runs under."""

    def code_list(self, list_id: str) -> CodeList:
        """The code list `list_id`; raises SpecError if the standard has none by that id."""
        ...


class CodeListContext:
    """The CheckContext of one standard: its code lists, errors naming its manifest."""

    __slots__ = ("_lists", "_where")

    def __init__(self, code_lists: Mapping[str, CodeList], where: str) -> None:
        self._lists = code_lists
        self._where = where

    def code_list(self, list_id: str) -> CodeList:
        """The code list `list_id`; SpecError located at the manifest when there is none."""
        try:
            return self._lists[list_id]
        except KeyError:
            raise SpecError(f"unknown code list {list_id!r}", location=self._where) from None
