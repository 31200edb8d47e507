#!/usr/bin/env python
"""Search CTranslate2 thread and batching settings for this machine (the engine's defaults).

    python benchmarks/tune.py              # ~10 minutes on 2 cores
    python benchmarks/tune.py --rounds 6 --paragraphs 50 --json tune.json

Same benchmark model and inputs as benchmarks/throughput.py (built in a throwaway folder; the
user's packages and cache are never touched). Every configuration of a stage runs once per round,
configurations interleaved (A, B, C, C, B, A, A, B, C, ...), and medians over rounds are compared,
so the drifts of a shared machine hit every configuration alike; the fastest run and the cores
actually used (process CPU time / wall time) are shown too. Stages:

  1 threads   the Engine itself (cold, no cache, the default chunks) on a synthetic article:
              inter_threads x intra_threads (intra 0 = CTranslate2's choice: every core), with
              tokens- and examples-based batches
  2 batching  the Engine with the best threads of stage 1: max_batch_size and batch_type
  2b sorting  raw translate_batch over the article's sentences, in document order vs pre-sorted
              by length (CTranslate2 already sorts each call's inputs by length before it cuts
              them into batches, so this should change nothing)
  3 chunks    the Engine with the winners of 1 and 2 on a longer article: first_chunk_sentences
              and chunk_sentences (sentences per translate_batch call)
  confirm     (--stages confirm) the engine's current defaults against the old ones (inter 1,
              intra 0, tokens 1024) and the runners-up, on the longer article

Decoding as everywhere: beam 4, length penalty 0.2, replace_unknowns, max_decoding_length 256.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import shutil
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput as T  # noqa: E402  (same folder)


@dataclasses.dataclass(frozen=True)
class Trial:
    stage: str
    name: str
    inter: int
    intra: int
    max_batch_size: int
    batch_type: str
    presort: bool = False
    chunk_sentences: int | None = None  # stage 3: the Engine with these chunks
    first_chunk_sentences: int | None = None


def _translator(pkg, inter: int, intra: int):
    import ctranslate2

    return ctranslate2.Translator(str(pkg.path / "model"), device="cpu", inter_threads=inter,
                                  intra_threads=intra, compute_type="auto")


def run_raw(pkg, tokenizer, sentences: list[str], trial: Trial) -> dict:
    batch = [tokenizer.encode(s) for s in sentences]
    if trial.presort:
        batch.sort(key=len)
    tr = _translator(pkg, trial.inter, trial.intra)
    tr.translate_batch([tokenizer.encode("Warm up.")], beam_size=4)
    memory = T.PeakRSS()
    gc.collect()
    memory.reset()
    t0, c0 = time.perf_counter(), time.process_time()
    tr.translate_batch(batch, replace_unknowns=True, max_batch_size=trial.max_batch_size,
                       batch_type=trial.batch_type, beam_size=4, num_hypotheses=1, length_penalty=0.2,
                       max_decoding_length=256, return_scores=True)
    out = {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
           "peak_rss_mib": memory.peak_kb() / 1024}
    del tr
    return out


def run_engine(pkg, text: str, trial: Trial) -> dict:
    from workbench import engine as E

    E.release_translators()  # one Translator per (package, threads): start from a clean slate
    opts = E.DecodeOptions(max_batch_size=trial.max_batch_size, batch_type=trial.batch_type,
                           chunk_sentences=trial.chunk_sentences or E.DecodeOptions.chunk_sentences,
                           first_chunk_sentences=trial.first_chunk_sentences or E.DecodeOptions.first_chunk_sentences)
    state = T.load_engine(threads={"inter_threads": trial.inter, "intra_threads": trial.intra},
                          options=dataclasses.asdict(opts))
    memory = T.PeakRSS()
    gc.collect()
    memory.reset()
    r = T.measure_engine(state, text, None)
    E.release_translators()
    return {"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "first_chunk_s": r["first_chunk_s"],
            "peak_rss_mib": memory.peak_kb() / 1024}


def run_stage(label: str, trials: list[Trial], rounds: int, fn: Callable[[Trial], dict], n: int,
              log: Callable[[str], None]) -> list[dict]:
    results: dict[Trial, list[dict]] = {t: [] for t in trials}
    for r in range(rounds):
        order = trials if r % 2 == 0 else list(reversed(trials))  # alternate direction: no fixed neighbour
        for t in order:
            out = fn(t)
            results[t].append(out)
            log(f"  [{label} round {r + 1}/{rounds}] {t.name:<34} {out['seconds']:7.2f} s  "
                f"({n / out['seconds']:.2f} sent/s, cpu {out['cpu_seconds']:.1f} s)")
    rows = []
    for t, outs in results.items():
        sec = statistics.median(o["seconds"] for o in outs)
        firsts = [o["first_chunk_s"] for o in outs if o.get("first_chunk_s") is not None]
        rows.append({**dataclasses.asdict(t), "seconds": sec, "min_seconds": min(o["seconds"] for o in outs),
                     "runs": [round(o["seconds"], 2) for o in outs],
                     "cpu_seconds": statistics.median(o["cpu_seconds"] for o in outs),
                     "cores_used": statistics.median(o["cpu_seconds"] / o["seconds"] for o in outs),
                     "sentences_per_s": n / sec,
                     "first_chunk_s": statistics.median(firsts) if firsts else None,
                     "peak_rss_mib": max(o["peak_rss_mib"] for o in outs)})
    return rows


def best(rows: list[dict]) -> dict:
    return min(rows, key=lambda r: r["seconds"])


def format_rows(title: str, rows: list[dict]) -> list[str]:
    fastest = best(rows)["seconds"]
    lines = [title, f"  {'configuration':<34}{'median s':>9}{'min s':>7}{'sent/s':>8}{'vs best':>8}{'cpu s':>7}"
                    f"{'cores':>6}{'1st s':>6}  runs (s)"]
    for r in sorted(rows, key=lambda r: r["seconds"]):
        first = f"{r['first_chunk_s']:6.1f}" if r.get("first_chunk_s") is not None else "     -"
        lines.append(f"  {r['name']:<34}{r['seconds']:9.2f}{r['min_seconds']:7.2f}{r['sentences_per_s']:8.2f}"
                     f"{r['seconds'] / fastest:8.2f}{r['cpu_seconds']:7.1f}{r['cores_used']:6.2f}{first}  {r['runs']}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Tune CTranslate2 threads and batching for the engine's defaults.")
    ap.add_argument("--rounds", type=int, default=4, help="runs per configuration (interleaved), default 4")
    ap.add_argument("--paragraphs", type=int, default=50, help="synthetic article for stages 1-2b (default 50)")
    ap.add_argument("--long-paragraphs", type=int, default=100, help="synthetic article for stage 3 (default 100)")
    ap.add_argument("--stages", default="1,2,2b,3",
                    help="any of 1,2,2b,3,confirm (confirm: the engine's current defaults vs the alternatives)")
    ap.add_argument("--tiny", action="store_true", help="tiny model: checks the plumbing only")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    stages = {s.strip() for s in args.stages.split(",")}

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    home = Path(tempfile.mkdtemp(prefix="parallax-tune-"))
    started = time.time()
    try:
        T.enter_isolation(home)
        from workbench.engine import DecodeOptions, ThreadOptions, load_tokenizer

        pkg, build_s = T.build_and_install(home, dict(T.TINY_MODEL if args.tiny else T.BENCH_MODEL))
        tokenizer = load_tokenizer(pkg)
        article = T.synthetic_article(args.paragraphs)
        sentences = T.parse_document(article).sentences
        long_article = T.synthetic_article(args.long_paragraphs)
        n_long = len(T.parse_document(long_article).sentences)
        cores = os.cpu_count() or 1
        tokens = sum(len(tokenizer.encode(s)) for s in sentences) / len(sentences)
        d = DecodeOptions()
        log(f"tune: {cores} cores, model built in {build_s:.1f} s; stages 1-2b on {args.paragraphs} paragraphs / "
            f"{len(sentences)} sentences ({tokens:.1f} tokens each), stage 3 on {args.long_paragraphs} paragraphs / "
            f"{n_long} sentences")
        report = [f"tune.py  {time.strftime('%Y-%m-%d %H:%M')}  os.cpu_count() = {cores}; {args.rounds} interleaved "
                  f"runs per configuration; medians (min = fastest run; cores = CPU time / wall time)",
                  f"stages 1-2b: {args.paragraphs} paragraphs / {len(sentences)} sentences ({tokens:.1f} tokens each); "
                  f"stage 3: {args.long_paragraphs} paragraphs / {n_long} sentences; Engine runs are cold, no cache, "
                  f"and include parsing the text", ""]
        out: dict = {"cpu_count": cores, "rounds": args.rounds}

        threads = [(1, 0), (2, 1), (1, 1)] if cores >= 2 else [(1, 0)]
        if cores >= 4:
            threads += [(2, cores // 2), (cores // 2, 2), (cores, 1)]
        inter, intra = ThreadOptions.inter_threads, ThreadOptions.intra_threads
        mbs, btype = d.max_batch_size, d.batch_type
        first, chunk = d.first_chunk_sentences, d.chunk_sentences
        engine = lambda t: run_engine(pkg, article, t)  # noqa: E731
        if "1" in stages:
            trials = [Trial("threads", f"inter {i} intra {j}, {b} {m}", i, j, m, b, chunk_sentences=chunk,
                            first_chunk_sentences=first)
                      for i, j in threads for m, b in ((1024, "tokens"), (16, "examples"))]
            rows = run_stage("1", trials, args.rounds, engine, len(sentences), log)
            report += format_rows("stage 1: threads x batch type (Engine)", rows) + [""]
            out["threads"] = rows
            w = best(rows)
            inter, intra, mbs, btype = w["inter"], w["intra"], w["max_batch_size"], w["batch_type"]
        if "2" in stages:
            sizes = [("tokens", m) for m in (512, 1024, 2048, 4096)] + [("examples", m) for m in (8, 16, 32)]
            trials = [Trial("batching", f"{b} {m}", inter, intra, m, b, chunk_sentences=chunk,
                            first_chunk_sentences=first) for b, m in sizes]
            rows = run_stage("2", trials, args.rounds, engine, len(sentences), log)
            report += format_rows(f"stage 2: batching (Engine, inter {inter}, intra {intra})", rows) + [""]
            out["batching"] = rows
            w = best(rows)
            mbs, btype = w["max_batch_size"], w["batch_type"]
        if "2b" in stages:
            trials = [Trial("sorting", f"{btype} {mbs}, document order", inter, intra, mbs, btype),
                      Trial("sorting", f"{btype} {mbs}, pre-sorted by length", inter, intra, mbs, btype, presort=True)]
            rows = run_stage("2b", trials, args.rounds, lambda t: run_raw(pkg, tokenizer, sentences, t),
                             len(sentences), log)
            report += format_rows("stage 2b: sorting before translate_batch (raw, one call)", rows) + [""]
            out["sorting"] = rows
        if "3" in stages:
            chunks = [(16, 256), (32, 256), (32, 64), (64, 512)]
            trials = [Trial("chunks", f"first {f} then {c}", inter, intra, mbs, btype, chunk_sentences=c,
                            first_chunk_sentences=f) for f, c in chunks]
            rows = run_stage("3", trials, args.rounds, lambda t: run_engine(pkg, long_article, t), n_long, log)
            report += format_rows(f"stage 3: chunks (Engine, inter {inter}, intra {intra}, {btype} {mbs})", rows) + [""]
            out["chunks"] = rows
        if "confirm" in stages:
            # the engine's shipped defaults against the old ones and the close runners-up, longer article
            shipped = (ThreadOptions.inter_threads, ThreadOptions.intra_threads, d.max_batch_size, d.batch_type)
            candidates = [(1, 0, 1024, "tokens"), shipped, (2, 1, 512, "tokens"), (2, 1, 1024, "tokens"),
                          (2, 1, 16, "examples")]
            candidates = list(dict.fromkeys(candidates))
            trials = [Trial("confirm", f"inter {i} intra {j}, {b} {m}" + (" (defaults)" if (i, j, m, b) == shipped else ""),
                            i, j, m, b, chunk_sentences=chunk, first_chunk_sentences=first)
                      for i, j, m, b in candidates]
            rows = run_stage("confirm", trials, args.rounds, lambda t: run_engine(pkg, long_article, t), n_long, log)
            report += format_rows(f"confirm: shipped defaults vs alternatives (Engine, first {first} then {chunk})",
                                  rows) + [""]
            out["confirm"] = rows
        report.append(f"fastest: inter_threads={inter}, intra_threads={intra}, max_batch_size={mbs}, "
                      f"batch_type={btype!r}   (tune time {time.time() - started:.0f} s)")
        print("\n".join(report), flush=True)
        if args.json:
            args.json.write_text(json.dumps(out, indent=1) + "\n")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
