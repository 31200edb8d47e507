"""Reading articles into ordered paragraphs (with their sentences) without losing a character.

Articles saved from the web come as one paragraph per line, as blank-line-separated blocks, or
hard-wrapped at ~72 columns; a title, a dateline and photo captions sit on top. We keep each
paragraph's exact text, mark those header lines with a `kind`, and split sentences offline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

from .errors import BadInput
from .langid import detect_language, language_name
from .segment import VERSION as SEGMENTER_VERSION
from .segment import split_sentences

Kind = Literal["title", "meta", "caption", "body"]

MAX_INPUT_BYTES = 20 * 1024 * 1024  # 20 MB of text is ~3,000 pages: beyond that, split the file
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".html", ".htm", ".docx"}


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


# ---------------------------------------------------------------- decoding


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, str]:
    """Text and the encoding it was read with; BadInput for binary data or an unknown encoding."""
    if not data.strip():
        raise BadInput(f"{name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return _checked(data[3:].decode("utf-8", errors="strict"), name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"), name), "utf-16"
        except UnicodeDecodeError:
            raise BadInput(f"{name}: starts like UTF-16 but is not valid UTF-16 text") from None
    if b"\x00" in data[:8192]:
        raise BadInput(f"{name}: looks like a binary file, not text (it contains NUL bytes)")
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise BadInput(f"{name}: not UTF-8 text and no other text encoding fits; save it as UTF-8")
    return _checked(str(best), name), best.encoding


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


def check_language(text: str, name: str, expected: str | None) -> str:
    """The language to treat `text` as: `expected` if given, else the detected one if English.

    Non-English input is refused with a message that says how to override (--from / the app's
    source-language box), because translating Korean with an English model gives garbage.
    """
    if expected:
        return expected  # told the language: no detection (a corpus run of 100,000 inputs saves minutes)
    det = detect_language(text)
    if det.lang is None:
        raise BadInput(f"{name}: has too few letters to tell its language; set the source language (--from on the command line)")
    if det.lang != "en":
        raise BadInput(
            f"{name}: looks like {language_name(det.lang)} ({det.lang}), not English; "
            f"if that is right, set the source language to {det.lang} (--from {det.lang} on the command line)"
        )
    return "en"


def from_text(text: str, name: str = "pasted text", lang: str | None = None,
              memo: SegmentMemo | None = None) -> Document:
    """A Document from pasted text. `lang=None` detects it and refuses anything but English."""
    if not text or not text.strip():
        raise BadInput(f"{name}: the text is empty")
    if len(text.encode("utf-8", errors="replace")) > MAX_INPUT_BYTES:
        raise BadInput(f"{name}: the text is larger than {MAX_INPUT_BYTES // 2**20} MB; split it into several files")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lang = check_language(text, name, lang)
    return build_document(split_paragraphs(text), name, lang, memo=memo)


def read_bytes(data: bytes, name: str, lang: str | None = None, memo: SegmentMemo | None = None) -> Document:
    """A Document from a file's bytes (an upload, or a file read from disk); the suffix of
    `name` picks the format."""
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_INPUT_BYTES:
        raise BadInput(f"{name}: the file is {len(data) / 2**20:.0f} MB; the limit is {MAX_INPUT_BYTES // 2**20} MB, split it")
    if suffix == ".docx":
        texts, kinds = _docx_paragraphs(data, name)
        encoding = "docx"
    else:
        text, encoding = decode_bytes(data, name)
        if suffix in (".html", ".htm"):
            texts, kinds = _html_paragraphs(text)
        elif suffix in (".md", ".markdown"):
            texts, kinds = _markdown_paragraphs(text)
        else:
            texts, kinds = split_paragraphs(text), None
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise BadInput(f"{name}: has no text to translate")
    joined = "\n".join(texts)
    lang = check_language(joined, name, lang)
    return build_document(texts, Path(name).name, lang, kinds, encoding, memo)


def read_file(path: str | Path, lang: str | None = None, memo: SegmentMemo | None = None) -> Document:
    path = Path(path)
    if path.is_dir():
        raise BadInput(f"{path}: is a folder; give the files in it (e.g. {path}/*.txt)")
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise BadInput(f"{path}: unsupported file type {suffix!r}; use .txt, .md, .html or .docx")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise BadInput(f"{path}: the file is {size / 2**20:.0f} MB; the limit is {MAX_INPUT_BYTES // 2**20} MB, split it")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from None
    doc = read_bytes(data, str(path), lang, memo)
    return replace(doc, name=path.name, meta={"path": str(path)})


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
    import io
    import zipfile

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
