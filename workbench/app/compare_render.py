"""The Compare view's tables as escaped HTML (no Streamlit here, so they are unit-testable).

* `alignment_html`: one row per link of an `align.Alignment` -- link type, confidence, the English
  beside the translation; omitted (1-0), added (0-1), merged/split and low-confidence links are
  marked; with a `compare.CheckReport` each row also carries its issues and scores.
* `diff_html`: the most divergent paragraph pairs of a `compare.Comparison`, changes highlighted
  with `DIFF_CSS` (side by side or inline).
* `issues_html`: one row per check issue.

Every piece of user or model text goes through html.escape (the diff pieces through
`ParagraphDiff.html`, which escapes them) before it is put into the page.
"""

from __future__ import annotations

import html
from typing import Sequence

from workbench.align import Alignment, Link
from workbench.app.render import _KO_FONTS, _ZH_FONTS, FONT_STACK, paginate
from workbench.compare import CheckReport, CheckRow, ParagraphDiff
from workbench.langid import language_name

PAGE_SIZE = 50  # links or issues per page
LOW_CONFIDENCE = 0.5  # links below this posterior are marked
TYPE_LABELS = {"1-1": "", "2-1": "merged", "1-2": "split", "3-1": "merged", "1-3": "split", "2-2": "re-cut",
               "1-0": "omitted", "0-1": "added"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}

# the classes compare.diff_to_html puts on a diff (moved here from compare: styling is the app's)
DIFF_CSS = """
.pd-diff { line-height: 1.7; white-space: pre-wrap; }
.pd-diff del { background: #ffd7d5; color: #82071e; text-decoration: line-through; }
.pd-diff ins { background: #ccffd8; color: #055d20; text-decoration: none; }
.pd-diff del.pd-sub { background: #fff1c2; color: #6b4a00; }
.pd-diff ins.pd-sub { background: #dbeafe; color: #0a3069; }
"""

