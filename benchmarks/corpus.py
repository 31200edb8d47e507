#!/usr/bin/env python
"""Corpus benchmark (issue 9): does a corpus run keep time per sentence and memory flat as the
corpus grows, and what does a local Ray cluster of 2 workers give against one process?

    python benchmarks/corpus.py                      # the default plan (~10 min on 2 cores)
    python benchmarks/corpus.py --plan quick         # a wiring check (~1-2 min)
    python benchmarks/corpus.py --write-readme       # also put the table into benchmarks/README.md
    python benchmarks/corpus.py --assembly           # the app's progressive view at 1k/4k/16k documents

Every run is the product path in a fresh process: `python -m workbench translate corpus.jsonl
--from en --to ko --rows DIR -q` (cli.main: the corpus read lazily, documents split, sentences
batched across documents, the translation cache, row shards and the manifest written as documents
finish). The worker loads the model and translates one warm-up sentence first; the time is
cli.main alone, the memory is the worker's peak RSS (getrusage ru_maxrss: model included).

Corpora are generated from the sample article's body sentences:
  distinct   (cold and ray2 runs) document i is one paragraph of `--sentences` sentences, each
             tagged "[i.j]": no sentence repeats, so no free cache or de-duplication hits
  pooled     (warm runs) a pool of 2,000 one-sentence paragraphs, each tagged; document i is two
             of them, a different pair for every document. One cold run over the pool fills the
             cache (splits and translations, untimed); every document is then distinct but all
             of its splits and translations are cache hits

Models (built and installed by benchmarks/throughput.py's builder, in a throwaway folder):
  realistic  the throughput benchmark's transformer-base copy model (6+6 layers, d_model 512,
             int8): real decoding cost, ~15 sentences/s on 2 shared cores
  tiny       its 1-layer, d_model 128 model: the same pipeline with a cheap decoder, so 10,000
             and 100,000 documents fit in minutes; it measures the pipeline (reading, splitting,
             batching, assembly, cache, writing), not a real model's decoding

Runs (`kind` column):
  cold       empty translation cache: every sentence is split and decoded
  warm       pooled corpus, cache filled: no decoding, no splitting; what is left is the
             pipeline's own cost per sentence (read the JSONL, paragraphs, cache lookups,
             batching, assembly, rows, manifest), measurable up to 100,000 documents here
  ray2       the cold run on a local Ray cluster started by the run (2 translator actors, one CPU
             each): total time includes starting the cluster; compared with `cold` on the same
             corpus (throughput ratio, overhead per document)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import throughput as T  # noqa: E402  (the model builder and isolation; imports no argostranslate)

README = HERE / "README.md"
BEGIN, END = "<!-- corpus-benchmark:begin -->", "<!-- corpus-benchmark:end -->"

# (model, kind, documents): the default plan fits ~10 minutes on 2 shared cores
PLANS = {
    "default": [("realistic", "cold", 300), ("realistic", "ray2", 300),
                ("tiny", "cold", 1000), ("tiny", "cold", 10000), ("tiny", "ray2", 1000),
                ("tiny", "warm", 1000), ("tiny", "warm", 10000), ("tiny", "warm", 100000)],
    "realistic-1k": [("realistic", "cold", 1000)],  # with --sentences 1: ~1,000 sentences, ~2-5 min
    "quick": [("tiny", "cold", 200), ("tiny", "warm", 200), ("tiny", "warm", 2000), ("tiny", "ray2", 200)],
}


POOL = 2000  # one-sentence paragraphs behind the pooled corpora


def _sentences() -> list[str]:
    return [s for para in T._body_paragraph_sentences() for s in para]


def write_corpus(path: Path, documents: int, sentences: int, seed: int = 0) -> int:
    """A JSONL corpus of one-paragraph documents, no sentence twice; returns the sentence count."""
    pool = _sentences()
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(documents):
            picked = rng.sample(pool, sentences)
            text = " ".join(f"[{i}.{j}] {s}" for j, s in enumerate(picked))
            f.write(json.dumps({"id": f"d{i:06d}", "text": text}, ensure_ascii=False) + "\n")
    return documents * sentences


def pool_paragraphs() -> list[str]:
    base = _sentences()
    return [f"[p{k}] {base[k % len(base)]}" for k in range(POOL)]


def write_pooled_corpus(path: Path, documents: int) -> int:
    """Document i: pool paragraphs a and b, a different (a, b) pair per document; or, with
    documents == 0, the pool itself, one paragraph per document (the cache fill)."""
    pool = pool_paragraphs()
    with open(path, "w", encoding="utf-8") as f:
        if documents == 0:
            for k, p in enumerate(pool):
                f.write(json.dumps({"id": f"p{k:05d}", "text": p}, ensure_ascii=False) + "\n")
            return len(pool)
        for i in range(documents):
            a = i % POOL
            b = (a + 1 + i // POOL) % POOL
            f.write(json.dumps({"id": f"d{i:06d}", "text": f"{pool[a]}\n\n{pool[b]}"}, ensure_ascii=False) + "\n")
    return 2 * documents


# ---------------------------------------------------------------- the worker (one run)


def worker(spec: dict) -> dict:
    from workbench import cli
    from workbench.engine import Engine

    Engine().translate_sentences(["Warm up."], "en", "ko", use_cache=False)  # load the translator
    args = ["translate", spec["corpus"], "--from", "en", "--to", "ko", "--rows", spec["rows"], "-q", "--force"]
    if spec.get("ray"):
        args += ["--ray", "--ray-workers", str(spec["ray"])]
    t0 = time.perf_counter()
    rc = cli.main(args)
    seconds = time.perf_counter() - t0
    return {"rc": rc, "seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_worker(spec: dict, env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], env={**os.environ, **env},
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"worker failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the plan


def setup_model(base: Path, model: str) -> dict:
    """An isolated home with the model installed (in a child process: isolation must come before
    argostranslate is imported, and the parent stays clean for the next model)."""
    home = base / model
    home.mkdir(parents=True, exist_ok=True)
    code = (f"import sys; sys.path[:0] = [{str(HERE)!r}, {str(ROOT)!r}]; import throughput as T; "
            f"from pathlib import Path; T.enter_isolation(Path({str(home)!r})); "
            f"T.build_and_install(Path({str(home)!r}), dict(T.{'BENCH_MODEL' if model == 'realistic' else 'TINY_MODEL'}))")
    from workbench.testing.isolation import isolated_env

    env = isolated_env(home)
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **env}, cwd=ROOT)
    return env


def run_plan(plan: list[tuple[str, str, int]], sentences: int, base: Path, log) -> list[dict]:
    envs: dict[str, dict] = {}
    rows: list[dict] = []
    corpora: dict[tuple[str, int], tuple[Path, int]] = {}
    for model, kind, docs in plan:
        if model not in envs:
            log(f"building the {model} model")
            envs[model] = setup_model(base, model)
        shape = "pooled" if kind == "warm" else "distinct"
        if (shape, docs) not in corpora:
            path = base / f"corpus-{shape}-{docs}.jsonl"
            n = write_pooled_corpus(path, docs) if shape == "pooled" else write_corpus(path, docs, sentences)
            corpora[(shape, docs)] = (path, n)
        corpus, n_sent = corpora[(shape, docs)]
        cache = base / f"cache-{model}-{kind}.sqlite"
        env = {**envs[model], "PARALLAX_CACHE": str(cache)}
        if kind == "warm" and not cache.exists():  # fill the cache from the pool (not timed)
            log(f"{model}: filling the cache with the {POOL:,} pooled paragraphs")
            fill = base / "pool.jsonl"
            write_pooled_corpus(fill, 0)
            run_worker({"corpus": str(fill), "rows": str(base / "fill")}, env)
        if kind in ("cold", "ray2"):
            for extra in ("", "-wal", "-shm"):
                Path(str(cache) + extra).unlink(missing_ok=True)
        spec = {"corpus": str(corpus), "rows": str(base / f"rows-{model}-{kind}-{docs}")}
        if kind == "ray2":
            spec["ray"] = 2
        log(f"{model} {kind} {docs} documents ({n_sent} sentences)")
        r = run_worker(spec, env)
        if r["rc"] != 0:
            raise RuntimeError(f"run {model} {kind} {docs} exited {r['rc']}")
        r.update(model=model, kind=kind, documents=docs, sentences=n_sent,
                 ms_per_sentence=1000 * r["seconds"] / n_sent, sentences_per_s=n_sent / r["seconds"])
        rows.append(r)
        log(f"  {r['seconds']:.1f} s, {r['ms_per_sentence']:.2f} ms/sentence, peak RSS {r['peak_rss_mb']:.0f} MB")
        shutil.rmtree(spec["rows"], ignore_errors=True)
    return rows


def ray_comparison(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        if r["kind"] != "ray2":
            continue
        local = next((x for x in rows if x["kind"] == "cold" and x["model"] == r["model"]
                      and x["documents"] == r["documents"]), None)
        if local is None:
            continue
        ratio = local["seconds"] / r["seconds"]
        overhead_ms = 1000 * (r["seconds"] - local["seconds"]) / r["documents"]
        lines.append(f"- {r['model']} model, {r['documents']:,} documents: Ray (2 actors) {r['seconds']:.1f} s vs one "
                     f"process {local['seconds']:.1f} s: throughput ratio Ray/local {ratio:.2f}, "
                     f"{overhead_ms:+.1f} ms per document (cluster start included)")
    return lines


KIND_LABELS = {"cold": "cold (split + decode)", "warm": "warm (cache hits: pipeline only)",
               "ray2": "ray2 (2 actors, cold; RSS: driver)"}


def format_table(rows: list[dict], sentences: int) -> str:
    head = ("| model | run | documents | sentences | seconds | ms / sentence | sentences / s | peak RSS MB |\n"
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    body = [f"| {r['model']} | {KIND_LABELS[r['kind']]} | {r['documents']:,} | {r['sentences']:,} | {r['seconds']:.1f} | "
            f"{r['ms_per_sentence']:.2f} | {r['sentences_per_s']:.1f} | {r['peak_rss_mb']:.0f} |" for r in rows]
    return "\n".join([head, *body])


def machine() -> str:
    return f"{os.cpu_count()} CPUs (os.cpu_count()), {T._cpu_name()}, Python {sys.version.split()[0]}"


def update_readme(text: str) -> None:
    current = README.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{text.strip()}\n{END}"
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        README.write_text(before + block + after, encoding="utf-8")
    else:
        README.write_text(current.rstrip() + "\n\n" + block + "\n", encoding="utf-8")


def assembly_worker(sizes: list[int]) -> list[str]:
    """Engine.iter_translate_documents (the app's progressive view: a snapshot after every chunk)
    over n one-sentence documents whose translations are all cached (the tiny model fills the
    cache with the 2,000 pooled sentences first, untimed): what is timed is batching and document
    assembly, the part that used to rebuild every document after every chunk."""
    from workbench.cache import TranslationCache
    from workbench.documents import from_text
    from workbench.engine import Engine

    pool = pool_paragraphs()
    cache = TranslationCache()
    engine = Engine(cache)
    engine.translate_sentences(pool, "en", "ko")
    docs = [from_text(pool[i % len(pool)], f"d{i}", lang="en", memo=cache) for i in range(max(sizes))]
    lines = []
    for n in sizes:
        t0 = time.perf_counter()
        snapshots = sum(1 for _ in engine.iter_translate_documents(docs[:n], ["ko"]))
        lines.append(f"- iter_translate_documents, {n:,} one-sentence documents (cache hits): "
                     f"{time.perf_counter() - t0:.2f} s, {snapshots} snapshots")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Corpus benchmark: flat memory, time per sentence, Ray vs one process.")
    ap.add_argument("--plan", choices=sorted(PLANS), default="default")
    ap.add_argument("--sentences", type=int, default=2, help="sentences per document (default 2)")
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--write-readme", action="store_true", help="put the results table into benchmarks/README.md")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--assembly", action="store_true", help="only time the app's progressive view (1k/4k/16k documents)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--assembly-worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.assembly_worker:
        print(json.dumps(assembly_worker(json.loads(args.assembly_worker))))
        return 0
    if args.assembly:
        base = Path(tempfile.mkdtemp(prefix="parallax-corpus-bench-"))
        try:
            env = {**setup_model(base, "tiny"), "PARALLAX_CACHE": str(base / "cache.sqlite")}
            out = subprocess.run([sys.executable, __file__, "--assembly-worker", "[1000, 4000, 16000]"],
                                 env={**os.environ, **env}, capture_output=True, text=True, cwd=ROOT, check=True)
            print("\n".join(json.loads(out.stdout.strip().splitlines()[-1])))
        finally:
            shutil.rmtree(base, ignore_errors=True)
        return 0

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    base = Path(tempfile.mkdtemp(prefix="parallax-corpus-bench-"))
    try:
        rows = run_plan(PLANS[args.plan], args.sentences, base, log)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    table = format_table(rows, args.sentences)
    lines = [f"Plan `{args.plan}`, {args.sentences} sentences per document, {machine()}; "
             f"{time.strftime('%Y-%m-%d')}.", "", table, "", *ray_comparison(rows)]
    report = "\n".join(lines)
    print(report)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    if args.write_readme:
        update_readme(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
