"""Size limits for every input kind, in one place (tests and the app's upload boxes read them)."""

from __future__ import annotations

from pathlib import Path

MAX_INPUT_BYTES = 20 * 1024 * 1024  # 20 MB of text is ~3,000 pages: beyond that, split the file
MAX_HTML_BYTES = 10 * 1024 * 1024  # a saved news page is well under 2 MB; parsing costs ~10x its size
MAX_PDF_BYTES = 64 * 1024 * 1024  # PDFs carry images and fonts besides their text
MAX_PDF_PAGES = 2000
MAX_DOCX_PART_BYTES = 32 * 1024 * 1024  # uncompressed size of one XML part (word/document.xml...)
MAX_DOCX_TOTAL_BYTES = 256 * 1024 * 1024  # uncompressed size of all parts (python-docx loads them all)
MAX_DOCX_MEMBERS = 10_000
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".html", ".htm", ".docx", ".pdf"}
READ_CHUNK = 1024 * 1024


def max_bytes_for(name: str) -> int:
    """The most bytes read for a file of this name (its suffix decides)."""
    return MAX_PDF_BYTES if Path(name).suffix.lower() == ".pdf" else MAX_INPUT_BYTES

