"""Aligning an existing Korean or Chinese translation to its English source.

A human translation rarely keeps the source's paragraphs one to one: translators merge two short
paragraphs, split a long one, drop a photo caption or add a note. `align_texts` finds the most
likely chain of links of five types -- 1-1, 1-2, 2-1, 1-0 (omitted in the translation) and 0-1
(added) -- by dynamic programming, and gives each link a confidence: its posterior probability
over all alignments (forward-backward over the same scores), so a link the data barely supports
shows a low number.

Each candidate link is scored, in nats, by adding:

* **length** (Gale & Church 1993): the translation's length in non-space characters is about
  `ratio` times the English one, with a spread that grows with length. `LENGTH_MODEL` holds the
  EN→KO / EN→ZH ratios and variances estimated from the team's reference translations in
  samples/; `align_texts` re-estimates the ratio for each document pair from the total lengths
  (blended with the prior) so a terse or wordy translator does not throw it off;
* **anchors** shared by both sides: numbers (normalised: "1.5 million" = "150만" = "150万",
  "75th" = "75주년" = "75周年"), dates ("September 9" = "9월 9일" = "9月9日"), weekdays, clock times,
  Latin-script words kept in the translation (acronyms, names), brackets and quotes, and the
  terms of a glossary when one is given. Only anchors found in both documents count;
* **sentence counts**: translators mostly keep them, so a link whose sides differ is penalised;
* **machine translation** (the Bleualign idea), when an Argos model for the pair is installed:
  the character-level similarity (rapidfuzz `fuzz.ratio`) between the machine translation of the
  English and the given translation, measured against the document's own baseline. When the
  machine translation is not in the target's script or does not separate the pairs (a test echo
  model, a broken package), it is ignored and the note says so.

Without a model the first three carry it alone: less accurate, still useful (see
benchmarks/align_eval.py for numbers). With `unit="sentence"`, sentences are then aligned the
same way inside each pair of linked paragraphs.

Invariants (tested with hypothesis): every index of both sides is in exactly one link, links are
in order on both sides, and a link's type is "<source count>-<target count>".
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Literal, Sequence

from .errors import BadInput, MissingModel, UsageError, install_hint

Unit = Literal["paragraph", "sentence"]
LINK_TYPES = ("1-1", "1-2", "2-1", "1-0", "0-1")
BEADS = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2))
ALIGN_LANGS = ("ko", "zh")

# ---------------------------------------------------------------- the length model

# (ratio, variance) of target length per English length, counted by `weighted_length`: non-space
# characters, with digits (copied 1:1 into a translation) and Latin letters kept in a translation
# (CPV, IC) weighted so they do not skew the ratio. Estimated from
# samples/china-dprk-vice-premier-visit.{ko,zh}.txt against the English (18 paragraphs each):
# EN→KO ratio 0.371, variance 0.36; EN→ZH ratio 0.282, variance 0.22 (in plain characters:
# 0.376 / 0.49 and 0.288 / 0.57, the dateline being the outlier). The variances are doubled, at
# least 0.6, because one careful translator is more regular than translators at large.
# Same-language comparison (two versions of one text) uses ratio 1. Unknown pairs get Gale &
# Church's values.
LENGTH_MODEL: dict[str, tuple[float, float]] = {
    "ko": (0.371, 0.72),
    "zh": (0.282, 0.6),
}
SAME_LANGUAGE_MODEL = (1.0, 2.0)
DEFAULT_MODEL = (1.0, 6.8)

# Prior probability of each link type, as costs in nats (-log p).
PRIOR_COST = {
    (1, 1): -math.log(0.80),
    (2, 1): -math.log(0.045),
    (1, 2): -math.log(0.045),
    (1, 0): -math.log(0.05),
    (0, 1): -math.log(0.05),
}
ANCHOR_REWARD = {"latin": 2.0, "gloss": 3.0, "punct": 0.6}
NUMBER_REWARD = 2.5  # a number or date found on both sides of a link
NUMBER_MISS_COST = 1.0  # one found on one side only (a link that omits or adds text pays nothing)
SENTENCE_MISMATCH_COST = 1.6  # per sentence of difference between the two sides of a link
MT_WEIGHT = 2.5
MT_MIN_SPREAD = 6.0  # points of fuzz.ratio between the best and the typical pair, below which MT is ignored


def length(text: str) -> int:
    """Characters that are not whitespace: spacing conventions differ across the languages."""
    return sum(1 for ch in text if not ch.isspace())


def weighted_length(text: str, side: str, lang: str, same_language: bool = False) -> float:
    """Length for the length model of the pair English→`lang`, for the text of one `side`
    ("en" or `lang`): non-space characters, except that English digits count 1/ratio each
    (numbers are copied, they do not shrink) and ASCII letters in the translation count `ratio`
    each (acronyms and names left in Latin script do not shrink either)."""
    if same_language:
        return float(length(text))
    ratio = LENGTH_MODEL.get(lang, DEFAULT_MODEL)[0]
    n = digits = latin = 0
    for ch in text:
        if ch.isspace():
            continue
        n += 1
        if "0" <= ch <= "9":
            digits += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    if side == "en":
        return n - digits + digits / ratio
    return n - latin + latin * ratio


def _log_erfc(x: float) -> float:
    """log(erfc(x)) for x >= 0, without underflow for large x."""
    v = math.erfc(x)
    if v > 1e-300:
        return math.log(v)
    return -x * x - math.log(x * math.sqrt(math.pi))


def length_cost(ls: int, lt: int, ratio: float, variance: float) -> float:
    """-log P(|delta| at least this large) for a match of ls source and lt target characters."""
    mean = max((ls + lt / ratio) / 2.0, 1.0)
    delta = abs(lt - ratio * ls) / math.sqrt(mean * variance)
    return -_log_erfc(delta / math.sqrt(2.0))


def estimate_ratio(source: Sequence[str], target: Sequence[str], lang: str, same_language: bool = False,
                   src_lang: str = "en") -> float:
    """The document pair's length ratio: its total ratio blended (70/30, geometric) with the prior,
    unless the totals are far off the prior (a wrong --lang, a half-translated file)."""
    prior = SAME_LANGUAGE_MODEL[0] if same_language else LENGTH_MODEL.get(lang, DEFAULT_MODEL)[0]
    ls = sum(weighted_length(t, src_lang, lang, same_language) for t in source)
    lt = sum(weighted_length(t, lang, lang, same_language) for t in target)
    if ls < 50 or lt < 10:
        return prior
    doc = lt / ls
    if not (prior / 2.5 <= doc <= prior * 2.5):
        return prior
    return math.exp(0.7 * math.log(doc) + 0.3 * math.log(prior))


# ---------------------------------------------------------------- numbers and dates

_MONTH_NUM = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_M = (r"(January|February|March|April|May|June|July|August|September|October|November|December"
      r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_EN_DATE_MD = re.compile(_M + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?")
_EN_DATE_DM = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _M + r"(?:,?\s+(\d{4})\b)?")
_EN_MONTH = re.compile(r"\b" + _M + r"(?:\s+(\d{4})\b)?(?![\w-])")
_EN_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b")
_WEEKDAY_NUM = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
_EN_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?"
    r"(?:\s*-?\s*(thousand|million|billion|trillion|bn)\b)?", re.IGNORECASE)
_EN_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "bn": 10**9, "trillion": 10**12}
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "dozen": 12, "half": Decimal("0.5"), "first": 1, "second": 2, "third": 3,
}
_EN_WORD_RE = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b(?:\s+and\s+a\s+half\b)?", re.IGNORECASE)

_KO_DATE = re.compile(r"(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_KO_MONTH = re.compile(r"(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월(?!\s*\d)")
_KO_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*일(?!간|동안|째|분)")
_KO_WEEKDAY = re.compile(r"([월화수목금토일])요일")
_KO_WEEKDAY_NUM = {"월": 1, "화": 2, "수": 3, "목": 4, "금": 5, "토": 6, "일": 7}
_KO_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*시\s*(\d{1,2})\s*분")
_ZH_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]")
_ZH_MONTH = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?!\s*\d)")
_ZH_DAY = re.compile(r"(?<![\d月])(\d{1,2})\s*[日号號](?!本)")
_ZH_WEEKDAY = re.compile(r"(?:星期|礼拜|禮拜|周|週)([一二三四五六日天])")
_ZH_WEEKDAY_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_ZH_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[点點时時]\s*(\d{1,2})\s*分")
_CJK_NUMBER = {
    "ko": (re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([백천만억조]+)?"),
           {"백": 100, "천": 10**3, "만": 10**4, "억": 10**8, "조": 10**12}),
    "zh": (re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([百千万萬亿億]+)?"),
           {"百": 100, "千": 10**3, "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}),
}


@dataclass(frozen=True)
class NumberToken:
    """One number, date, weekday or time found in a text, normalised so languages compare.

    `key` is "n:1500000", "d:09-09" (month-day), "m:09" (a month alone), "day:9" (a day of the
    month without its month, common in Korean and Chinese news), "wd:6" (Saturday) or "t:11:31".
    `soft` marks English number words ("three", "a half"), which excuse a digit in the
    translation but are not required there."""

    key: str
    surface: str
    soft: bool = False


def _num(intpart: str, frac: str | None = None, scale: int = 1) -> str:
    if len(intpart) > 30:  # a run of digits, not a quantity: compare it as written
        return intpart.replace(",", "") + (frac or "")
    try:
        value = Decimal(intpart.replace(",", "") + (frac or "")) * scale
    except InvalidOperation:
        return intpart
    value = value.normalize()
    if value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans replaced by spaces, so later patterns do not count them twice."""
    chars = list(text)
    for a, b in spans:
        for k in range(a, b):
            chars[k] = " "
    return "".join(chars)


