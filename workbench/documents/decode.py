"""Bytes to text: UTF-8 (with stray Windows-1252 lines), UTF-16 with or without BOM, others by
detection; binary data refused."""

from __future__ import annotations

import codecs
import threading
import unicodedata

from ..errors import BadInput



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


def utf8_with_stray_bytes(data: bytes) -> tuple[str, bool]:
    """UTF-8 text with any bytes that are not UTF-8 read one by one as Windows-1252, as plain files
    are (True: there were some), for callers that warn per record (corpus lines) themselves."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    _MIXED.bad = []
    try:
        return data.decode("utf-8", errors=_MIXED_ERRORS), True
    finally:
        _MIXED.bad = []


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
