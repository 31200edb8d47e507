"""The translation engine: Argos packages driven sentence by sentence through CTranslate2.

Argos's own `translate()` joins a paragraph's sentences (their alignment is lost) and, without a
bundled splitter, downloads one. We segment offline ourselves, tokenize with the package's own
tokenizer, and send every sentence of every document through `translate_batch` for each pair
with Argos's decoding settings, so output i is always the translation of source sentence i.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from .cache import TranslationCache, cache_key
from .documents import Document, Paragraph
from .errors import MissingModel
from .models import PackageInfo, installed_packages

# (target language, sentences done, sentences total) for progress bars
ProgressFn = Callable[[str, int, int], None]

NO_SPACE_LANGS = {"zh", "zt", "ja", "th"}  # sentences are joined without a space


def join_sentences(sentences: Sequence[str], lang: str) -> str:
    return ("" if lang in NO_SPACE_LANGS else " ").join(s for s in sentences if s)


@dataclass(frozen=True)
class DecodeOptions:
    """Argos's settings (beam 4, length penalty 0.2, replace unknowns) plus batching knobs."""

    beam_size: int = 4
    length_penalty: float = 0.2
    replace_unknowns: bool = True
    max_decoding_length: int = 256
    max_batch_size: int = 512  # tokens per batch when batch_type == "tokens" (benchmarks/tune.py)
    batch_type: str = "tokens"
    chunk_sentences: int = 256  # sentences per translate_batch call; results stream per chunk
    first_chunk_sentences: int = 32  # a small first chunk so the first paragraphs show early

    @property
    def key(self) -> str:
        """Only the options that change the output go into the cache key."""
        return f"beam={self.beam_size};lp={self.length_penalty};unk={self.replace_unknowns};max={self.max_decoding_length}"