def number_tokens(text: str, lang: str) -> list[NumberToken]:
    """Numbers, dates, weekdays and times in `text` (lang 'en', 'ko' or 'zh'), normalised.

    Limits: English number words are only "soft" (one to twelve, twenty..fifty, hundred, half);
    Chinese numerals written in characters (七十五, 一个半月) and Korean native numbers (사흘, 한 달)
    are not read; a.m./p.m. and 오후/下午 are ignored (11:31 PM = 오후 11:31 = 11:31); a bare
    day ("9일") matches any month's day 9.
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[NumberToken] = []
    used: list[tuple[int, int]] = []

    def add(key: str, m: re.Match, soft: bool = False) -> None:
        out.append(NumberToken(key, m.group(0).strip(), soft))

    def date(month: int, day: int) -> str:
        return f"d:{month:02d}-{day:02d}"

    if lang == "en":
        for pattern, mi, di in ((_EN_DATE_MD, 1, 2), (_EN_DATE_DM, 2, 1)):
            for m in pattern.finditer(_blank(text, used)):
                month, day = _MONTH_NUM[m.group(mi).lower().rstrip(".")], int(m.group(di))
                if 1 <= day <= 31:
                    add(date(month, day), m)
                    if m.group(3):
                        out.append(NumberToken(f"n:{int(m.group(3))}", m.group(3)))
                    used.append(m.span())
        for m in _EN_MONTH.finditer(_blank(text, used)):
            add(f"m:{_MONTH_NUM[m.group(1).lower().rstrip('.')]:02d}", m)
            if m.group(2):
                out.append(NumberToken(f"n:{int(m.group(2))}", m.group(2)))
            used.append(m.span())
        for m in _EN_WEEKDAY.finditer(text):
            add(f"wd:{_WEEKDAY_NUM[m.group(1).lower()]}", m)
        for m in _TIME.finditer(_blank(text, used)):
            add(f"t:{int(m.group(1))}:{m.group(2)}", m)
            used.append(m.span())
        for m in _EN_NUMBER.finditer(_blank(text, used)):
            scale = _EN_SCALE[m.group(3).lower()] if m.group(3) else 1
            add("n:" + _num(m.group(1), m.group(2), scale), m)
        for m in _EN_WORD_RE.finditer(text):
            value = Decimal(_EN_WORDS[m.group(1).lower()])
            if "half" in m.group(0).lower() and m.group(1).lower() != "half":
                value += Decimal("0.5")
            add("n:" + _num(str(value)), m, soft=True)
        return out

    if lang in ("ko", "zh"):
        date_re, month_re, day_re, wd_re, wd_num, time_re = (
            (_KO_DATE, _KO_MONTH, _KO_DAY, _KO_WEEKDAY, _KO_WEEKDAY_NUM, _KO_TIME) if lang == "ko"
            else (_ZH_DATE, _ZH_MONTH, _ZH_DAY, _ZH_WEEKDAY, _ZH_WEEKDAY_NUM, _ZH_TIME))
        for m in date_re.finditer(text):
            month, day = int(m.group(2)), int(m.group(3))
            if 1 <= month <= 12 and 1 <= day <= 31:
                add(date(month, day), m)
                if m.group(1):
                    out.append(NumberToken(f"n:{int(m.group(1))}", m.group(1)))
                used.append(m.span())
        for m in month_re.finditer(_blank(text, used)):
            if 1 <= int(m.group(2)) <= 12:
                add(f"m:{int(m.group(2)):02d}", m)
                if m.group(1):
                    out.append(NumberToken(f"n:{int(m.group(1))}", m.group(1)))
                used.append(m.span())
        for m in day_re.finditer(_blank(text, used)):
            if 1 <= int(m.group(1)) <= 31:
                add(f"day:{int(m.group(1))}", m)
                used.append(m.span())
        for m in wd_re.finditer(text):
            add(f"wd:{wd_num[m.group(1)]}", m)
        for pattern in (time_re, _TIME):
            for m in pattern.finditer(_blank(text, used)):
                add(f"t:{int(m.group(1))}:{int(m.group(2)):02d}", m)
                used.append(m.span())
        number_re, units = _CJK_NUMBER[lang]
        pending: tuple[Decimal, int, re.Match] | None = None  # (value, end, match) of "1억" before "5천만"
        for m in number_re.finditer(_blank(text, used)):
            scale = 1
            for u in m.group(3) or "":
                scale *= units[u]
            try:
                value = Decimal(m.group(1).replace(",", "") + (m.group(2) or "")) * scale
            except InvalidOperation:
                continue
            if (pending is not None and text[pending[1]:m.start()].strip() == ""
                    and pending[0] > value and pending[2].group(3) and m.group(3)):
                out[-1] = NumberToken("n:" + _num(str(pending[0] + value)), text[pending[2].start():m.end()].strip())
                pending = (pending[0] + value, m.end(), pending[2])
                continue
            add("n:" + _num(str(value)), m)
            pending = (value, m.end(), m)
        return out
    # any other language: plain digits only
    for m in re.finditer(r"\d+(?:\.\d+)?", text):
        add("n:" + _num(m.group(0)), m)
    return out


# ---------------------------------------------------------------- anchors

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Z]")
_OPEN_PAREN = re.compile(r"[(（]")
_QUOTE = re.compile(r"[\"“”「」『』]")


@dataclass(frozen=True)
class GlossaryTerm:
    """One row of a glossary: the English term and, per language, the accepted renderings."""

    en: str
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=True)

    def pattern(self) -> re.Pattern:
        return re.compile(r"(?<![\w])" + re.escape(self.en) + r"(?![\w])", re.IGNORECASE)


def _raw_anchors(text: str, lang: str, glossary: Sequence[GlossaryTerm] = ()) -> Counter:
    """Anchors of one unit (before keeping only those both documents share)."""
    c: Counter = Counter()
    for w in _LATIN_WORD.findall(unicodedata.normalize("NFKC", text)):
        if len(w) >= 2 or w.isupper():
            c[("latin", w.lower())] += 1
    n_paren = len(_OPEN_PAREN.findall(text))
    if n_paren:
        c[("punct", "(")] += n_paren
    n_quote = len(_QUOTE.findall(text))
    if n_quote:
        c[("punct", '"')] += (n_quote + 1) // 2
    for gi, term in enumerate(glossary):
        if lang == "en":
            hits = len(term.pattern().findall(text))
        else:
            hits = max((text.count(alt) for alt in term.targets.get(lang, ()) if alt), default=0)
        if hits:
            c[("gloss", gi)] += hits
    return c


def _shared_anchors(source: Sequence[str], target: Sequence[str], lang: str, src_lang: str,
                    glossary: Sequence[GlossaryTerm]) -> tuple[list[Counter], list[Counter]]:
    """Per-unit anchors, keeping those both documents have and that do not occur in most units
    (a word in every paragraph tells nothing about which goes with which)."""
    sa = [_raw_anchors(t, src_lang, glossary) for t in source]
    ta = [_raw_anchors(t, lang, glossary) for t in target]
    df_s: Counter = Counter(k for c in sa for k in c)
    df_t: Counter = Counter(k for c in ta for k in c)
    keep = {k for k in df_s if k in df_t
            and df_s[k] <= max(3, len(source) // 2) and df_t[k] <= max(3, len(target) // 2)}
    return ([Counter({k: v for k, v in c.items() if k in keep}) for c in sa],
            [Counter({k: v for k, v in c.items() if k in keep}) for c in ta])


def _numbers(text: str, lang: str) -> tuple[Counter, frozenset]:
    """Hard number/date keys of a unit, and the values of its soft ones (English number words)."""
    hard: Counter = Counter()
    soft = set()
    for tok in number_tokens(text, lang):
        if tok.soft:
            soft.add(tok.key)
        elif tok.key.startswith("day:"):
            hard["n:" + tok.key[4:]] += 1  # a bare day of the month: compare as a number
        else:
            hard[tok.key] += 1
    return hard, frozenset(soft)


def _sentence_count(text: str, lang: str) -> int:
    if lang in ("zh", "ja", "zt"):
        n = len(re.findall(r"[。！？!?]+[”’」』）)]*", text))
    else:
        n = len(re.findall(r"[.!?]+[\"”’)\]]*(?=\s|$)", text))
    return max(n, 1)


# ---------------------------------------------------------------- links


@dataclass(frozen=True)
class Link:
    """Source unit indices, target unit indices (0-based, consecutive), type and confidence."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    type: str
    confidence: float

    def pair(self) -> list[list[int]]:
        """The [src indices, tgt indices] form used by the gold files and --json."""
        return [list(self.src), list(self.tgt)]


