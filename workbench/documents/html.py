"""HTML to paragraphs: block elements in order, with heading, caption and time kinds."""

from __future__ import annotations

from .model import Kind
from .text import _CAPTION, _META, classify, plain

def paragraphs(html: str) -> tuple[list[str], list[Kind]]:
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
        return plain(soup.get_text("\n"))
    return texts, kinds
