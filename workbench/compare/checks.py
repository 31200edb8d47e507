"""Per-paragraph consistency checks: numbers and dates, glossary terms, and the script of a cell."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..align import GlossaryIndex, GlossaryTerm, number_tokens
from ..languages import script_counts


@dataclass(frozen=True)
class Issue:
    kind: str  # number | glossary | script | omitted | added | drift
    severity: str  # error | warning | note
    message: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "severity": self.severity, "message": self.message}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _describe(key: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "d":
        m, d = value.split("-")
        return f"date {int(m)}/{int(d)}"
    if kind == "m":
        return f"month {int(value)}"
    if kind == "wd":
        return _WEEKDAYS[int(value) - 1]
    if kind == "t":
        return f"time {value}"
    if kind == "day":
        return f"day {value}"
    return value


def check_numbers(en: str, version: str, lang: str) -> list[Issue]:
    """Numbers, dates, weekdays and times of the English that the version lacks or changes.

    A date in the English ("September 9") is satisfied by a bare day in the version ("9일");
    English number words ("three") excuse a digit in the version but are not required. Numbers
    the version adds are reported as notes.
    """
    src = [t for t in number_tokens(en, "en") if not t.soft]
    soft = {t.key for t in number_tokens(en, "en") if t.soft}
    ver = number_tokens(version, lang)
    need = Counter(t.key for t in src)
    have = Counter(t.key for t in ver)
    surface_en = {t.key: t.surface for t in src}
    surface_v = {t.key: t.surface for t in ver}
    missing = need - have
    extra = have - need
    # "September 9" = "9일"; a bare day in the version also reads as the number
    for key in list(missing):
        if key.startswith("d:"):
            day = f"day:{int(key.split('-')[1])}"
            while missing[key] and extra[day]:
                missing[key] -= 1
                extra[day] -= 1
        elif key.startswith("n:"):
            day = f"day:{key[2:]}"
            while missing[key] and extra[day]:
                missing[key] -= 1
                extra[day] -= 1
    missing += Counter()
    extra += Counter()
    for key in list(extra):
        # a number the English has words for ("three"), or one repeated that is already there
        if key in soft or key in need or (key.startswith("day:") and f"n:{key[4:]}" in soft | set(need)):
            del extra[key]
    issues: list[Issue] = []
    miss_list = sorted(missing.elements())
    extra_list = sorted(extra.elements())
    # pair a missing value with an extra one of the same kind: that is a changed number
    for key in list(miss_list):
        kind = key.split(":")[0]
        partner = next((x for x in extra_list if x.split(":")[0] == kind
                        or {kind, x.split(":")[0]} <= {"n", "day"}), None)
        if partner is not None:
            miss_list.remove(key)
            extra_list.remove(partner)
            issues.append(Issue("number", "error", f"{_shown(key, surface_en)} changed to "
                                                   f"{_shown(partner, surface_v)}"))
    for key in miss_list:
        issues.append(Issue("number", "error", f"{_shown(key, surface_en)} is missing"))
    for key in extra_list:
        issues.append(Issue("number", "note", f"{_shown(key, surface_v)} is not in the English"))
    return issues


def _shown(key: str, surface: dict[str, str]) -> str:
    """"date 9/10 (Sep 10)", or just "240" when the text says it the same way (not "240 (240)")."""
    described, written = _describe(key), surface.get(key, key)
    return described if written == described else f"{described} ({written})"


def check_glossary(en: str, version: str, lang: str, glossary: Sequence[GlossaryTerm]) -> list[Issue]:
    """Glossary terms in the English whose rendering (any of the alternatives) is not in the version.
    Pass a `GlossaryIndex` when checking many paragraphs: a plain list is indexed on every call."""
    return [Issue("glossary", "warning", f"“{term.en}” should be rendered as “{' | '.join(term.targets[lang])}”")
            for term in GlossaryIndex.of(glossary).missing_renderings(en, version, lang)]


_LATIN_WORDS = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_opencc = None


def _traditional_chars(text: str) -> list[str]:
    """Characters of `text` that OpenCC's traditional→simplified conversion changes."""
    global _opencc
    try:
        if _opencc is None:
            import opencc

            _opencc = opencc.OpenCC("t2s")
        converted = _opencc.convert(text)
    except Exception:  # OpenCC missing or broken: skip this check rather than fail the report
        return []
    if len(converted) == len(text):
        pairs = [(a, b) for a, b in zip(text, converted) if a != b]
    else:
        pairs = [(ch, _opencc.convert(ch)) for ch in dict.fromkeys(text)]
        pairs = [(a, b) for a, b in pairs if a != b]
    return [f"{a}→{b}" for a, b in dict.fromkeys(pairs)]


def check_script(text: str, lang: str) -> list[Issue]:
    """The cell is in the wrong script or mixes in another: stray English words (acronyms such as
    CPV are fine), Korean in the Chinese column, Chinese in the Korean one, Japanese kana, and
    traditional characters in (simplified) Chinese."""
    issues: list[Issue] = []
    sc = script_counts(text)
    if not sc.letters:
        return issues
    words = [w for w in _LATIN_WORDS.findall(text) if not w.isupper() and len(w) > 1]
    if words:
        sev = "warning" if len(words) >= 3 or sc.share("latin") > 0.3 else "note"
        shown = " ".join(dict.fromkeys(words[:8]))
        issues.append(Issue("script", sev, f"English words left in the text: {shown}"))
    if lang == "zh":
        if sc.hangul:
            hangul = "".join(re.findall(r"[\uac00-\ud7a3\u3130-\u318f]+", text))[:20]
            issues.append(Issue("script", "error", f"Korean (Hangul) in the Chinese text: {hangul}"))
        trad = _traditional_chars(text)
        if trad:
            issues.append(Issue("script", "warning", f"traditional characters in simplified Chinese: {', '.join(trad[:10])}"))
    elif lang == "ko":
        if sc.han and sc.share("han") > 0.3:
            issues.append(Issue("script", "error", "mostly Chinese characters: this looks like Chinese, not Korean"))
        elif sc.han:
            han = "".join(dict.fromkeys(ch for ch in text if "\u4e00" <= ch <= "\u9fff"))[:10]
            issues.append(Issue("script", "note", f"Chinese characters (hanja) in the Korean text: {han}"))
    if sc.kana and lang != "ja":
        issues.append(Issue("script", "warning", "Japanese kana in the text"))
    return issues
