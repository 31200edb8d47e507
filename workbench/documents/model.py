"""The document model every reader returns: ordered paragraphs with their kinds and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Kind = Literal["title", "meta", "caption", "body", "note", "cell", "code"]
# "note": a footnote or endnote; "cell": one table cell (a row's cells consecutive, rows in order);
# both are translated like body text and shown/exported with their kind.
# "code": verbatim content (code blocks, raw HTML, front matter, URL-only lines): never sent to a
# model, it comes back unchanged in every translation (the engine fills it in as it is).
KINDS: tuple[Kind, ...] = ("title", "meta", "caption", "body", "note", "cell", "code")
VERBATIM_KINDS: frozenset[str] = frozenset({"code"})
ASSUMED = "language_assumed"  # Document.meta key: English was assumed, the text being too short to tell


@dataclass(frozen=True)
class Paragraph:
    index: int
    kind: Kind
    text: str  # exact source text of the paragraph (header markup like "## " removed)
    sentences: tuple[str, ...]

    @property
    def verbatim(self) -> bool:
        """True for content that is never translated (its one "sentence" is the whole text)."""
        return self.kind in VERBATIM_KINDS


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
    def language_assumed(self) -> bool:
        """Too short to tell its language, and taken as English (build.check_language)."""
        return bool(self.meta.get(ASSUMED))

    @property
    def warnings(self) -> list[str]:
        """One-line notes about how the input was read (e.g. lines that were not UTF-8), for the
        CLI to print on stderr and the app to show; empty when nothing needs saying."""
        return list(self.meta.get("warnings", ()))


class SegmentMemo(Protocol):
    """Somewhere to keep sentence splits between runs (cache.TranslationCache is one)."""

    def get_segments(self, paragraphs: list[str], lang: str, version: str) -> dict[str, tuple[str, ...]]: ...

    def put_segments(self, splits: dict[str, tuple[str, ...]], lang: str, version: str) -> None: ...