def make_link(src: Iterable[int], tgt: Iterable[int], confidence: float = 1.0) -> Link:
    s, t = tuple(src), tuple(tgt)
    return Link(s, t, f"{len(s)}-{len(t)}", float(confidence))


def check_links(links: Sequence[Link], n_source: int, n_target: int) -> None:
    """Raise AssertionError unless the links cover both sides exactly once, in order."""
    si = [i for link in links for i in link.src]
    ti = [j for link in links for j in link.tgt]
    assert si == list(range(n_source)), f"source indices {si}"
    assert ti == list(range(n_target)), f"target indices {ti}"
    for link in links:
        assert link.type == f"{len(link.src)}-{len(link.tgt)}" and link.type in LINK_TYPES, link
        assert 0.0 <= link.confidence <= 1.0, link


# ---------------------------------------------------------------- the aligner


def _logsumexp(values: list[float]) -> float:
    if not values:
        return -math.inf
    top = max(values)
    if top == -math.inf:
        return top
    return top + math.log(sum(math.exp(v - top) for v in values))


class _Scorer:
    def __init__(self, source: Sequence[str], target: Sequence[str], lang: str, src_lang: str,
                 mt: Sequence[str] | None, ratio: float, variance: float,
                 glossary: Sequence[GlossaryTerm], calibration: tuple[float, float] | None = None) -> None:
        self.source, self.target = list(source), list(target)
        self.lang = lang
        self.ratio, self.variance = ratio, variance
        same = src_lang == lang
        self.ls = [weighted_length(t, src_lang, lang, same) for t in source]
        self.lt = [weighted_length(t, lang, lang, same) for t in target]
        self.ns = [_sentence_count(t, src_lang) for t in source]
        self.nt = [_sentence_count(t, lang) for t in target]
        self.sa, self.ta = _shared_anchors(source, target, lang, src_lang, glossary)
        sn = [_numbers(t, src_lang) for t in source]
        tn = [_numbers(t, lang) for t in target]
        # per unit: (length, sentences, numbers, soft numbers, anchors), as plain dicts and sets
        self.src_feat = [(self.ls[k], self.ns[k], dict(sn[k][0]), sn[k][1], dict(self.sa[k])) for k in range(len(source))]
        self.tgt_feat = [(self.lt[k], self.nt[k], dict(tn[k][0]), tn[k][1], dict(self.ta[k])) for k in range(len(target))]
        self._pairs: dict[tuple[bool, int], tuple] = {}
        self.mt = list(mt) if mt is not None else None
        self.mt_base = 0.0
        self.mt_spread = 0.0
        self.mt_used = False
        self._mt_cache: dict[tuple, float] = {}
        if self.mt is not None:
            self._calibrate_mt(calibration)

    def _calibrate_mt(self, calibration: tuple[float, float] | None) -> None:
        if calibration is None:
            calibration = mt_calibration(self.mt, self.target, self.lang)
        if calibration is not None:
            self.mt_base, self.mt_spread = calibration
            self.mt_used = True

    def _mt_sim(self, si: tuple[int, ...], tj: tuple[int, ...]) -> float:
        key = (si, tj)
        v = self._mt_cache.get(key)
        if v is None:
            from rapidfuzz import fuzz

            sep = "" if self.lang in ("zh", "zt", "ja") else " "
            v = fuzz.ratio(sep.join(self.mt[i] for i in si), sep.join(self.target[j] for j in tj))
            self._mt_cache[key] = v
        return v

    def _side(self, feats: list[tuple], k: int, d: int) -> tuple:
        """Features of units k (d=1) or k and k+1 together (d=2)."""
        if d == 1:
            return feats[k]
        key = (feats is self.src_feat, k)
        got = self._pairs.get(key)
        if got is None:
            a, b = feats[k], feats[k + 1]
            nums = dict(a[2])
            for x, v in b[2].items():
                nums[x] = nums.get(x, 0) + v
            anchors = dict(a[4])
            for x, v in b[4].items():
                anchors[x] = anchors.get(x, 0) + v
            got = (a[0] + b[0], a[1] + b[1], nums, a[3] | b[3], anchors)
            self._pairs[key] = got
        return got

    def cost(self, i: int, j: int, di: int, dj: int) -> float:
        """Cost (nats) of linking source[i:i+di] with target[j:j+dj]."""
        c = PRIOR_COST[(di, dj)]
        if di == 0 or dj == 0:
            # omitted or added: a little dearer for long text (captions and bylines go first)
            l = self.ls[i] if di else self.lt[j] / self.ratio
            return c + 0.5 * math.log1p(l / 100.0)
        ls, ns, sn, soft, sa = self._side(self.src_feat, i, di)
        lt, nt, tn, _, ta = self._side(self.tgt_feat, j, dj)
        c += length_cost(ls, lt, self.ratio, self.variance)
        c += SENTENCE_MISMATCH_COST * abs(ns - nt)
        if sn or tn:
            matched = missing = 0
            for k, v in sn.items():
                w = tn.get(k, 0)
                matched += min(v, w)
                missing += max(0, v - w)
            for k, w in tn.items():
                if w > sn.get(k, 0) and k not in soft:
                    missing += w - sn.get(k, 0)
            c += NUMBER_MISS_COST * missing - NUMBER_REWARD * matched
        if sa and ta:
            if len(ta) < len(sa):
                sa, ta = ta, sa
            for k, v in sa.items():
                w = ta.get(k)
                if w:
                    c -= ANCHOR_REWARD[k[0]] * min(v, w)
        if self.mt_used:
            sim = self._mt_sim(tuple(range(i, i + di)), tuple(range(j, j + dj)))
            z = max(-2.0, min(3.0, (sim - self.mt_base) / self.mt_spread))
            c -= MT_WEIGHT * z
        return c


