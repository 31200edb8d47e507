"""The translator pool: one CTranslate2 Translator (and tokenizer) per installed package per process,
on the chosen device, dropped when the package at that folder is replaced or removed; and the
smoke test an install runs before it swaps a package in.

Loading a model is the slow part (seconds), so translators live for the process. They are keyed
by the package *folder* and remember the package's identity (its model file included, as the scan
found it): a package with another identity at the same folder (a re-install) replaces the old
translator, and `prune` drops those of packages no longer installed, so repeated re-installs do
not pile up models in memory. The pool never looks at the disk itself: the scan's one stat() per
package is all it needs.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import BadPackage, UsageError
from ..languages import SCRIPT_NAMES, foreign_script, language_name, script_counts
from ..packages import PackageInfo, _one_line
from .data import DecodeOptions, SentenceTranslation

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str = "auto") -> str:
    """`cpu` or `cuda`; `auto` is CUDA when CTranslate2 sees a GPU (never on a CPU-only build)."""
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    if device == "cpu":
        return device
    gpus = cuda_devices()
    if device == "cuda" and not gpus:
        raise UsageError("device cuda: CTranslate2 sees no CUDA GPU here (driver, CUDA 12 libraries?); "
                         "use the CPU or auto", "device")
    return "cuda" if gpus else "cpu"


def cuda_devices() -> int:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except Exception:  # a CTranslate2 build without CUDA support, or no driver
        return 0


@dataclass(frozen=True)
class ThreadOptions:
    # benchmarks/tune.py on 2 cores: two translator replicas of one thread each (batches decoded
    # side by side) beat one replica spreading every op over both cores; with more cores, two
    # replicas of cores/2 threads. PARALLAX_INTER_THREADS / PARALLAX_INTRA_THREADS override.
    inter_threads: int = 2 if (os.cpu_count() or 1) >= 2 else 1
    intra_threads: int = max(1, (os.cpu_count() or 1) // 2)  # 0: CTranslate2 picks (all cores)
    device: str = "cpu"
    # "auto" on CPU keeps Argos's int8 models in int8 (and matches Argos's own output exactly)
    compute_type: str = "auto"

    @classmethod
    def from_env(cls) -> "ThreadOptions":
        """Overrides for power users: PARALLAX_INTER_THREADS, PARALLAX_INTRA_THREADS,
        PARALLAX_DEVICE (cpu, cuda, auto), PARALLAX_COMPUTE_TYPE."""
        return cls.for_device(os.environ.get("PARALLAX_DEVICE", "cpu"))

    @classmethod
    def for_device(cls, device: str = "auto") -> "ThreadOptions":
        """Settings for `device` (cpu, cuda or auto): on CUDA int8 weights with float16 activations
        and one replica (the GPU runs the batch in parallel); environment overrides still apply."""
        env = os.environ
        dev = resolve_device(device)
        base = cls() if dev == "cpu" else cls(inter_threads=1, intra_threads=1, device="cuda",
                                              compute_type="int8_float16")
        return replace(
            base,
            inter_threads=int(env.get("PARALLAX_INTER_THREADS", base.inter_threads)),
            intra_threads=int(env.get("PARALLAX_INTRA_THREADS", base.intra_threads)),
            compute_type=env.get("PARALLAX_COMPUTE_TYPE", base.compute_type),
        )


def _new_translator(pkg: PackageInfo, threads: ThreadOptions):
    import ctranslate2

    return ctranslate2.Translator(str(pkg.path / "model"), device=threads.device, inter_threads=threads.inter_threads,
                                  intra_threads=threads.intra_threads, compute_type=threads.compute_type)


def _new_tokenizer(pkg: PackageInfo):
    """The package's own tokenizer object from argostranslate (sentencepiece or BPE)."""
    from argostranslate.package import Package

    return Package(pkg.path).tokenizer


