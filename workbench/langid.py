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


# ISO 639-1, plus Argos's own codes: zt (Chinese, traditional script) and pb (Brazilian Portuguese).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii
ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi
mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw
sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk
ur uz ve vi vo wa wo xh yi yo za zh zu zt pb
""".split())

# What people type for the languages Parallax is about (checked before ISO 639-1, so `kr`, which
# is Kanuri there, means Korean here). A region tag after a known code is dropped (en-US → en),
# except for Chinese, where it says which script: Taiwan/Hong Kong/Macau and Hant are traditional
# (Argos's `zt`), everything else simplified (`zh`).
LANGUAGE_ALIASES = {
    "kr": "ko", "kor": "ko", "korean": "ko", "한국어": "ko", "조선어": "ko",
    "cn": "zh", "zho": "zh", "chi": "zh", "chinese": "zh", "mandarin": "zh", "中文": "zh", "汉语": "zh",
    "简体中文": "zh", "zh-hans": "zh", "simplified chinese": "zh", "chinese (simplified)": "zh",
    "zh-hant": "zt", "zh-tw": "zt", "zh-hk": "zt", "zh-mo": "zt", "繁體中文": "zt",
    "traditional chinese": "zt", "chinese (traditional)": "zt",
    "eng": "en", "english": "en", "jp": "ja", "jpn": "ja", "japanese": "ja",
}
_NAMES = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}


def parse_lang(code: str) -> str:
    """The language code for what a user typed: `ko`, `KR`, `korean`, `ko_KR`, `zh-Hans`... one
    place for every command and the app. UsageError (exit 2) with close matches otherwise."""
    from .errors import UsageError

    c = " ".join(code.strip().lower().replace("_", "-").split())
    if c in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[c]
    if c in _NAMES:
        return _NAMES[c]
    if c in ISO_639_1:
        return c
    base, _, region = c.partition("-")
    if region and base in ("zh", "cmn"):
        return "zt" if region.split("-")[-1] in ("tw", "hk", "mo", "hant") or "hant" in region else "zh"
    if region:
        base = LANGUAGE_ALIASES.get(base, base)
        if base in ISO_639_1:
            return base
    raise UsageError(f"unknown language code {code.strip()!r}; {_suggest(c)}")


def _suggest(typed: str) -> str:
    import difflib

    words = sorted({*LANGUAGE_ALIASES, *_NAMES, *LANGUAGE_NAMES})
    close = difflib.get_close_matches(typed, words, n=3, cutoff=0.6)
    codes = list(dict.fromkeys(LANGUAGE_ALIASES.get(w) or _NAMES.get(w) or w for w in close))
    if codes:
        return "did you mean " + " or ".join(f"{c} ({language_name(c)})" for c in codes) + "?"
    return "use ISO 639-1 codes like en, ko, zh"