_SCRIPT = {"ko": "hangul", "zh": "han", "zt": "han", "ja": "han"}


def in_script(texts: Sequence[str], lang: str) -> bool:
    """Whether `texts` are written mostly in `lang`'s script (Hangul for ko, Han for zh); True
    for languages without a script rule. Used to refuse a "machine translation" that is not."""
    from .langid import script_counts

    script = _SCRIPT.get(lang)
    if script is None:
        return True
    sc = script_counts(" ".join(texts))
    return not sc.letters or sc.share(script) + (sc.share("kana") if lang == "ja" else 0) >= 0.3


def mt_calibration(mt: Sequence[str], target: Sequence[str], lang: str | None = None) -> tuple[float, float] | None:
    """(baseline, spread) of machine-translation similarity, or None when it does not help: MT
    not in the target's script (an echo model's English), or not separating pairs (the best
    target of each source must beat the median pair by MT_MIN_SPREAD points of fuzz.ratio on
    average)."""
    import statistics

    from rapidfuzz import fuzz, process

    if len(mt) < 2 or len(target) < 2:
        return None
    if lang is not None and not in_script(mt, lang):
        return None
    matrix = process.cdist(list(mt), list(target), scorer=fuzz.ratio, workers=1)
    base = statistics.median(float(v) for row in matrix for v in row)
    spread = sum(float(max(row)) - base for row in matrix) / len(matrix)
    return (base, spread) if spread >= MT_MIN_SPREAD else None


