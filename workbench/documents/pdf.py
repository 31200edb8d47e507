"""Text PDFs to paragraphs (pypdf): page lines without running headers, footers and page numbers,
re-joined into paragraphs."""

from __future__ import annotations

import io
import re

from ..errors import BadInput
from . import limits
from .model import Kind
from .text import _LIST_ITEM, classify

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_HYPHENATED_END = re.compile(r"[A-Za-z]-$")


def paragraphs(data: bytes, name: str) -> tuple[list[str], list[Kind]]:
    """Paragraphs of a text PDF (pypdf): each page's lines, without running headers, footers and
    page numbers, joined into paragraphs (across page breaks too)."""
    pages = _pdf_page_lines(data, name)
    if not any(line.strip() for lines in pages for line in lines):
        raise BadInput(f"{name}: has no text layer (scanned?); OCR it first")
    lines: list[str] = []
    for page in _drop_running_lines(pages):
        page = [" ".join(ln.split()) for ln in page]
        while page and not page[-1]:
            page.pop()  # a page's end is not a paragraph break by itself
        while page and not page[0]:
            page.pop(0)
        lines.extend(page)
    texts = _join_pdf_lines(lines)
    return texts, classify(texts)


_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)\]]*$")


def _join_pdf_lines(lines: list[str]) -> list[str]:
    """Re-join a PDF's lines into paragraphs. A line continues the paragraph when the one before
    it is nearly as wide as the text column, or fairly wide and not the end of a sentence; a
    blank line, a short line or a list item starts a new one. "inter-" + "national" is joined
    without a space (the hyphen is kept: it may be a real one)."""
    filled = sorted(len(ln) for ln in lines if ln)
    width = filled[int(0.9 * (len(filled) - 1))] if filled else 0
    paragraphs: list[str] = []
    current = ""
    prev = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = prev = ""
            continue
        joins = bool(current) and not _LIST_ITEM.match(line) and (
            len(prev) >= 0.85 * width or (len(prev) >= 0.6 * width and not _SENTENCE_END.search(prev)))
        if joins and _HYPHENATED_END.search(prev) and line[:1].islower():
            current += line
        elif joins:
            current += " " + line
        else:
            if current:
                paragraphs.append(current)
            current = line
        prev = line
    if current:
        paragraphs.append(current)
    return paragraphs


def _pdf_page_lines(data: bytes, name: str) -> list[list[str]]:
    import logging

    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a pinned requirement
        raise BadInput(f"{name}: reading PDF needs the pypdf package (pip install pypdf)") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about sloppy PDFs are not ours to show
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # "encrypted" with an empty password: only permissions
            except Exception:
                opened = 0
            if not opened:
                raise BadInput(f"{name}: is encrypted (password protected); save a copy without the password")
        count = len(reader.pages)
        if count > limits.MAX_PDF_PAGES:
            raise BadInput(f"{name}: has {count} pages; the limit is {limits.MAX_PDF_PAGES}, split it")
        pages: list[list[str]] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            total += len(text)
            if total > limits.MAX_INPUT_BYTES:
                raise BadInput(f"{name}: holds more than {limits.MAX_INPUT_BYTES // 2**20} MB of text; split it")
            pages.append(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        return pages
    except BadInput:
        raise
    except PdfReadError as exc:
        raise BadInput(f"{name}: not a readable PDF ({exc})") from None
    except RecursionError:
        raise BadInput(f"{name}: not a readable PDF (nested too deeply)") from None
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise BadInput(f"{name}: not a readable PDF ({exc.__class__.__name__}: {exc})") from None


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and the headers/footers that repeat at the top or bottom of most pages."""
    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split())).lower()

    def edges(lines: list[str]) -> list[str]:
        filled = [ln for ln in lines if ln.strip()]
        return filled[:2] + filled[-2:]

    repeated: set[str] = set()
    if len(pages) >= 3:
        counts: dict[str, int] = {}
        for lines in pages:
            for k in {key(ln) for ln in edges(lines)}:
                counts[k] = counts.get(k, 0) + 1
        repeated = {k for k, n in counts.items() if n >= max(3, 0.6 * len(pages)) and k}
    out = []
    for lines in pages:
        edge = set(edges(lines))
        out.append([ln for ln in lines
                    if not (ln in edge and (_PAGE_NUMBER.match(ln) or key(ln) in repeated))])
    return out