class TranslatorPool:
    """Translators and tokenizers by package folder, each with the identity of the package it was
    loaded from; thread-safe, one object per process (POOL)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._translators: dict[tuple[str, ThreadOptions], tuple[str, object]] = {}
        self._tokenizers: dict[str, tuple[str, object]] = {}

    def translator(self, pkg: PackageInfo, threads: ThreadOptions):
        identity = pkg.identity
        key = (str(pkg.path), threads)
        with self._lock:
            entry = self._translators.get(key)
            if entry is not None and entry[0] == identity:
                return entry[1]
            self._drop_locked(str(pkg.path), identity)  # another package was at this folder
            tr = _new_translator(pkg, threads)
            self._translators[key] = (identity, tr)
            return tr

    def tokenizer(self, pkg: PackageInfo):
        """The package's own tokenizer object from argostranslate (sentencepiece or BPE)."""
        identity = pkg.identity
        key = str(pkg.path)
        with self._lock:
            entry = self._tokenizers.get(key)
            if entry is not None and entry[0] == identity:
                return entry[1]
        tok = _new_tokenizer(pkg)
        with self._lock:
            self._drop_locked(key, identity)
            self._tokenizers[key] = (identity, tok)
        return tok

    def _drop_locked(self, folder: str, identity: str) -> None:
        """Forget what was loaded from `folder` for a package other than `identity`."""
        for key, (ident, _obj) in list(self._translators.items()):
            if key[0] == folder and ident != identity:
                del self._translators[key]
        entry = self._tokenizers.get(folder)
        if entry is not None and entry[0] != identity:
            del self._tokenizers[folder]

    def prune(self, installed: Iterable[PackageInfo]) -> int:
        """Drop what was loaded for packages not among `installed` (a fresh scan): replaced ones
        (another identity at the folder) and removed ones. Returns how many translators went."""
        current = {(str(p.path), p.identity) for p in installed}
        with self._lock:
            stale = [k for k, (ident, _tr) in self._translators.items() if (k[0], ident) not in current]
            for k in stale:
                del self._translators[k]
            for k in [k for k, (ident, _tok) in self._tokenizers.items() if (k, ident) not in current]:
                del self._tokenizers[k]
            return len(stale)

    def release(self, path: str | Path | None = None) -> int:
        """Forget the translators loaded from `path` (every one when None); returns how many.

        A translation still running on a released translator finishes (it holds its own
        reference), and memory is freed after it."""
        with self._lock:
            keys = [k for k in self._translators if path is None or k[0] == str(path)]
            for k in keys:
                del self._translators[k]
            for k in [k for k in self._tokenizers if path is None or k == str(path)]:
                del self._tokenizers[k]
            return len(keys)

    def live(self) -> int:
        """Translators held now (for tests and memory checks)."""
        with self._lock:
            return len(self._translators)


POOL = TranslatorPool()


def load_translator(pkg: PackageInfo, threads: ThreadOptions):
    return POOL.translator(pkg, threads)


def load_tokenizer(pkg: PackageInfo):
    return POOL.tokenizer(pkg)


def release_translators(path: str | Path | None = None) -> int:
    """Drop the process's translators for the package folder `path` (all when None)."""
    return POOL.release(path)


def decode_tokens(pkg: PackageInfo, tokenizer, tokens: list[str]) -> str:
    """Argos's post-processing: detokenize, drop the target prefix, drop one leading space.

    The prefix is dropped as a token before detokenizing: Argos strips it from the decoded
    string, which misses prefixes like `__zh__` that its decoder turns into spaces.
    """
    if pkg.target_prefix and tokens and tokens[0] == pkg.target_prefix:
        tokens = tokens[1:]
    value = tokenizer.decode(tokens)
    if pkg.target_prefix and value.startswith(pkg.target_prefix):
        value = value[len(pkg.target_prefix):]
    if value.startswith(" "):
        value = value[1:]
    return value


