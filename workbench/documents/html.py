"""HTML to paragraphs: the article, not the page.

A saved web page is mostly not the article: menus, "Popular posts", share buttons, cookie banners,
newsletter boxes and reader comments would all be translated if every block were read. The main
text comes from trafilatura (a maintained main-content extractor; it works offline on the string it
is given); around it this reader puts back what a reader of the article sees and the extractor
leaves out or flattens: the headline ("title"), the dateline/byline ("meta"), photo captions
("caption"), table cells ("cell", row by row) and code blocks ("code", never translated).
Where the extractor finds nothing, or much less than the page plainly holds, a linear walk of the
page's blocks (``<p>`` as well as text held in ``<div>``/``<span>``, minus the page chrome) is used.

Bounds (issue 18): the tags are counted on the string before anything is parsed; a page with more
than ``limits.MAX_HTML_ELEMENTS`` is refused, and the extractor (whose cost grows faster than the
page) only sees pages up to ``limits.MAX_EXTRACT_ELEMENTS``; bigger ones get the linear walk.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Iterator

from ..errors import BadInput
from . import limits
from .model import Kind
from .text import _CAPTION, _META, classify, plain

for _name in ("trafilatura", "htmldate", "courlan", "justext"):  # library: never print to the user's terminal
    logging.getLogger(_name).addHandler(logging.NullHandler())

_TAG = re.compile(r"<[A-Za-z]")
_WS = re.compile(r"\s+")
# Tags whose content is never article text.
_DROP = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
                   "canvas", "select", "option", "button", "input", "textarea", "head", "title", "meta", "link"})
# Page chrome by tag, and by the words sites use in class/id/role for it.
_CHROME_TAGS = frozenset({"nav", "footer", "header", "aside", "form", "dialog", "menu"})
_CHROME_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|cookies?|consent|gdpr|newsletter|subscribe|"
    r"signup|share|sharing|social|comments?|disqus|related|popular|trending|recommended|sidebar|widget|"
    r"footer|masthead|promo|advert|ads|banner|popup|modal|outbrain|taboola|tags|pagination)(?:$|[\s_-])",
    re.IGNORECASE)
_CONTAINERS = frozenset({"html", "body", "main", "article"})
# Blocks: each starts a new paragraph; their kind when the walk reads them.
_BLOCK_KIND: dict[str, Kind] = {
    **{f"h{i}": "title" for i in range(1, 7)}, "figcaption": "caption", "caption": "caption",
    "td": "cell", "th": "cell", "pre": "code",
    **{t: "body" for t in ("p", "div", "li", "dd", "dt", "blockquote", "section", "article", "main", "body",
                           "figure", "table", "tr", "ul", "ol", "dl", "center", "address", "details", "summary",
                           "hr", "fieldset", "legend", "html")},
}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\xa0]*\n")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BYLINE = re.compile(r"byline|author|dateline", re.IGNORECASE)


def paragraphs(html: str, name: str = "the page") -> tuple[list[str], list[Kind]]:
    """The article's paragraphs and their kinds (see the module docstring for what is kept)."""
    count = len(_TAG.findall(html))
    if count > limits.MAX_HTML_ELEMENTS:
        raise BadInput(f"{name}: the page has {count:,} HTML elements; the limit is "
                       f"{limits.MAX_HTML_ELEMENTS:,} (save the article text only)")
    root = _parse(html)
    if root is None:
        return plain(html)
    facts = _PageFacts(root)
    found: list[tuple[str, Kind]] = []
    if count <= limits.MAX_EXTRACT_ELEMENTS:
        found = _extracted(root)  # on a copy: the walk below needs the page as it was
    if _too_little(found, root):
        found = _walk(root) or found
    else:
        found = _completed(found, root)
    if not found:
        text = " ".join(root.text_content().split()) if root is not None else ""
        return plain(text) if text else ([], [])
    return _finish(found, facts)


def _parse(html: str):
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError, UnicodeError):
        return None


def _text(el) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def _tokens(el) -> str:
    return f"{el.get('class', '')} {el.get('id', '')} {el.get('role', '')}"


class _PageFacts:
    """What the page shows about the article outside its body: headline, byline/time, captions."""

    def __init__(self, root) -> None:
        self.headline = ""
        self.meta: list[str] = []
        self.captions: set[str] = set()
        for el in root.iter():
            tag = el.tag if isinstance(el.tag, str) else ""
            if tag == "h1" and not self.headline and not _in_chrome(el):
                self.headline = _text(el)
            elif tag in ("figcaption", "caption"):
                t = _text(el)
                if t:
                    self.captions.add(t)
            elif len(self.meta) < 2 and (tag == "time" or _BYLINE.search(_tokens(el)) or el.get("rel") == "author"):
                t = _text(el)
                if t and len(t) <= 100 and t not in self.meta and not any(t in m or m in t for m in self.meta) \
                        and not _in_chrome(el, strict=True):
                    self.meta.append(t)
            elif tag and "caption" in el.get("class", "").lower():
                t = _text(el)
                if t and len(t) <= 300:
                    self.captions.add(t)