def _band(n: int, m: int) -> list[tuple[int, int]]:
    """For each i, the range of j the search considers: the whole table for small inputs, a
    band around the diagonal for long ones (wide enough for the length difference)."""
    if n * m <= 40000:
        return [(0, m)] * (n + 1)
    w = max(60, 2 * abs(n - m) + 30)
    out = []
    for i in range(n + 1):
        centre = i * m / n if n else 0
        out.append((max(0, int(centre) - w), min(m, int(math.ceil(centre)) + w)))
    return out


def align_texts(source: Sequence[str], target: Sequence[str], lang: str, mt: Sequence[str] | None = None,
                *, glossary: Sequence[GlossaryTerm] = (), ratio: float | None = None,
                src_lang: str = "en", same_language: bool = False) -> list[Link]:
    """Links between English `source` units and `target` units in `lang` ('ko' or 'zh').

    `mt`, when given, is a machine translation of each source unit into `lang` (same length as
    `source`). `ratio` overrides the estimated length ratio. `same_language=True` compares two
    versions in one language (ratio 1; pass one version as `mt` too for a strong signal).
    """
    links, _ = _align(source, target, lang, mt, glossary=glossary, ratio=ratio, src_lang=src_lang,
                      same_language=same_language)
    return links


def _align(source: Sequence[str], target: Sequence[str], lang: str, mt: Sequence[str] | None = None, *,
           glossary: Sequence[GlossaryTerm] = (), ratio: float | None = None, src_lang: str = "en",
           same_language: bool = False, calibration: tuple[float, float] | None = None,
           info: dict | None = None) -> tuple[list[Link], bool]:
    """The aligner; returns the links and whether machine translation was used. `info`, when
    given, receives the length ratio used ("ratio")."""
    n, m = len(source), len(target)
    if mt is not None and len(mt) != n:
        raise ValueError(f"mt has {len(mt)} units for {n} source units")
    if n == 0 or m == 0:
        return [make_link((i,), ()) for i in range(n)] + [make_link((), (j,)) for j in range(m)], False
    model = SAME_LANGUAGE_MODEL if same_language else LENGTH_MODEL.get(lang, DEFAULT_MODEL)
    estimated = ratio is None
    if ratio is None:
        ratio = estimate_ratio(source, target, lang, same_language, src_lang)
    scorer = _Scorer(source, target, lang, src_lang if not same_language else lang, mt, ratio, model[1], glossary,
                     calibration)
    links = _dp(scorer, n, m)
    if estimated:
        # Re-estimate the ratio from the confident 1-1 links only: added or dropped paragraphs bias
        # the whole-document ratio. Align again if it moved.
        pairs = [(l.src[0], l.tgt[0]) for l in links if l.type == "1-1" and l.confidence >= 0.5]
        if len(pairs) >= 3:
            ls = sum(scorer.ls[i] for i, _ in pairs)
            lt = sum(scorer.lt[j] for _, j in pairs)
            if ls > 0 and lt > 0 and model[0] / 2.5 <= lt / ls <= model[0] * 2.5:
                better = math.exp(0.8 * math.log(lt / ls) + 0.2 * math.log(model[0]))
                if abs(better / ratio - 1) > 0.02:
                    ratio = scorer.ratio = better
                    links = _dp(scorer, n, m)
    if info is not None:
        info["ratio"] = ratio
    return links, scorer.mt_used


