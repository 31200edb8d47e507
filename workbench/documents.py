"""Reading articles into ordered paragraphs (with their sentences) without losing a character.

Articles saved from the web come as one paragraph per line, as blank-line-separated blocks, or
hard-wrapped at ~72 columns; a title, a dateline and photo captions sit on top. We keep each
paragraph's exact text, mark those header lines with a `kind`, and split sentences offline.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from .errors import BadInput, NotEnglish
from .langid import detect_language, language_name
from .segment import VERSION as SEGMENTER_VERSION
from .segment import split_sentences

Kind = Literal["title", "meta", "caption", "body"]
ASSUMED = "language_assumed"  # Document.meta key: English was assumed, the text being too short to tell

MAX_INPUT_BYTES = 20 * 1024 * 1024  # 20 MB of text is ~3,000 pages: beyond that, split the file
MAX_HTML_BYTES = 10 * 1024 * 1024  # a saved news page is well under 2 MB; parsing costs ~10x its size
MAX_PDF_BYTES = 64 * 1024 * 1024  # PDFs carry images and fonts besides their text
MAX_PDF_PAGES = 2000
MAX_DOCX_PART_BYTES = 32 * 1024 * 1024  # uncompressed size of one XML part (word/document.xml...)
MAX_DOCX_TOTAL_BYTES = 256 * 1024 * 1024  # uncompressed size of all parts (python-docx loads them all)
MAX_DOCX_MEMBERS = 10_000
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".html", ".htm", ".docx", ".pdf"}
_READ_CHUNK = 1024 * 1024


def max_bytes_for(name: str) -> int:
    """The most bytes read for a file of this name (its suffix decides)."""
    return MAX_PDF_BYTES if Path(name).suffix.lower() == ".pdf" else MAX_INPUT_BYTES


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
    def language_assumed(self) -> bool:
        """Too short to tell its language, and taken as English (documents.check_language)."""
        return bool(self.meta.get(ASSUMED))

    @property
    def warnings(self) -> list[str]:
        """One-line notes about how the input was read (e.g. lines that were not UTF-8), for the
        CLI to print on stderr and the app to show; empty when nothing needs saying."""
        return list(self.meta.get("warnings", ()))


# ---------------------------------------------------------------- decoding


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, str]:
    """Text and the encoding it was read with; BadInput for binary data or an unknown encoding.
    (`decode_text` also returns the warnings, e.g. lines that were not UTF-8.)"""
    text, encoding, _warnings = decode_text(data, name)
    return text, encoding


def decode_text(data: bytes, name: str = "input") -> tuple[str, str, list[str]]:
    """Text, the encoding it was read with and warnings; BadInput for binary data.

    UTF-8 (with or without BOM) and UTF-16 (with a BOM, or without one when every other byte is
    NUL, as ASCII-heavy UTF-16 is) are read as such. A file that is UTF-8 except for a few lines
    (a paragraph pasted from a Latin-1 or Windows-1252 source) keeps its UTF-8 text and has only
    the bytes that are not UTF-8 read as Windows-1252, with a warning naming those lines: the
    whole file is never re-read in another encoding because of them (that turns "김정은" into
    mojibake). Only a file with no UTF-8 in it is handed to charset detection.
    """
    if not data.strip():
        raise BadInput(f"{name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        text, warnings = _utf8_mostly(data, name)
        if text is None:
            raise BadInput(f"{name}: starts like UTF-8 but is not UTF-8 text; save it as UTF-8")
        return _checked(text, name), "utf-8-sig", warnings
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"), name), "utf-16", []
        except UnicodeDecodeError:
            raise BadInput(f"{name}: starts like UTF-16 but is not valid UTF-16 text") from None
    bomless = _utf16_without_bom(data)
    if bomless is not None:
        return _checked(bomless[0], name), bomless[1], []
    if b"\x00" in data[:8192]:
        raise BadInput(f"{name}: looks like a binary file, not text (it contains NUL bytes)")
    text, warnings = _utf8_mostly(data, name)
    if text is not None:
        return _checked(text, name), "utf-8", warnings
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise BadInput(f"{name}: not UTF-8 text and no other text encoding fits; save it as UTF-8")
    return _checked(str(best), name), best.encoding, []


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) if `data` looks like UTF-16 without a BOM: NUL bytes on one parity only."""
    sample = data[:8192]
    sample = sample[: len(sample) // 2 * 2]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.2 * half and even <= 0.02 * half:
        encoding = "utf-16-le"
    elif even >= 0.2 * half and odd <= 0.02 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        return None


_MIXED = threading.local()
_MIXED_ERRORS = "parallax-utf8-cp1252"


def _decode_stray_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read one by one as Windows-1252."""
    assert isinstance(exc, UnicodeDecodeError)
    _MIXED.bad.append(exc.start)
    raw = exc.object[exc.start:exc.end]
    return "".join(_cp1252(bytes([b])) for b in raw), exc.end


def _cp1252(b: bytes) -> str:
    try:
        return b.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return b.decode("latin-1")


codecs.register_error(_MIXED_ERRORS, _decode_stray_bytes)


def _utf8_mostly(data: bytes, name: str) -> tuple[str | None, list[str]]:
    """UTF-8 text, tolerating a few stray non-UTF-8 lines (with a warning naming them); None if
    the data is not mostly UTF-8 (more stray bytes than real multi-byte characters)."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    _MIXED.bad = []
    try:
        text = data.decode("utf-8", errors=_MIXED_ERRORS)
        bad = _MIXED.bad
    finally:
        _MIXED.bad = []
    stray = len(bad)
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - stray  # non-ASCII characters
    if multibyte < max(1, stray):
        return None, []
    lines = sorted({data.count(b"\n", 0, off) + 1 for off in bad})
    shown = ", ".join(str(n) for n in lines[:10]) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    word = "line" if len(lines) == 1 else "lines"
    return text, [f"{name}: {word} {shown} {'is' if len(lines) == 1 else 'are'} not UTF-8; "
                  f"read {'it' if len(lines) == 1 else 'them'} as Windows-1252 (Latin-1), check {'it' if len(lines) == 1 else 'them'}"]


def _checked(text: str, name: str) -> str:
    """Refuse text that decodes but is mostly control characters (a binary file by another name)."""
    sample = text[:20000]
    if not sample.strip():
        raise BadInput(f"{name}: the file is empty (only whitespace)")
    controls = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\n\r\t\f")
    if controls > max(3, len(sample) * 0.01):
        raise BadInput(f"{name}: looks like a binary file, not text ({controls} control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- paragraphs

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


class SegmentMemo(Protocol):
    """Somewhere to keep sentence splits between runs (cache.TranslationCache is one)."""

    def get_segments(self, paragraphs: list[str], lang: str, version: str) -> dict[str, tuple[str, ...]]: ...

    def put_segments(self, splits: dict[str, tuple[str, ...]], lang: str, version: str) -> None: ...


def build_document(texts: list[str], name: str, lang: str, kinds: list[Kind] | None = None,
                   encoding: str = "utf-8", memo: SegmentMemo | None = None) -> Document:
    kinds = kinds or classify(texts)
    known = memo.get_segments(list(set(texts)), lang, SEGMENTER_VERSION) if memo is not None else {}
    fresh: dict[str, tuple[str, ...]] = {}
    paragraphs = []
    for i, (t, kind) in enumerate(zip(texts, kinds)):
        sentences = known.get(t) or fresh.get(t)
        if sentences is None:
            sentences = fresh[t] = tuple(split_sentences(t, lang)) or (t.strip(),)
        paragraphs.append(Paragraph(i, kind, t, sentences))
    if memo is not None and fresh:
        memo.put_segments(fresh, lang, SEGMENTER_VERSION)
    return Document(name=name, lang=lang, paragraphs=tuple(paragraphs), encoding=encoding)


# ---------------------------------------------------------------- entry points


def check_language(text: str, name: str, expected: str | None) -> tuple[str, bool]:
    """(the language to treat `text` as, whether English was assumed): `expected` if given
    (nothing is detected then), else the detected one if English.

    Non-English input is refused (NotEnglish, carrying the detected language, so the CLI can
    suggest --from and the app can offer its source-language control), because translating
    Korean with an English model gives garbage. Text too short to tell reliably (a short line
    in Latin letters, langid.MIN_LATIN_LETTERS) is taken as English, and marked so.
    """
    if expected:
        return expected, False  # told the language: no detection (a corpus run of 100,000 inputs saves minutes)
    det = detect_language(text)
    if det.lang != "en":
        if det.lang is not None and not det.reliable:  # some letters, too few to tell (none at all: refused)
            return "en", True
        raise NotEnglish(name, det.lang, language_name(det.lang) if det.lang else "")
    return "en", False


def from_text(text: str, name: str = "pasted text", lang: str | None = None,
              memo: SegmentMemo | None = None) -> Document:
    """A Document from pasted text. `lang=None` detects it and refuses anything but English."""
    if not text or not text.strip():
        raise BadInput(f"{name}: the text is empty")
    if len(text.encode("utf-8", errors="replace")) > MAX_INPUT_BYTES:
        raise BadInput(f"{name}: the text is larger than {MAX_INPUT_BYTES // 2**20} MB; split it into several files")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lang, assumed = check_language(text, name, lang)
    doc = build_document(split_paragraphs(text), name, lang, memo=memo)
    return replace(doc, meta={ASSUMED: True}) if assumed else doc


def read_bytes(data: bytes, name: str, lang: str | None = None, memo: SegmentMemo | None = None) -> Document:
    """A Document from a file's bytes (an upload, or a file read from disk); the suffix of
    `name` picks the format. Notes on how it was read are in `Document.warnings`."""
    suffix = Path(name).suffix.lower()
    limit = max_bytes_for(name)
    if len(data) > limit:
        raise BadInput(f"{name}: more than {limit // 2**20} MB; the limit is {limit // 2**20} MB, split it")
    warnings: list[str] = []
    if suffix == ".docx":
        texts, kinds = _docx_paragraphs(data, name)
        encoding = "docx"
    elif suffix == ".pdf":
        texts, kinds = _pdf_paragraphs(data, name)
        encoding = "pdf"
    else:
        if suffix in (".html", ".htm") and len(data) > MAX_HTML_BYTES:
            raise BadInput(f"{name}: the page is {len(data) / 2**20:.0f} MB of HTML; the limit is "
                           f"{MAX_HTML_BYTES // 2**20} MB (save the article text only)")
        text, encoding, warnings = decode_text(data, name)
        if suffix in (".html", ".htm"):
            texts, kinds = _html_paragraphs(text)
        elif suffix in (".md", ".markdown"):
            texts, kinds = _markdown_paragraphs(text)
        else:
            texts, kinds = split_paragraphs(text), None
    if kinds is not None:
        kinds = [k for t, k in zip(texts, kinds) if t.strip()]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise BadInput(f"{name}: has no text to translate")
    if sum(len(t) for t in texts) > MAX_INPUT_BYTES:
        raise BadInput(f"{name}: holds more than {MAX_INPUT_BYTES // 2**20} MB of text; split it")
    joined = "\n".join(texts)
    lang, assumed = check_language(joined, name, lang)
    doc = build_document(texts, Path(name).name, lang, kinds, encoding, memo)
    meta = {**({"warnings": warnings} if warnings else {}), **({ASSUMED: True} if assumed else {})}
    return replace(doc, meta=meta) if meta else doc


def read_limited(stream: BinaryIO, name: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """At most `limit` bytes of `stream`, read in chunks; BadInput as soon as there are more.

    Never trusts a size the system reports (a pipe, /proc or a growing file has none or a wrong
    one), so the memory used is bounded by `limit` whatever the source."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, limit + 1 - total))
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


def read_capped(path: str | Path, limit: int = MAX_INPUT_BYTES, check=None) -> bytes:
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
        raise BadInput(f"{path}: the file is {st.st_size / 2**20:.0f} MB; the limit is {limit // 2**20} MB, split it")
    try:
        with open(path, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped since the stat above
                raise BadInput(f"{path}: is not a regular file")
            return read_limited(f, str(path), limit)
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _supported(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
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


# ---------------------------------------------------------------- other formats


def _markdown_paragraphs(text: str) -> tuple[list[str], list[Kind]]:
    texts = split_paragraphs(text)
    out: list[str] = []
    kinds: list[Kind] = []
    auto = classify(texts)
    for t, k in zip(texts, auto):
        m = re.match(r"^#{1,6}\s+(.*)$", t)
        if m:
            out.append(m.group(1).strip())
            kinds.append("title")
        elif re.match(r"^!\[[^\]]*\]\([^)]*\)\s*$", t):
            continue  # an image on its own line has no words to translate
        else:
            out.append(t)
            kinds.append(k)
    return out, kinds


def _html_paragraphs(html: str) -> tuple[list[str], list[Kind]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer", "header"]):
        tag.decompose()
    texts: list[str] = []
    kinds: list[Kind] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "figcaption", "blockquote", "time"]):
        if el.find_parent(["p", "li", "figcaption", "blockquote"]):
            continue  # nested inside a block we already take
        t = " ".join(el.get_text(" ").split())
        if not t:
            continue
        texts.append(t)
        if el.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            kinds.append("title")
        elif el.name == "figcaption":
            kinds.append("caption")
        elif el.name == "time":
            kinds.append("meta")
        else:
            kinds.append(classify([t])[0] if _CAPTION.search(t) or _META.search(t) else "body")
    if not texts:  # bare text in <body>
        return _plain(soup.get_text("\n"))
    return texts, kinds


def _plain(text: str) -> tuple[list[str], list[Kind]]:
    texts = split_paragraphs(text)
    return texts, classify(texts)


def _docx_paragraphs(data: bytes, name: str) -> tuple[list[str], list[Kind]]:
    import zipfile

    _check_docx_sizes(data, name)
    try:
        import docx

        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BadInput(f"{name}: not a readable .docx file ({exc.__class__.__name__})") from None
    except Exception as exc:  # python-docx raises assorted errors on damaged packages
        raise BadInput(f"{name}: not a readable .docx file ({exc})") from None
    texts: list[str] = []
    kinds: list[Kind] = []
    for p in d.paragraphs:
        t = p.text.strip()
        if not t:
            continue
        style = (p.style.name or "").lower() if p.style is not None else ""
        texts.append(t)
        if style.startswith(("heading", "title", "subtitle")):
            kinds.append("title")
        elif style.startswith("caption"):
            kinds.append("caption")
        else:
            kinds.append(classify([t])[0] if _CAPTION.search(t) or _META.search(t) else "body")
    return texts, kinds


def _check_docx_sizes(data: bytes, name: str) -> None:
    """Refuse a .docx whose parts would be huge once uncompressed (a zip bomb), from the sizes the
    archive declares, before anything is decompressed (zipfile never inflates past them)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadInput(f"{name}: not a readable .docx file ({exc.__class__.__name__})") from None
    if len(infos) > MAX_DOCX_MEMBERS:
        raise BadInput(f"{name}: has {len(infos)} parts; a .docx has a few dozen (refused as unsafe)")
    if not any(i.filename == "word/document.xml" for i in infos):
        raise BadInput(f"{name}: not a .docx file (it has no word/document.xml)")
    for i in infos:
        if i.filename.endswith((".xml", ".rels")) and i.file_size > MAX_DOCX_PART_BYTES:
            raise BadInput(f"{name}: {i.filename} would be {i.file_size / 2**20:,.0f} MB uncompressed; the limit is "
                           f"{MAX_DOCX_PART_BYTES // 2**20} MB (refused as a possible zip bomb)")
    total = sum(i.file_size for i in infos)
    if total > MAX_DOCX_TOTAL_BYTES:
        raise BadInput(f"{name}: would be {total / 2**20:,.0f} MB uncompressed; the limit is "
                       f"{MAX_DOCX_TOTAL_BYTES // 2**20} MB (refused as a possible zip bomb)")


# ---------------------------------------------------------------- PDF

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_HYPHENATED_END = re.compile(r"[A-Za-z]-$")


def _pdf_paragraphs(data: bytes, name: str) -> tuple[list[str], list[Kind]]:
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
        if count > MAX_PDF_PAGES:
            raise BadInput(f"{name}: has {count} pages; the limit is {MAX_PDF_PAGES}, split it")
        pages: list[list[str]] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            total += len(text)
            if total > MAX_INPUT_BYTES:
                raise BadInput(f"{name}: holds more than {MAX_INPUT_BYTES // 2**20} MB of text; split it")
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
