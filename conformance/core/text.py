"""Bilingual text: every statement and message a user reads exists in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Text:
    """A statement in Chinese (`zh`) and English (`en`)."""

    zh: str
    en: str

    @classmethod
    def same(cls, value: str) -> Text:
        """Text that reads the same in both languages (identifiers, quoted values)."""
        return cls(zh=value, en=value)

    @classmethod
    def from_mapping(cls, value: Any) -> Text:
        """Build from `{"zh": ..., "en": ...}`; a plain string counts for both languages."""
        if isinstance(value, str):
            return cls.same(value)
        zh = value.get("zh") or value.get("en") or ""
        en = value.get("en") or value.get("zh") or ""
        return cls(zh=str(zh), en=str(en))

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh" or "en"); English for any other value."""
        return self.zh if lang == "zh" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}