def _in_chrome(el, strict: bool = False) -> bool:
    """True when `el` sits in a menu, footer, sidebar or comment thread (strict: also the page header)."""
    for anc in el.iterancestors():
        tag = anc.tag if isinstance(anc.tag, str) else ""
        if tag in ("nav", "footer", "aside") or (strict and tag == "header" and anc.getparent() is not None
                                                  and anc.getparent().tag == "body"):
            return True
        if tag not in _CONTAINERS and re.search(r"comment|sidebar|footer|related|popular|newsletter|cookie",
                                                _tokens(anc), re.IGNORECASE):
            return True
    return False


def _extracted(root) -> list[tuple[str, Kind]]:
    """trafilatura's main text, with its structure (headings, lists, quotes, tables, code) as kinds."""
    import trafilatura

    page = copy.deepcopy(root)
    hidden = [el for el in page.iter() if isinstance(el.tag, str) and (
        el.get("hidden") is not None or el.get("aria-hidden") == "true"
        or _HIDDEN_STYLE.search(el.get("style", "")))]
    for el in hidden:  # what the browser does not show is not the article
        if el.getparent() is not None:
            el.drop_tree()
    try:
        doc = trafilatura.bare_extraction(page, include_comments=False, include_tables=True,
                                          include_images=False, with_metadata=False, deduplicate=False)
    except Exception:  # a page the extractor cannot handle is read by the walk instead
        return []
    body = getattr(doc, "body", None)
    return list(_from_xml(body)) if body is not None else []


def _flat(el) -> str:
    """An element's text with <lb/> as a space and inline markup dropped."""
    parts: list[str] = []
    for node in el.iter():
        if node is not el and node.tag == "lb":
            parts.append("\n")
        if node.text and node.tag not in ("list", "table"):
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
        if node is not el and node.tag in ("list", "table"):
            break
    return "".join(parts).strip()


def _split(text: str) -> list[str]:
    """Paragraphs of a text whose double line breaks (<br><br>, as Blogger writes) end one."""
    return [t for t in (_WS.sub(" ", part).strip() for part in _PARAGRAPH_BREAK.split(text)) if t]


_XML_BLOCKS = frozenset({"p", "head", "list", "table", "quote", "code", "div", "graphic"})


def _from_xml(container) -> Iterator[tuple[str, Kind]]:
    """Paragraphs of one element of trafilatura's XML (body, quote, div, a layout cell), text
    between its blocks included."""
    lead = _WS.sub(" ", container.text or "").strip()
    if lead:
        yield lead, "body"
    for el in container:
        yield from _xml_block(el)
        tail = _WS.sub(" ", el.tail or "").strip()
        if tail:
            yield tail, "body"


def _xml_block(el) -> Iterator[tuple[str, Kind]]:
    tag = el.tag
    if tag == "head":
        t = _WS.sub(" ", _flat(el)).strip()
        if t:
            yield t, "title"
    elif tag == "list":
        for item in el.findall("item"):
            t = _own_text(item)
            if t:
                yield t, "body"
            for sub in item:
                if sub.tag in ("list", "table"):
                    yield from _xml_block(sub)
    elif tag == "table":
        for row in el.findall("row"):
            for cell in row.findall("cell"):
                if any(c.tag in _XML_BLOCKS for c in cell):  # a layout table: its cells hold the page
                    yield from _from_xml(cell)
                else:
                    t = _own_text(cell)
                    if t:
                        yield t, "cell"
    elif tag == "code":
        t = "".join(el.itertext()).strip("\n")
        if t.strip():
            yield t, "code"
    elif tag == "graphic":
        return
    elif tag in ("quote", "div", "cell", "item") and any(c.tag in _XML_BLOCKS for c in el):
        yield from _from_xml(el)
    else:
        for t in _split(_flat(el)):
            yield t, "body"


def _own_text(el) -> str:
    """The text of a list item or cell without the nested lists/tables (read on their own)."""
    parts = [el.text or ""]
    for child in el:
        if child.tag not in ("list", "table"):
            parts.append("".join(child.itertext()))
        if child.tag == "lb":
            parts.append(" ")
        parts.append(child.tail or "")
    return _WS.sub(" ", "".join(parts)).strip()


