"""Numbers, dates, weekdays and clock times, normalised so English, Korean and Chinese compare.

"1.5 million" = "150만" = "150万", "75th" = "75주년" = "75周年", "September 9" = "9월 9일" = "9月9日".
The aligner uses them as anchors (a number on both sides of a link is strong evidence) and the
checks in `workbench.compare` report a number that changed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

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


