"""The sentence pipeline: sentences of many documents cut into large chunks (across document
boundaries), each chunk looked up in the cache, de-duplicated, translated along the package chain
(direct or pivot through English) and written back to the cache.

`stream` drives it over a lazy document stream: it pulls documents only until a chunk is full,
so reading and splitting keep pace with translation, and hands each document out as soon as its
last sentence is back (see assembly.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, Sequence, Union

from .. import protect
from ..cache import TranslationCache
from ..documents import Document
from ..packages import PackageInfo
from .assembly import Assembler, DocumentSlot, fill_chunk
from .data import AlignedDocument, DecodeOptions, ProgressFn, SentenceTranslation, Signature

RunFn = Callable[[PackageInfo, list[str]], list[SentenceTranslation]]  # one package, one batch


class SentencePipeline:
    """One chunk of sentences through a package chain, with the cache before and after each step."""

    def __init__(self, run: RunFn, cache: TranslationCache | None, options: DecodeOptions) -> None:
        self.run = run
        self.cache = cache
        self.options = options

    def translate_chain(self, sentences: list[str], chain: Sequence[PackageInfo], use_cache: bool = True
                        ) -> list[SentenceTranslation]:
        """Translations in order; URLs, e-mail addresses, inline code and paths come back verbatim
        (protect.py): masked by placeholders, or, where a placeholder is lost, translated around."""
        masked = [protect.mask(s) for s in sentences]
        sendable = [i for i, m in enumerate(masked) if m.text is not None and m.needs_model]
        done = self._chain([masked[i].text for i in sendable], chain, use_cache) if sendable else []
        out: list[SentenceTranslation | None] = [None] * len(sentences)
        for i, t in zip(sendable, done):
            text = masked[i].unmask(t.text)  # None: a placeholder was lost
            if text is not None:
                out[i] = replace(t, text=text) if masked[i].has_spans else t
        around = [i for i, t in enumerate(out) if t is None and masked[i].needs_model]
        pieces = [p for i in around for p in masked[i].pieces() if protect.has_words(p)]
        translated = iter(self._chain(pieces, chain, use_cache) if pieces else [])
        via = " + ".join(p.label for p in chain)
        for i, m in enumerate(masked):
            if out[i] is None and m.needs_model:
                parts = [next(translated) if protect.has_words(p) else None for p in m.pieces()]
                done_parts = [t for t in parts if t is not None]
                worst = min(done_parts, key=lambda t: t.score if t.score is not None else 0.0)  # the least sure
                out[i] = replace(worst, text=m.rebuild([t.text if t else p for t, p in zip(parts, m.pieces())]),
                                 cached=all(t.cached for t in done_parts))
            elif out[i] is None:  # only spans and punctuation: nothing for a model to do
                out[i] = SentenceTranslation(m.source, None, None, via)
        return out  # type: ignore[return-value]

    def _chain(self, texts: list[str], chain: Sequence[PackageInfo], use_cache: bool) -> list[SentenceTranslation]:
        sentences = texts
        scores: list[float | None] = [0.0] * len(sentences)
        tokens: list[int | None] = [0] * len(sentences)
        all_cached = [True] * len(sentences)
        for pkg in chain:
            step = self.translate_with(pkg, texts, use_cache)
            texts = [t.text for t in step]
            scores = [None if a is None or b.score is None else a + b.score for a, b in zip(scores, step)]
            tokens = [b.tokens for b in step]
            all_cached = [a and b.cached for a, b in zip(all_cached, step)]
        via = " + ".join(p.label for p in chain)
        return [SentenceTranslation(t, s, n, via, c) for t, s, n, c in zip(texts, scores, tokens, all_cached)]

    def translate_with(self, pkg: PackageInfo, sentences: list[str], use_cache: bool = True) -> list[SentenceTranslation]:
        """One package, one batch for every sentence the cache does not already hold."""
        unique = list(dict.fromkeys(sentences))  # a repeated sentence (a duplicated caption) runs once
        results: dict[str, SentenceTranslation] = {}
        signature = Signature.of(pkg, self.options) if self.cache is not None else None
        keys = {s: signature.cache_key(s) for s in unique} if signature is not None else {}
        if self.cache is not None and use_cache:
            hits = self.cache.get_many(list(keys.values()))
            for s in unique:
                hit = hits.get(keys[s])
                if hit is not None:
                    results[s] = SentenceTranslation(hit[0], hit[1], hit[2], pkg.label, cached=True)
        todo = [s for s in unique if s not in results]
        if todo:
            fresh = self.run(pkg, todo)
            results.update(zip(todo, fresh))
            if self.cache is not None:
                self.cache.put_many((keys[s], t.text, t.score, t.tokens) for s, t in zip(todo, fresh))
        return [results[s] for s in sentences]


@dataclass
class ChunkDone:
    """A chunk came back for `lang`: these documents changed (for views that fill in progressively)."""

    lang: str
    slots: list[DocumentSlot]


Event = Union[ChunkDone, AlignedDocument]
TranslateFn = Callable[[list[str], str, str], list[SentenceTranslation]]  # (sentences, from, to)


def chunk_sizes(options: DecodeOptions) -> Iterator[int]:
    """A small first chunk (early first results), then full-size chunks."""
    yield max(1, options.first_chunk_sentences)
    while True:
        yield max(1, options.chunk_sentences)


def stream(docs: Iterable[Document], targets: Sequence[str], translate: TranslateFn, options: DecodeOptions,
           progress: ProgressFn | None = None, total: int | None = None) -> Iterator[Event]:
    """Events in order: ChunkDone after each chunk and language, and each AlignedDocument once
    complete (in input order). Documents are pulled from `docs` only when a chunk needs them.

    `total` (sentences) is passed to `progress` when known; otherwise the sentences read so far.
    """
    targets = tuple(targets)
    assembler = Assembler(targets)
    sizes = chunk_sizes(options)
    size = next(sizes)
    buffer: list[tuple[DocumentSlot, int]] = []
    done = {lang: 0 for lang in targets}
    seen = 0

    def process(chunk: list[tuple[DocumentSlot, int]]) -> Iterator[Event]:
        for lang in targets:
            items = [(slot, i) for slot, i in chunk if slot.document.lang != lang]
            by_source: dict[str, list[tuple[DocumentSlot, int]]] = {}
            for slot, i in items:
                by_source.setdefault(slot.document.lang, []).append((slot, i))
            touched: dict[int, DocumentSlot] = {}
            for from_code, group in by_source.items():
                out = translate([slot.sentences[i] for slot, i in group], from_code, lang)
                fill_chunk(group, lang, out)
                touched.update((id(slot), slot) for slot, _ in group)
            done[lang] += len(items) + sum(1 for slot, _ in chunk if slot.document.lang == lang)
            if progress:
                progress(lang, done[lang], total if total is not None else seen)
            yield ChunkDone(lang, list(touched.values()))

    if progress:
        for lang in targets:
            progress(lang, 0, total or 0)
    for doc in docs:
        slot = assembler.add(doc)
        seen += len(slot.sentences)
        # code paragraphs (kind "code") never reach a model: the same text in every language
        verbatim = [i for p, a, b in zip(doc.paragraphs, slot.starts, slot.starts[1:]) if p.verbatim
                    for i in range(a, b)]
        for lang in targets:
            if lang == doc.lang:  # nothing to translate: the source is already in that language
                slot.fill(lang, range(len(slot.sentences)),
                          [SentenceTranslation(s, None, None, "source") for s in slot.sentences])
            elif verbatim:
                slot.fill(lang, verbatim, [SentenceTranslation(slot.sentences[i], None, None, "verbatim")
                                           for i in verbatim])
                done[lang] += len(verbatim)
        if any(lang != doc.lang for lang in targets):
            skip = set(verbatim)
            buffer.extend((slot, i) for i in range(len(slot.sentences)) if i not in skip)
        while len(buffer) >= size:
            chunk, buffer = buffer[:size], buffer[size:]
            yield from process(chunk)
            size = next(sizes)
            yield from assembler.pop_finished()
        yield from assembler.pop_finished()
    if buffer:
        yield from process(buffer)
    yield from assembler.pop_finished()


def read_ahead(items: Iterable, depth: int) -> Iterator:
    """`items` pulled by a background thread up to `depth` ahead, so reading and sentence
    splitting (Python) overlap with decoding (CTranslate2 releases the GIL). Exceptions from the
    producer come out here, in order; closing the iterator stops the thread."""
    import queue
    import threading

    if depth <= 0:
        yield from items
        return
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(value) -> bool:
        while not stop.is_set():
            try:
                q.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, end))
        except BaseException as exc:  # handed to the consumer, raised there
            put((False, exc))

    thread = threading.Thread(target=produce, name="parallax-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            ok, value = q.get()
            if not ok:
                raise value
            if value is end:
                return
            yield value
    finally:
        stop.set()
        thread.join(timeout=5)
