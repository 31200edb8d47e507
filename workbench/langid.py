"""Language identification for whole texts and single cells.

langdetect alone is random (unless seeded) and confuses Chinese with Korean on short text, so the
script of the letters decides first (Hangul means Korean, Han without Hangul or kana means Chinese)
and langdetect, seeded, only separates the Latin-script languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# The language facts live in languages.py; these names are kept here for the modules and users
# that import them from langid.
from .languages import ScriptCounts, language_name, parse_lang, script_counts  # noqa: F401,E402


# Below this many letters, langdetect's guess among the Latin-script languages is unreliable: on
# the first 3-14 words of NTREX-128's English sentences it says "not English" for 4-28 % of texts
# of 10-39 letters, and for under 1 % from 40 letters on ("Document number 12 ends here." is Dutch).
MIN_LATIN_LETTERS = 40


@dataclass(frozen=True)
class Detection:
    lang: str | None  # None when the text has too few letters to tell
    confidence: float
    scripts: ScriptCounts

    @property
    def reliable(self) -> bool:
        """Whether the guess is firm enough to refuse a text on: a script share (Hangul, Kana,
        Han, Cyrillic...) always is; a guess among Latin-script languages from MIN_LATIN_LETTERS
        letters on."""
        sc = self.scripts
        if self.lang is None:
            return False
        latin = sc.letters > 0 and sc.latin / sc.letters > 0.5 and self.lang not in ("ko", "ja", "zh")
        return not latin or sc.letters >= MIN_LATIN_LETTERS


# langdetect's profiles for languages written in Latin letters. Text that is mostly Latin letters
# never scores for the other 24 (Cyrillic, Arabic, Devanagari... profiles), so it is matched
# against these only.
LATIN_PROFILES = ("af", "ca", "cs", "cy", "da", "de", "en", "es", "et", "fi", "fr", "hr", "hu", "id", "it",
                  "lt", "lv", "nl", "no", "pl", "pt", "ro", "sk", "sl", "so", "sq", "sv", "sw", "tl", "tr", "vi")


@lru_cache(maxsize=2)
def _profiles(latin_only: bool) -> tuple[tuple[str, ...], tuple[dict, ...], tuple[list, ...]]:
    """(language names, n-gram counts, n-gram totals by length) of langdetect's profiles."""
    import json
    import os

    from langdetect.detector_factory import PROFILES_DIRECTORY

    names = LATIN_PROFILES if latin_only else tuple(sorted(n for n in os.listdir(PROFILES_DIRECTORY)
                                                            if not n.startswith(".")))
    data = []
    for name in names:
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as f:
            data.append(json.load(f))
    return (tuple(d["name"] for d in data), tuple(d["freq"] for d in data), tuple(d["n_words"] for d in data))


class _AnyWord:
    """A stand-in map that holds every n-gram, to ask langdetect which n-grams a text has."""

    def __contains__(self, word: object) -> bool:
        return True


def _langdetect_probabilities(sample: str, latin_only: bool) -> list:
    """langdetect's seeded probabilities for `sample`, with the n-gram table built only for the
    n-grams the sample has.

    langdetect's DetectorFactory builds the table for all ~100k n-grams of its profiles first
    (~0.3 s for all 55, ~0.08 s for the Latin ones: more than the rest of a warm CLI run); the
    detector only ever looks up the text's own n-grams, so the result is the same, exactly.
    """
    from langdetect.detector_factory import DetectorFactory

    langs, freqs, totals = _profiles(latin_only)
    factory = DetectorFactory()
    factory.langlist = list(langs)
    factory.set_seed(0)
    detector = factory.create()
    detector.append(sample)
    detector.cleaning_text()  # what detection does first (idempotent); its n-grams come from this text
    detector.word_lang_prob_map = _AnyWord()
    words = set(detector._extract_ngrams())
    table = {}
    for w in words:  # DetectorFactory.add_profile's numbers, for these words only
        if 1 <= len(w) <= 3 and any(w in f for f in freqs):
            table[w] = [f[w] / n[len(w) - 1] if w in f else 0.0 for f, n in zip(freqs, totals)]
    detector.word_lang_prob_map = table
    return detector.get_probabilities()


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
    try:
        probs = _langdetect_probabilities(sample, latin_only=sc.latin / sc.letters > 0.5)
    except Exception:  # langdetect raises LangDetectException on featureless text
        return Detection(None, 0.0, sc)
    if not probs:
        return Detection(None, 0.0, sc)
    best = probs[0]
    code = best.lang.split("-")[0]
    return Detection(code, float(best.prob), sc)
