"""Sentence splitting for Parallax (offline, rule based, never downloads anything).

English (and any language code we do not know) is split with pySBD's rule-based
English segmenter, which measured best on our gold set of tricky news text (see
``benchmarks/segmenters.py`` and ``benchmarks/data/segmentation_gold.jsonl``),
plus a few small, general post-passes:

* **Offsets are ours, not pySBD's.**  pySBD may alter or drop characters in
  edge cases (e.g. runs of periods), so its output is only used to decide
  *where* boundaries fall; they are mapped back onto the original paragraph by
  aligning non-whitespace characters.  Every sentence returned is therefore an
  exact substring of the input.
* **Line breaks.**  A line break is a sentence boundary (headlines, datelines
  and captions such as ``Published: Sep 10, 2023 11:31 PM`` are separate
  units) unless it looks like a soft wrap: the next line starts with a
  lower-case letter, the line ends in ``, ; - – — ( / &``, or most of the
  paragraph's line breaks look like that (a hard-wrapped paragraph), in which
  case all its line breaks are treated as spaces.  A two-line hard-wrapped
  paragraph whose second line starts with a capital is still split there.
* **Quotes.**  pySBD sees curly quotes as ASCII ones (same length, offsets
  unchanged); its rules miss ``...called it ‘necessary.’ Others ...``.
* **Extra boundaries**: after a bracketed/parenthesised sentence such as
  ``(It was later withdrawn.)`` or ``[Updated at 3:15 p.m.]`` followed by a
  capitalised word, and before such a parenthesised sentence; after an
  abbreviation or initial that can end a sentence (``U.S.``, ``D.C.``,
  ``p.m.``, ``Inc.``, ``Co.``, ``Jr.``, ``etc.``, ``St.``, ``Plan B.`` ...)
  when the next word is a frequent sentence starter (``The``, ``It``,
  ``Both``, ``However`` ...).  A proper noun after such an abbreviation stays
  attached (``the U.S. Congress``, ``J. R. R. Tolkien``), so ``... from the
  U.N. China sent food.`` is deliberately *not* split.
* **Merges**: a boundary is removed when the next piece starts with a
  lower-case word (``"Why?" she asked``; camel-case words such as ``iPad`` do
  start sentences) or with a period (``a..b``); when the previous piece ends
  in an abbreviation that never ends a sentence (``Mr.``, ``Dr.``, ``Gen.``,
  ``Lt.``, ``Sen.``, ``e.g.``, ``vs.`` ...); when it ends in
  ``No.``/``Fig.``/``Vol.``/``pp.``/a month abbreviation and the next piece
  starts with a digit (``No. 3``, ``Sep. 10``); when a clock time goes on
  with a day, month or time zone (``10 a.m. Wednesday``, ``5 p.m. EST``);
  and when a piece has no letters or digits at all (a stray ``.`` or ``"``).
  Boundaries at hard line breaks are never merged away.

Chinese (and Japanese) text -- ``lang`` ``zh``/``ja``, with or without a
region suffix -- is split by a simple rule: after ``。！？`` (and runs of
them), after ``!``/``?`` followed by whitespace or a non-ASCII character, and
after ``.`` followed by whitespace when the character before the ``.`` is not
an ASCII letter, digit or period (``U.S. 政府`` is not split), each time
keeping any closing quotes/brackets (``”」』）)]`` ...) with the sentence.
Korean (``ko``) uses the same punctuation (``.`` only after a non-ASCII
letter/digit: ``했다. 그는`` splits, ``U.S. 정부`` does not) but a boundary also
needs whitespace after it, because Korean spaces its sentences and a closing
quote followed directly by a particle continues the sentence (``"준비됐다!"고
말했다``).  Line breaks are handled as for English.

**Long sentences.**  No sentence longer than ``MAX_SENTENCE_CHARS`` (400)
characters is returned: such a sentence is cut, recursively, at the separator
nearest its middle among those in its central half, preferring ``;``/``:``
(and full-width ``；：``), then ``,`` (and ``，、``) and dashes, then any
whitespace; a run with no separator at all (a very long URL, CJK text
without punctuation) is cut in the middle.  This keeps inputs to the translation model bounded.  The pieces are
not real sentences, but they are still exact, in-order substrings.

Contract (both languages): sentences are non-empty exact substrings of the
paragraph, in order, stripped of surrounding whitespace, and only whitespace
lies between consecutive sentences, so joining them with the original
inter-sentence whitespace reproduces ``paragraph.strip()``.

Speed: about 1-2 thousand sentences/s (pySBD dominates), far faster than the
translation model; results are memoised per (paragraph, language) in a small
LRU cache (paragraphs up to 20,000 characters), and the pySBD segmenter is
built once per process.  Time is linear in the text's length whatever the
text: pySBD (quadratic in its input) sees a long paragraph in windows of
2,000 characters (see ``_en_cuts``), and every rule here runs in linear time
on hostile input (one 2 MB line without punctuation, runs of ``!`` or
combining marks); ``benchmarks/hostile_inputs.py`` measures it.
"""
from __future__ import annotations