@dataclass(frozen=True)
class ThreadOptions:
    # benchmarks/tune.py on 2 cores: two translator replicas of one thread each (batches decoded
    # side by side) beat one replica spreading every op over both cores; with more cores, two
    # replicas of cores/2 threads. PARALLAX_INTER_THREADS / PARALLAX_INTRA_THREADS override.
    inter_threads: int = 2 if (os.cpu_count() or 1) >= 2 else 1
    intra_threads: int = max(1, (os.cpu_count() or 1) // 2)  # 0: CTranslate2 picks (all cores)
    device: str = "cpu"
    compute_type: str = "auto"

    @classmethod
    def from_env(cls) -> "ThreadOptions":
        """Overrides for power users: PARALLAX_INTER_THREADS, PARALLAX_INTRA_THREADS, PARALLAX_COMPUTE_TYPE."""
        return cls(
            inter_threads=int(os.environ.get("PARALLAX_INTER_THREADS", cls.inter_threads)),
            intra_threads=int(os.environ.get("PARALLAX_INTRA_THREADS", cls.intra_threads)),
            device=os.environ.get("PARALLAX_DEVICE", cls.device),
            compute_type=os.environ.get("PARALLAX_COMPUTE_TYPE", cls.compute_type),
        )


@dataclass(frozen=True)
class SentenceTranslation:
    text: str
    score: float | None  # CTranslate2's length-normalised log-probability (summed over a pivot chain)
    tokens: int | None  # target tokens, to turn the score into a per-token confidence
    via: str  # the package chain, e.g. "en→ko 1.1" or "ko→en 1.1 + en→zh 1.9"
    cached: bool = False

    @property
    def confidence(self) -> float | None:
        """Geometric-mean token probability in [0, 1]; None when unknown."""
        if self.score is None or not self.tokens:
            return None
        # CTranslate2 divides the summed log-prob by length**length_penalty (0.2); undo it and
        # average per token. Approximate for pivot chains (scores add), still monotone.
        n = max(self.tokens, 1)
        return math.exp(self.score * (n ** 0.2) / n)


@dataclass(frozen=True)
class AlignedDocument:
    """A source document and, per target language, one translation per source sentence."""

    document: Document
    translations: dict[str, tuple[tuple[SentenceTranslation, ...], ...]] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return list(self.translations)

    def paragraph_translation(self, lang: str, index: int) -> str:
        return join_sentences([t.text for t in self.translations[lang][index]], lang)

    def to_dict(self) -> dict:
        doc = self.document
        return {
            "name": doc.name,
            "source_lang": doc.lang,
            "targets": self.targets,
            "paragraphs": [
                {
                    "index": p.index,
                    "kind": p.kind,
                    "text": p.text,
                    "sentences": list(p.sentences),
                    "translations": {
                        lang: {
                            "text": self.paragraph_translation(lang, p.index),
                            "sentences": [
                                {"text": t.text, "score": t.score, "tokens": t.tokens, "via": t.via}
                                for t in self.translations[lang][p.index]
                            ],
                        }
                        for lang in self.targets
                    },
                }
                for p in doc.paragraphs
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "AlignedDocument":
        paragraphs = tuple(
            Paragraph(p["index"], p["kind"], p["text"], tuple(p["sentences"])) for p in data["paragraphs"]
        )
        doc = Document(name=data["name"], lang=data["source_lang"], paragraphs=paragraphs)
        translations = {
            lang: tuple(
                tuple(SentenceTranslation(s["text"], s["score"], s["tokens"], s["via"], cached=True)
                      for s in p["translations"][lang]["sentences"])
                for p in data["paragraphs"]
            )
            for lang in data["targets"]
        }
        return cls(doc, translations)


# One CTranslate2 Translator per package folder per process: loading is the slow part.
_translators: dict[tuple, object] = {}
_translators_lock = threading.Lock()


def load_translator(pkg: PackageInfo, threads: ThreadOptions):
    import ctranslate2

    key = (str(pkg.path), pkg.identity, threads)
    with _translators_lock:
        tr = _translators.get(key)
        if tr is None:
            tr = ctranslate2.Translator(
                str(pkg.path / "model"),
                device=threads.device,
                inter_threads=threads.inter_threads,
                intra_threads=threads.intra_threads,
                compute_type=threads.compute_type,
            )
            _translators[key] = tr
        return tr


_tokenizers: dict[str, object] = {}


def release_translators(path) -> int:
    """Forget the translators (and their tokenizers) loaded from a package folder that was
    replaced or removed, so their memory is freed once running translations let go of them."""
    where = str(path)
    with _translators_lock:
        gone = [k for k in _translators if k[0] == where]
        for k in gone:
            del _translators[k]
    for identity in {k[1] for k in gone}:
        _tokenizers.pop(identity, None)
    return len(gone)


def load_tokenizer(pkg: PackageInfo):
    """The package's own tokenizer object from argostranslate (sentencepiece or BPE)."""
    tok = _tokenizers.get(pkg.identity)
    if tok is None:
        from argostranslate.package import Package

        tok = Package(pkg.path).tokenizer
        _tokenizers[pkg.identity] = tok
    return tok


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


class Engine:
    """Translates sentences with the installed packages; safe to keep for the life of a process."""

    def __init__(self, cache: TranslationCache | None = None, options: DecodeOptions | None = None,
                 threads: ThreadOptions | None = None) -> None:
        self.cache = cache
        self.options = options or DecodeOptions()
        self.threads = threads or ThreadOptions.from_env()

    # ------------------------------------------------------------ routing

    def packages(self) -> list[PackageInfo]:
        return installed_packages()

    def route(self, from_code: str, to_code: str) -> list[PackageInfo]:
        """The package chain for a pair: direct if installed, else through English."""
        pkgs = self.packages()
        direct = {(p.from_code, p.to_code): p for p in reversed(pkgs)}  # newest wins
        if (from_code, to_code) in direct:
            return [direct[(from_code, to_code)]]
        if from_code != "en" and to_code != "en":
            first, second = direct.get((from_code, "en")), direct.get(("en", to_code))
            if first and second:
                return [first, second]
            missing = [f"{a}→{b}" for (a, b), p in (((from_code, "en"), first), (("en", to_code), second)) if p is None]
            raise MissingModel(from_code, to_code, f"no direct package, and the pivot through English lacks {', '.join(missing)}")
        raise MissingModel(from_code, to_code)

    def targets_for(self, from_code: str) -> list[str]:
        """Every language reachable from `from_code` (directly or through English)."""
        pkgs = self.packages()
        direct = {p.to_code for p in pkgs if p.from_code == from_code}
        out = set(direct)
        if from_code != "en" and "en" in direct:
            out |= {p.to_code for p in pkgs if p.from_code == "en"}
        out.discard(from_code)
        return sorted(out)

    # ------------------------------------------------------------ translation

    def translate_sentences(self, sentences: Sequence[str], from_code: str, to_code: str,
                            progress: ProgressFn | None = None, use_cache: bool = True) -> list[SentenceTranslation]:
        """Translations in the same order as `sentences` (all of them, not a stream)."""
        out: list[SentenceTranslation] = []
        for _start, chunk in self.iter_translate_sentences(sentences, from_code, to_code, progress, use_cache):
            out.extend(chunk)
        return out

    def iter_translate_sentences(self, sentences: Sequence[str], from_code: str, to_code: str,
                                 progress: ProgressFn | None = None, use_cache: bool = True
                                 ) -> Iterator[tuple[int, list[SentenceTranslation]]]:
        """Yield (start index, translations) chunk by chunk, in order, so a UI can show early results."""
        chain = self.route(from_code, to_code)
        total = len(sentences)
        done = 0
        if progress:
            progress(to_code, 0, total)
        for start, end in self._chunks(total):
            chunk = list(sentences[start:end])
            results = self._translate_chain(chunk, chain, use_cache)
            done = end
            if progress:
                progress(to_code, done, total)
            yield start, results

    def _chunks(self, total: int) -> Iterator[tuple[int, int]]:
        start = 0
        size = max(1, self.options.first_chunk_sentences)
        while start < total:
            end = min(total, start + size)
            yield start, end
            start = end
            size = max(1, self.options.chunk_sentences)

    def _translate_chain(self, sentences: list[str], chain: list[PackageInfo], use_cache: bool) -> list[SentenceTranslation]:
        texts = sentences
        scores: list[float | None] = [0.0] * len(sentences)
        tokens: list[int | None] = [0] * len(sentences)
        all_cached = [True] * len(sentences)
        for pkg in chain:
            step = self._translate_with(pkg, texts, use_cache)
            texts = [t.text for t in step]
            scores = [None if a is None or b.score is None else a + b.score for a, b in zip(scores, step)]
            tokens = [b.tokens for b in step]
            all_cached = [a and b.cached for a, b in zip(all_cached, step)]
        via = " + ".join(p.label for p in chain)
        return [SentenceTranslation(t, s, n, via, c) for t, s, n, c in zip(texts, scores, tokens, all_cached)]

    def _translate_with(self, pkg: PackageInfo, sentences: list[str], use_cache: bool) -> list[SentenceTranslation]:
        """One package, one translate_batch for every sentence the cache does not already hold."""
        unique = list(dict.fromkeys(sentences))  # a repeated sentence (a duplicated caption) runs once
        results: dict[str, SentenceTranslation] = {}
        keys = {s: cache_key(pkg.identity, self.options.key, s) for s in unique} if self.cache is not None else {}
        if self.cache is not None and use_cache:
            hits = self.cache.get_many(list(keys.values()))
            for s in unique:
                hit = hits.get(keys[s])
                if hit is not None:
                    results[s] = SentenceTranslation(hit[0], hit[1], hit[2], pkg.label, cached=True)
        todo = [s for s in unique if s not in results]
        if todo:
            fresh = self._run_ctranslate2(pkg, todo)
            results.update(zip(todo, fresh))
            if self.cache is not None:
                self.cache.put_many((keys[s], t.text, t.score, t.tokens) for s, t in zip(todo, fresh))
        return [results[s] for s in sentences]

    def _run_ctranslate2(self, pkg: PackageInfo, sentences: list[str]) -> list[SentenceTranslation]:
        tokenizer = load_tokenizer(pkg)
        translator = load_translator(pkg, self.threads)
        batch = [tokenizer.encode(s) for s in sentences]
        opts = self.options
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
        replicas = max(1, self.threads.inter_threads)
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
            results = translator.translate_batch(
                batch,
                target_prefix=prefix(len(batch)),
                max_batch_size=opts.max_batch_size,
                batch_type=opts.batch_type,
                **common,
            )
        out = []
        for r in results:
            toks = r.hypotheses[0]
            out.append(SentenceTranslation(decode_tokens(pkg, tokenizer, toks), float(r.scores[0]),
                                           len(toks) + 1, pkg.label))
        return out

    # ------------------------------------------------------------ documents

    def translate_documents(self, docs: Sequence[Document], targets: Sequence[str],
                            progress: ProgressFn | None = None, use_cache: bool = True) -> list[AlignedDocument]:
        """Every sentence of every document goes through one stream per target language."""
        result = [AlignedDocument(d, {lang: () for lang in targets}) for d in docs]
        for _lang, result in self.iter_translate_documents(docs, targets, progress, use_cache):
            pass
        return result

    def iter_translate_documents(self, docs: Sequence[Document], targets: Sequence[str],
                                 progress: ProgressFn | None = None, use_cache: bool = True
                                 ) -> Iterator[tuple[str, list[AlignedDocument]]]:
        """Yield (language, documents so far) after each chunk: paragraphs fill in from the top.

        Routes are checked for every pair before any work starts, so a missing model fails fast.
        """
        from_codes = sorted({d.lang for d in docs})
        for lang in targets:
            for from_code in from_codes:
                if from_code != lang:
                    self.route(from_code, lang)
        sentences: list[str] = []
        owners: list[tuple[int, int]] = []  # (document, paragraph) of each flat sentence
        for di, d in enumerate(docs):
            for p in d.paragraphs:
                sentences.extend(p.sentences)
                owners.extend((di, p.index) for _ in p.sentences)
        filled: dict[str, list[SentenceTranslation | None]] = {lang: [None] * len(sentences) for lang in targets}
        for lang in targets:
            for from_code in from_codes:
                idx = [i for i, (di, _) in enumerate(owners) if docs[di].lang == from_code]
                if from_code == lang:  # nothing to translate: the source is already in that language
                    for i in idx:
                        filled[lang][i] = SentenceTranslation(sentences[i], None, None, "source")
                    yield lang, self._assemble(docs, owners, filled)
                    continue
                for start, chunk in self.iter_translate_sentences([sentences[i] for i in idx], from_code, lang,
                                                                  progress, use_cache):
                    for offset, t in enumerate(chunk):
                        filled[lang][idx[start + offset]] = t
                    yield lang, self._assemble(docs, owners, filled)

    @staticmethod
    def _assemble(docs: Sequence[Document], owners: list[tuple[int, int]],
                  filled: dict[str, list[SentenceTranslation | None]]) -> list[AlignedDocument]:
        """Nested per-paragraph tuples from the flat list; sentences not done yet are left out."""
        per_doc = [{lang: [[] for _ in d.paragraphs] for lang in filled} for d in docs]
        for lang, flat in filled.items():
            for (di, pi), t in zip(owners, flat):
                if t is not None:
                    per_doc[di][lang][pi].append(t)
        return [AlignedDocument(d, {lang: tuple(tuple(p) for p in paras) for lang, paras in per_doc[i].items()})
                for i, d in enumerate(docs)]
