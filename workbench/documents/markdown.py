"""Markdown to paragraphs, parsed (markdown-it-py, CommonMark plus tables and strikethrough).

What a reader sees is translated; what a machine reads is kept verbatim:
- headings become "title" paragraphs, list items and quoted paragraphs body paragraphs, without
  their `#`, `-`, `1.`, `>` and emphasis markers (a model would translate or drop them);
- table cells become "cell" paragraphs, row by row (a `|`-joined row is not a sentence);
- code blocks (fenced or indented), raw HTML blocks, front matter, and paragraphs with nothing to
  read (a URL or path on its own line, an image or a row of badges) become "code" paragraphs: their exact
  source lines, never sent to a model, the same in every translation;
- inside a paragraph, inline code keeps its backticks and a link or image keeps its target after
  its text ("the guide (https://…)"), so protect.py hands both back verbatim; an in-page anchor
  ("#install") is navigation, not text, and is left out.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .. import protect
from .model import Kind

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\n.*?\n\1[ \t]*(?:\n|\Z)", re.DOTALL)
_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_CELL_OPEN = ("th_open", "td_open")
_VERBATIM_BLOCKS = ("fence", "code_block", "html_block")


def paragraphs(text: str) -> tuple[list[str], list[Kind]]:
    texts: list[str] = []
    kinds: list[Kind] = []
    front = _FRONT_MATTER.match(text)
    if front:
        texts.append(front.group(0).rstrip("\n"))
        kinds.append("code")
        text = text[front.end():]
    lines = text.splitlines(keepends=True)
    tokens = _PARSER.parse(text)
    for i, tok in enumerate(tokens):
        if tok.type in _VERBATIM_BLOCKS:
            texts.append(_source(lines, tok))
            kinds.append("code")
        elif tok.type == "inline":
            opener = tokens[i - 1].type if i else ""
            kind: Kind = "title" if opener == "heading_open" else "cell" if opener in _CELL_OPEN else "body"
            if kind == "body" and _nothing_to_read(tok):
                texts.append(_source(lines, tok))
                kinds.append("code")
            else:
                texts.append(render_inline(tok.children or []).strip())
                kinds.append(kind)
    return texts, kinds


def _source(lines: list[str], tok: Token) -> str:
    """The exact source lines of a block (code keeps its fences and indentation)."""
    if tok.map is None:
        return tok.content.rstrip("\n")
    return "".join(lines[tok.map[0]:tok.map[1]]).strip("\n")


def render_inline(children: list[Token]) -> str:
    """A paragraph's words as plain text: markers out, code spans and link/image targets in."""
    out: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts) of the links still open
    for t in children:
        if t.type in ("text", "text_special"):
            out.append(t.content)
        elif t.type == "code_inline":
            pad = " " if t.content[:1] == "`" or t.content[-1:] == "`" else ""  # CommonMark's own rule
            out.append(f"{t.markup}{pad}{t.content}{pad}{t.markup}")
        elif t.type == "softbreak":
            out.append(" ")
        elif t.type == "hardbreak":
            out.append("\n")
        elif t.type == "link_open":
            links.append((str(t.attrs.get("href", "")), len(out)))
        elif t.type == "link_close" and links:
            href, start = links.pop()
            label = "".join(out[start:]).strip()
            if href and not href.startswith("#") and href not in (label, f"mailto:{label}"):
                out.append(f" ({href})" if label else href)
        elif t.type == "image":
            alt, src = t.content.strip(), str(t.attrs.get("src", ""))
            out.append(f"{alt} ({src})" if alt and src else alt or src)
    return re.sub(r"[ \t]+", " ", "".join(out))


def _nothing_to_read(tok: Token) -> bool:
    """A paragraph of badges (images, linked images), bare URLs, paths or inline code only: no
    words for a reader, so nothing to translate."""
    links: list[Token] = []
    for t in tok.children or []:
        if t.type == "link_open":
            links.append(t)
        elif t.type == "link_close" and links:
            links.pop()
        elif t.type in ("text", "text_special"):
            label = t.content.strip()
            if links and (links[-1].markup == "autolink" or label == links[-1].attrs.get("href")):
                continue
            if protect.has_words(_outside_spans(label)):
                return False
        # images (badges, screenshots), inline HTML and inline code are not prose
    return True


def _outside_spans(text: str) -> str:
    """`text` without its URLs, paths and e-mail addresses."""
    spans = protect.find_spans(text)
    edges = [0, *(x for s in spans for x in s), len(text)]
    return " ".join(text[a:b] for a, b in zip(edges[::2], edges[1::2]))
