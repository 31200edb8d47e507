"""Plain text to paragraphs: blank-line blocks, one paragraph per line, or hard-wrapped text
re-joined (script-aware: Korean and Chinese lines are measured in screen columns); e-mail headers,
quote markers and signatures; headline, dateline and caption kinds."""

from __future__ import annotations

import re
import unicodedata

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


_QUOTE = re.compile(r"^[ \t]*((?:>[ \t]?)+)")
_HAN_KANA = re.compile(r"[\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ENDED_SHARE = 0.7  # one paragraph per line: most lines end a sentence; wrapped lines mostly do not


def split_paragraphs(text: str) -> list[str]:
    """Paragraph texts in order: blank lines always separate; single newlines separate unless the
    document is hard-wrapped, in which case wrapped lines are re-joined (with a space, or nothing
    next to a Chinese or Japanese character). E-mail quote markers ("> ") are structure, not
    words: they are taken off, and a quoted run is never joined with the lines around it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _blocks(text)
    lines = [ln for b in blocks for ln in b]
    width = _wrap_width(lines)
    paragraphs: list[str] = []
    for block_lines in blocks:
        if width is None:
            paragraphs.extend(block_lines)
            continue
        current = block_lines[0]
        for prev, line in zip(block_lines, block_lines[1:]):
            if _cells(prev) >= 0.6 * width and not _LIST_ITEM.match(line):
                current += ("" if _HAN_KANA.match(prev[-1]) or _HAN_KANA.match(line[0]) else " ") + line
            else:
                paragraphs.append(current)
                current = line
        paragraphs.append(current)
    return paragraphs


def _blocks(text: str) -> list[list[str]]:
    """Runs of non-blank lines (stripped, quote markers off); a change of quote depth, or a quoted
    blank line (">"), ends a run."""
    blocks: list[list[str]] = []
    current: list[str] = []
    depth = 0
    for raw in text.split("\n"):
        m = _QUOTE.match(raw)
        d = m.group(1).count(">") if m else 0
        line = (raw[m.end():] if m else raw).strip()
        if not line or d != depth:
            if current:
                blocks.append(current)
            current = []
        depth = d
        if line:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _cells(line: str) -> int:
    """The line's width on screen: Korean, Chinese and Japanese characters take two columns (and
    carry about twice the words of a Latin letter), so a 60-character Korean paragraph is as
    long as a 120-character English one."""
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text was wrapped at, or None for one-paragraph-per-line text."""
    if len(lines) < 4:
        return None
    lengths = sorted(_cells(ln) for ln in lines)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if p90 > 120:
        return None
    # Wrapped text has many lines near the wrap column; a list of short lines does not.
    near = sum(1 for n in lengths if n >= 0.75 * p90)
    if near < 0.5 * len(lengths) or p90 < 40:
        return None
    # Lines of similar length that nearly all end a sentence are paragraphs (Korean or Chinese
    # written one paragraph per line), not a text cut at a column.
    ended = sum(1 for ln in lines if _TERMINAL.search(ln))
    return None if ended >= _ENDED_SHARE * len(lines) else p90


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


_HEADER = re.compile(r"^[A-Za-z][\w-]{0,40}:[ \t]")  # "Name: value", counted only with a key header
_KEY_HEADERS = ("from", "to", "subject", "date", "newsgroups")
_SIGNATURE = re.compile(r"^--[ \t]?$")
_MAX_SIGNATURE_LINES = 12


def plain(text: str) -> tuple[list[str], list[Kind]]:
    """Plain text's paragraphs and kinds. An e-mail's header block at the top (From:, To:,
    Subject:, Date: ...) is "meta", one paragraph per header, and so is a signature (the "-- "
    line and the lines after it, up to a blank line): neither is read as body text, nor counts
    when deciding whether the body is hard-wrapped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    headers, start = _email_headers(lines)
    texts: list[str] = list(headers)
    kinds: list[Kind] = ["meta"] * len(headers)
    parts: list[tuple[str, str]] = []  # ("body", text) or ("signature", text), in order
    i = chunk = start
    while i < len(lines):
        if _SIGNATURE.match(lines[i]) and i + 1 < len(lines) and lines[i + 1].strip():
            j = i + 1
            while j < len(lines) and lines[j].strip() and j - i <= _MAX_SIGNATURE_LINES:
                j += 1
            parts += [("body", "\n".join(lines[chunk:i])), ("signature", "\n".join(ln.rstrip() for ln in lines[i:j]))]
            i = chunk = j
        else:
            i += 1
    parts.append(("body", "\n".join(lines[chunk:])))
    for what, part in parts:
        if what == "signature":
            texts.append(part)
            kinds.append("meta")
        else:
            body = split_paragraphs(part)
            texts += body
            kinds += ["body"] * len(body) if headers else classify(body)
    return texts, kinds


def _email_headers(lines: list[str]) -> tuple[list[str], int]:
    """The header lines at the very top (a folded continuation line joined to its header) and the
    index of the first body line; ([], 0) when the text does not start like an e-mail."""
    headers: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        line = lines[i]
        if _HEADER.match(line):
            headers.append(line.strip())
        elif headers and line[:1] in (" ", "\t") and line.strip():
            headers[-1] += " " + line.strip()
        else:
            break
        i += 1
    names = {h.split(":", 1)[0].lower() for h in headers}
    if len(headers) < 2 or not names & set(_KEY_HEADERS) or (i < len(lines) and lines[i].strip()):
        return [], 0  # two headers, one of them a real one, and a blank line after them
    return headers, i
