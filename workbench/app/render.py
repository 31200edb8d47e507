"""The aligned view as one escaped HTML block (no Streamlit here, so it is unit-testable).

One row per paragraph (or per sentence), a column per language. Every sentence is a
<span class="pl-s" data-s="P-S" data-i="S">; CSS :has() highlights sentence S of a row in every
column while the pointer is over it in any one. Every piece of user or model text goes through
html.escape before it is put into the page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal, Sequence

from workbench.documents import Document
from workbench.engine import AlignedDocument, SentenceTranslation
from workbench.languages import joins_without_spaces, language_name

By = Literal["paragraph", "sentence"]

PAGE_SIZE = 50  # rows per page: a 500-paragraph article stays responsive
LOW_CONFIDENCE = 0.5  # sentences below this confidence are marked

KIND_LABELS = {"title": "title", "meta": "dateline", "caption": "caption", "body": "", "note": "note",
               "cell": "cell", "code": "code"}

# Korean columns prefer Korean glyph variants of shared Han characters, Chinese columns Chinese ones.
_KO_FONTS = '"Noto Sans CJK KR", "Noto Sans KR", "Source Han Sans K", "Apple SD Gothic Neo", "Malgun Gothic"'
_ZH_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"'
FONT_STACK = f'"Source Sans", "Source Sans 3", "Source Sans Pro", "Segoe UI", Roboto, {_KO_FONTS}, {_ZH_FONTS}, sans-serif'

# A sentence's highlight box reaches .1rem past its text on each side; the negative margin keeps
# the text where it would be without it, so no cell starts with what looks like a stray space.
CSS = f"""
.pl-aligned {{ font-family: {FONT_STACK}; line-height: 1.7; font-size: 1rem; }}
.pl-aligned table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
.pl-aligned th {{ text-align: left; font-weight: 600; padding: .35rem .6rem; border-bottom: 2px solid rgba(128,128,128,.45); }}
.pl-aligned td {{ vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid rgba(128,128,128,.2);
  overflow-wrap: anywhere; word-break: normal; }}
.pl-aligned th.pl-num, .pl-aligned td.pl-num {{ width: 4.2rem; color: rgba(128,128,128,.95); font-size: .8rem;
  font-variant-numeric: tabular-nums; }}
.pl-aligned td.pl-num small {{ display: block; font-size: .7rem; letter-spacing: .02em; text-transform: uppercase; }}
.pl-aligned :lang(ko) {{ font-family: "Source Sans", "Source Sans 3", {_KO_FONTS}, {_ZH_FONTS}, sans-serif; word-break: keep-all; }}
.pl-aligned :lang(zh) {{ font-family: "Source Sans", "Source Sans 3", {_ZH_FONTS}, {_KO_FONTS}, sans-serif; }}
.pl-s {{ padding: .05rem .1rem; margin: 0 -.1rem; border-radius: .25rem; transition: background-color .08s; }}
.pl-s:nth-child(even) {{ background: rgba(128,128,128,.09); }}
.pl-s.pl-low {{ text-decoration: underline wavy rgba(230,120,0,.75); text-decoration-thickness: 1px;
  text-underline-offset: .25em; }}
.pl-pending {{ color: rgba(128,128,128,.8); font-style: italic; }}
.pl-title td.pl-text {{ font-weight: 700; font-size: 1.18rem; line-height: 1.5; }}
.pl-meta td.pl-text {{ font-size: .86rem; color: rgba(110,110,110,1); }}
.pl-caption td.pl-text {{ font-size: .9rem; font-style: italic; color: rgba(100,100,100,1);
  border-left: 3px solid rgba(128,128,128,.35); }}
.pl-title, .pl-meta, .pl-caption {{ background: rgba(128,128,128,.045); }}
tr.pl-note td.pl-text {{ font-size: .9rem; }}
tr.pl-code td.pl-text {{ font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85rem;
  white-space: pre-wrap; background: rgba(128,128,128,.06); }}
