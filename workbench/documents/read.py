"""Entry points: a file, a stream or an upload's bytes to a Document; the suffix picks the format.
Every read is capped from the first byte."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from ..errors import BadInput
from . import docx, html, limits, markdown, pdf
from .build import build_document, check_language
from .decode import decode_text
from .limits import max_bytes_for
from .model import ASSUMED, VERBATIM_KINDS, Document, SegmentMemo
from .text import plain

def read_bytes(data: bytes, name: str, lang: str | None = None, memo: SegmentMemo | None = None) -> Document:
    """A Document from a file's bytes (an upload, or a file read from disk); the suffix of
    `name` picks the format. Notes on how it was read are in `Document.warnings`."""
    suffix = Path(name).suffix.lower()
    limit = max_bytes_for(name)
    if len(data) > limit:
        raise BadInput(f"{name}: more than {limit // 2**20} MB; the limit is {limit // 2**20} MB, split it")
    warnings: list[str] = []
    if suffix == ".docx":
        texts, kinds = docx.paragraphs(data, name)
        encoding = "docx"
    elif suffix == ".pdf":
        texts, kinds = pdf.paragraphs(data, name)
        encoding = "pdf"
    else:
        if suffix in (".html", ".htm") and len(data) > limits.MAX_HTML_BYTES:
            raise BadInput(f"{name}: the page is {len(data) / 2**20:.0f} MB of HTML; the limit is "
                           f"{limits.MAX_HTML_BYTES // 2**20} MB (save the article text only)")
        text, encoding, warnings = decode_text(data, name)
        if suffix in (".html", ".htm"):
            texts, kinds = html.paragraphs(text, name)
        elif suffix in (".md", ".markdown"):
            texts, kinds = markdown.paragraphs(text)
        else:
            texts, kinds = plain(text)
    if kinds is not None:
        kinds = [k for t, k in zip(texts, kinds) if t.strip()]
    texts = [t for t in texts if t.strip()]
    # code (kept verbatim) is neither text to translate nor evidence of the language
    prose = texts if kinds is None else [t for t, k in zip(texts, kinds) if k not in VERBATIM_KINDS]
    if not prose:
        raise BadInput(f"{name}: has no text to translate" + (" (only code)" if texts else ""))
    if sum(len(t) for t in texts) > limits.MAX_INPUT_BYTES:
        raise BadInput(f"{name}: holds more than {limits.MAX_INPUT_BYTES // 2**20} MB of text; split it")
    joined = "\n".join(prose)
    lang, assumed = check_language(joined, name, lang)
    doc = build_document(texts, Path(name).name, lang, kinds, encoding, memo)
    meta = {**({"warnings": warnings} if warnings else {}), **({ASSUMED: True} if assumed else {})}
    return replace(doc, meta=meta) if meta else doc


def read_limited(stream: BinaryIO, name: str, limit: int = limits.MAX_INPUT_BYTES) -> bytes:
    """At most `limit` bytes of `stream`, read in chunks; BadInput as soon as there are more.

    Never trusts a size the system reports (a pipe, /proc or a growing file has none or a wrong
    one), so the memory used is bounded by `limit` whatever the source."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(limits.READ_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise BadInput(f"{name}: more than {limit // 2**20} MB; the limit is {limit // 2**20} MB, split it")


def read_stream(stream: BinaryIO, name: str = "stdin", lang: str | None = None,
                memo: SegmentMemo | None = None) -> Document:
    """A Document from a byte stream such as `sys.stdin.buffer`, read with the size cap (plain
    text, or the format that `name`'s suffix says); messages name `name`."""
    try:
        data = read_limited(stream, name, max_bytes_for(name))
    except OSError as exc:
        raise BadInput(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise BadInput(f"{name}: no text came in (the input is empty)")
    return read_bytes(data, name, lang, memo)


_SPECIAL_FILES = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _megabytes(size: int, limit: int) -> str:
    """A size in MB with enough digits that a file just over the limit does not read as equal to it."""
    shown = f"{size / 2**20:.0f}"
    digits = 1
    while float(shown) * 2**20 <= limit and digits < 7:
        shown = f"{size / 2**20:.{digits}f}"
        digits += 1
    return shown


def read_capped(path: str | Path, limit: int = limits.MAX_INPUT_BYTES, check=None) -> bytes:
    """A regular file's bytes, read with the cap from the first byte (never trusting st_size);
    folders, FIFOs, devices and sockets are refused by type, before they are opened.
    `check(path)` runs after the type checks (e.g. a suffix rule)."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{path}: is a folder; give the files in it (e.g. {path}/*.txt)")
    for test, what in _SPECIAL_FILES:
        if test(st.st_mode):
            raise BadInput(f"{path}: is {what}, not a file; to read a stream, pipe it in and give - as the input")
    if check is not None:
        check(path)
    if st.st_size > limit:  # a quick refusal; the capped read below is what bounds memory
        raise BadInput(f"{path}: the file is {_megabytes(st.st_size, limit)} MB; the limit is {limit // 2**20} MB, split it")
    try:
        with open(path, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped since the stat above
                raise BadInput(f"{path}: is not a regular file")
            return read_limited(f, str(path), limit)
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _supported(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix and suffix not in limits.SUPPORTED_SUFFIXES:
        raise BadInput(f"{path}: unsupported file type {suffix!r}; use .txt, .md, .html, .docx or .pdf")


def read_file(path: str | Path, lang: str | None = None, memo: SegmentMemo | None = None,
              data: bytes | None = None) -> Document:
    """`data`: the file's bytes when the caller already read them (with `read_capped`)."""
    path = Path(path)
    if data is None:
        data = read_capped(path, max_bytes_for(path.name), check=_supported)
    else:
        _supported(path)
    doc = read_bytes(data, str(path), lang, memo)
    return replace(doc, name=path.name, meta={**doc.meta, "path": str(path)})