def _too_little(found: list[tuple[str, Kind]], root) -> bool:
    """True when the walk should read the page instead: the extractor found nothing; or it took a
    small page nearly whole (the walk keeps its block structure); or a sliver of the page's one
    <article>."""
    if not found:
        return True
    got = sum(len(t) for t, _ in found)
    if got >= 1500:
        return False
    if len(_text(root)) <= 1.5 * got:
        return True
    article = root.find(".//article")
    return article is not None and got < 0.25 * len(_text(article))


def _completed(found: list[tuple[str, Kind]], root) -> list[tuple[str, Kind]]:
    """The page's one <article> read whole (chrome cut) when the extractor stopped part-way in it:
    every extracted paragraph is in it, and it holds more, but not more than 3x as much."""
    articles = root.findall(".//article")
    if len(articles) != 1:
        return found
    walked = _walk(articles[0])
    got = sum(len(t) for t, _ in found)
    have = sum(len(t) for t, _ in walked)
    texts = {t for t, _ in walked}
    if 1.2 * got < have <= 3 * got and all(t in texts for t, k in found if k == "body"):
        return walked
    return found


def _walk(root) -> list[tuple[str, Kind]]:
    """Every block's own text in page order, <div>/<span> text included, page chrome left out.
    One pass over the tree after the chrome is cut (linear in the page)."""
    root = copy.deepcopy(root)
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root
    keep = _protected(body)
    doomed = []
    for el in body.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _DROP:
            doomed.append(el)
        elif el not in keep and tag not in _CONTAINERS and (
                tag in _CHROME_TAGS or _CHROME_WORDS.search(_tokens(el)) or el.get("hidden") is not None
                or el.get("aria-hidden") == "true"):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    out: list[tuple[str, Kind]] = []
    buf: list[str] = []
    kinds: list[Kind] = ["body"]
    in_pre = None  # the <pre> being skipped (its text was taken whole, as code)
    from lxml import etree

    def flush() -> None:
        text = "".join(buf)
        buf.clear()
        for part in _PARAGRAPH_BREAK.split(text):
            t = _WS.sub(" ", part).strip()
            if t:
                out.append((t, kinds[-1]))

    for event, el in etree.iterwalk(body, events=("start", "end")):
        if in_pre is not None:
            if event == "end" and el is in_pre:
                in_pre = None
                buf.append(el.tail or "")
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "pre":
                flush()
                code = el.text_content().strip("\n")
                if code.strip():
                    out.append((code, "code"))
                in_pre = el
            elif tag in _BLOCK_KIND:
                flush()
                kinds.append(_BLOCK_KIND[tag])
                buf.append(el.text or "")
            else:
                if tag == "br":
                    buf.append("\n")
                buf.append(el.text or "")
        else:
            if tag in _BLOCK_KIND:
                flush()
                kinds.pop()
            buf.append(el.tail or "")
    flush()
    return out


def _protected(body) -> set:
    """The article's containers and their ancestors: never cut as chrome, whatever their class says
    (a <body class="has-sidebar"> or an <article class="post-with-comments"> is still the page)."""
    keep: set = set()
    anchors = list(body.iter("article", "main"))[:3]
    anchors += [el for el in body.iter() if el.get("itemprop") == "articleBody"][:3]
    h1 = next(body.iter("h1"), None)
    if h1 is not None:
        anchors.append(h1)
    for el in anchors:
        keep.add(el)
        keep.update(el.iterancestors())
    return keep


def _finish(found: list[tuple[str, Kind]], facts: _PageFacts) -> tuple[list[str], list[Kind]]:
    """Headline and byline first, captions marked, datelines/captions found by their wording."""
    texts = [t for t, _ in found]
    kinds: list[Kind] = []
    for t, k in found:
        if k == "body":
            if t in facts.captions:
                k = "caption"
            elif _CAPTION.search(t) or _META.search(t):
                k = classify([t])[0]
        kinds.append(k)
    head: list[tuple[str, Kind]] = []
    present = set(texts)
    if facts.headline and facts.headline not in present:
        head.append((facts.headline, "title"))
    start = 1 if head or (kinds and kinds[0] == "title") else 0
    seen = " ".join(texts[:start + 3])
    for m in facts.meta:
        if m not in present and m not in seen and m != facts.headline:
            head.append((m, "meta"))
    if head:
        title = [h for h in head if h[1] == "title"]
        meta = [h for h in head if h[1] == "meta"]
        if title:
            texts[:0] = [t for t, _ in title + meta]
            kinds[:0] = [k for _, k in title + meta]
        else:
            texts[start:start] = [t for t, _ in meta]
            kinds[start:start] = [k for _, k in meta]
    return texts, kinds
