"""Bilingual text as a page shows it: one line per language, or one line when the languages agree.

A standard's author often gives a statement in one language only, and the text then falls back to
the other (`Text.from_mapping`), so zh and en are the same string; printed twice it reads as a
mistake. The HTML report and the printable certificate both ask `lines` what to print, so the rule
lives in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance.core.text import Text

LANGUAGE_TAGS = {"zh": "zh-Hans", "en": "en"}
# Han, CJK punctuation and full-width forms: text holding any of them is Chinese for the browser's
# choice of glyphs, even when it stands for both languages (a name such as 国家标准中心).
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of bilingual text: its `lang` attribute, its class (zh, en or same) and its text."""

    lang: str
    kind: str
    text: str


def _member(text: Text | Mapping[str, str], lang: str) -> str:
    value = getattr(text, lang) if isinstance(text, Text) else text.get(lang)
    return value if isinstance(value, str) else ""


def lines(text: Text | Mapping[str, str], langs: Sequence[str] = ("zh", "en")) -> tuple[Line, ...]:
    """What to print of `text` for the languages `langs`, a blank member falling back to the other."""
    given = {lang: _member(text, lang) for lang in LANGUAGE_TAGS}
    # Each language's text and the language it is really written in (the other one after a fallback).
    chosen: dict[str, tuple[str, str]] = {}
    for lang, other in (("zh", "en"), ("en", "zh")):
        chosen[lang] = (given[lang], lang) if given[lang].strip() else (given[other], other)
    shown = [chosen[lang] for lang in langs]
    if len(shown) > 1 and len({value for value, _ in shown}) == 1:
        value = shown[0][0]
        return (Line("zh-Hans" if _CJK.search(value) else "en", "same", value),)
    return tuple(Line(LANGUAGE_TAGS[origin], lang, value)
                 for lang, (value, origin) in zip(langs, shown, strict=True))
