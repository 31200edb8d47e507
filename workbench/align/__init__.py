"""Aligning an existing Korean or Chinese translation to its English source.

A human translation rarely keeps the source's units one to one: translators merge two sentences,
split a long one, drop a caption, add a note, re-cut the paragraphs, or translate only part of a
text. `align_texts` finds the likeliest chain of links of eight types -- 1-1, 1-2, 2-1, 1-3, 3-1,
2-2, 1-0 (omitted in the translation) and 0-1 (added) -- and gives each link a confidence, its
posterior probability over all alignments.

Read the package in this order:

* `signals` -- the evidence: length, anchors (numbers, names, quotes, glossary terms), a
  bilingual lexicon, sentence embeddings, machine translation; each can be switched off;
* `search` -- the dynamic programming: whole table for short texts, coarse to fine for long ones
  (time and memory close to linear), forward-backward confidences;
* `formats` -- links, the `Alignment` result and its JSON / CSV / TMX, glossary and gold files;
* `numbers` -- numbers and dates normalised across English, Korean and Chinese.

With `unit="sentence"` all sentences of both texts are aligned in one search; paragraph
boundaries are a soft hint (a link that crosses one pays a little), never a wall, so a text whose
paragraphs were re-cut, merged into one, or that starts 100 paragraphs in still lines up.

When the data does not support an alignment (too little of the text linked, or linked with low
confidence, or only part of one side used) `Alignment.warning` says so in one line; the CLI prints
it and the app shows it.

Invariants (tested with hypothesis): every index of both sides is in exactly one link, links are
in order on both sides, and a link's type is "<source count>-<target count>".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import MissingModel, UsageError
from ..languages import in_script, language_name
from ..messages import install_hint
from .formats import (LINK_TYPES, TMX_MIN_CONFIDENCE, UNSUPPORTED, Alignment, GlossaryTerm, Link, Unit, _span,
                      check_links, glossary_from_bytes, link_scores, load_glossary, load_gold, make_link,
                      parse_glossary, read_sentence_file, strict_lax_scores, to_tmx)
from .glossary import GlossaryIndex
from .numbers import NumberToken, number_tokens
from .search import BEADS, Params, search
from .signals import (DEFAULT_MODEL, LENGTH_MODEL, SAME_LANGUAGE_MODEL, Signals, embeddings_available,
                      estimate_ratio, key_weights, length, lexicon_available, make_sides, weighted_length)

ALIGN_LANGS = ("ko", "zh")
NO_MT_NOTE = "no machine translation: aligned by length, numbers, names and punctuation"

__all__ = [
    "ALIGN_LANGS", "BEADS", "LENGTH_MODEL", "LINK_TYPES", "TMX_MIN_CONFIDENCE", "UNSUPPORTED", "Alignment",
    "GlossaryIndex", "GlossaryTerm", "Link", "NumberToken", "Params", "Signals", "Unit", "align_documents",
    "align_sentences_in_paragraphs", "align_texts", "align_units",
    "check_links", "embeddings_available", "estimate_ratio", "glossary_from_bytes", "in_script", "length",
    "lexicon_available", "link_scores", "paragraph_links", "load_glossary", "load_gold", "machine_translation", "make_link",
    "number_tokens", "parse_glossary", "read_sentence_file", "strict_lax_scores", "to_tmx", "weighted_length",
]


@dataclass(frozen=True)
class Result:
    """What one search returns: links, and how they were found."""

    links: list[Link]
    mt_used: bool
    ratio: float
    signals: tuple[str, ...]
    warning: str


def align_units(source: Sequence[str], target: Sequence[str], lang: str, mt: Sequence[str] | None = None, *,
                glossary: Sequence[GlossaryTerm] = (), ratio: float | None = None, src_lang: str = "en",
                same_language: bool = False, signals: Signals = Signals(), params: Params = Params(),
                src_para_start: Sequence[bool] | None = None, tgt_para_start: Sequence[bool] | None = None,
                paragraph_units: bool = False, unit_name: str = "unit") -> Result:
    """The aligner. `mt`: a machine translation of each source unit (Bleualign's signal).
    `*_para_start`: for sentence units, True where a sentence begins a paragraph (a soft hint).
    `paragraph_units`: the units are paragraphs (their sentence counts are compared)."""
    n, m = len(source), len(target)
    if mt is not None and len(mt) != n:
        raise ValueError(f"mt has {len(mt)} units for {n} source units")
    if n == 0 or m == 0:
        links = [make_link((i,), ()) for i in range(n)] + [make_link((), (j,)) for j in range(m)]
        return Result(links, False, ratio or 1.0, (), "")
    model = SAME_LANGUAGE_MODEL if same_language else LENGTH_MODEL.get(lang, DEFAULT_MODEL)
    estimated = ratio is None
    if ratio is None:
        ratio = estimate_ratio(source, target, lang, same_language, src_lang)
    src, tgt, used = make_sides(source, target, lang, src_lang, same_language, signals, glossary, mt,
                                paragraph_units)
    if src_para_start is not None and tgt_para_start is not None:
        src.para_start = np.asarray(src_para_start, dtype=bool)
        tgt.para_start = np.asarray(tgt_para_start, dtype=bool)
    weights = key_weights(src, tgt)
    path, mt_used = search(src, tgt, weights, params, ratio, model[1], signals.length)
    if estimated and signals.length:
        # Re-estimate the ratio from the confident 1-1 links only (omitted or added text biases
        # the whole-text ratio), and search again if it moved.
        pairs = [(i, j) for i, j, di, dj, p in path if di == dj == 1 and p >= 0.5]
        if len(pairs) >= 3:
            ls = sum(src.lengths[i] for i, _ in pairs)
            lt = sum(tgt.lengths[j] for _, j in pairs)
            if ls > 0 and lt > 0 and model[0] / 2.5 <= lt / ls <= model[0] * 2.5:
                better = math.exp(0.8 * math.log(lt / ls) + 0.2 * math.log(model[0]))
                if abs(better / ratio - 1) > 0.03:
                    ratio = better
                    path, mt_used = search(src, tgt, weights, params, ratio, model[1], signals.length)
    links = [make_link(range(i, i + di), range(j, j + dj), round(min(1.0, max(0.0, p)), 4))
             for i, j, di, dj, p in path]
    if mt is not None and not mt_used:
        used = [u for u in used if u != "mt"]
    margin = reversal_margin(src, tgt, weights, links, params, ratio, model[1], signals.length)
    warning = support_warning(links, n, m, unit_name, margin)
    if warning.startswith(UNSUPPORTED):
        links = [make_link(l.src, l.tgt, round(min(l.confidence, 0.3), 4)) for l in links]
    return Result(links, mt_used, ratio, tuple(used), warning)


def reversal_margin(src, tgt, weights: dict, links: Sequence[Link], params: Params, ratio: float,
                    variance: float, use_length: bool, window: int = 200) -> float | None:
    """Evidence that the two texts are translations at all: a window of the found alignment is
    searched again with the target read backwards. For a real translation the backwards chain
    costs much more per unit; for unrelated texts about the same, since nothing ties either
    order. Returns that gap (nats per unit) less the most that chance gives at the window's size,
    `gap_threshold`: below 0, the texts line up hardly better forwards than backwards. None when
    the window is too small to tell (under MIN_REVERSAL_UNITS units)."""
    linked = [l for l in links if l.src and l.tgt]
    if len(linked) < 3:
        return None
    mid = len(linked) // 2
    part = linked[max(0, mid - window // 2): mid + window // 2]
    si = list(range(part[0].src[0], part[-1].src[-1] + 1))
    ti = list(range(part[0].tgt[0], part[-1].tgt[-1] + 1))
    if min(len(si), len(ti)) < MIN_REVERSAL_UNITS:
        return None
    s, t = src.subset(si), tgt.subset(ti)
    fwd: dict = {}
    back: dict = {}
    search(s, t, weights, params, ratio, variance, use_length, info=fwd)
    search(s, tgt.subset(ti[::-1]), weights, params, ratio, variance, use_length, info=back)
    units = max(len(si), len(ti))
    return (back["cost"] - fwd["cost"]) / units - gap_threshold(units)


GAP_MIN = 0.3  # nats per unit between the found chain and the backwards one, for long texts
SHORT_GAP = 2.4  # chance gaps shrink like 1/sqrt(units): 2.4/sqrt(units) for short texts
MIN_REVERSAL_UNITS = 4  # with 3 units, real and unrelated pairs overlap too much to tell


def gap_threshold(units: int) -> float:
    """The smallest reversal gap (nats per unit) taken as evidence of a translation. Fitted on
    the NTREX-128 dev documents (benchmarks/align_support.py): with 4 to 16 sentences, unrelated
    pairs stay below it in about 95 % of cases and real translations above it in about 95 %
    (all of them with embeddings); from 64 units on it is GAP_MIN."""
    return max(GAP_MIN, SHORT_GAP / math.sqrt(units))


def support_warning(links: Sequence[Link], n: int, m: int, unit: str = "unit", margin: float | None = None) -> str:
    """One line when the links do not make a trustworthy alignment, else ""."""
    if n < 3 or m < 3:
        return ""
    if margin is not None and margin < 0:
        return (f"{UNSUPPORTED}: the {unit}s line up hardly better forwards than "
                "backwards; check the language and that both files hold the same text")
    linked = [l for l in links if l.src and l.tgt]
    covered_s = sum(len(l.src) for l in linked) / n
    covered_t = sum(len(l.tgt) for l in linked) / m
    sure = sum(len(l.src) for l in linked if l.confidence >= 0.5) / n
    if max(covered_s, covered_t) < 0.3 or sure < 0.15:
        return (f"{UNSUPPORTED}: only {sure:.0%} of the English {unit}s are linked "
                "with confidence; check the language and that both files hold the same text")
    # a long stretch left out at either end: a partial or shifted translation
    parts = []
    for side, total, name in ((0, n, "English"), (1, m, "translated")):
        idx = [i for l in linked for i in (l.src if side == 0 else l.tgt)]
        if not idx:
            continue
        first, last = min(idx), max(idx)
        if first >= max(3, 0.15 * total) or total - 1 - last >= max(3, 0.15 * total):
            parts.append(f"only {name} {unit}s {first + 1}-{last + 1} of {total} have a counterpart")
    if parts:
        return "partial alignment: " + "; ".join(parts) + " (the rest is marked omitted or added)"
    if covered_s < 0.6 or covered_t < 0.6:
        return (f"weak alignment: only {covered_s:.0%} of the English and {covered_t:.0%} of the translation "
                "are linked; many units are marked omitted or added")
    return ""


def align_texts(source: Sequence[str], target: Sequence[str], lang: str, mt: Sequence[str] | None = None,
                *, glossary: Sequence[GlossaryTerm] = (), ratio: float | None = None,
                src_lang: str = "en", same_language: bool = False, signals: Signals = Signals()) -> list[Link]:
    """Links between English `source` units and `target` units in `lang` ('ko' or 'zh').

    `mt`, when given, is a machine translation of each source unit into `lang` (same length as
    `source`). `ratio` overrides the estimated length ratio. `same_language=True` compares two
    versions in one language (ratio 1; pass one version as `mt` too for a strong signal).
    """
    return align_units(source, target, lang, mt, glossary=glossary, ratio=ratio, src_lang=src_lang,
                       same_language=same_language, signals=signals, paragraph_units=True).links


def _align(source: Sequence[str], target: Sequence[str], lang: str, mt: Sequence[str] | None = None, *,
           glossary: Sequence[GlossaryTerm] = (), ratio: float | None = None, src_lang: str = "en",
           same_language: bool = False, info: dict | None = None, **_: object) -> tuple[list[Link], bool]:
    """`align_units` on paragraphs, returning (links, whether machine translation was used)."""
    r = align_units(source, target, lang, mt, glossary=glossary, ratio=ratio, src_lang=src_lang,
                    same_language=same_language, paragraph_units=True)
    if info is not None:
        info["ratio"] = r.ratio
    return r.links, r.mt_used


# ---------------------------------------------------------------- machine translation

def machine_translation(engine, sentences: Sequence[str], lang: str, src_lang: str = "en") -> tuple[list[str] | None, str]:
    """Machine translations of `sentences` with `engine`, or None and the reason (no model, or
    output that is not in the target's script, as with a test echo model)."""
    if engine is None:
        return None, NO_MT_NOTE
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


# ---------------------------------------------------------------- documents


def align_documents(src_doc, tgt_doc, engine=None, unit: Unit = "paragraph",
                    glossary: Sequence[GlossaryTerm] = (), lang: str | None = None,
                    signals: Signals = Signals()) -> Alignment:
    """Align two `documents.Document`s (English source, translation in `tgt_doc.lang`).

    With an `Engine` whose en→lang model is installed, its machine translation helps. With
    `unit="sentence"`, the links hold global 0-based sentence indices (`Document.sentences` order)."""
    lang = lang or tgt_doc.lang
    if unit not in ("paragraph", "sentence"):
        raise UsageError(f"unknown unit {unit!r}; use paragraph or sentence")
    src_paras = [p.text for p in src_doc.paragraphs]
    tgt_paras = [p.text for p in tgt_doc.paragraphs]
    src_sents = [list(p.sentences) for p in src_doc.paragraphs]
    tgt_sents = [list(p.sentences) for p in tgt_doc.paragraphs]
    mt_sents, note = machine_translation(engine, [s for ss in src_sents for s in ss], lang, src_doc.lang) \
        if engine is not None else (None, NO_MT_NOTE)
    return align_sentences_in_paragraphs(src_sents, tgt_sents, lang, unit, mt_sents, note, glossary,
                                         src_lang=src_doc.lang, src_paras=src_paras, tgt_paras=tgt_paras,
                                         signals=signals)


def align_sentences_in_paragraphs(src_sents: Sequence[Sequence[str]], tgt_sents: Sequence[Sequence[str]], lang: str,
                                  unit: Unit = "sentence", mt_sents: Sequence[str] | None = None, note: str = "",
                                  glossary: Sequence[GlossaryTerm] = (), src_lang: str = "en",
                                  src_paras: Sequence[str] | None = None,
                                  tgt_paras: Sequence[str] | None = None,
                                  signals: Signals = Signals(), params: Params = Params()) -> Alignment:
    """Align texts given as paragraphs of sentences (`mt_sents`: a machine translation per source
    sentence, flattened). `unit="paragraph"` links paragraphs; `unit="sentence"` links the
    sentences of both whole texts in one search, the paragraph breaks only a hint."""
    from ..engine import join_sentences

    src_paras = list(src_paras) if src_paras is not None else [join_sentences(s, src_lang) for s in src_sents]
    tgt_paras = list(tgt_paras) if tgt_paras is not None else [join_sentences(s, lang) for s in tgt_sents]
    if unit == "paragraph":
        mt_paras = None
        if mt_sents is not None:
            mt_paras, k = [], 0
            for ss in src_sents:
                mt_paras.append(join_sentences(mt_sents[k:k + len(ss)], lang))
                k += len(ss)
        r = align_units(src_paras, tgt_paras, lang, mt_paras, glossary=glossary, src_lang=src_lang,
                        signals=signals, params=params, paragraph_units=True, unit_name="paragraph")
        if mt_sents is not None and not r.mt_used:
            note = ""  # it did not tell the units apart, so it had no say: nothing the reader can act on
        return Alignment(tuple(r.links), tuple(src_paras), tuple(tgt_paras), lang, "paragraph", r.mt_used, note,
                         src_lang=src_lang, warning=r.warning, signals=r.signals)
    src_flat = [s for ss in src_sents for s in ss]
    tgt_flat = [t for ts in tgt_sents for t in ts]
    s_start = [k == 0 for ss in src_sents for k in range(len(ss))]
    t_start = [k == 0 for ts in tgt_sents for k in range(len(ts))]
    r = align_units(src_flat, tgt_flat, lang, mt_sents, glossary=glossary, src_lang=src_lang, signals=signals,
                    params=params, src_para_start=s_start, tgt_para_start=t_start, unit_name="sentence")
    if mt_sents is not None and not r.mt_used:
        note = ""  # as for paragraphs: the machine translation had no say
    plinks = paragraph_links(r.links, [len(s) for s in src_sents], [len(t) for t in tgt_sents])
    return Alignment(tuple(r.links), tuple(src_flat), tuple(tgt_flat), lang, "sentence", r.mt_used, note,
                     tuple(plinks), src_lang, warning=r.warning, signals=r.signals)


def paragraph_links(links: Sequence[Link], src_sizes: Sequence[int], tgt_sizes: Sequence[int]) -> list[Link]:
    """The paragraph links that sentence links imply: paragraphs joined by any sentence link form
    one link (any size, e.g. 1-4 when a paragraph was cut in four); its confidence is the lowest
    of its sentence links'."""
    s_par = [p for p, k in enumerate(src_sizes) for _ in range(k)]
    t_par = [q for q, k in enumerate(tgt_sizes) for _ in range(k)]
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        nodes = [("s", s_par[i]) for i in link.src] + [("t", t_par[j]) for j in link.tgt]
        for node in nodes[1:]:
            ra, rb = find(node), find(nodes[0])
            if ra != rb:
                parent[ra] = rb
    # a group must be consecutive on both sides: a paragraph lying between two of its
    # paragraphs (all its sentences added, say) joins it
    changed = True
    while changed:
        changed = False
        span: dict = {}
        for kind, idx in list(parent):
            lo, hi = span.get((find((kind, idx)), kind), (idx, idx))
            span[(find((kind, idx)), kind)] = (min(lo, idx), max(hi, idx))
        for (root, kind), (lo, hi) in span.items():
            for idx in range(lo, hi + 1):
                r = find((kind, idx))
                if r != find(root):
                    parent[r] = find(root)
                    changed = True
    groups: dict = {}
    for link in links:
        nodes = [("s", s_par[i]) for i in link.src] + [("t", t_par[j]) for j in link.tgt]
        g = groups.setdefault(find(nodes[0]), [set(), set(), 1.0])
        for kind, idx in nodes:
            g[0 if kind == "s" else 1].add(idx)
        g[2] = min(g[2], link.confidence)
    out = [make_link(sorted(a), sorted(b), c) for a, b, c in groups.values()]
    # groups with target paragraphs in target order (those with both sides are then in source
    # order too); each source-only group goes before the first group further on in the source
    ordered = sorted((l for l in out if l.tgt), key=lambda l: l.tgt[0])
    for l in sorted((l for l in out if not l.tgt), key=lambda l: l.src[0]):
        at = next((k for k, o in enumerate(ordered) if o.src and o.src[0] > l.src[0]), len(ordered))
        ordered.insert(at, l)
    return ordered
