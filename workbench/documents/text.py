"""Plain text to paragraphs: blank-line blocks, one paragraph per line, or hard-wrapped text
re-joined; headline, dateline and caption kinds."""

from __future__ import annotations

import re

from .model import Kind


_TERMINAL = re.compile(r"[.!?。！？…:;\"'”’)\]]\s*$")
_LIST_ITEM = re.compile(r"^\s*([-*•]|\d+[.)])\s+")
_META = re.compile(
    r"^(published|updated|posted|last updated|source|by|written by|reporter|editor|date)\b[:\s]"
    r"|^\(?\w*\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"\b(photo|photograph|image|picture|file photo|credit|graphic|video)\s*(:|by\b)", re.IGNORECASE)


def split_paragraphs(text: str) -> list[str]:
    """Paragraph texts in order: blank lines always separate; single newlines separate unless the
    document is hard-wrapped, in which case wrapped lines are re-joined with a space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b for b in re.split(r"\n[ \t\f\v]*\n", text) if b.strip()]
    lines = [ln for b in blocks for ln in b.split("\n") if ln.strip()]
    width = _wrap_width(lines)
    paragraphs: list[str] = []
    for block in blocks:
        block_lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if width is None:
            paragraphs.extend(block_lines)
            continue
        current = block_lines[0]
        for prev, line in zip(block_lines, block_lines[1:]):
            if len(prev) >= 0.6 * width and not _LIST_ITEM.match(line):
                current += " " + line
            else:
                paragraphs.append(current)
                current = line
        paragraphs.append(current)
    return paragraphs


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text was wrapped at, or None for one-paragraph-per-line text."""
    if len(lines) < 4:
        return None
    lengths = sorted(len(ln) for ln in lines)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if p90 > 120:
        return None
    # Wrapped text has many lines near the wrap column; a list of short lines does not.
    near = sum(1 for n in lengths if n >= 0.75 * p90)
    return p90 if near >= 0.5 * len(lengths) and p90 >= 40 else None


def classify(texts: list[str]) -> list[Kind]:
    """Mark the headline, datelines/bylines and photo captions so they are shown (and exported) apart."""
    kinds: list[Kind] = []
    body_seen = False
    for i, t in enumerate(texts):
        short = len(t) <= 160
        if short and _CAPTION.search(t) and len(t) <= 120:
            kind: Kind = "caption"
        elif short and _META.search(t):
            kind = "meta"
        elif i == 0 and short and not re.search(r"[.!?。]\s*$", t):
            kind = "title"
        elif not body_seen and short and len(t.split()) <= 14 and not re.search(r"[.!?。]\s*$", t):
            kind = "title"
        else:
            kind = "body"
        body_seen = body_seen or kind == "body"
        kinds.append(kind)
    return kinds


def plain(text: str) -> tuple[list[str], list[Kind]]:
    texts = split_paragraphs(text)
    return texts, classify(texts)
