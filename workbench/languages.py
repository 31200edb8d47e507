"""The language registry: the one place that knows language codes, names, aliases and scripts.

Every module asks here instead of keeping its own table: which codes a package may carry
(ISO 639-1 plus Argos's `zt`, traditional Chinese, and `pb`, Brazilian Portuguese), what people
type for a language (`parse_lang`), what it is called, which scripts its text is written in, and
what follows from that -- written without spaces (sentences joined with nothing), split with the
Chinese or the Korean sentence rule, diffed character by character, BLEU-tokenised as Chinese or
by character, tagged for TMX.

It imports nothing of the workbench but `errors`, so the lowest layers (the package store, the
segmenter) can use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

# ISO 639-1, plus the codes Argos uses beyond it (zt: Chinese traditional, pb: Brazilian Portuguese).
CODES = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu zt pb
""".split())

Script = Literal["latin", "hangul", "han", "kana", "other"]  # the fields of ScriptCounts
_SCRIPTS: tuple[Script, ...] = ("latin", "hangul", "han", "kana", "other")


@dataclass(frozen=True)
class Language:
    """What the workbench knows about one language code."""

    code: str
    name: str = ""  # English name; "" when we have none (the code is shown)
    scripts: tuple[Script, ...] = ()  # scripts its text is written in; () when we do not know them
    spaces: bool = True  # False: written without spaces between words and sentences
    tag: str = ""  # BCP 47 tag where it differs from the code (zh-CN, zh-TW)

    @property
    def label(self) -> str:
        return self.name or self.code

    @property
    def cjk(self) -> bool:
        """Written in Hangul or Han characters: diffed by character, full-width punctuation."""
        return bool({"hangul", "han"} & set(self.scripts))

    @property
    def sentence_rule(self) -> Literal["en", "ko", "cjk"]:
        """Which splitter rules apply (segment.py): Chinese/Japanese punctuation rules, Korean
        ones (the same punctuation, but a boundary needs a space after it), or English ones."""
        if not self.cjk:
            return "en"
        return "ko" if self.spaces else "cjk"

    @property
    def bleu_tokenize(self) -> str:
        """sacrebleu's tokenizer for this language: "zh" for Chinese, "char" for Korean and
        Japanese, "13a" otherwise."""
        if not self.cjk:
            return "13a"
        return "zh" if self.scripts == ("han",) else "char"


_LATIN: tuple[Script, ...] = ("latin",)
_KNOWN = (
    Language("en", "English", _LATIN),
    Language("ko", "Korean", ("hangul",)),
    Language("zh", "Chinese", ("han",), spaces=False, tag="zh-CN"),
    Language("zt", "Chinese (traditional)", ("han",), spaces=False, tag="zh-TW"),
    Language("ja", "Japanese", ("han", "kana"), spaces=False),
    Language("th", "", spaces=False),
    Language("fr", "French", _LATIN),
    Language("de", "German", _LATIN),
    Language("es", "Spanish", _LATIN),
    Language("ru", "Russian"),
    Language("ar", "Arabic"),
    Language("it", "Italian", _LATIN),
    Language("pt", "Portuguese", _LATIN),
    Language("vi", "Vietnamese", _LATIN),
)
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _KNOWN}

# What people type for the languages Parallax is about (checked before ISO 639-1, so `kr`, which
# is Kanuri there, means Korean here). A region tag after a known code is dropped (en-US → en),
# except for Chinese, where it says which script: Taiwan/Hong Kong/Macau and Hant are traditional
# (Argos's `zt`), everything else simplified (`zh`).
ALIASES = {
    "kr": "ko", "kor": "ko", "korean": "ko", "한국어": "ko", "조선어": "ko",
    "cn": "zh", "zho": "zh", "chi": "zh", "chinese": "zh", "mandarin": "zh", "中文": "zh", "汉语": "zh",
    "简体中文": "zh", "zh-hans": "zh", "simplified chinese": "zh", "chinese (simplified)": "zh",
    "zh-hant": "zt", "zh-tw": "zt", "zh-hk": "zt", "zh-mo": "zt", "繁體中文": "zt",
    "traditional chinese": "zt", "chinese (traditional)": "zt",
    "eng": "en", "english": "en", "jp": "ja", "jpn": "ja", "japanese": "ja",
}
NAMES = {lang.code: lang.name for lang in _KNOWN if lang.name}
_BY_NAME = {name.lower(): code for code, name in NAMES.items()}