CSS = f"""
.pc-view {{ font-family: {FONT_STACK}; line-height: 1.65; font-size: .95rem; }}
.pc-view table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
.pc-view th {{ text-align: left; font-weight: 600; padding: .35rem .55rem; border-bottom: 2px solid rgba(128,128,128,.45);
  font-size: .85rem; }}
.pc-view td {{ vertical-align: top; padding: .45rem .55rem; border-bottom: 1px solid rgba(128,128,128,.2);
  overflow-wrap: anywhere; word-break: normal; }}
.pc-view :lang(ko) {{ font-family: "Source Sans", "Source Sans 3", {_KO_FONTS}, {_ZH_FONTS}, sans-serif; word-break: keep-all; }}
.pc-view :lang(zh) {{ font-family: "Source Sans", "Source Sans 3", {_ZH_FONTS}, {_KO_FONTS}, sans-serif; }}
.pc-view .pc-num {{ width: 5.2rem; color: rgba(128,128,128,.95); font-size: .78rem; font-variant-numeric: tabular-nums; }}
.pc-view .pc-link {{ width: 6.6rem; font-size: .8rem; font-variant-numeric: tabular-nums; }}
.pc-view .pc-score {{ width: 5.4rem; font-size: .8rem; font-variant-numeric: tabular-nums; }}
.pc-view .pc-sev {{ width: 5.6rem; }}
.pc-view .pc-where {{ width: 7.5rem; color: rgba(128,128,128,.95); font-size: .78rem; font-variant-numeric: tabular-nums; }}
.pc-view .pc-kind {{ width: 5.6rem; font-size: .85rem; }}
.pc-view .pc-sim {{ width: 7.4rem; font-size: .8rem; font-variant-numeric: tabular-nums; }}
.pc-view small {{ display: block; color: rgba(128,128,128,.95); font-size: .72rem; }}
.pc-badge {{ display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-size: .75rem; font-weight: 600;
  background: rgba(128,128,128,.16); white-space: nowrap; }}
.pc-b-2-1, .pc-b-1-2, .pc-b-3-1, .pc-b-1-3, .pc-b-2-2 {{ background: rgba(60,120,230,.16); color: rgb(30,80,180); }}
.pc-b-1-0 {{ background: rgba(220,50,50,.16); color: rgb(170,20,20); }}
.pc-b-0-1 {{ background: rgba(20,150,80,.16); color: rgb(10,110,60); }}
.pc-conf {{ display: block; margin-top: .15rem; }}
.pc-conf i {{ display: block; height: .22rem; border-radius: .11rem; background: rgba(40,160,90,.7); margin-top: .1rem; }}
.pc-low .pc-conf {{ color: rgb(190,95,0); font-weight: 600; }}
.pc-low .pc-conf i {{ background: rgba(230,120,0,.85); }}
.pc-view tr.pc-low td.pc-text {{ text-decoration: underline wavy rgba(230,120,0,.6); text-decoration-thickness: 1px;
  text-underline-offset: .3em; }}
.pc-view tr.pc-t-1-0 {{ background: rgba(220,50,50,.06); }}
.pc-view tr.pc-t-0-1 {{ background: rgba(20,150,80,.06); }}
.pc-view tr.pc-t-1-0 td:first-child {{ box-shadow: inset 3px 0 rgba(220,50,50,.75); }}
.pc-view tr.pc-t-0-1 td:first-child {{ box-shadow: inset 3px 0 rgba(20,150,80,.75); }}
.pc-view tr.pc-t-2-1 td:first-child, .pc-view tr.pc-t-1-2 td:first-child {{ box-shadow: inset 3px 0 rgba(60,120,230,.6); }}
.pc-missing {{ color: rgba(128,128,128,.9); font-style: italic; }}
.pc-flags {{ margin-top: .25rem; }}
.pc-flag {{ display: inline-block; margin: .1rem .25rem 0 0; padding: 0 .35rem; border-radius: .25rem; font-size: .75rem; }}
.pc-error {{ background: rgba(220,50,50,.14); color: rgb(160,20,20); }}
.pc-warning {{ background: rgba(230,150,0,.18); color: rgb(130,80,0); }}
.pc-note {{ background: rgba(128,128,128,.14); color: rgb(90,90,90); }}
.pc-drift {{ color: rgb(190,95,0); font-weight: 600; }}
.pc-legend {{ font-size: .8rem; color: rgba(128,128,128,.95); margin: 0 0 .35rem; }}
.pc-legend .pc-badge {{ margin-right: .2rem; }}
.pc-diff-row td {{ border-bottom: none; padding-bottom: .15rem; }}
.pc-diff-head td {{ padding-top: .7rem; font-size: .8rem; color: rgba(128,128,128,.95); border-bottom: none; }}
.pc-diff-head b {{ color: inherit; font-weight: 600; }}
{DIFF_CSS}
"""


def _span(idx: Sequence[int], mark: str = "¶") -> str:
    """1-based unit numbers for people: ¶5, ¶5–6 (s5 for sentences); — for none."""
    if not idx:
        return "—"
    return f"{mark}{idx[0] + 1}" if len(idx) == 1 else f"{mark}{idx[0] + 1}–{idx[-1] + 1}"


def _badge(link_type: str) -> str:
    label = TYPE_LABELS.get(link_type, "")
    return (f'<span class="pc-badge pc-b-{html.escape(link_type)}">{html.escape(link_type)}'
            f'{" " + label if label else ""}</span>')


def is_low(link: Link) -> bool:
    return link.confidence < LOW_CONFIDENCE


def _flags(row: CheckRow | None) -> str:
    if row is None or not row.issues:
        return ""
    issues = sorted(row.issues, key=lambda i: SEVERITY_ORDER.get(i.severity, 3))
    parts = [f'<span class="pc-flag pc-{html.escape(i.severity)}" title="{html.escape(i.message)}">'
             f'{html.escape(i.kind)}: {html.escape(i.message)}</span>' for i in issues if i.kind not in ("omitted", "added")]
    return f'<div class="pc-flags">{"".join(parts)}</div>' if parts else ""


def _scores(row: CheckRow | None, metrics: bool, round_trip: bool) -> str:
    bits = []
    if metrics:
        m = row.metrics if row is not None else None
        bits.append(f"chrF {m['chrf']:.1f}<small>BLEU {m['bleu']:.1f}</small>" if m else '<span class="pc-missing">—</span>')
    if round_trip:
        rt = row.round_trip if row is not None else None
        if rt is None:
            bits.append('<small>round trip —</small>')
        else:
            cls = ' class="pc-drift"' if rt.drift else ""
            bits.append(f'<small{cls} title="{html.escape(rt.back)}">round trip {rt.chrf:.0f}'
                        f'{" · drift?" if rt.drift else ""}</small>')
    return "".join(bits)


