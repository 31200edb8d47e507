"""The document model every reader returns: ordered paragraphs with their kinds and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Kind = Literal["title", "meta", "caption", "body"]


@dataclass(frozen=True)
class Paragraph:
    index: int
    kind: Kind
    text: str  # exact source text of the paragraph (header markup like "## " removed)
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    name: str
    lang: str
    paragraphs: tuple[Paragraph, ...]
    encoding: str = "utf-8"
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def sentence_count(self) -> int:
        return sum(len(p.sentences) for p in self.paragraphs)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def warnings(self) -> list[str]:
        """One-line notes about how the input was read (e.g. lines that were not UTF-8), for the
        CLI to print on stderr and the app to show; empty when nothing needs saying."""
        return list(self.meta.get("warnings", ()))


class SegmentMemo(Protocol):
    """Somewhere to keep sentence splits between runs (cache.TranslationCache is one)."""

    def get_segments(self, paragraphs: list[str], lang: str, version: str) -> dict[str, tuple[str, ...]]: ...

    def put_segments(self, splits: dict[str, tuple[str, ...]], lang: str, version: str) -> None: ...
