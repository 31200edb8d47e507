"""Document assembly: translations arrive chunk by chunk as a flat stream of sentences; this puts
them back into their documents and paragraphs, touching only what a chunk filled.

A document in flight holds one flat slot list per target language. It leaves (is handed out as
a complete AlignedDocument and forgotten) as soon as every slot is filled, in input order, so
memory holds only the documents whose sentences are still being translated.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from ..documents import Document
from .data import AlignedDocument, SentenceTranslation


@dataclass
class DocumentSlot:
    """One document in flight: its flat sentences and, per target, what has come back so far."""

    document: Document
    targets: tuple[str, ...]
    sentences: list[str]
    starts: list[int]  # flat index of each paragraph's first sentence, plus the total at the end
    filled: dict[str, list[SentenceTranslation | None]] = field(default_factory=dict)
    missing: int = 0
    # per target, the paragraphs as tuples of the translations done so far (rebuilt per touched paragraph)
    partial: dict[str, list[tuple[SentenceTranslation, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Document, targets: Sequence[str]) -> "DocumentSlot":
        sentences: list[str] = []
        starts: list[int] = []
        for p in document.paragraphs:
            starts.append(len(sentences))
            sentences.extend(p.sentences)
        starts.append(len(sentences))
        slot = cls(document, tuple(targets), sentences, starts)
        for lang in targets:
            slot.filled[lang] = [None] * len(sentences)
            slot.partial[lang] = [() for _ in document.paragraphs]
        slot.missing = len(sentences) * len(targets)
        return slot

    def fill(self, lang: str, indices: Sequence[int], translations: Sequence[SentenceTranslation]) -> None:
        flat = self.filled[lang]
        touched: set[int] = set()
        for i, t in zip(indices, translations):
            if flat[i] is None:
                self.missing -= 1
            flat[i] = t
            touched.add(self._paragraph_of(i))
        for pi in touched:
            self.partial[lang][pi] = tuple(t for t in flat[self.starts[pi]:self.starts[pi + 1]] if t is not None)

    def _paragraph_of(self, i: int) -> int:
        return bisect_right(self.starts, i) - 1

    @property
    def complete(self) -> bool:
        return self.missing == 0

    def aligned(self) -> AlignedDocument:
        """The document with what is translated so far (all of it once complete)."""
        return AlignedDocument(self.document, {lang: tuple(self.partial[lang]) for lang in self.targets})


class Assembler:
    """Documents in flight, in input order; finished ones leave from the front."""

    def __init__(self, targets: Sequence[str]) -> None:
        self.targets = tuple(targets)
        self._slots: deque[DocumentSlot] = deque()

    def add(self, document: Document) -> DocumentSlot:
        slot = DocumentSlot.of(document, self.targets)
        self._slots.append(slot)
        return slot

    def __len__(self) -> int:
        return len(self._slots)

    def pop_finished(self) -> Iterator[AlignedDocument]:
        """Complete documents at the front of the queue (input order is kept), forgotten here."""
        while self._slots and self._slots[0].complete:
            yield self._slots.popleft().aligned()


def fill_chunk(items: Iterable[tuple[DocumentSlot, int]], lang: str,
               translations: Sequence[SentenceTranslation]) -> set[int]:
    """Hand a chunk's translations (in the order of `items`) to their documents; returns the ids of
    the slots touched."""
    by_slot: dict[int, tuple[DocumentSlot, list[int], list[SentenceTranslation]]] = {}
    for (slot, i), t in zip(items, translations):
        entry = by_slot.setdefault(id(slot), (slot, [], []))
        entry[1].append(i)
        entry[2].append(t)
    for slot, indices, done in by_slot.values():
        slot.fill(lang, indices, done)
    return set(by_slot)