def legend_html() -> str:
    """What the marks of the alignment table mean (drawn above it)."""
    return ('<p class="pc-legend">'
            f'{_badge("2-1")} two English units in one (3-1: three) · {_badge("1-2")} one in two (1-3: three) · '
            f'{_badge("1-0")} no counterpart in the translation · {_badge("0-1")} not in the English · '
            f'<span class="pc-low"><span class="pc-conf" style="display:inline">confidence &lt; {LOW_CONFIDENCE}</span></span>'
            ' low confidence, wavy underline: check this link by eye</p>')


def alignment_html(alignment: Alignment, report: CheckReport | None = None, page: int = 1,
                   page_size: int = PAGE_SIZE) -> str:
    """The links of one page: #, link type and confidence, English, translation (and scores)."""
    lang = alignment.lang
    links = alignment.links
    pg = paginate(len(links), page, page_size)
    rows_by_link = list(report.rows) if report is not None and len(report.rows) == len(links) else None
    metrics = bool(rows_by_link) and any(r.metrics for r in rows_by_link)
    round_trip = bool(rows_by_link) and any(r.round_trip for r in rows_by_link)
    mark = "¶" if alignment.unit == "paragraph" else "s"
    body = []
    for k in range(pg.start, pg.end):
        link = links[k]
        row = rows_by_link[k] if rows_by_link else None
        en, tr = alignment.texts(link)
        low = is_low(link)
        classes = f"pc-row pc-t-{link.type}" + (" pc-low" if low else "")
        conf = (f'<span class="pc-conf" title="posterior probability of this link">{link.confidence:.2f}'
                f'{" low" if low else ""}<i style="width:{max(4, round(link.confidence * 100))}%"></i></span>')
        en_cell = html.escape(en) if link.src else '<span class="pc-missing">— not in the English (added) —</span>'
        tr_cell = (html.escape(tr) if link.tgt
                   else '<span class="pc-missing">— no counterpart in the translation (omitted) —</span>')
        num = f"{k + 1}<small>{_span(link.src, mark)} → {_span(link.tgt, mark)}</small>"
        cells = [f'<td class="pc-num">{num}</td>', f'<td class="pc-link">{_badge(link.type)}{conf}</td>',
                 f'<td class="pc-text" lang="{html.escape(alignment.src_lang)}">{en_cell}</td>',
                 f'<td class="pc-text" lang="{html.escape(lang)}">{tr_cell}{_flags(row)}</td>']
        if metrics or round_trip:
            cells.append(f'<td class="pc-score">{_scores(row, metrics, round_trip)}</td>')
        body.append(f'<tr class="{classes}" data-link="{k}" data-type="{html.escape(link.type)}" '
                    f'data-src="{",".join(map(str, link.src))}" data-tgt="{",".join(map(str, link.tgt))}" '
                    f'data-confidence="{link.confidence:.4f}">' + "".join(cells) + "</tr>")
    head = ('<th class="pc-num">#</th><th class="pc-link">link</th>'
            f'<th>{html.escape(language_name(alignment.src_lang))}</th><th>{html.escape(language_name(lang))}</th>')
    if metrics or round_trip:
        head += '<th class="pc-score">scores</th>'
    counts = ",".join(f"{t}:{n}" for t, n in alignment.counts().items())
    attrs = (f'data-rows="{pg.end - pg.start}" data-total-rows="{len(links)}" data-page="{pg.number}" '
             f'data-pages="{pg.pages}" data-lang="{html.escape(lang)}" data-unit="{alignment.unit}" '
             f'data-counts="{counts}"')
    return (f'<div class="pc-view pc-align" {attrs}><style>{CSS}</style>{legend_html()}'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def diff_html(diffs: Sequence[ParagraphDiff], lang: str, a_label: str, b_label: str, inline: bool = False,
              english: Sequence[str] | None = None) -> str:
    """The given paragraph pairs (most divergent first), A = the machine translation or second
    version, B = the translation being checked. With `english` (A's paragraphs are the English
    paragraphs' machine translations, one to one) the English is shown too."""
    show_en = english is not None and not inline
    body = []
    for rank, d in enumerate(diffs, 1):
        c = d.counts
        en = ""
        if english is not None and d.link.src:
            en = " ".join(english[i] for i in d.link.src if i < len(english))
        changes = f"{c['replace']} substituted, {c['insert']} inserted, {c['delete']} deleted"
        head = (f'<b>{rank}.</b> {html.escape(a_label)} {_span(d.link.src)} ↔ {html.escape(b_label)} '
                f'{_span(d.link.tgt)} · {_badge(d.type)} · similarity {d.similarity:.0%} · {changes}')
        if inline:
            cells = [f'<td class="pc-text" lang="{html.escape(lang)}">{d.html("both")}</td>']
            if english is not None:
                cells.insert(0, f'<td class="pc-text" lang="en">{html.escape(en)}</td>')
        else:
            a = d.html("a") if d.a else '<span class="pc-missing">— none —</span>'
            b = d.html("b") if d.b else '<span class="pc-missing">— none —</span>'
            cells = [f'<td class="pc-text" lang="{html.escape(lang)}">{a}</td>',
                     f'<td class="pc-text" lang="{html.escape(lang)}">{b}</td>']
            if show_en:
                cells.insert(0, f'<td class="pc-text" lang="en">{html.escape(en)}</td>')
        ncols = len(cells)
        body.append(f'<tr class="pc-diff-head pc-t-{d.type}"><td colspan="{ncols}">{head}</td></tr>')
        body.append(f'<tr class="pc-diff-row pc-t-{d.type}" data-rank="{rank}" data-a="{",".join(map(str, d.link.src))}" '
                    f'data-b="{",".join(map(str, d.link.tgt))}" data-similarity="{d.similarity:.4f}">'
                    + "".join(cells) + "</tr>")
    if inline:
        head = (("<th>English</th>" if english is not None else "")
                + f"<th>{html.escape(a_label)} → {html.escape(b_label)} "
                  "<small>(struck through: only in the first; underlined colour: only in the second)</small></th>")
    else:
        head = (("<th>English</th>" if show_en else "")
                + f"<th>{html.escape(a_label)}</th><th>{html.escape(b_label)}</th>")
    return (f'<div class="pc-view pc-diffs" data-rows="{len(diffs)}" data-mode="{"inline" if inline else "side"}">'
            f'<style>{CSS}</style><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def issue_rows(report: CheckReport) -> list[tuple[CheckRow, object]]:
    """(row, issue) pairs, errors first, then warnings and notes; document order within each."""
    return sorted(report.issues, key=lambda ri: SEVERITY_ORDER.get(ri[1].severity, 3))


def issues_html(report: CheckReport, page: int = 1, page_size: int = PAGE_SIZE) -> str:
    items = issue_rows(report)
    pg = paginate(len(items), page, page_size)
    lang = report.lang
    body = []
    for row, issue in items[pg.start:pg.end]:
        text = row.version or row.en
        tl = lang if row.version else "en"
        excerpt = text if len(text) <= 140 else text[:139] + "…"
        body.append(f'<tr class="pc-issue pc-i-{html.escape(issue.severity)}" data-kind="{html.escape(issue.kind)}" '
                    f'data-severity="{html.escape(issue.severity)}">'
                    f'<td class="pc-where">{_span(row.link.src)} → {_span(row.link.tgt)}</td>'
                    f'<td class="pc-sev"><span class="pc-flag pc-{html.escape(issue.severity)}">'
                    f'{html.escape(issue.severity)}</span></td>'
                    f'<td class="pc-kind">{html.escape(issue.kind)}</td>'
                    f'<td>{html.escape(issue.message)}<small lang="{html.escape(tl)}">{html.escape(excerpt)}</small></td></tr>')
    head = ('<th class="pc-where">English → version</th><th class="pc-sev">severity</th><th class="pc-kind">check</th>'
            "<th>what was found</th>")
    attrs = (f'data-rows="{pg.end - pg.start}" data-total-rows="{len(items)}" data-page="{pg.number}" '
             f'data-pages="{pg.pages}"')
    return (f'<div class="pc-view pc-issues" {attrs}><style>{CSS}</style>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
