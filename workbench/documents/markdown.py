"""Markdown to paragraphs: headings become titles, lone images are dropped."""

from __future__ import annotations

import re

from .model import Kind
from .text import classify, split_paragraphs

def paragraphs(text: str) -> tuple[list[str], list[Kind]]:
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
