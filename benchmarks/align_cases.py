"""Alignment test cases with known gold links, built from real human translations (NTREX-128).

NTREX-128 (benchmarks/data/ntrex, CC BY-SA 4.0) gives 1,997 English news sentences in 123
documents with human Korean and Chinese translations, sentence by sentence. A seeded generator
reshapes the translation the way real translations differ from their source, and records where
every sentence went:

* merge 2 or 3 adjacent translated sentences (gold 2-1 / 3-1), split one at a comma or clause
  (1-2), drop one (1-0), insert a sentence from another document (0-1);
* paragraphs: the source is cut into paragraphs of 1-5 sentences; the translation keeps them
  ("kept"), is re-cut at random ("recut": unequal boundaries on both sides), or is one paragraph;
* whole-text shapes: a translation of only the first half, one that starts N sentences in, long
  inputs made of concatenated documents.

The documents are split once, by position in the file: documents 0-79 are the dev part (every
parameter of the aligner was fitted on it), documents 80-122 the held-out test part.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "ntrex" / "ntrex.en-ko-zh.jsonl"
DEV_DOCS = range(0, 80)
TEST_DOCS = range(80, 123)


@dataclass
class Case:
    """Source and translation as paragraphs of sentences, and the gold links over the flat
    sentence indices ([[src...], [tgt...]], 1-0 and 0-1 included)."""

    name: str
    lang: str
    src: list[list[str]]
    tgt: list[list[str]]
    gold: list[list[list[int]]]

    @property
    def src_flat(self) -> list[str]:
        return [s for p in self.src for s in p]

    @property
    def tgt_flat(self) -> list[str]:
        return [s for p in self.tgt for s in p]


def load_documents(part: str = "dev") -> list[list[dict]]:
    """The NTREX documents of one part ('dev', 'test' or 'all'): lists of {en, ko, zh} rows."""
    docs: list[list[dict]] = []
    last = None
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["doc"] != last:
            docs.append([])
            last = row["doc"]
        docs[-1].append(row)
    keep = {"dev": DEV_DOCS, "test": TEST_DOCS, "all": range(len(docs))}[part]
    return [docs[k] for k in keep]


_SPLIT = {"ko": re.compile(r"(?<=[,，])\s+|(?<=[다요까])\s+(?=그리고|하지만|그러나)"),
          "zh": re.compile(r"(?<=[，；,;])")}


def _split_points(text: str, lang: str) -> list[int]:
    """Character offsets where a sentence can be cut into clauses (both halves long enough)."""
    pts = [m.end() for m in _SPLIT[lang].finditer(text)]
    return [p for p in pts if 6 <= p <= len(text) - 6]


def perturb(rows: list[dict], lang: str, rng: random.Random, pool: list[str], rate: float = 0.2
            ) -> tuple[list[str], list[str], list[list[list[int]]]]:
    """Reshape one text's translation; returns source sentences, target sentences and gold.
    `rate` is the share of source sentences that take part in a change; `pool` holds sentences
    of other documents to insert."""
    src = [r["en"] for r in rows]
    out: list[str] = []
    gold: list[list[list[int]]] = []
    joiner = " " if lang == "ko" else ""
    i, n = 0, len(rows)
    while i < n:
        r = rng.random()
        if r < rate * 0.15 and pool:  # an added sentence
            gold.append([[], [len(out)]])
            out.append(rng.choice(pool))
        r = rng.random()
        if r < rate * 0.15:  # omitted
            gold.append([[i], []])
            i += 1
        elif r < rate * 0.55 and i + 1 < n:  # merged: 2 (or 3) sentences of the translation in one
            k = 3 if rng.random() < 0.25 and i + 2 < n else 2
            gold.append([list(range(i, i + k)), [len(out)]])
            out.append(joiner.join(rows[i + t][lang] for t in range(k)))
            i += k
        elif r < rate:  # split at a clause boundary
            text = rows[i][lang]
            pts = _split_points(text, lang)
            if pts:
                cuts = sorted(rng.sample(pts, 2)) if len(pts) >= 2 and rng.random() < 0.25 else [rng.choice(pts)]
                parts, a = [], 0
                for c in cuts + [len(text)]:
                    parts.append(text[a:c].strip())
                    a = c
                parts = [p for p in parts if p]
                gold.append([[i], list(range(len(out), len(out) + len(parts)))])
                out.extend(parts)
            else:
                gold.append([[i], [len(out)]])
                out.append(text)
            i += 1
        else:
            gold.append([[i], [len(out)]])
            out.append(rows[i][lang])
            i += 1
    return src, out, gold


def paragraphs(sents: list[str], starts: list[bool]) -> list[list[str]]:
    out: list[list[str]] = []
    for s, st in zip(sents, starts):
        if st or not out:
            out.append([])
        out[-1].append(s)
    return out


def random_starts(n: int, rng: random.Random, mean_len: float = 3.0) -> list[bool]:
    return [k == 0 or rng.random() < 1.0 / mean_len for k in range(n)]


def make_case(name: str, rows: list[dict], lang: str, rng: random.Random, pool: list[str], rate: float,
              layout: str) -> Case:
    """One case: `layout` is 'kept' (the translation keeps the source's paragraphs), 'recut'
    (both sides cut at random, independently) or 'one' (each side one paragraph)."""
    src, tgt, gold = perturb(rows, lang, rng, pool, rate)
    s_starts = random_starts(len(src), rng)
    if layout == "one":
        return Case(name, lang, [src], [tgt], gold)
    if layout == "kept":
        t_starts = [False] * len(tgt)
        for s_idx, t_idx in gold:
            if t_idx and s_idx and s_starts[s_idx[0]]:
                t_starts[t_idx[0]] = True
        if tgt:
            t_starts[0] = True
    else:
        t_starts = random_starts(len(tgt), rng, 3.5)
    return Case(name, lang, paragraphs(src, s_starts), paragraphs(tgt, t_starts), gold)


def concat(docs: list[list[dict]], limit: int) -> list[dict]:
    rows = [r for d in docs for r in d]
    return rows[:limit]


def cases(part: str = "dev", seed: int = 1, langs: tuple[str, ...] = ("ko", "zh")) -> list[Case]:
    """The benchmark's cases for one part of NTREX, deterministic for a seed."""
    docs = load_documents(part)
    out: list[Case] = []
    for lang in langs:
        rng = random.Random(f"{seed}-{lang}")
        every = [r[lang] for d in docs for r in d]
        # per document: untouched, real-shaped changes with kept / re-cut paragraphs
        for label, rate, layout in (("untouched", 0.0, "kept"), ("mixed (paragraphs kept)", 0.3, "kept"),
                                    ("mixed (paragraphs re-cut)", 0.3, "recut"),
                                    ("mixed (one paragraph)", 0.3, "one")):
            group = []
            for d in docs:
                own = {r[lang] for r in d}
                pool = [s for s in rng.sample(every, 60) if s not in own]
                group.append(make_case(f"{lang} docs {label}", d, lang, rng, pool, rate, layout))
            out.extend(_merge_cases(group, f"{lang} docs: {label}"))
        # long texts: concatenated documents, one paragraph each side (500 vs ~470)
        rows = concat(docs, 500)
        pool = [r[lang] for d in docs[-3:] for r in d]  # the part's last documents, not in rows
        out.append(make_case(f"{lang} 500 sentences (one paragraph)", rows, lang, rng, pool, 0.25, "one"))
        # half translated: the translation stops half way
        rows = concat(docs, 400)
        c = make_case("tmp", rows[:200], lang, rng, pool, 0.2, "recut")
        gold = c.gold + [[[k], []] for k in range(200, 400)]
        out.append(Case(f"{lang} half translated (400 vs ~200)", lang,
                        c.src + [[r["en"] for r in rows[200:]]], c.tgt, gold))
        # shifted start: the translation starts 100 sentences in
        c = make_case("tmp", rows[100:], lang, rng, pool, 0.2, "recut")
        gold = [[[k], []] for k in range(100)] + [[[a + 100 for a in s], t] for s, t in c.gold]
        out.append(Case(f"{lang} starts 100 sentences in (400 vs ~300)", lang,
                        [[r["en"] for r in rows[:100]]] + c.src, c.tgt, gold))
    return out


def _merge_cases(group: list[Case], name: str) -> list[Case]:
    """The per-document cases, kept apart (each document aligned on its own) under one name."""
    for c in group:
        c.name = name
    return group


def long_case(n_src: int = 5000, n_tgt: int = 4000, lang: str = "zh", seed: int = 3
              ) -> tuple[list[str], list[str], list[list[list[int]]]]:
    """A long paragraph-unit case for the speed test: NTREX dev sentences repeated to `n_src`
    English units; the translation merges pairs of units and drops a few, down to about
    `n_tgt` units (each unit stands for a paragraph)."""
    rng = random.Random(seed)
    rows = [r for d in load_documents("dev") for r in d]
    big = (rows * (n_src // len(rows) + 1))[:n_src]
    drop = 0.03
    merge = max(0.0, min(0.9, (n_src * (1 - drop) - n_tgt) / n_tgt))  # a merge makes 2 units 1
    joiner = " " if lang == "ko" else ""
    src = [r["en"] for r in big]
    tgt: list[str] = []
    gold: list[list[list[int]]] = []
    i = 0
    while i < n_src:
        r = rng.random()
        if r < drop:
            gold.append([[i], []])
            i += 1
        elif r < drop + merge and i + 1 < n_src:
            gold.append([[i, i + 1], [len(tgt)]])
            tgt.append(joiner.join([big[i][lang], big[i + 1][lang]]))
            i += 2
        else:
            gold.append([[i], [len(tgt)]])
            tgt.append(big[i][lang])
            i += 1
    return src, tgt, gold


# ---------------------------------------------------------------- the team's own sample (tests only)


def random_variant(paras: list[str], sents: list[list[str]], lang: str, rng: random.Random):
    """A random variant of a reference translation and its gold links."""
    from workbench.engine import join_sentences

    n = len(paras)
    out: list[str] = []
    links: list[list[list[int]]] = []
    i = 0
    dropped_last = False
    while i < n:
        r = rng.random()
        # never drop one of two identical paragraphs (the duplicated caption): either gold would do
        droppable = paras[i] not in paras[:i] + paras[i + 1:]
        drop = r < 0.08 and droppable
        # an added paragraph (a sentence from elsewhere in the text), never next to a dropped one,
        # where "dropped + added" and "replaced" cannot be told apart
        if not drop and not dropped_last and rng.random() < 0.08:
            pool = [s for k, ss in enumerate(sents) if abs(k - i) > 2 for s in ss]
            links.append([[], [len(out)]])
            out.append(rng.choice(pool))
        dropped_last = drop
        if drop:
            links.append([[i], []])
            i += 1
        elif 0.08 <= r < 0.18 and i + 1 < n:
            links.append([[i, i + 1], [len(out)]])
            out.append(join_sentences(sents[i] + sents[i + 1], lang))
            i += 2
        elif 0.18 <= r < 0.28 and len(sents[i]) > 1:
            k = rng.randrange(1, len(sents[i]))
            links.append([[i], [len(out), len(out) + 1]])
            out.append(join_sentences(sents[i][:k], lang))
            out.append(join_sentences(sents[i][k:], lang))
            i += 1
        else:
            links.append([[i], [len(out)]])
            out.append(paras[i])
            i += 1
    return out, links
