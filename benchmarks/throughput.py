#!/usr/bin/env python
"""Throughput benchmark: Argos Translate's own path vs the Parallax engine vs raw CTranslate2.

    python benchmarks/throughput.py            # full run (sample, 10, 100, 1000 paragraphs)
    python benchmarks/throughput.py --quick    # a few minutes: sample, 10 and 50 paragraphs
    python benchmarks/throughput.py --sizes sample,10,100 --repeats 5 --json out.json

Everything runs offline in a throwaway folder: the script points argostranslate (and every cache)
at a temporary directory *before* anything imports it, builds a real Argos package there whose
CTranslate2 model is a full-size Transformer (6+6 layers, d_model 512, 8 heads, FFN 2048,
vocabulary 16,000, int8) that copies its input and stops with </s> at the source length (so
output lengths are realistic; see workbench/testing/argos_package.py), installs it, and never
touches the user's own packages or translation cache.

Paths (same model, same sentences, same decoding settings: beam 4, length penalty 0.2,
replace_unknowns, max_decoding_length 256), each in its own long-lived worker process, run
alternately (a, b, c, d, a, b, c, d, ...) for every repeat of every input:

  a  argos   argostranslate's own PackageTranslation.hypotheses(text, 1) (what translate() calls,
             without its in-memory paragraph cache, which would make repeats free): one
             translate_batch per paragraph with Argos's settings (max_batch_size=32 tokens,
             ARGOS_INTER_THREADS/ARGOS_INTRA_THREADS, default 1 / 0). Its sentencizer
             (MiniSBD, which downloads a model) is replaced by workbench.segment.split_sentences
             so both paths translate exactly the same sentences.
  b  engine  the product path: documents.from_text (paragraphs, sentences, language check) and
             Engine.iter_translate_documents with a fresh, empty TranslationCache file each repeat
             (cold cache *with* writes), the default DecodeOptions/ThreadOptions (the latter
             from the environment, PARALLAX_INTER_THREADS etc.).
  a' tuned  a with the engine's thread layout (ARGOS_INTER_THREADS=2, ARGOS_INTRA_THREADS=1)
             and a pool of 2 threads each handing Argos one paragraph: the fairest Argos setting
             found (issue 9 measured a/b 3.8x with the threads alone, 2.2x with the pool).
  c  raw     one ctranslate2 translate_batch over all pre-tokenised sentences with the same
             options and thread settings as b: the practical limit.
  d  warm    b again on the cache file b just filled: every sentence is a cache hit.

Timing starts after the model is loaded and one short warm-up sentence is translated in the
worker; the Translator construction time ("load") and the worker's import time are reported
separately. Peak memory is each worker's VmHWM from /proc/self/status, reset before every trial
by writing "5" to /proc/self/clear_refs (so it is the peak RSS of that trial alone, model
included); where that reset is not allowed, the worker's lifetime peak
(getrusage(RUSAGE_SELF).ru_maxrss) is reported instead and the table says so.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "samples" / "china-dprk-vice-premier-visit.en.txt"
FROM_CODE, TO_CODE = "en", "ko"

# The benchmark model: the size of a real Argos package. Its sentencepiece BPE tokenizer is trained
# on other English than the text it translates: the 1,997 English news sentences of NTREX-128
# (benchmarks/data/ntrex, CC BY-SA 4.0). That fills all 16,000 pieces with real ones and splits the
# (unseen) benchmark inputs into ~1.4 pieces per word. The earlier tokenizer, trained on the sample
# article itself, had ~2,000 real pieces (the rest padding) and split its own training text into
# 1.15 pieces per word but unseen English into ~2.5: it flattered every path's speed. The report
# prints both figures for the tokenizer it used.
NTREX = ROOT / "benchmarks" / "data" / "ntrex" / "ntrex.en-ko-zh.jsonl"
BENCH_MODEL = dict(vocab_size=16000, num_layers=6, d_model=512, num_heads=8, ffn_dim=2048,
                   quantization="int8", tokenizer="bpe")
TINY_MODEL = dict(vocab_size=400, num_layers=1, d_model=128, num_heads=2, ffn_dim=256,
                  quantization="int8", tokenizer="bpe")

PATHS = ("argos", "tuned", "engine", "raw", "warm")
PATH_LABELS = {"argos": "a argos", "tuned": "a' tuned", "engine": "b engine", "raw": "c raw ct2", "warm": "d warm"}
ARGOS_PATHS = ("argos", "tuned")
# a' gives Argos the engine's thread layout (2 replicas x 1 thread, through its own environment
# variables) and feeds it two paragraphs at a time, so a'/b compares decoding paths, not thread
# settings. a keeps Argos's defaults, which is what a user of translate() gets.
TUNED_ARGOS_ENV = {"ARGOS_INTER_THREADS": "2", "ARGOS_INTRA_THREADS": "1"}
TUNED_ARGOS_POOL = 2
TUNED_RATIO = "a'/b"

DEFAULT_SIZES = ("sample", "10", "100", "1000")
QUICK_SIZES = ("sample", "10", "50")
LARGE = 1000  # inputs with at least this many paragraphs get --large-repeats runs


# ---------------------------------------------------------------------------- isolation


from workbench.testing.isolation import isolated_env  # noqa: E402  (no argostranslate import)


def enter_isolation(home: Path) -> dict[str, str]:
    if "argostranslate" in sys.modules:
        raise RuntimeError("argostranslate was imported before the benchmark could isolate it")
    env = isolated_env(home)
    os.environ.update(env)
    return env


# ---------------------------------------------------------------------------- the model


def sample_lines() -> list[str]:
    return [ln for ln in SAMPLE.read_text(encoding="utf-8").splitlines() if ln.strip()]


def tokenizer_lines() -> tuple[list[str], str]:
    """English to train the benchmark tokenizer on, and where it came from (never the inputs)."""
    if NTREX.is_file():
        with NTREX.open(encoding="utf-8") as f:
            return [json.loads(line)["en"] for line in f if line.strip()], "NTREX-128 English news (1,997 sentences)"
    return sample_lines(), "the sample article (NTREX data missing: the inputs' own text, flatters speed)"


def tokenizer_stats(pkg_path: str | Path, texts: Sequence[str]) -> dict:
    """Real (non-padding) pieces in the vocabulary, and pieces per whitespace word on `texts`."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(Path(pkg_path) / "sentencepiece.model"))
    real = sum(1 for i in range(sp.get_piece_size()) if not sp.id_to_piece(i).startswith("<unused_"))
    words = sum(len(t.split()) for t in texts)
    pieces = sum(len(sp.encode(t, out_type=str)) for t in texts)
    return {"vocab": sp.get_piece_size(), "real_pieces": real, "pieces_per_word": pieces / words if words else None}


