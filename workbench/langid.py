"""Language identification for whole texts and single cells.

langdetect alone is random (unless seeded) and confuses Chinese with Korean on short text, so the
script of the letters decides first (Hangul means Korean, Han without Hangul or kana means Chinese)
and langdetect, seeded, only separates the Latin-script languages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LANGUAGE_NAMES = {
    "en": "English", "ko": "Korean", "zh": "Chinese", "ja": "Japanese", "fr": "French",
    "de": "German", "es": "Spanish", "ru": "Russian", "ar": "Arabic", "it": "Italian",
    "pt": "Portuguese", "vi": "Vietnamese", "zt": "Chinese (traditional)",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


@dataclass(frozen=True)
class ScriptCounts:
    """How many letters of each script a text has (digits, punctuation and spaces excluded)."""

    latin: int = 0
    hangul: int = 0
    han: int = 0
    kana: int = 0
    other: int = 0

    @property
    def letters(self) -> int:
        return self.latin + self.hangul + self.han + self.kana + self.other

    def share(self, script: str) -> float:
        return getattr(self, script) / self.letters if self.letters else 0.0


def script_counts(text: str) -> ScriptCounts:
    latin = hangul = han = kana = other = 0
    for ch in text:
        cp = ord(ch)
        if 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
            hangul += 1
        elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FA1F:
            han += 1
        elif 0x3040 <= cp <= 0x30FF:
            kana += 1
        elif ch.isalpha():
            if unicodedata.name(ch, "").startswith("LATIN"):
                latin += 1
            else:
                other += 1
    return ScriptCounts(latin, hangul, han, kana, other)


@dataclass(frozen=True)
class Detection:
    lang: str | None  # None when the text has too few letters to tell
    confidence: float
    scripts: ScriptCounts


@lru_cache(maxsize=1)
def _detector_factory():
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory

    DetectorFactory.seed = 0
    init_factory()
    from langdetect import detector_factory

    return detector_factory._factory


def detect_language(text: str, sample_chars: int = 5000) -> Detection:
    """Best guess of the language of `text`, deterministic for the same text."""
    sample = text[:sample_chars]
    sc = script_counts(sample)
    if sc.letters < 3:
        return Detection(None, 0.0, sc)
    if sc.hangul / sc.letters > 0.3:
        return Detection("ko", sc.share("hangul") + sc.share("han"), sc)
    if sc.kana / sc.letters > 0.1:
        return Detection("ja", sc.share("kana") + sc.share("han"), sc)
    if sc.han / sc.letters > 0.3:
        return Detection("zh", sc.share("han"), sc)
    factory = _detector_factory()
    detector = factory.create()
    detector.append(sample)
    try:
        probs = detector.get_probabilities()
    except Exception:  # langdetect raises LangDetectException on featureless text
        return Detection(None, 0.0, sc)
    if not probs:
        return Detection(None, 0.0, sc)
    best = probs[0]
    code = best.lang.split("-")[0]
    return Detection(code, float(best.prob), sc)


def parse_lang(code: str) -> str:
    """Normalise a language code typed by a user; UsageError for something that is not one."""
    import re

    from .errors import UsageError

    c = code.strip().lower().replace("_", "-")
    if not re.fullmatch(r"[a-z]{2,3}", c):
        raise UsageError(f"unknown language code {code!r}; use ISO 639-1 codes like en, ko, zh")
    return c