import bisect
import difflib
import functools
import hashlib
import re
import threading
import unicodedata
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version
from pathlib import Path

from .languages import language
from .protect import find_spans


def _pysbd_version() -> str:
    try:
        return _package_version("pysbd")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["split_sentences", "sentence_spans", "MAX_SENTENCE_CHARS", "VERSION"]

MAX_SENTENCE_CHARS = 400

# Persistent caches of splits (cache.TranslationCache.get_segments) key on this: any edit of
# these rules, or another pySBD, gives another version and so fresh splits.
# The registry decides which rules split which language, and protected spans are never split: their
# edits count too.
VERSION = (hashlib.sha256(b"".join((Path(__file__).parent / f).read_bytes() for f in ("segment.py", "languages.py", "protect.py")))
           .hexdigest()[:16] + "-pysbd-" + _pysbd_version())

# pySBD segmenter: built once (construction is slow) and shared.  Segmenter
# keeps per-call state on the instance, so calls are serialised with a lock.
_SEGMENTER = None
_SEGMENTER_LOCK = threading.Lock()


def _pysbd_sentences(text: str) -> list[str]:
    global _SEGMENTER
    with _SEGMENTER_LOCK:
        if _SEGMENTER is None:
            import pysbd  # local, rule-based; no downloads

            _SEGMENTER = pysbd.Segmenter(language="en", clean=False)
        seg = _SEGMENTER
        try:
            # The processor's own output: boundaries only, we align them
            # ourselves.  (Segmenter.segment() re-finds each sentence in the
            # text with a regex and silently drops any it cannot find.)
            return list(seg.processor(text).process())
        except AttributeError:  # pragma: no cover - other pySBD versions
            return list(seg.segment(text))


# ------------------------------------------------------------------ public API
def split_sentences(paragraph: str, lang: str = "en") -> list[str]:
    """Sentences as exact substrings of paragraph in order, stripped of
    surrounding whitespace; joining them with the original inter-sentence
    whitespace reproduces paragraph.strip().  Empty/whitespace-only input -> [].
    Never downloads anything."""
    return [paragraph[a:b] for a, b in sentence_spans(paragraph, lang)]


