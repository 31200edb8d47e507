"""Paragraph texts to a Document: sentence splitting (with a memo) and the language check."""

from __future__ import annotations

from dataclasses import replace

from ..errors import BadInput, NotEnglish
from ..langid import detect_language, language_name
from ..segment import VERSION as SEGMENTER_VERSION
from ..segment import split_sentences
from . import limits
from .model import ASSUMED, VERBATIM_KINDS, Document, Kind, Paragraph, SegmentMemo
from .text import classify, plain

def build_document(texts: list[str], name: str, lang: str, kinds: list[Kind] | None = None,
                   encoding: str = "utf-8", memo: SegmentMemo | None = None) -> Document:
    kinds = kinds or classify(texts)
    known = memo.get_segments(list(set(texts)), lang, SEGMENTER_VERSION) if memo is not None else {}
    fresh: dict[str, tuple[str, ...]] = {}
    paragraphs = []
    for i, (t, kind) in enumerate(zip(texts, kinds)):
        if kind in VERBATIM_KINDS:  # code keeps its lines and indentation: one unit, never split
            paragraphs.append(Paragraph(i, kind, t, (t,)))
            continue
        sentences = known.get(t) or fresh.get(t)
        if sentences is None:
            sentences = fresh[t] = tuple(split_sentences(t, lang)) or (t.strip(),)
        paragraphs.append(Paragraph(i, kind, t, sentences))
    if memo is not None and fresh:
        memo.put_segments(fresh, lang, SEGMENTER_VERSION)
    return Document(name=name, lang=lang, paragraphs=tuple(paragraphs), encoding=encoding)


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
    if len(text.encode("utf-8", errors="replace")) > limits.MAX_INPUT_BYTES:
        raise BadInput(f"{name}: the text is larger than {limits.MAX_INPUT_BYTES // 2**20} MB; split it into several files")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lang, assumed = check_language(text, name, lang)
    texts, kinds = plain(text)
    doc = build_document(texts, name, lang, kinds, memo=memo)
    return replace(doc, meta={ASSUMED: True}) if assumed else doc
