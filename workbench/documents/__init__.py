"""Reading articles into ordered paragraphs (with their sentences) without losing a character.

Articles saved from the web come as one paragraph per line, as blank-line-separated blocks, or
hard-wrapped at ~72 columns; a title, a dateline and photo captions sit on top. We keep each
paragraph's exact text, mark those header lines with a `kind`, and split sentences offline.

One module per concern: `model` (Document, Paragraph), `limits`, `decode` (bytes to text),
`text` (plain-text paragraphs and kinds), one module per format (`markdown`, `html`, `docx`,
`pdf`), `build` (sentences, language check) and `read` (the entry points). `read_file` is the
public reading API; the app's upload and the CLI use the same readers.
"""

from __future__ import annotations

from .build import build_document, check_language, from_text
from .decode import decode_bytes, decode_text
from .limits import (
    MAX_DOCX_MEMBERS,
    MAX_DOCX_PART_BYTES,
    MAX_DOCX_TOTAL_BYTES,
    MAX_HTML_BYTES,
    MAX_INPUT_BYTES,
    MAX_PDF_BYTES,
    MAX_PDF_PAGES,
    SUPPORTED_SUFFIXES,
    max_bytes_for,
)
from .model import Document, Kind, Paragraph, SegmentMemo
from .read import read_bytes, read_capped, read_file, read_limited, read_stream
from .text import classify, split_paragraphs

__all__ = [
    "Document", "Kind", "Paragraph", "SegmentMemo",
    "MAX_DOCX_MEMBERS", "MAX_DOCX_PART_BYTES", "MAX_DOCX_TOTAL_BYTES", "MAX_HTML_BYTES", "MAX_INPUT_BYTES",
    "MAX_PDF_BYTES", "MAX_PDF_PAGES", "SUPPORTED_SUFFIXES", "max_bytes_for",
    "build_document", "check_language", "from_text", "decode_bytes", "decode_text",
    "read_bytes", "read_capped", "read_file", "read_limited", "read_stream", "classify", "split_paragraphs",
]
