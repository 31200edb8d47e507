"""The translation engine: Argos packages driven sentence by sentence through CTranslate2.

Argos's own `translate()` joins a paragraph's sentences (their alignment is lost) and, without a
bundled splitter, downloads one. We segment offline ourselves, tokenize with the package's own
tokenizer, and send every sentence of every document through `translate_batch` for each pair
with Argos's decoding settings, so output i is always the translation of source sentence i.

Three parts, one module each:
  translators.py  the translator pool: one CTranslate2 Translator per package per process,
                  threads and device (cpu/cuda), released when a package is replaced or removed
  pipeline.py     the sentence pipeline: chunks across document boundaries, cache, de-duplication,
                  pivot through English; `stream` over a lazy document stream
  assembly.py     document assembly: translations back into their documents and paragraphs,
                  touching only what a chunk filled; finished documents leave memory
`Engine` (here) ties them together for the CLI, the app and the compare tools.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from ..cache import TranslationCache
from ..documents import Document
from ..errors import MissingModel
from ..packages import PackageInfo, installed_packages
from . import pipeline
from .data import AlignedDocument, DecodeOptions, ProgressFn, SentenceTranslation, Signature, join_sentences
from .translators import (POOL, ThreadOptions, TranslatorPool, decode_tokens, load_tokenizer, load_translator,
                          release_translators, resolve_device, run_ctranslate2, smoke_test)

__all__ = [
    "AlignedDocument", "DecodeOptions", "Engine", "POOL", "ProgressFn", "SentenceTranslation", "Signature",
    "ThreadOptions", "TranslatorPool", "decode_tokens", "join_sentences", "load_tokenizer", "load_translator",
    "release_translators", "resolve_device", "smoke_test",
]


class Engine:
    """Translates sentences with the installed packages; safe to keep for the life of a process."""

    def __init__(self, cache: TranslationCache | None = None, options: DecodeOptions | None = None,
                 threads: ThreadOptions | None = None) -> None:
        self.cache = cache
        self.options = options or DecodeOptions()
        self.threads = threads or ThreadOptions.from_env()

    # ------------------------------------------------------------ routing

    def packages(self) -> list[PackageInfo]:
        """The installed packages, scanned afresh; the pool drops what it holds of any other."""
        pkgs = installed_packages()
        POOL.prune(pkgs)
        return pkgs

    def route(self, from_code: str, to_code: str, packages: Sequence[PackageInfo] | None = None) -> list[PackageInfo]:
        """The package chain for a pair: direct if installed, else through English. `packages`: a
        scan already taken (by default the packages are scanned afresh)."""
        pkgs = self.packages() if packages is None else packages
        direct = {(p.from_code, p.to_code): p for p in reversed(pkgs)}  # newest wins
        if (from_code, to_code) in direct:
            return [direct[(from_code, to_code)]]
        if from_code != "en" and to_code != "en":
            first, second = direct.get((from_code, "en")), direct.get(("en", to_code))
            if first and second:
                return [first, second]
            # name the legs to install: the index has ko→en and en→zh, not ko→zh
            raise MissingModel.several([MissingModel(a, b, f"needed to translate {from_code}→{to_code} through English")
                                        for (a, b), p in (((from_code, "en"), first), (("en", to_code), second))
                                        if p is None])
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

    def routes(self, from_codes: Iterable[str], targets: Sequence[str]) -> dict[tuple[str, str], list[PackageInfo]]:
        """The chain of every pair, from one scan of the packages; one MissingModel naming every
        pair without a route (and one command for all of them), before any work starts."""
        pkgs = self.packages()
        sources = sorted(set(from_codes))  # once: a generator would be spent after the first target
        chains: dict[tuple[str, str], list[PackageInfo]] = {}
        missing = []
        for lang in targets:
            for from_code in sources:
                if from_code != lang:
                    try:
                        chains[(from_code, lang)] = self.route(from_code, lang, pkgs)
                    except MissingModel as exc:
                        missing.append(exc)
        if missing:
            raise MissingModel.several(missing)
        return chains

    def check_routes(self, from_codes: Iterable[str], targets: Sequence[str]) -> None:
        """`routes`, for callers that only need to know every pair can be translated."""
        self.routes(from_codes, targets)

    # ------------------------------------------------------------ sentences

    def _pipeline(self) -> pipeline.SentencePipeline:
        # the lambda looks the method up per call, so tests can wrap _run_ctranslate2
        return pipeline.SentencePipeline(lambda pkg, s: self._run_ctranslate2(pkg, s), self.cache, self.options)

    def _run_ctranslate2(self, pkg: PackageInfo, sentences: list[str]) -> list[SentenceTranslation]:
        """One package, one list of sentences, through CTranslate2 (the seam tests wrap)."""
        return run_ctranslate2(pkg, sentences, self.options, self.threads)

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
        pipe = self._pipeline()
        total = len(sentences)
        if progress:
            progress(to_code, 0, total)
        start = 0
        for size in pipeline.chunk_sizes(self.options):
            if start >= total:
                break
            end = min(total, start + size)
            results = pipe.translate_chain(list(sentences[start:end]), chain, use_cache)
            if progress:
                progress(to_code, end, total)
            yield start, results
            start = end

    # ------------------------------------------------------------ documents

    def _events(self, docs: Iterable[Document], targets: Sequence[str], progress: ProgressFn | None,
                use_cache: bool, total: int | None,
                chains: dict[tuple[str, str], list[PackageInfo]] | None = None) -> Iterator[pipeline.Event]:
        """`chains`: routes already found; the others come from one scan, taken when first needed."""
        pipe = self._pipeline()
        chains = dict(chains or {})
        scan: list[PackageInfo] = []

        def translate(sentences: list[str], from_code: str, to_code: str) -> list[SentenceTranslation]:
            chain = chains.get((from_code, to_code))
            if chain is None:
                if not scan:
                    scan.append(self.packages())
                chain = chains[(from_code, to_code)] = self.route(from_code, to_code, scan[0])
            return pipe.translate_chain(sentences, chain, use_cache)

        return pipeline.stream(docs, targets, translate, self.options, progress, total)

    def stream(self, docs: Iterable[Document], targets: Sequence[str], progress: ProgressFn | None = None,
               use_cache: bool = True, read_ahead: int = 0,
               chains: dict[tuple[str, str], list[PackageInfo]] | None = None) -> Iterator[AlignedDocument]:
        """Each document, complete, as soon as its last sentence is translated (input order).

        `docs` may be a lazy iterator (a corpus of any size): documents are pulled only as the
        next chunk needs them and forgotten once handed out, so memory stays flat. With
        `read_ahead` > 0 a background thread reads (and splits) up to that many documents ahead
        while the current chunk decodes. `chains`: the routes a caller already found (`routes`),
        so a run scans the packages once; pairs not among them are routed from one new scan."""
        docs = pipeline.read_ahead(docs, read_ahead)
        for event in self._events(docs, targets, progress, use_cache, None, chains):
            if isinstance(event, AlignedDocument):
                yield event

    def translate_documents(self, docs: Sequence[Document], targets: Sequence[str],
                            progress: ProgressFn | None = None, use_cache: bool = True) -> list[AlignedDocument]:
        """Every sentence of every document goes through one stream per target language."""
        chains = self.routes((d.lang for d in docs), targets)
        total = sum(d.sentence_count for d in docs)
        return [e for e in self._events(docs, targets, progress, use_cache, total, chains)
                if isinstance(e, AlignedDocument)]

    def iter_translate_documents(self, docs: Sequence[Document], targets: Sequence[str],
                                 progress: ProgressFn | None = None, use_cache: bool = True
                                 ) -> Iterator[tuple[str, list[AlignedDocument]]]:
        """Yield (language, documents so far) after each chunk: paragraphs fill in from the top.

        Each chunk rebuilds only the paragraphs it filled. Routes are checked for every pair
        before any work starts, so a missing model fails fast.
        """
        chains = self.routes((d.lang for d in docs), targets)
        current = [AlignedDocument(d, {lang: tuple(() for _ in d.paragraphs) for lang in targets}) for d in docs]
        position = {id(d): i for i, d in enumerate(docs)}
        total = sum(d.sentence_count for d in docs)
        for event in self._events(docs, targets, progress, use_cache, total, chains):
            if isinstance(event, pipeline.ChunkDone):
                for slot in event.slots:
                    current[position[id(slot.document)]] = slot.aligned()
                yield event.lang, list(current)
            elif not current[position[id(event.document)]].complete:  # e.g. targets all its own language
                current[position[id(event.document)]] = event
        # documents whose every target is their own language never pass through a chunk
        if any(all(lang == d.lang for lang in targets) for d in docs):
            yield (targets[-1] if targets else ""), list(current)