def _dp(scorer: _Scorer, n: int, m: int) -> list[Link]:
    """Viterbi path and forward-backward posteriors over the link lattice."""
    band = _band(n, m)

    costs: dict[tuple[int, int, int, int], float] = {}
    fwd: dict[tuple[int, int], float] = {(0, 0): 0.0}
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {(0, 0): (0.0, None)}
    for i in range(n + 1):
        lo, hi = band[i]
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            terms: list[float] = []
            choice: tuple[float, tuple[int, int] | None] = (math.inf, None)
            for di, dj in BEADS:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or (pi, pj) not in fwd:
                    continue
                c = scorer.cost(pi, pj, di, dj)
                costs[(pi, pj, di, dj)] = c
                terms.append(fwd[(pi, pj)] - c)
                total = best[(pi, pj)][0] + c
                if total < choice[0]:
                    choice = (total, (di, dj))
            if terms:
                fwd[(i, j)] = _logsumexp(terms)
                best[(i, j)] = choice
    if (n, m) not in best:  # cannot happen: the band always holds both corners
        raise RuntimeError("alignment band does not reach the end")
    bwd: dict[tuple[int, int], float] = {(n, m): 0.0}
    for i in range(n, -1, -1):
        lo, hi = band[i]
        for j in range(hi, lo - 1, -1):
            if (i, j) == (n, m) or (i, j) not in fwd:
                continue
            terms = [bwd[(i + di, j + dj)] - costs[(i, j, di, dj)] for di, dj in BEADS
                     if (i + di, j + dj) in bwd and (i, j, di, dj) in costs]
            if terms:
                bwd[(i, j)] = _logsumexp(terms)
    z = fwd[(n, m)]
    path: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        di, dj = best[(i, j)][1]
        i, j = i - di, j - dj
        path.append((i, j, di, dj))
    path.reverse()
    links = []
    for i, j, di, dj in path:
        post = math.exp(min(0.0, fwd[(i, j)] - costs[(i, j, di, dj)] + bwd[(i + di, j + dj)] - z))
        links.append(make_link(range(i, i + di), range(j, j + dj), round(post, 4)))
    return links


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class Alignment:
    """The result of aligning two documents: links between their units (paragraphs or sentences)."""

    links: tuple[Link, ...]
    source: tuple[str, ...]  # the units' texts, in order
    target: tuple[str, ...]
    lang: str
    unit: Unit = "paragraph"
    mt_used: bool = False
    note: str = ""  # how it was aligned, e.g. why machine translation was not used
    paragraph_links: tuple[Link, ...] = ()  # for unit="sentence": the paragraph links first made
    src_lang: str = "en"

    def pairs(self) -> list[list[list[int]]]:
        return [link.pair() for link in self.links]

    def texts(self, link: Link) -> tuple[str, str]:
        """The joined source and target text of one link."""
        from .engine import join_sentences

        return (join_sentences([self.source[i] for i in link.src], self.src_lang),
                join_sentences([self.target[j] for j in link.tgt], self.lang))

    def rows(self) -> list[dict]:
        """One dict per link: what a table (the app's, the CSV) shows."""
        out = []
        for k, link in enumerate(self.links):
            s, t = self.texts(link)
            out.append({"link": k + 1, "type": link.type, "confidence": link.confidence,
                        "src": list(link.src), "tgt": list(link.tgt), "en": s, self.lang: t})
        return out

    def counts(self) -> dict[str, int]:
        c = Counter(link.type for link in self.links)
        return {t: c.get(t, 0) for t in LINK_TYPES}

    def to_dict(self) -> dict:
        return {
            "format": "parallax-alignment", "version": 1, "lang": self.lang, "unit": self.unit,
            "machine_translation": self.mt_used, "note": self.note,
            "counts": self.counts(),
            "alignment": self.pairs(),
            "links": [{"src": list(l.src), "tgt": list(l.tgt), "type": l.type, "confidence": l.confidence,
                       "source_text": self.texts(l)[0], "target_text": self.texts(l)[1]} for l in self.links],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self, raw: bool = False) -> str:
        """RFC 4180 CSV, one row per link; indices 1-based for people; cells neutralised."""
        from .export import neutralise

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        label = "paragraph" if self.unit == "paragraph" else "sentence"
        w.writerow(["link", "type", "confidence", f"en {label}", f"{self.lang} {label}", "en", self.lang])
        for r in self.rows():
            cells = [r["en"], r[self.lang]]
            if not raw:
                cells = [neutralise(c) for c in cells]
            w.writerow([r["link"], r["type"], f"{r['confidence']:.3f}", _span(r["src"]), _span(r["tgt"]), *cells])
        return buf.getvalue()

    def csv_bytes(self, raw: bool = False) -> bytes:
        return self.to_csv(raw).encode("utf-8-sig")

    def to_tmx(self, min_confidence: float = 0.0) -> str:
        """TMX 1.4 for CAT tools: one translation unit per link with text on both sides."""
        return to_tmx([self.texts(l) for l in self.links if l.src and l.tgt and l.confidence >= min_confidence],
                      self.src_lang, self.lang, segtype="sentence" if self.unit == "sentence" else "paragraph")


