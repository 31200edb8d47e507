"""Two versions of a text in one language: paragraphs paired with the aligner, then diffed
(`Comparison`, most divergent pairs first)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..align import Link, _align, make_link
from .diff import Op, diff_counts, diff_texts, diff_to_html, diff_to_text, similarity


@dataclass(frozen=True)
class ParagraphDiff:
    """One linked pair of paragraphs of versions A and B (either side may be empty)."""

    link: Link  # src = paragraph indices in A, tgt = in B
    a: str
    b: str
    ops: tuple[Op, ...]
    similarity: float

    @property
    def type(self) -> str:
        return self.link.type

    @property
    def counts(self) -> dict[str, int]:
        return diff_counts(self.ops)

    def html(self, side: str = "both") -> str:
        return diff_to_html(self.ops, side)

    @property
    def differs(self) -> bool:
        """Whether the wording differs: a pair with a side missing always does; a merged or split
        pair with the same words does not (its paragraphs were only re-cut)."""
        return not (self.link.src and self.link.tgt) or self.similarity < 1.0

    def to_dict(self) -> dict:
        return {"a": list(self.link.src), "b": list(self.link.tgt), "type": self.type,
                "confidence": self.link.confidence, "similarity": round(self.similarity, 4),
                "changes": self.counts, "a_text": self.a, "b_text": self.b,
                "ops": [list(op) for op in self.ops]}


@dataclass(frozen=True)
class Comparison:
    lang: str
    diffs: tuple[ParagraphDiff, ...]  # in document order
    similarity: float  # whole-text similarity

    def most_divergent(self, top: int | None = None) -> list[ParagraphDiff]:
        return most_divergent(self.diffs, top)

    def changed(self) -> list[ParagraphDiff]:
        """The pairs whose wording differs, most divergent first: what a summary counts and lists."""
        return [d for d in self.most_divergent() if d.differs]

    def summary(self) -> str:
        """One line: how many pairs differ in wording, and how many were only re-cut."""
        changed = self.changed()
        recut = sum(1 for d in self.diffs if not d.differs and d.type != "1-1")
        line = f"{len(changed)} of {len(self.diffs)} paragraph pairs differ in wording"
        if recut:
            line += f"; {recut} more merged or split with the same wording"
        return line

    def to_dict(self) -> dict:
        return {"format": "parallax-comparison", "version": 1, "lang": self.lang,
                "similarity": round(self.similarity, 4),
                "paragraphs": [d.to_dict() for d in self.most_divergent()]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self, raw: bool = False) -> str:
        """One row per paragraph pair, most divergent first; 1-based paragraph numbers."""
        from ..align import _span
        from ..export import neutralise

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["rank", "a paragraph", "b paragraph", "type", "similarity", "substitutions", "insertions",
                    "deletions", "a", "b", "diff"])
        for rank, d in enumerate(self.most_divergent(), 1):
            c = d.counts
            cells = [d.a, d.b, diff_to_text(d.ops)]
            if not raw:
                cells = [neutralise(x) for x in cells]
            w.writerow([rank, _span(d.link.src), _span(d.link.tgt), d.type, f"{d.similarity:.3f}",
                        c["replace"], c["insert"], c["delete"], *cells])
        return buf.getvalue()


def most_divergent(diffs: Iterable[ParagraphDiff], top: int | None = None) -> list[ParagraphDiff]:
    """Least similar first (unpaired paragraphs, similarity 0, lead); ties keep document order."""
    out = sorted(diffs, key=lambda d: d.similarity)
    return out if top is None else out[:top]


def pair_versions(a: Sequence[str], b: Sequence[str], lang: str) -> list[Link]:
    """Pair the paragraphs of two versions in the same language with the aligner (same-language
    mode: length ratio 1, and version A standing in as the "machine translation", so wording
    similarity leads). Identical paragraph lists pair one to one."""
    if list(a) == list(b):
        return [make_link((i,), (i,)) for i in range(len(a))]
    links, _ = _align(a, b, lang, mt=a, src_lang=lang, same_language=True)
    return links


def compare_texts(a: Sequence[str], b: Sequence[str], lang: str) -> Comparison:
    """Diff two versions (lists of paragraphs) of a text in `lang`."""
    from ..engine import join_sentences

    diffs = []
    for link in pair_versions(a, b, lang):
        ta = join_sentences([a[i] for i in link.src], lang)
        tb = join_sentences([b[j] for j in link.tgt], lang)
        ops = tuple(diff_texts(ta, tb, lang))
        diffs.append(ParagraphDiff(link, ta, tb, ops, similarity(ta, tb, lang) if ta and tb else 0.0))
    whole = similarity("\n".join(a), "\n".join(b), lang)
    return Comparison(lang, tuple(diffs), whole)


def compare_documents(a_doc, b_doc, lang: str | None = None) -> Comparison:
    return compare_texts([p.text for p in a_doc.paragraphs], [p.text for p in b_doc.paragraphs],
                         lang or a_doc.lang)