div.pl-note {{ font-size: .8rem; color: rgba(128,128,128,.95); margin: .2rem 0 .4rem; }}
"""


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    pages: int
    start: int  # first row (0-based) of this page
    end: int  # one past the last row
    total: int


def row_count(doc: Document, by: By) -> int:
    return doc.sentence_count if by == "sentence" else len(doc.paragraphs)


def paginate(total: int, page: int, page_size: int = PAGE_SIZE) -> Page:
    pages = max(1, -(-total // page_size))
    number = min(max(1, page), pages)
    start = (number - 1) * page_size
    return Page(number, pages, start, min(total, start + page_size), total)


def confidence_label(t: SentenceTranslation) -> str:
    c = t.confidence
    conf = "confidence unknown" if c is None else f"confidence {c:.2f}" + (" (low)" if c < LOW_CONFIDENCE else "")
    return f"{conf} · {t.via}" + (" · cached" if t.cached else "")


def is_low(t: SentenceTranslation) -> bool:
    return t.confidence is not None and t.confidence < LOW_CONFIDENCE


def _span(p: int, i: int, text: str, title: str = "", low: bool = False) -> str:
    cls = "pl-s pl-low" if low else "pl-s"
    tip = f' title="{html.escape(title)}"' if title else ""
    return f'<span class="{cls}" data-s="{p}-{i}" data-i="{i}"{tip}>{html.escape(text)}</span>'


def _source_cell(doc: Document, p: int, indexes: Sequence[int]) -> str:
    sentences = doc.paragraphs[p].sentences
    sep = "" if joins_without_spaces(doc.lang) else " "
    return sep.join(_span(p, i, sentences[i]) for i in indexes)


def _target_cell(aligned: AlignedDocument | None, lang: str, p: int, indexes: Sequence[int]) -> str:
    done: Sequence[SentenceTranslation] = ()
    if aligned is not None and lang in aligned.translations and p < len(aligned.translations[lang]):
        done = aligned.translations[lang][p]
    sep = "" if joins_without_spaces(lang) else " "
    parts = []
    for i in indexes:
        if i < len(done):
            t = done[i]
            parts.append(_span(p, i, t.text, confidence_label(t), is_low(t)))
        else:
            parts.append('<span class="pl-pending">…</span>')
    return sep.join(parts)


def _hover_css(max_sentences: int) -> str:
    """Sentence i of a row highlighted in every column while any copy of it is hovered."""
    rules = [f'.pl-row:has(.pl-s[data-i="{i}"]:hover) .pl-s[data-i="{i}"]' for i in range(max_sentences)]
    if not rules:
        return ""
    return ",\n".join(rules) + " { background: rgba(255, 200, 40, .45); }"


def aligned_html(doc: Document, aligned: AlignedDocument | None = None, targets: Sequence[str] = (),
                 by: By = "paragraph", page: int = 1, page_size: int = PAGE_SIZE) -> str:
    """The table for one page. `aligned` may be None (source only) or partial (streaming)."""
    langs = [doc.lang, *[t for t in targets if t != doc.lang]]
    total = row_count(doc, by)
    pg = paginate(total, page, page_size)
    # (paragraph, sentence indexes) for each row of this page
    if by == "sentence":
        flat = [(p.index, i) for p in doc.paragraphs for i in range(len(p.sentences))]
        rows = [(p, [i]) for p, i in flat[pg.start:pg.end]]
    else:
        rows = [(p.index, list(range(len(p.sentences)))) for p in doc.paragraphs[pg.start:pg.end]]
    body = []
    for p, indexes in rows:
        para = doc.paragraphs[p]
        num = f"¶{p + 1}" if by == "paragraph" else f"¶{p + 1}.{indexes[0] + 1}"
        label = KIND_LABELS.get(para.kind, "")
        cells = [f'<td class="pl-num">{num}' + (f"<small>{label}</small>" if label else "") + "</td>",
                 f'<td class="pl-text" lang="{html.escape(doc.lang)}">{_source_cell(doc, p, indexes)}</td>']
        for lang in langs[1:]:
            cells.append(f'<td class="pl-text" lang="{html.escape(lang)}">{_target_cell(aligned, lang, p, indexes)}</td>')
        body.append(f'<tr class="pl-row pl-{html.escape(para.kind)}" data-p="{p}">' + "".join(cells) + "</tr>")
    head = '<th class="pl-num">#</th>' + "".join(
        f'<th lang="{html.escape(lang)}">{html.escape(language_name(lang))} <small>({html.escape(lang)})</small></th>'
        for lang in langs)
    max_sentences = max((len(ix) and max(ix) + 1 for _, ix in rows), default=0)
    attrs = (f'data-rows="{len(rows)}" data-total-rows="{total}" data-by="{by}" '
             f'data-page="{pg.number}" data-pages="{pg.pages}" data-langs="{html.escape(",".join(langs))}"')
    return (f'<div class="pl-aligned" {attrs}><style>{CSS}\n{_hover_css(max_sentences)}</style>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def low_confidence_count(aligned: AlignedDocument) -> int:
    return sum(1 for paras in aligned.translations.values() for sents in paras for t in sents if is_low(t))