def _span(idx: Sequence[int]) -> str:
    if not idx:
        return ""
    return str(idx[0] + 1) if len(idx) == 1 else f"{idx[0] + 1}-{idx[-1] + 1}"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_XML_BAD.sub("", text), {'"': "&quot;"})


TMX_LANG = {"en": "en", "ko": "ko", "zh": "zh-CN", "zt": "zh-TW"}


def to_tmx(pairs: Sequence[tuple[str, str]], src_lang: str, tgt_lang: str, segtype: str = "paragraph") -> str:
    from . import __version__

    sl, tl = TMX_LANG.get(src_lang, src_lang), TMX_LANG.get(tgt_lang, tgt_lang)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<tmx version="1.4">',
             f'  <header creationtool="Parallax" creationtoolversion="{_xml(str(__version__))}" '
             f'datatype="plaintext" segtype="{segtype}" adminlang="en" srclang="{sl}" o-tmf="Parallax"/>',
             "  <body>"]
    for s, t in pairs:
        lines += ["    <tu>", f'      <tuv xml:lang="{sl}"><seg>{_xml(s)}</seg></tuv>',
                  f'      <tuv xml:lang="{tl}"><seg>{_xml(t)}</seg></tuv>', "    </tu>"]
    lines += ["  </body>", "</tmx>", ""]
    return "\n".join(lines)


def machine_translation(engine, sentences: Sequence[str], lang: str, src_lang: str = "en") -> tuple[list[str] | None, str]:
    """Machine translations of `sentences` with `engine`, or None and the reason (no model, or
    output that is not in the target's script, as with a test echo model)."""
    from .langid import language_name

    if engine is None:
        return None, "no machine translation: aligned by length, numbers, names and punctuation"
    try:
        engine.route(src_lang, lang)
    except MissingModel:
        return None, (f"no {src_lang}→{lang} model installed: aligned without machine translation "
                      f"(to add it: {install_hint(src_lang, lang)})")
    done = engine.translate_sentences(list(sentences), src_lang, lang)
    texts = [t.text for t in done]
    if not in_script(texts, lang):
        return None, (f"the {src_lang}→{lang} model's output is not {language_name(lang)} text; "
                      "aligned without machine translation")
    return texts, f"used the installed {src_lang}→{lang} model's machine translation"


def align_documents(src_doc, tgt_doc, engine=None, unit: Unit = "paragraph",
                    glossary: Sequence[GlossaryTerm] = (), lang: str | None = None) -> Alignment:
    """Align two `documents.Document`s (English source, translation in `tgt_doc.lang`).

    With an `Engine` whose en→lang model is installed, its machine translation helps. With
    `unit="sentence"`, paragraphs are aligned first and then sentences inside linked paragraphs;
    the links then hold global 0-based sentence indices (in `Document.sentences` order)."""
    lang = lang or tgt_doc.lang
    if unit not in ("paragraph", "sentence"):
        raise UsageError(f"unknown unit {unit!r}; use paragraph or sentence")
    src_paras = [p.text for p in src_doc.paragraphs]
    tgt_paras = [p.text for p in tgt_doc.paragraphs]
    src_sents = [list(p.sentences) for p in src_doc.paragraphs]
    tgt_sents = [list(p.sentences) for p in tgt_doc.paragraphs]
    mt_sents, note = machine_translation(engine, [s for ss in src_sents for s in ss], lang, src_doc.lang) \
        if engine is not None else (None, "no machine translation: aligned by length, numbers, names and punctuation")
    return align_sentences_in_paragraphs(src_sents, tgt_sents, lang, unit, mt_sents, note, glossary,
                                         src_lang=src_doc.lang, src_paras=src_paras, tgt_paras=tgt_paras)