def language(code: str | None) -> Language:
    """The registry's entry for `code` (a region suffix is ignored: `zh-CN`, `ko_KR`); an entry
    with no facts (spaces, Latin rules, no known script) for a code it does not know."""
    c = (code or "").strip().lower()
    if c in LANGUAGES:
        return LANGUAGES[c]
    base = re.split(r"[-_]", c, maxsplit=1)[0]
    return LANGUAGES.get(base) or Language(c)


def is_code(code: str) -> bool:
    """Whether `code` is a language code a package may carry (ISO 639-1, zt, pb)."""
    return code in CODES


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def joins_without_spaces(code: str) -> bool:
    return not language(code).spaces


def tmx_tag(code: str) -> str:
    return LANGUAGES[code].tag or code if code in LANGUAGES else code


def parse_lang(code: str) -> str:
    """The language code for what a user typed: `ko`, `KR`, `korean`, `ko_KR`, `zh-Hans`... one
    place for every command and the app. UsageError (exit 2) with close matches otherwise."""
    from .errors import UsageError

    c = " ".join(code.strip().lower().replace("_", "-").split())
    if c in ALIASES:
        return ALIASES[c]
    if c in _BY_NAME:
        return _BY_NAME[c]
    if c in CODES:
        return c
    base, _, region = c.partition("-")
    if region and base in ("zh", "cmn"):
        return "zt" if region.split("-")[-1] in ("tw", "hk", "mo", "hant") or "hant" in region else "zh"
    if region:
        base = ALIASES.get(base, base)
        if base in CODES:
            return base
    raise UsageError(f"unknown language code {code.strip()!r}; {_suggest(c)}")


def _suggest(typed: str) -> str:
    import difflib

    words = sorted({*ALIASES, *_BY_NAME, *NAMES})
    close = difflib.get_close_matches(typed, words, n=3, cutoff=0.6)
    codes = list(dict.fromkeys(ALIASES.get(w) or _BY_NAME.get(w) or w for w in close))
    if codes:
        return "did you mean " + " or ".join(f"{c} ({language_name(c)})" for c in codes) + "?"
    return "use ISO 639-1 codes like en, ko, zh"


# ---------------------------------------------------------------- scripts


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

    def shares(self, scripts: Iterable[str]) -> float:
        """The share of letters written in any of `scripts`."""
        return sum(self.share(s) for s in set(scripts))

    @property
    def present(self) -> tuple[str, ...]:
        """The scripts the text has letters of."""
        return tuple(s for s in _SCRIPTS if getattr(self, s))

    def dominant(self) -> str:
        return max(_SCRIPTS, key=lambda s: getattr(self, s))


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
            if _is_latin(ch):
                latin += 1
            else:
                other += 1
    return ScriptCounts(latin, hangul, han, kana, other)


@lru_cache(maxsize=4096)
def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


SCRIPT_NAMES = {"latin": "Latin letters", "hangul": "Korean (Hangul)", "han": "Chinese characters",
                "kana": "Japanese kana", "other": "another script"}


def in_script(texts: Iterable[str], code: str, share: float = 0.3) -> bool:
    """Whether `texts` are written at least `share` in `code`'s scripts (Hangul for ko, Han for
    zh, Han or kana for ja...); True for text without letters and for the CJK-free languages,
    whose script alone says little (a Korean or Chinese "translation" left in English is the
    case this catches)."""
    lang = language(code)
    if not lang.cjk:
        return True
    sc = script_counts(" ".join(texts))
    return not sc.letters or sc.shares(lang.scripts) >= share


def foreign_script(text: str, code: str, allowed: Iterable[str] = (), share: float = 0.5) -> str | None:
    """The script most of `text`'s letters are written in when that is neither `code`'s nor one
    of `allowed` (e.g. the script of the text it was translated from: names and words a model
    leaves as they are); None when the text fits, has no letters, or `code`'s scripts are
    unknown. An en→zh model whose output is Hangul gets "hangul"."""
    lang = language(code)
    if not lang.scripts:
        return None
    sc = script_counts(text)
    if not sc.letters or 1.0 - sc.shares({*lang.scripts, *allowed}) <= share:
        return None
    return sc.dominant()