def build_package(out_file: Path, *, texts: Sequence[str] | None = None, from_code: str = FROM_CODE,
                  to_code: str = TO_CODE, tokenizer: str = "bpe", vocab_size: int = 16000,
                  **model_kwargs) -> Path:
    """A real .argosmodel (metadata.json, sentencepiece.model, CTranslate2 model/) whose model copies.

    Like workbench.testing.argos_package.build_argos_package (whose pieces it uses), but with the
    sentencepiece model type selectable: "bpe" gives realistic sentence lengths in tokens.
    """
    from workbench.testing.argos_package import build_copy_model, train_sentencepiece

    out_file = Path(out_file)
    texts = list(texts or tokenizer_lines()[0])
    name = f"translate-{from_code}_{to_code}-0_1"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        root.mkdir()
        sp_model = train_sentencepiece(texts, root, vocab_size, model_type=tokenizer)
        build_copy_model(sp_model, root / "model", **model_kwargs)
        metadata = {"package_version": "0.1", "argos_version": "1.9", "from_code": from_code,
                    "from_name": "English", "to_code": to_code, "to_name": "Korean", "type": "translate"}
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        (root / "README.md").write_text("# Benchmark echo model\n\nBuilt by benchmarks/throughput.py.\n")
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out_file, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for path in sorted(root.rglob("*")):
                zf.write(path, path.relative_to(tmp).as_posix())
    return out_file


def build_and_install(home: Path, model: dict) -> tuple[Any, float]:
    """Build the benchmark package under `home` and install it (isolation must be active)."""
    from workbench.models import install_archive

    t0 = time.perf_counter()
    archive = build_package(Path(home) / "build" / "bench.argosmodel", **model)
    pkg = install_archive(archive)
    return pkg, time.perf_counter() - t0


# ---------------------------------------------------------------------------- inputs


def _body_paragraph_sentences() -> list[list[str]]:
    from workbench.documents import read_file

    doc = read_file(SAMPLE)
    return [list(p.sentences) for p in doc.paragraphs if p.kind == "body"]


def synthetic_article(paragraphs: int, seed: int = 0) -> str:
    """`paragraphs` body paragraphs built from the sample article's, all sentences distinct.

    Paragraph i reuses the sample's body paragraph i mod 14 with its sentences shuffled, and every
    sentence starts with the tag "[i]" (i = paragraph number), so no sentence repeats: the cache
    and the engine's de-duplication get no free hits, and every path does the same work.
    """
    templates = _body_paragraph_sentences()
    rng = random.Random(seed)
    out = []
    for i in range(paragraphs):
        sents = list(templates[i % len(templates)])
        rng.shuffle(sents)
        out.append(" ".join(f"[{i + 1}] {s}" for s in sents))
    return "\n\n".join(out)


def input_text(size: str) -> str:
    if size == "sample":
        return SAMPLE.read_text(encoding="utf-8")
    return synthetic_article(int(size))


def parse_document(text: str, name: str = "input", memo=None):
    from workbench.documents import from_text

    return from_text(text, name, lang=FROM_CODE, memo=memo)


def describe_input(size: str, text: str) -> dict:
    doc = parse_document(text, size)
    sentences = doc.sentences
    if size != "sample" and len(set(sentences)) != len(sentences):
        raise AssertionError(f"synthetic input {size} repeats a sentence")
    return {"size": size, "paragraphs": len(doc.paragraphs), "sentences": len(sentences),
            "unique_sentences": len(set(sentences)), "chars": len(text),
            "kb": round(len(text.encode("utf-8")) / 1024, 1)}