def sentence_spans(paragraph: str, lang: str = "en") -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence in paragraph."""
    if not paragraph or paragraph.isspace():
        return []
    return list(_spans(paragraph, _lang_key(lang)))


def _lang_key(lang: str | None) -> str:
    """Which rules split `lang` ("en", "ko" or "cjk"): the language registry decides."""
    return language(lang or "en").sentence_rule


def _spans(text: str, key: str) -> tuple[tuple[int, int], ...]:
    # memoise ordinary paragraphs only: 2048 huge texts would pin gigabytes
    return _spans_memo(text, key) if len(text) <= 20000 else _compute_spans(text, key)


@functools.lru_cache(maxsize=2048)
def _spans_memo(text: str, key: str) -> tuple[tuple[int, int], ...]:
    return _compute_spans(text, key)


_spans.cache_clear = _spans_memo.cache_clear  # type: ignore[attr-defined]  # what tests and benchmarks call


def _compute_spans(text: str, key: str) -> tuple[tuple[int, int], ...]:
    hard = _hard_breaks(text)
    cuts = set(hard)
    edges = [0, *hard, len(text)]
    for a, b in zip(edges, edges[1:]):
        if text[a:b].strip():
            chunk_cuts = _en_cuts(text[a:b]) if key == "en" else _cjk_cuts(text[a:b], key)
            cuts.update(a + c for c in chunk_cuts)
    if key == "en":
        cuts.update(_extra_en_cuts(text))
    for a, b in find_spans(text):  # never inside a URL, e-mail address, path or inline code
        cuts.difference_update(range(a + 1, b))
    pieces = _pieces(text, sorted(cuts))
    pieces = _merge(text, pieces, hard, english=(key == "en"))
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        out.extend(_cut_long(text, a, b))
    return tuple(out)


# ----------------------------------------------------------------- line breaks
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")
_SOFT_LINE_END = ",;-–—(/&"
_SPACE_RUN = re.compile(r"\s*[\n\r\u2028\u2029\x0b\x0c\x85]\s*")


def _hard_breaks(text: str) -> list[int]:
    """Positions of line breaks that end a sentence (see module docstring)."""
    breaks, soft = [], 0
    for run in _SPACE_RUN.finditer(text):  # each whitespace run once: linear in the text
        i, j = run.start() - 1, run.end()
        for m in _LINE_BREAK.finditer(text, run.start(), run.end()):
            if i < 0 or j >= len(text):
                continue  # leading/trailing line break
            is_soft = (text[j].islower() and not _is_camel(text[j:j + 40])) or text[i] in _SOFT_LINE_END
            soft += is_soft
            breaks.append((m.start(), is_soft))
    if len(breaks) >= 2 and soft * 2 >= len(breaks):
        return []  # hard-wrapped paragraph: line breaks are just spaces
    return [pos for pos, is_soft in breaks if not is_soft]


def _is_camel(s: str) -> bool:
    return re.match(r"[a-z]+[A-Z]", s) is not None


# ------------------------------------------------------------------- English
# pySBD's time grows with the square of its input's length (100 KB: 13 s, 2 MB: hours), so a long
# chunk is fed to it in windows: every boundary it finds in a window's body is kept, the window's
# last TAIL characters (where a sentence may be cut short) are looked at again by the next window,
# which starts at the last kept boundary. A window with no boundary in its body (a run that is too
# long to be one sentence anyway) is cut at its end, on a space when there is one. Paragraphs up
# to WINDOW characters (nearly all) are split exactly as before.
_WINDOW = 2000
_WINDOW_TAIL = 300
_DENSE = 60  # more sentence punctuation than this in a window: use a quarter of the window


def _en_cuts(chunk: str) -> list[int]:
    # pySBD sees a copy where every whitespace character is a plain space (same
    # length, so offsets are unchanged): no newlines, NBSPs or tabs.
    norm = "".join(" " if c.isspace() else _ASCII_QUOTES.get(c, c) for c in chunk)
    cuts: list[int] = []
    start = 0
    while len(chunk) - start > _WINDOW:
        window, tail = _WINDOW, _WINDOW_TAIL
        if len(_PYSBD_TRIGGER.findall(norm, start, start + window)) > _DENSE:
            window, tail = _WINDOW // 4, _WINDOW_TAIL // 3  # pySBD's cost grows with periods x length
        end = start + window
        space = norm.rfind(" ", start + window // 2, end)
        if space > start:
            end = space
        body = end - start - tail
        kept = [c for c in _pysbd_cuts(chunk[start:end], norm[start:end]) if c <= body]
        if kept:
            cuts.extend(start + c for c in kept)
            start += kept[-1]
        else:
            cuts.append(end)
            start = end
    cuts.extend(start + c for c in _pysbd_cuts(chunk[start:], norm[start:]))
    return cuts


# pySBD only ends a sentence at one of these (checked on random text without them): a window
# with none of them, the unpunctuated line, needs no pySBD pass at all.
_PYSBD_TRIGGER = re.compile(r"[.!?)'\"…。！？]")


def _pysbd_cuts(chunk: str, norm: str) -> list[int]:
    if not _PYSBD_TRIGGER.search(norm):
        return []
    try:
        sents = _pysbd_sentences(norm)
    except Exception:  # pragma: no cover - never let a splitter bug lose text
        return [m.end() for m in _FALLBACK_EN.finditer(chunk)]
    return _align(chunk, sents)


# pySBD's quote rules are written for ASCII quotes; it misses "...‘necessary.’ Others".
_ASCII_QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
_FALLBACK_EN = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def _align(orig: str, pieces: list[str]) -> list[int]:
    """Offsets in orig at which each piece but the last ends, matching
    non-whitespace characters (tolerates pieces that altered the text)."""
    pos = [i for i, c in enumerate(orig) if not c.isspace()]
    o = "".join(orig[i] for i in pos)
    parts = ["".join(c for c in p if not c.isspace()) for p in pieces]
    s = "".join(parts)
    counts, n = [], 0
    for p in parts[:-1]:
        n += len(p)
        counts.append(n)
    if s != o:
        to_o = [0] * (len(s) + 1)
        sm = difflib.SequenceMatcher(None, o, s, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            for j in range(j1, j2):
                if tag == "equal":
                    to_o[j] = i1 + (j - j1)
                elif tag == "replace":
                    to_o[j] = i1 + (j - j1) * (i2 - i1) // (j2 - j1)
                else:  # insert: characters pySBD added
                    to_o[j] = i1
        to_o[len(s)] = len(o)
        counts = [to_o[k] for k in counts]
    return sorted({pos[k - 1] + 1 for k in counts if 0 < k < len(o)})


# Abbreviations that can end a sentence, and words that very often start one.
_FINAL_ABBREV = r"(?:(?<![\w.])(?:[A-Za-z]\.){2,}|(?<![\w.])[A-Z]\.|\b(?:Inc|Corp|Co|Ltd|Bros|Jr|Sr|etc|St|Ave|Blvd|Rd)\.)"
_STARTERS = (
    "The|A|An|This|That|These|Those|It|Its|He|His|She|Her|They|Their|We|Our|I|You|"
    "There|Here|But|And|Or|So|Yet|However|Meanwhile|Still|Also|Both|Some|Many|Most|"
    "All|Each|Such|Several|If|When|While|After|Before|Since|Although|Though|As|At|In|"
    "On|For|From|With|By|During|Last|Next|Earlier|Later|Then|Now|Today|Yesterday|"
    "What|Why|How|Who|Where|Which"
)
_ABBREV_THEN_STARTER = re.compile(rf"{_FINAL_ABBREV}(?=\s+[\"“‘]?(?:{_STARTERS})\b(?![.-]))")
_NOT_FINAL_MULTI = re.compile(r"(?i)(?:e\.g|i\.e|a\.k\.a)\.$")
# "(It was later withdrawn.) Officials ..." / "[Updated at 3:15 p.m.] More ..."
# (bounded lengths keep the regex linear on hostile text: a bracketed sentence is short)
_BRACKETED_SENTENCE = r"[(\[][\"“‘]?[A-Z][^()\[\]\n]{0,300}?\s[^()\[\]\n]{0,300}?[.!?][\"'”’]{0,8}[)\]]"
_AFTER_BRACKETED = re.compile(rf"(?<!\S){_BRACKETED_SENTENCE}(?=\s+[\"“‘(\[]?[A-Z0-9])")
_BEFORE_BRACKETED = re.compile(rf"[.!?][\"'”’]*(?=\s+{_BRACKETED_SENTENCE})")


def _extra_en_cuts(text: str) -> list[int]:
    cuts = [m.end() for m in _AFTER_BRACKETED.finditer(text)]
    cuts += [m.end() for m in _BEFORE_BRACKETED.finditer(text)]
    for m in _ABBREV_THEN_STARTER.finditer(text):
        if not _NOT_FINAL_MULTI.search(m.group(0)):
            cuts.append(m.end())
    return cuts


# Never sentence-final (titles, "e.g."), and final only when not before a number.
_NEVER_FINAL = re.compile(
    r"(?:(?<![\w.])(?:Mr|Mrs|Ms|Messrs|Dr|Prof|Gen|Lt|Col|Capt|Cpt|Sgt|Cpl|Maj|Adm|Cmdr|"
    r"Brig|Sen|Rep|Gov|Rev|Hon|Pres|Supt|Insp|Mt|Ft|vs|cf|approx|v)\.|"
    r"(?<![\w.])(?:e\.g|i\.e|a\.k\.a)\.)[\"'”’]?$"
)
_BEFORE_NUMBER = re.compile(
    r"(?<![\w.])(?:No|Nos|Fig|Figs|fig|figs|Vol|Vols|vol|p|pp|Art|Sec|Ch|Para|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|ca|c)\.$"
)


# "10 a.m. Wednesday", "5 p.m. EST": a clock time goes on with a day, month or zone.
_CLOCK_END = re.compile(r"\b[ap]\.m\.$", re.IGNORECASE)
_CLOCK_CONTINUES = re.compile(
    r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\b|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\b|"
    r"[A-Z]{1,3}T\b|UTC\b"
)


def _merge(text: str, pieces: list[tuple[int, int]], hard: list[int], english: bool) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    out_alnum = False  # whether out[-1] has a letter or digit (kept, not rescanned: stays linear)
    for a, b in pieces:
        cur_alnum = _ALNUM.search(text, a, b) is not None
        if out:
            pa, pb = out[-1]
            i = bisect.bisect_left(hard, pb)
            crosses_hard_break = i < len(hard) and hard[i] < a
            # the rules only look at the end of the previous piece: pass its tail, not all of it
            if not crosses_hard_break and _should_merge(text[max(pa, pb - 64):pb], text[a:b], english,
                                                        out_alnum, cur_alnum):
                out[-1] = (pa, b)
                out_alnum = out_alnum or cur_alnum
                continue
        out.append((a, b))
        out_alnum = cur_alnum
    return out


_ALNUM = re.compile(r"[^\W_]")


def _should_merge(prev: str, cur: str, english: bool, prev_alnum: bool | None = None,
                  cur_alnum: bool | None = None) -> bool:
    if prev_alnum is None:
        prev_alnum = any(c.isalnum() for c in prev)
    if cur_alnum is None:
        cur_alnum = any(c.isalnum() for c in cur)
    if not cur_alnum or not prev_alnum:
        return True
    if not english:
        return False
    if (cur[0].islower() and not _is_camel(cur)) or cur[0] == ".":
        return True
    if _NEVER_FINAL.search(prev):
        return True
    if _CLOCK_END.search(prev) and _CLOCK_CONTINUES.match(cur):
        return True
    return cur[0].isdigit() and _BEFORE_NUMBER.search(prev) is not None


# ------------------------------------------------------------- Korean/Chinese
_CLOSERS = "\"'”’」』）)\\]》〉】〕"
# Runs are bounded and possessive where no shorter match could succeed, so that a long run of
# "!" or "。" is scanned in linear time (unbounded, a 100 KB run took minutes).
_CJK_BOUNDARY = re.compile(
    rf"[。！？]+[!?！？]*[{_CLOSERS}]*"
    rf"|[!?]{{1,64}}+[{_CLOSERS}]{{0,64}}(?=\s|[^\x00-\x7f]|$)"
    rf"|(?<![A-Za-z0-9.])\.+[{_CLOSERS}]*(?=\s)"
)
# Korean puts a space between sentences, and a quote followed directly by a
# particle ("준비됐다!"고 말했다, "좋다."라고) continues the sentence.
_KO_BOUNDARY = re.compile(
    rf"(?:[。！？!?]{{1,64}}+|(?<![A-Za-z0-9.])\.{{1,64}}+)[.。!?！？]{{0,64}}+[{_CLOSERS}]{{0,64}}+(?=\s)"
)


def _cjk_cuts(chunk: str, key: str) -> list[int]:
    pat = _KO_BOUNDARY if key == "ko" else _CJK_BOUNDARY
    return [m.end() for m in pat.finditer(chunk)]


# ------------------------------------------------------------------- helpers
def _pieces(text: str, cuts: list[int], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Non-empty, whitespace-stripped (start, end) pieces of text[start:end] between cuts."""
    end = len(text) if end is None else end
    out = []
    for a, b in zip([start, *cuts], [*cuts, end]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


# Cut positions: after ";"/":"/","; before a spaced dash; before whitespace.
_SEPARATOR_CLASSES = (
    re.compile(r"[;:](?=\s)|[；：]"),
    re.compile(r",(?=\s)|[，、]|(?=\s[—–-]+\s)"),
    re.compile(r"(?=\s)"),
)


def _cut_long(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut [a, b) into pieces of at most MAX_SENTENCE_CHARS (see docstring)."""
    n = b - a
    if n <= MAX_SENTENCE_CHARS:
        return [(a, b)]
    mid, lo, hi = a + n // 2, a + n // 4, b - n // 4
    cut = None
    for pat in _SEPARATOR_CLASSES:
        cut = _nearest(pat, text, lo, hi, mid)
        if cut is not None:
            break
    if cut is None:  # whitespace anywhere, else the middle of the character run
        cut = _nearest(_SEPARATOR_CLASSES[-1], text, a + 1, b - 1, mid)
        if cut is None:
            cut = mid
            while cut < b - 1 and unicodedata.combining(text[cut]):
                cut += 1
            if cut - mid > MAX_SENTENCE_CHARS // 2:  # a run of combining marks: cut it in the middle
                cut = mid
    out = []
    for pa, pb in _pieces(text, [cut], a, b):
        out.extend(_cut_long(text, pa, pb))
    return out


def _nearest(pat: re.Pattern, text: str, lo: int, hi: int, mid: int) -> int | None:
    """The end of the match of `pat` in text[lo:hi] nearest to `mid` (the earlier one on a tie),
    or None. The separators match one character or none, so match positions do not depend on
    where a scan starts: look just after `mid`, then in growing windows just before it, instead
    of listing every match (which made long runs slow)."""
    if pat.search(text, lo, hi) is None:
        return None
    after = pat.search(text, mid, hi)
    before = None
    reach = 64
    while True:
        start = max(lo, mid - reach)
        for m in pat.finditer(text, start, hi):
            if m.start() >= mid:
                break
            before = m.end()
        if before is not None or start == lo:
            break
        reach *= 8
    cands = [c for c in (before, after.end() if after else None) if c is not None]
    return min(cands, key=lambda c: abs(c - mid))
