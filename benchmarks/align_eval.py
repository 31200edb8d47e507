"""Precision and recall of the translation aligner against the gold alignments in samples/variants/.

    python benchmarks/align_eval.py            # no model, then no model + glossary
    python benchmarks/align_eval.py --random 50  # also 50 random seeded variants per language

Each variant of the team's Korean and Chinese reference translations has paragraphs merged,
split, dropped or added, and a *.gold.json recording the true links; the sentence-level files
(*.sentences.*) have gold sentence links. A link counts as correct only if both its index lists
match the gold exactly (omitted and added links included). No translation model is used: the
aligner here runs on length, anchors (numbers, dates, Latin-script words, punctuation) and
sentence counts, plus the glossary in the second column -- the path every user without an Argos
model gets. (Machine-translation similarity needs a real en→ko/en→zh model; the test suite's
echo model copies English and is detected and ignored.)

The --random mode builds variants from the reference translations with a seeded random mix of
merges, splits, drops and added paragraphs (taken from elsewhere in the text), to check the
numbers above are not an artefact of the hand-made variants.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.align import (align_sentences_in_paragraphs, align_texts, link_scores, load_glossary,  # noqa: E402
                             read_sentence_file)
from workbench.documents import read_file  # noqa: E402

SAMPLES = ROOT / "samples"
VARIANTS = SAMPLES / "variants"
STEM = "china-dprk-vice-premier-visit"


def gold_files() -> list[Path]:
    return sorted(VARIANTS.glob("*.gold.json"))


def noisy(text: str, rng: random.Random, rate: float) -> str:
    """`text` with a share `rate` of its characters replaced by others from the same text: a
    stand-in for a machine translation that shares only part of the wording."""
    chars = list(text)
    pool = [c for c in chars if not c.isspace()] or ["x"]
    return "".join(rng.choice(pool) if not c.isspace() and rng.random() < rate else c for c in chars)


def simulated_mt(lang: str, unit: str, rate: float = 0.5) -> list[str]:
    """Simulated machine translation of each English unit: the reference translation, noised."""
    rng = random.Random(7)
    if unit == "sentence":
        ref = [s for p in read_file(SAMPLES / f"{STEM}.{lang}.txt", lang).paragraphs for s in p.sentences]
    else:
        ref = [p.text for p in read_file(SAMPLES / f"{STEM}.{lang}.txt", lang).paragraphs]
    return [noisy(t, rng, rate) for t in ref]


def evaluate_file(gold_path: Path, glossary=(), mt: bool = False) -> dict[str, float]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    lang = gold["lang"]
    if gold["unit"] == "sentence":
        src = read_sentence_file(gold_path.parent / gold["source"])
        tgt = read_sentence_file(gold_path.parent / gold["translation"])
        mts = simulated_mt(lang, "sentence") if mt else None
        links = align_sentences_in_paragraphs(src, tgt, lang, "sentence", mts, glossary=glossary).links
    else:
        src = [p.text for p in read_file(gold_path.parent / gold["source"], "en").paragraphs]
        tgt = [p.text for p in read_file(gold_path.parent / gold["translation"], lang).paragraphs]
        links = align_texts(src, tgt, lang, simulated_mt(lang, "paragraph") if mt else None, glossary=glossary)
    return link_scores(links, gold["links"])


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--random", type=int, default=0, metavar="N", help="also N random variants per language")
    args = ap.parse_args(argv)
    glossary = load_glossary(SAMPLES / "glossary.csv")
    t0 = time.perf_counter()
    print("P/R: no model | no model + samples/glossary.csv | simulated MT (reference, 50% of characters noised)")
    print(f"{'variant':44} {'unit':9} {'links':>5}  {'P':>5} {'R':>5}  {'P+gl':>5} {'R+gl':>5}  {'P+mt':>5} {'R+mt':>5}")
    keys = ("plain", "glossary", "mt")
    totals = {k: [0.0, 0.0] for k in keys}
    files = gold_files()
    for path in files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        scores = {"plain": evaluate_file(path), "glossary": evaluate_file(path, glossary),
                  "mt": evaluate_file(path, mt=True)}
        for key in keys:
            totals[key][0] += scores[key]["precision"]
            totals[key][1] += scores[key]["recall"]
        name = path.name.replace(".gold.json", "")
        cells = "  ".join(f"{scores[k]['precision']:5.3f} {scores[k]['recall']:5.3f}" for k in keys)
        print(f"{name:44} {gold['unit']:9} {len(gold['links']):5}  {cells}")
    n = len(files)
    cells = "  ".join(f"{totals[k][0] / n:5.3f} {totals[k][1] / n:5.3f}" for k in keys)
    print(f"{'mean':44} {'':9} {'':5}  {cells}")
    if args.random:
        src = [p.text for p in read_file(SAMPLES / f"{STEM}.en.txt", "en").paragraphs]
        for lang in ("ko", "zh"):
            doc = read_file(SAMPLES / f"{STEM}.{lang}.txt", lang)
            paras = [p.text for p in doc.paragraphs]
            sents = [list(p.sentences) for p in doc.paragraphs]
            mts = simulated_mt(lang, "paragraph")
            for label, mt in (("no model", None), ("simulated MT", mts)):
                rng = random.Random(1234)
                hit = pred = gold_n = 0
                for _ in range(args.random):
                    tgt, gold = random_variant(paras, sents, lang, rng)
                    links = align_texts(src, tgt, lang, mt)
                    g = {(tuple(a), tuple(b)) for a, b in gold}
                    p = {(link.src, link.tgt) for link in links}
                    hit += len(g & p)
                    pred += len(p)
                    gold_n += len(g)
                print(f"random {lang} variants x{args.random}, {label:13} (micro)          "
                      f"P {hit / pred:.3f}  R {hit / gold_n:.3f}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