def _clear_segmenter_memo() -> None:
    """split_sentences memoises per paragraph; clear it so no repeat gets free segmentation."""
    from workbench import segment

    clear = getattr(getattr(segment, "_spans", None), "cache_clear", None)
    if clear:
        clear()


def _digest(items: Iterable[str]) -> str:
    h = hashlib.sha1()
    for s in items:
        h.update(s.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------- memory


class PeakRSS:
    """Peak resident memory of this process during a block (kB)."""

    def __init__(self) -> None:
        self.method = "VmHWM after /proc/self/clear_refs reset"
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self._read_hwm()
        except OSError:
            self.method = "ru_maxrss (lifetime peak of the worker)"

    @staticmethod
    def _status(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise OSError(f"no {field} in /proc/self/status")

    def _read_hwm(self) -> int:
        return self._status("VmHWM")

    def reset(self) -> None:
        if self.method.startswith("VmHWM"):
            Path("/proc/self/clear_refs").write_text("5")

    def peak_kb(self) -> int:
        if self.method.startswith("VmHWM"):
            return self._read_hwm()
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def rss_kb(self) -> int:
        try:
            return self._status("VmRSS")
        except OSError:
            return 0


# ---------------------------------------------------------------------------- the four paths
# Each loader returns a state object; each measure_* function takes it and one input text and
# returns a dict with at least: seconds, cpu_seconds, sentences, digest. They run in-process (the
# smoke test calls them directly) and inside the worker processes.


WARM_UP_TEXT = "A short warm-up paragraph in English. It has two sentences.\n\nAnd a second paragraph."


class WorkbenchSentencizer:
    """Stands in for argostranslate's MiniSBDSentencizer: the workbench's offline splitter."""

    def __init__(self, pkg=None) -> None:
        self.pkg = pkg

    def split_sentences(self, text: str) -> list[str]:
        from workbench.segment import split_sentences

        return split_sentences(text, FROM_CODE)


def load_argos(pkg_path: str | Path) -> dict:
    """Argos's PackageTranslation for the package, with our sentencizer; loads the model."""
    from argostranslate import settings
    from argostranslate import translate as argos_translate
    from argostranslate.package import Package

    original = argos_translate.MiniSBDSentencizer
    argos_translate.MiniSBDSentencizer = WorkbenchSentencizer  # looked up when the class is built
    try:
        pkg = Package(Path(pkg_path))
        translation = argos_translate.PackageTranslation(
            argos_translate.Language(pkg.from_code, pkg.from_name),
            argos_translate.Language(pkg.to_code, pkg.to_name), pkg)
    finally:
        argos_translate.MiniSBDSentencizer = original
    if not isinstance(translation.sentencizer, WorkbenchSentencizer):
        raise RuntimeError(f"argostranslate chose {type(translation.sentencizer).__name__}, not ours")
    t0 = time.perf_counter()
    translation.hypotheses("", num_hypotheses=1)  # builds the ctranslate2.Translator, translates nothing
    load_s = time.perf_counter() - t0
    translation.hypotheses("Warm up.", num_hypotheses=1)
    parse_document(WARM_UP_TEXT)  # as for the engine: measure_argos parses (untimed) to get paragraphs
    return {"translation": translation, "load_s": load_s,
            "settings": {"inter_threads": settings.inter_threads, "intra_threads": settings.intra_threads,
                         "max_batch_size": settings.batch_size, "batch_type": "tokens",
                         "beam_size": max(1, settings.beam_size), "compute_type": settings.compute_type}}


def measure_argos(state: dict, text: str, pool: int = 0) -> dict:
    """Argos's own path on the article: paragraphs are lines, one translate_batch per paragraph.

    With `pool` > 0, that many threads each hand Argos one paragraph at a time (CTranslate2
    releases the GIL, so two replicas can decode at once)."""
    from concurrent.futures import ThreadPoolExecutor

    doc = parse_document(text)  # untimed: only to hand Argos the same paragraphs, one per line
    lines = [p.text.replace("\n", " ") for p in doc.paragraphs]
    translation = state["translation"]
    _clear_segmenter_memo()
    t0, c0 = time.perf_counter(), time.process_time()
    if pool:
        with ThreadPoolExecutor(pool) as ex:
            paragraphs = list(ex.map(lambda line: translation.hypotheses(line, num_hypotheses=1)[0].value, lines))
    else:
        paragraphs = translation.hypotheses("\n".join(lines), num_hypotheses=1)[0].value.split("\n")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu_seconds": cpu, "sentences": len(doc.sentences),
            "target_tokens": None, "paragraph_digest": _digest(paragraphs)}


def load_engine(threads: dict | None = None, options: dict | None = None) -> dict:
    from workbench.engine import DecodeOptions, Engine, ThreadOptions, load_tokenizer, load_translator

    engine = Engine(None, DecodeOptions(**options) if options else DecodeOptions(),
                    ThreadOptions(**threads) if threads else ThreadOptions.from_env())
    (pkg,) = engine.route(FROM_CODE, TO_CODE)
    t0 = time.perf_counter()
    load_translator(pkg, engine.threads)
    load_s = time.perf_counter() - t0
    load_tokenizer(pkg)
    engine.translate_sentences(["Warm up."], FROM_CODE, TO_CODE)
    parse_document(WARM_UP_TEXT)  # one-time set-up of the sentence splitter and language detector
    return {"engine": engine, "pkg": pkg, "load_s": load_s,
            "settings": {**dataclasses.asdict(engine.options), **dataclasses.asdict(engine.threads)}}


def measure_engine(state: dict, text: str, cache_path: str | Path | None) -> dict:
    """The product path from text to translations, through a TranslationCache at `cache_path`
    (a fresh file: cold; a filled one: warm; None: no cache at all)."""
    from workbench.cache import TranslationCache
    from workbench.engine import Engine

    base: Engine = state["engine"]
    _clear_segmenter_memo()
    t0, c0 = time.perf_counter(), time.process_time()
    cache = TranslationCache(cache_path) if cache_path else None
    try:
        engine = Engine(cache, base.options, base.threads)
        doc = parse_document(text, memo=cache)  # the CLI's path: splits are cached beside translations
        parse_s = time.perf_counter() - t0  # the cache's setup, paragraphs, sentences, language check
        first = None
        result = None
        chunks = 0
        for _lang, result in engine.iter_translate_documents([doc], [TO_CODE]):
            chunks += 1
            if first is None:
                first = time.perf_counter() - t0
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        if cache is not None:
            cache.close()
    (aligned,) = result
    flat = [t for para in aligned.translations[TO_CODE] for t in para]
    return {"seconds": seconds, "cpu_seconds": cpu, "first_chunk_s": first, "chunks": chunks, "parse_s": parse_s,
            "sentences": len(doc.sentences), "translated": len(flat),
            "cached": sum(1 for t in flat if t.cached),
            "target_tokens": sum((t.tokens or 1) - 1 for t in flat if not t.cached) or None,
            "digest": _digest(t.text for t in flat),
            "paragraph_digest": _digest(aligned.paragraph_translation(TO_CODE, p.index)
                                        for p in doc.paragraphs)}


def load_raw(threads: dict | None = None, options: dict | None = None) -> dict:
    import ctranslate2

    from workbench.engine import DecodeOptions, Engine, ThreadOptions, load_tokenizer

    opts = DecodeOptions(**options) if options else DecodeOptions()
    thr = ThreadOptions(**threads) if threads else ThreadOptions.from_env()
    (pkg,) = Engine(None, opts, thr).route(FROM_CODE, TO_CODE)
    t0 = time.perf_counter()
    translator = ctranslate2.Translator(str(pkg.path / "model"), device=thr.device,
                                        inter_threads=thr.inter_threads, intra_threads=thr.intra_threads,
                                        compute_type=thr.compute_type)
    load_s = time.perf_counter() - t0
    state = {"translator": translator, "tokenizer": load_tokenizer(pkg), "pkg": pkg, "options": opts,
             "load_s": load_s, "settings": {**dataclasses.asdict(opts), **dataclasses.asdict(thr)}}
    raw_translate(state, [state["tokenizer"].encode("Warm up.")])
    parse_document(WARM_UP_TEXT)
    return state


def raw_translate(state: dict, batch: list[list[str]]):
    opts = state["options"]
    pkg = state["pkg"]
    prefix = [[pkg.target_prefix] for _ in batch] if pkg.target_prefix else None
    return state["translator"].translate_batch(
        batch, target_prefix=prefix, replace_unknowns=opts.replace_unknowns,
        max_batch_size=opts.max_batch_size, batch_type=opts.batch_type, beam_size=opts.beam_size,
        num_hypotheses=1, length_penalty=opts.length_penalty,
        max_decoding_length=opts.max_decoding_length, return_scores=True)


def measure_raw(state: dict, text: str) -> dict:
    """One translate_batch over every pre-tokenised sentence (parsing and tokenising untimed)."""
    from workbench.engine import decode_tokens

    sentences = parse_document(text).sentences
    batch = [state["tokenizer"].encode(s) for s in sentences]
    t0, c0 = time.perf_counter(), time.process_time()
    results = raw_translate(state, batch)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    hyps = [r.hypotheses[0] for r in results]
    prefix = 1 if state["pkg"].target_prefix else 0
    return {"seconds": seconds, "cpu_seconds": cpu, "sentences": len(sentences),
            "source_tokens": sum(len(b) for b in batch),
            "target_tokens": sum(len(h) - prefix for h in hyps),
            "digest": _digest(decode_tokens(state["pkg"], state["tokenizer"], h) for h in hyps)}


# ---------------------------------------------------------------------------- worker processes


def worker_main(path: str) -> None:
    """A long-lived worker for one path: JSON commands on stdin, JSON replies on the original stdout
    (anything the libraries print goes to stderr)."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    started = float(os.environ.get("BENCH_WORKER_STARTED", time.time()))
    memory = PeakRSS()
    state: dict = {}
    import_s = None
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["op"] == "setup":
                t0 = time.perf_counter()
                if path in ARGOS_PATHS:
                    import argostranslate.translate  # noqa: F401  (what `import argostranslate.translate` costs a user)
                else:
                    import workbench.engine  # noqa: F401
                import_s = time.perf_counter() - t0
                if path in ARGOS_PATHS:
                    state = load_argos(cmd["package"])
                elif path in ("engine", "warm"):
                    state = load_engine(cmd.get("threads"), cmd.get("options"))
                else:
                    state = load_raw(cmd.get("threads"), cmd.get("options"))
                reply = {"load_s": state["load_s"], "import_s": import_s, "settings": state["settings"],
                         "rss_kb": memory.rss_kb(), "memory_method": memory.method,
                         "startup_s": time.time() - started}
            elif cmd["op"] == "run":
                text = Path(cmd["input"]).read_text(encoding="utf-8")
                gc.collect()
                memory.reset()
                before = memory.rss_kb()
                if path in ARGOS_PATHS:
                    reply = measure_argos(state, text, pool=TUNED_ARGOS_POOL if path == "tuned" else 0)
                elif path in ("engine", "warm"):
                    reply = measure_engine(state, text, cmd.get("cache"))
                else:
                    reply = measure_raw(state, text)
                reply.update(peak_rss_kb=memory.peak_kb(), rss_before_kb=before)
            elif cmd["op"] == "exit":
                break
            else:
                raise ValueError(f"unknown op {cmd['op']!r}")
        except Exception:
            reply = {"error": traceback.format_exc()}
        proto.write(json.dumps(reply) + "\n")


class Worker:
    def __init__(self, path: str, env: dict[str, str]) -> None:
        self.path = path
        full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "BENCH_WORKER_STARTED": str(time.time())}
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=full_env, text=True,
                                     cwd=str(ROOT))

    def call(self, **cmd) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.path} worker died (exit code {self.proc.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.path} worker failed:\n{reply['error']}")
        return reply

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                assert self.proc.stdin
                self.proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------- the run


@dataclasses.dataclass
class Config:
    sizes: tuple[str, ...] = DEFAULT_SIZES
    repeats: int = 5
    large_repeats: int = 1
    paths: tuple[str, ...] = PATHS
    argos_max_paragraphs: int = 100
    model: dict = dataclasses.field(default_factory=lambda: dict(BENCH_MODEL))
    threads: dict | None = None  # None: ThreadOptions.from_env() in each worker
    options: dict | None = None  # None: DecodeOptions() defaults


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def run_benchmark(config: Config, home: Path, env: dict[str, str], quiet: bool = False) -> dict:
    """Build and install the model, run every path on every input alternately; raw results."""
    import ctranslate2

    started = time.time()
    pkg, build_s = build_and_install(home, config.model)
    _log(f"model built and installed in {build_s:.1f} s: {pkg.path}", quiet)
    inputs = []
    for size in config.sizes:
        text = input_text(size)
        f = Path(home) / "inputs" / f"{size}.txt"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
        inputs.append({**describe_input(size, text), "file": str(f),
                       "tokenizer": tokenizer_stats(pkg.path, text.splitlines())})

    workers: dict[str, Worker] = {}
    setup: dict[str, dict] = {}
    trials: list[dict] = []
    try:
        for path in config.paths:  # one at a time, so import and load times are not contended
            workers[path] = Worker(path, {**env, **(TUNED_ARGOS_ENV if path == "tuned" else {})})
            setup[path] = workers[path].call(op="setup", package=str(pkg.path), threads=config.threads,
                                             options=config.options)
            _log(f"{PATH_LABELS[path]:<10} worker ready: import {setup[path]['import_s']:.2f} s, "
                 f"model load {setup[path]['load_s']:.2f} s", quiet)
        for inp in inputs:
            large = inp["paragraphs"] >= LARGE
            reps = config.large_repeats if large else config.repeats
            for rep in range(reps):
                cache_file = Path(home) / "cache" / f"bench-{inp['size']}-{rep}.sqlite"
                for path in config.paths:
                    if path in ARGOS_PATHS and inp["paragraphs"] > config.argos_max_paragraphs:
                        continue
                    if path == "warm" and not cache_file.exists():
                        if "engine" in config.paths:
                            continue
                        # no cold run to fill it: fill it here (untimed)
                        workers[path].call(op="run", input=inp["file"], cache=str(cache_file))
                    cache = str(cache_file) if path in ("engine", "warm") else None
                    reply = workers[path].call(op="run", input=inp["file"], cache=cache)
                    trials.append({"size": inp["size"], "repeat": rep, "path": path, **reply})
                    first = f", first chunk {reply['first_chunk_s']:.2f} s" if reply.get("first_chunk_s") else ""
                    _log(f"[{inp['size']:>6} #{rep + 1}/{reps}] {PATH_LABELS[path]:<10} {reply['seconds']:8.2f} s"
                         f" (cpu {reply['cpu_seconds']:.1f} s{first}), peak RSS {reply['peak_rss_kb'] / 1024:.0f} MiB",
                         quiet)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(cache_file) + suffix).unlink(missing_ok=True)
    finally:
        for w in workers.values():
            w.close()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "ctranslate2": ctranslate2.__version__,
        "argostranslate": _version("argostranslate"),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "model": config.model,
        "tokenizer_source": tokenizer_lines()[1],
        "build_s": build_s,
        "config": dataclasses.asdict(config),
        "inputs": inputs,
        "setup": setup,
        "trials": trials,
        "wall_s": time.time() - started,
    }


def _version(dist: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# ---------------------------------------------------------------------------- summary


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(results: dict) -> dict:
    """Per input and path: medians and rates; ratios; the targets of issue 5."""
    rows = {}
    for inp in results["inputs"]:
        size = inp["size"]
        trials = [t for t in results["trials"] if t["size"] == size]
        tokens = next((t["target_tokens"] for t in trials if t["path"] == "raw" and t.get("target_tokens")), None)
        if tokens is None:
            tokens = next((t["target_tokens"] for t in trials if t["path"] == "engine" and t.get("target_tokens")), None)
        per_path = {}
        for path in PATHS:
            ts = [t for t in trials if t["path"] == path]
            if not ts:
                continue
            sec = _median([t["seconds"] for t in ts])
            n = inp["sentences"]
            per_path[path] = {
                "runs": len(ts), "seconds": sec, "seconds_all": [round(t["seconds"], 3) for t in ts],
                "cpu_seconds": _median([t["cpu_seconds"] for t in ts]),
                "sentences_per_s": n / sec if sec else None,
                "tokens_per_s": tokens / sec if tokens and sec else None,
                "ms_per_sentence": 1000 * sec / n if n else None,
                "first_chunk_s": _median([t.get("first_chunk_s") for t in ts]),
                "parse_s": _median([t.get("parse_s") for t in ts]),
                "peak_rss_mib": max(t["peak_rss_kb"] for t in ts) / 1024,
                "cached": _median([t.get("cached") for t in ts]),
            }
        ratios = {}
        s = {p: v["seconds"] for p, v in per_path.items()}
        if "argos" in s and "engine" in s:
            ratios["a/b"] = s["argos"] / s["engine"]
        if "tuned" in s and "engine" in s:
            ratios[TUNED_RATIO] = s["tuned"] / s["engine"]
        if "engine" in s and "raw" in s:
            ratios["b/c"] = s["engine"] / s["raw"]
        if "engine" in s and "warm" in s:
            ratios["b/d"] = s["engine"] / s["warm"]
            # the same, parsing excluded (segmentation and language detection are not cached)
            b_parse, d_parse = per_path["engine"]["parse_s"], per_path["warm"]["parse_s"]
            if b_parse is not None and d_parse is not None and s["warm"] > d_parse:
                ratios["b/d excl. parsing"] = (s["engine"] - b_parse) / (s["warm"] - d_parse)
        # same sentences in, same translations out? (the echo model makes this checkable)
        digests = {p: {t.get("digest") for t in trials if t["path"] == p} for p in ("engine", "raw", "warm")}
        pdigests = {p: {t.get("paragraph_digest") for t in trials if t["path"] == p} for p in ("argos", "tuned", "engine")}
        checks = {}
        if digests["engine"] and digests["raw"]:
            checks["b==c"] = digests["engine"] == digests["raw"] and len(digests["engine"]) == 1
        if digests["engine"] and digests["warm"]:
            checks["b==d"] = digests["engine"] == digests["warm"]
        if pdigests["argos"] and pdigests["engine"]:
            checks["a==b"] = pdigests["argos"] == pdigests["engine"] and len(pdigests["argos"]) == 1
        if pdigests["tuned"] and pdigests["engine"]:
            checks["a'==b"] = pdigests["tuned"] == pdigests["engine"] and len(pdigests["tuned"]) == 1
        rows[size] = {"input": inp, "target_tokens": tokens, "paths": per_path, "ratios": ratios, "checks": checks}
    return {"rows": rows, "targets": _targets(rows)}


def _targets(rows: dict) -> list[dict]:
    out = []

    def add(name: str, value: float | None, ok: bool | None, detail: str) -> None:
        out.append({"target": name, "value": value, "met": ok, "detail": detail})

    r100 = rows.get("100")
    ab = r100 and r100["ratios"].get("a/b")
    add("b >= 2x faster than a (100 paragraphs)", ab, None if ab is None else ab >= 2.0,
        f"a/b = {ab:.2f}x" if ab else "not measured (needs the 100-paragraph input with paths a and b)")
    atb = r100 and r100["ratios"].get(TUNED_RATIO)
    add("b faster than tuned Argos a' (100 paragraphs)", atb, None if atb is None else atb > 1.0,
        f"a'/b = {atb:.2f}x" if atb else "not measured (needs the 100-paragraph input with paths a' and b)")
    bcs = {k: r["ratios"]["b/c"] for k, r in rows.items() if "b/c" in r["ratios"]}
    worst = max(bcs.values()) if bcs else None
    add("b within 1.15x of c (every input)", worst, None if worst is None else worst <= 1.15,
        ", ".join(f"{k}: {v:.2f}x" for k, v in bcs.items()) or "not measured")
    per_sent = {k: r["paths"]["engine"]["ms_per_sentence"] for k, r in rows.items()
                if k != "sample" and "engine" in r["paths"]}
    if len(per_sent) >= 2:
        spread = max(per_sent.values()) / min(per_sent.values())
        add("b time per sentence roughly constant, 10 -> 1000 paragraphs (max/min <= 1.25)", spread,
            spread <= 1.25, ", ".join(f"{k}p: {v:.0f} ms" for k, v in per_sent.items()))
    else:
        add("b time per sentence roughly constant", None, None, "needs two synthetic sizes")
    bds = {k: r["ratios"]["b/d"] for k, r in rows.items() if "b/d" in r["ratios"]}
    low = min(bds.values()) if bds else None
    excl = {k: r["ratios"]["b/d excl. parsing"] for k, r in rows.items() if "b/d excl. parsing" in r["ratios"]}
    add("warm cache >= 50x faster than cold (every input, text to translations)", low,
        None if low is None else low >= 50,
        (", ".join(f"{k}: {v:.0f}x" for k, v in bds.items()) or "not measured")
        + ("; parsing excluded: " + ", ".join(f"{k}: {v:.0f}x" for k, v in excl.items()) if excl else ""))
    firsts = {k: (r["paths"]["engine"]["first_chunk_s"], r["paths"]["engine"]["seconds"])
              for k, r in rows.items() if "engine" in r["paths"] and k in ("100", "1000")}
    if firsts:
        ok = all(f is not None and f < total for f, total in firsts.values())
        add("b's first chunk before the whole article (100 and 1000 paragraphs)", None, ok,
            ", ".join(f"{k}p: first {f:.1f} s of {t:.1f} s" for k, (f, t) in firsts.items()))
    return out


def _fmt(v: float | None, spec: str, width: int) -> str:
    return f"{v:{spec}}".rjust(width) if v is not None else "-".rjust(width)


def format_report(results: dict, summary: dict) -> str:
    lines = []
    cfg = results["config"]
    setup = results["setup"]
    model = results["model"]
    eng = setup.get("engine") or setup.get("raw") or setup.get("warm")
    lines.append(f"Parallax throughput benchmark  {results['date']}")
    lines.append(f"machine: os.cpu_count() = {results['cpu_count']} ({results['processor']}), {results['platform']}, "
                 f"load average at the end {', '.join(f'{x:.1f}' for x in results['load_average'] or ())}")
    lines.append(f"python {results['python']}, ctranslate2 {results['ctranslate2']}, argostranslate {results['argostranslate']}")
    lines.append(f"model: echo Transformer {model['num_layers']}+{model['num_layers']} layers, d_model {model['d_model']}, "
                 f"{model['num_heads']} heads, FFN {model['ffn_dim']}, vocab {model['vocab_size']}, {model['quantization']}, "
                 f"sentencepiece {model.get('tokenizer', 'unigram')}; built+installed in {results['build_s']:.1f} s")
    tok = results["inputs"][0]["tokenizer"] if results["inputs"] else None
    if tok:
        ppw = ", ".join(f"{i['size']}: {i['tokenizer']['pieces_per_word']:.2f}" for i in results["inputs"])
        lines.append(f"tokenizer: trained on {results.get('tokenizer_source')}; {tok['real_pieces']} real pieces of "
                     f"{tok['vocab']}; pieces per word on the inputs (not trained on): {ppw}")
    lines.append("decoding, all paths: beam 4, length penalty 0.2, replace_unknowns, max_decoding_length 256")
    if "argos" in setup:
        a = setup["argos"]["settings"]
        lines.append(f"  a argos   : PackageTranslation.hypotheses(), one translate_batch per paragraph, "
                     f"max_batch_size={a['max_batch_size']} {a['batch_type']}, inter_threads={a['inter_threads']}, "
                     f"intra_threads={a['intra_threads']}")
    if "tuned" in setup:
        a = setup["tuned"]["settings"]
        lines.append(f"  a' tuned  : as a, with a pool of {TUNED_ARGOS_POOL} threads handing it one paragraph each, "
                     f"inter_threads={a['inter_threads']}, intra_threads={a['intra_threads']}")
    if eng:
        e = eng["settings"]
        lines.append(f"  b engine  : from_text + Engine.iter_translate_documents, cold TranslationCache (fresh file per "
                     f"run, writes included); max_batch_size={e['max_batch_size']} {e['batch_type']}, "
                     f"chunks {e['first_chunk_sentences']} then {e['chunk_sentences']} sentences, "
                     f"inter_threads={e['inter_threads']}, intra_threads={e['intra_threads']}")
        lines.append("  c raw     : one translate_batch over all pre-tokenised sentences, same options and threads as b")
        lines.append("  d warm    : b again on the cache file b just filled (all hits)")
    loads = ", ".join(f"{PATH_LABELS[p].split()[0]} {s['load_s']:.2f} s" for p, s in setup.items())
    imports = ", ".join(f"{PATH_LABELS[p].split()[0]} {s['import_s']:.2f} s" for p, s in setup.items())
    lines.append(f"first-call model load (Translator construction): {loads}")
    lines.append(f"import time in a fresh process: {imports}")
    method = next(iter(setup.values()))["memory_method"] if setup else "?"
    lines.append(f"peak RSS: per worker process and trial, {method}; max over runs")
    lines.append(f"repeats: {cfg['repeats']} per input, {cfg['large_repeats']} for >= {LARGE} paragraphs; "
                 f"a skipped above {cfg['argos_max_paragraphs']} paragraphs; medians shown; paths alternate a,b,c,d per repeat")
    lines.append("")
    head = (f"{'input':<7}{'paras':>6}{'sents':>6}{'tgt tok':>8}  {'path':<10}{'runs':>4}{'median s':>10}"
            f"{'cpu s':>8}{'sent/s':>10}{'tok/s':>9}{'ms/sent':>9}{'1st chunk':>10}{'parse s':>8}{'peak MiB':>9}")
    lines.append(head)
    lines.append("-" * len(head))
    for size, row in summary["rows"].items():
        inp = row["input"]
        first = True
        for path in PATHS:
            p = row["paths"].get(path)
            if p is None:
                continue
            lead = (f"{size:<7}{inp['paragraphs']:>6}{inp['sentences']:>6}{_fmt(row['target_tokens'], 'd', 8)}"
                    if first else " " * 27)
            first = False
            lines.append(f"{lead}  {PATH_LABELS[path]:<10}{p['runs']:>4}{_fmt(p['seconds'], '.2f', 10)}"
                         f"{_fmt(p['cpu_seconds'], '.1f', 8)}{_fmt(p['sentences_per_s'], '.1f', 10)}"
                         f"{_fmt(p['tokens_per_s'], '.0f', 9)}{_fmt(p['ms_per_sentence'], '.1f', 9)}"
                         f"{_fmt(p['first_chunk_s'], '.2f', 10)}{_fmt(p['parse_s'], '.2f', 8)}"
                         f"{_fmt(p['peak_rss_mib'], '.0f', 9)}")
        r = row["ratios"]
        checks = ", ".join(f"{k} {'same' if v else 'DIFFERENT'}" for k, v in row["checks"].items())
        lines.append(" " * 27 + f"  a/b {_fmt(r.get('a/b'), '.2f', 5)}x   a'/b {_fmt(r.get(TUNED_RATIO), '.2f', 5)}x   b/c {_fmt(r.get('b/c'), '.2f', 5)}x   "
                     f"b/d (warm speed-up) {_fmt(r.get('b/d'), '.0f', 4)}x "
                     f"({_fmt(r.get('b/d excl. parsing'), '.0f', 1)}x parsing excluded)   output {checks or '-'}")
    lines.append("")
    lines.append("time per sentence (ms), by input:")
    for path in PATHS:
        vals = [(size, row["paths"][path]["ms_per_sentence"]) for size, row in summary["rows"].items()
                if path in row["paths"]]
        if vals:
            lines.append(f"  {PATH_LABELS[path]:<10} " + "  ".join(f"{s}: {v:.1f}" for s, v in vals))
    lines.append("")
    lines.append("targets (issue 5):")
    for t in summary["targets"]:
        mark = {True: "MET ", False: "MISS", None: " -- "}[t["met"]]
        lines.append(f"  [{mark}] {t['target']}: {t['detail']}")
    lines.append("")
    lines.append(f"total wall time {results['wall_s']:.0f} s")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="sample, 10 and 50 paragraphs, 2 repeats (a few minutes)")
    ap.add_argument("--sizes", help="comma-separated inputs: 'sample' and/or paragraph counts (default sample,10,100,1000)")
    ap.add_argument("--repeats", type=int, help="runs per path per input (default 5; 2 with --quick)")
    ap.add_argument("--large-repeats", type=int, default=1, help=f"runs for inputs of >= {LARGE} paragraphs (default 1)")
    ap.add_argument("--paths", default=",".join(PATHS), help="subset of " + ",".join(PATHS))
    ap.add_argument("--argos-max-paragraphs", type=int, default=100,
                    help="skip path a on larger inputs (default 100: Argos alone would take ~20 min on 1000 "
                         "paragraphs with 2 cores); 0 = never skip")
    ap.add_argument("--tiny", action="store_true", help="a tiny model (1 layer, d_model 128): checks the plumbing only")
    ap.add_argument("--json", type=Path, help="also write raw results and the summary as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (model, inputs)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> Config:
    sizes = tuple(s.strip() for s in args.sizes.split(",")) if args.sizes else (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    for s in sizes:
        if s != "sample" and not (s.isdigit() and int(s) > 0):
            raise SystemExit(f"--sizes: {s!r} is neither 'sample' nor a positive paragraph count")
    paths = tuple(p.strip() for p in args.paths.split(",") if p.strip())
    for p in paths:
        if p not in PATHS:
            raise SystemExit(f"--paths: unknown path {p!r} (choose from {', '.join(PATHS)})")
    paths = tuple(p for p in PATHS if p in paths)  # always a, b, c, d order (d follows b)
    return Config(sizes=sizes, repeats=args.repeats or (2 if args.quick else 5), large_repeats=args.large_repeats,
                  paths=paths, argos_max_paragraphs=args.argos_max_paragraphs or 10**9,
                  model=dict(TINY_MODEL if args.tiny else BENCH_MODEL))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return 0
    config = config_from_args(args)
    home = Path(tempfile.mkdtemp(prefix="parallax-bench-"))
    try:
        env = enter_isolation(home)
        results = run_benchmark(config, home, env)
        summary = summarize(results)
        print(format_report(results, summary), flush=True)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"results": results, "summary": summary}, indent=1, default=str) + "\n")
    finally:
        if args.keep:
            print(f"kept {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