def run_ctranslate2(pkg: PackageInfo, sentences: Sequence[str], options: DecodeOptions,
                    threads: ThreadOptions, pool: TranslatorPool = POOL) -> list[SentenceTranslation]:
    """Translate `sentences` with one package, in order, with Argos's decoding settings."""
    tokenizer = pool.tokenizer(pkg)
    translator = pool.translator(pkg, threads)
    batch = [tokenizer.encode(s) for s in sentences]
    opts = options
    common = dict(
        replace_unknowns=opts.replace_unknowns,
        beam_size=opts.beam_size,
        num_hypotheses=1,
        length_penalty=opts.length_penalty,
        max_decoding_length=opts.max_decoding_length,
        return_scores=True,
    )

    def prefix(n: int):
        return [[pkg.target_prefix] for _ in range(n)] if pkg.target_prefix else None

    # CTranslate2 sorts a call's sentences by length (so sorting here gains nothing), cuts them
    # into batches of max_batch_size and its inter_threads replicas decode the batches side by
    # side. A call that makes only a few batches (a short article, the small first chunk) would
    # leave a replica idle while another decodes the one big batch, so such a call is dealt out
    # round-robin by length into equal batches, a multiple of the replicas in number, submitted
    # together (benchmarks/throughput.py: ~15-25% faster on 15-30 sentences with 2 replicas).
    replicas = max(1, threads.inter_threads)
    size = sum(len(b) for b in batch) if opts.batch_type == "tokens" else len(batch)
    if replicas > 1 and len(batch) > 1 and 0 < opts.max_batch_size and size < 2 * replicas * opts.max_batch_size:
        parts = min(len(batch), replicas * -(-size // (replicas * opts.max_batch_size)))
        by_length = sorted(range(len(batch)), key=lambda i: len(batch[i]), reverse=True)
        groups = [by_length[k::parts] for k in range(parts)]
        pending = [(g, translator.translate_batch([batch[i] for i in g], target_prefix=prefix(len(g)),
                                                  max_batch_size=0, asynchronous=True, **common))
                   for g in groups]
        results: list = [None] * len(batch)
        for g, futures in pending:
            for i, future in zip(g, futures):
                results[i] = future.result()
    else:
        results = translator.translate_batch(batch, target_prefix=prefix(len(batch)),
                                             max_batch_size=opts.max_batch_size, batch_type=opts.batch_type,
                                             **common)
    out = []
    for r in results:
        toks = r.hypotheses[0]
        out.append(SentenceTranslation(decode_tokens(pkg, tokenizer, toks), float(r.scores[0]), len(toks) + 1,
                                       pkg.label))
    return out


# ---------------------------------------------------------------- the install's smoke test

SMOKE_SENTENCE = "This is a test."


def smoke_test(pkg: PackageInfo) -> None:
    """Load the model and tokenizer the way translation does, translate one sentence, and check
    the output is written in the target language's script (an "en→zh" model that writes Hangul
    is refused); BadPackage (one line) otherwise. The install passes this to the package store.

    Letters left in the smoke sentence's own script pass (models leave names as they are; the
    tests' echo models copy the sentence), so the check catches a model that writes a third
    script, not one that does not translate at all. Nothing is kept in the pool."""
    try:
        tokenizer = _new_tokenizer(pkg)
        tokens = tokenizer.encode(SMOKE_SENTENCE)
        translator = _new_translator(pkg, ThreadOptions(inter_threads=1, intra_threads=1))
        result = translator.translate_batch([tokens], target_prefix=[[pkg.target_prefix]] if pkg.target_prefix else None,
                                            beam_size=1, max_decoding_length=32)
        text = decode_tokens(pkg, tokenizer, result[0].hypotheses[0])
        if not isinstance(text, str):
            raise ValueError("the model returned no text")
    except Exception as exc:
        detail = _one_line(exc).replace(f"{pkg.path}{os.sep}", "")  # the staging folder means nothing to users
        raise BadPackage(f"the model does not translate ({exc.__class__.__name__}: {detail})") from None
    wrong = foreign_script(text, pkg.to_code, allowed=script_counts(SMOKE_SENTENCE).present)
    if wrong is not None:
        raise BadPackage(f"the model labelled {pkg.pair} writes {SCRIPT_NAMES[wrong]}, not "
                         f"{language_name(pkg.to_code)} ({_one_line(text, 40)!r} for {SMOKE_SENTENCE!r})")