def align_sentences_in_paragraphs(src_sents: Sequence[Sequence[str]], tgt_sents: Sequence[Sequence[str]], lang: str,
                                  unit: Unit = "sentence", mt_sents: Sequence[str] | None = None, note: str = "",
                                  glossary: Sequence[GlossaryTerm] = (), src_lang: str = "en",
                                  src_paras: Sequence[str] | None = None,
                                  tgt_paras: Sequence[str] | None = None) -> Alignment:
    """The hierarchical aligner behind `align_documents`, on paragraphs given as sentence lists
    (`mt_sents`: a machine translation per source sentence, flattened)."""
    from .engine import join_sentences

    src_paras = list(src_paras) if src_paras is not None else [join_sentences(s, src_lang) for s in src_sents]
    tgt_paras = list(tgt_paras) if tgt_paras is not None else [join_sentences(s, lang) for s in tgt_sents]
    mt_paras = None
    if mt_sents is not None:
        mt_paras, k = [], 0
        for ss in src_sents:
            mt_paras.append(join_sentences(mt_sents[k:k + len(ss)], lang))
            k += len(ss)
    info: dict = {}
    plinks, mt_used = _align(src_paras, tgt_paras, lang, mt_paras, glossary=glossary, src_lang=src_lang, info=info)
    ratio = info["ratio"]
    if mt_sents is not None and not mt_used:
        note = "machine translation did not separate the paragraphs; aligned without it"
    if unit == "paragraph":
        return Alignment(tuple(plinks), tuple(src_paras), tuple(tgt_paras), lang, "paragraph", mt_used, note,
                         src_lang=src_lang)
    tgt_flat = [t for ts in tgt_sents for t in ts]
    sent_cal = mt_calibration(mt_sents, tgt_flat, lang) if mt_used and mt_sents is not None else None
    s_off = [0]
    for ss in src_sents:
        s_off.append(s_off[-1] + len(ss))
    t_off = [0]
    for ts in tgt_sents:
        t_off.append(t_off[-1] + len(ts))
    links: list[Link] = []
    for pl in plinks:
        s_idx = [k for i in pl.src for k in range(s_off[i], s_off[i + 1])]
        t_idx = [k for j in pl.tgt for k in range(t_off[j], t_off[j + 1])]
        if not s_idx or not t_idx:
            links += [make_link((k,), (), pl.confidence) for k in s_idx]
            links += [make_link((), (k,), pl.confidence) for k in t_idx]
            continue
        ss = [s for i in pl.src for s in src_sents[i]]
        ts = [t for j in pl.tgt for t in tgt_sents[j]]
        mts = [mt_sents[k] for k in s_idx] if sent_cal is not None else None
        sub, _ = _align(ss, ts, lang, mts, glossary=glossary, ratio=ratio, src_lang=src_lang, calibration=sent_cal)
        for sl in sub:
            links.append(make_link([s_idx[a] for a in sl.src], [t_idx[b] for b in sl.tgt],
                                   round(sl.confidence * pl.confidence, 4)))
    src_flat = tuple(s for ss in src_sents for s in ss)
    return Alignment(tuple(links), src_flat, tuple(tgt_flat), lang, "sentence", mt_used, note, tuple(plinks), src_lang)


# ---------------------------------------------------------------- files, glossaries, gold


def read_sentence_file(path: str | Path) -> list[list[str]]:
    """A file with one sentence per line and blank lines between paragraphs."""
    from .documents import decode_bytes

    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    text, _ = decode_bytes(path.read_bytes(), str(path))
    paragraphs = [[ln.strip() for ln in block.split("\n") if ln.strip()]
                  for block in re.split(r"\n[ \t\f\v]*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise BadInput(f"{path}: has no sentences")
    return paragraphs


def glossary_from_bytes(data: bytes, name: str = "glossary.csv") -> list[GlossaryTerm]:
    """A glossary from an uploaded file's bytes (UTF-8 with or without BOM, or another encoding)."""
    from .documents import decode_bytes

    text, _ = decode_bytes(data, name)
    return parse_glossary(text, name)


def load_glossary(path: str | Path) -> list[GlossaryTerm]:
    """A CSV glossary with an `en` column and `ko` / `zh` columns; a cell may list alternatives
    separated by `|` (e.g. "김정은|김 위원장"). Rows without English are skipped."""
    from .documents import decode_bytes

    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such glossary file")
    text, _ = decode_bytes(path.read_bytes(), str(path))
    return parse_glossary(text, str(path))


def parse_glossary(text: str, name: str = "glossary") -> list[GlossaryTerm]:
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        fields = {(f or "").strip().lower(): f for f in (reader.fieldnames or [])}
        if "en" not in fields or not ({"ko", "zh"} & set(fields)):
            raise BadInput(f"{name}: a glossary needs a header row with an en column and ko and/or zh columns")
        terms = []
        for row in reader:
            en = (row.get(fields["en"]) or "").strip()
            if not en:
                continue
            targets = {}
            for lang in ("ko", "zh"):
                if lang in fields:
                    alts = tuple(a.strip() for a in (row.get(fields[lang]) or "").split("|") if a.strip())
                    if alts:
                        targets[lang] = alts
            terms.append(GlossaryTerm(en, targets))
    except csv.Error as exc:
        raise BadInput(f"{name}: not a readable CSV file ({exc})") from None
    return terms


def load_gold(path: str | Path) -> dict:
    """A gold alignment file: {"source", "translation", "lang", "unit", "links": [[src], [tgt]]...}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def link_scores(predicted: Iterable, gold: Iterable) -> dict[str, float]:
    """Precision, recall and F1 of predicted links against gold links (exact match of both
    index lists; omitted/added links count too). Links may be `Link`s or [src, tgt] pairs."""
    def key(l) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if isinstance(l, Link):
            return l.src, l.tgt
        return tuple(l[0]), tuple(l[1])

    p = {key(l) for l in predicted}
    g = {key(l) for l in gold}
    hit = len(p & g)
    precision = hit / len(p) if p else 1.0
    recall = hit / len(g) if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
