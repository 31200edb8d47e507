"""Text PDFs to paragraphs, by layout: pypdf hands over each text run with its position and size
(its public visitor), and the page is rebuilt from geometry, not from the order the file draws it.

- lines are runs on one baseline; columns are found from the gutter the lines leave free, and read
  left column first whatever order the file draws them in; a line crossing the gutter (a title, a
  full-width figure caption) is read where it stands;
- running headers and footers (the top and bottom lines of a page that repeat across pages, digits
  ignored) and page numbers are dropped wherever the file draws them, and so are line numbers in the
  margin and rotated text (arXiv stamps, margin notes);
- small text at the bottom of a column is a footnote ("note"), read after the paragraph it falls in;
  a line in a larger font than the body is a heading ("title"), a paragraph of its own;
- a line with wide gaps between its runs is a table row: one "cell" per run, a row's cells in order;
- paragraphs are re-joined from lines by vertical gaps, indents and short last lines, across columns
  and pages; a word broken at a line end is re-joined ("deci-" + "sion") unless the hyphen is a real
  one ("well-known", "737-9"); ligatures (ﬁ, ﬃ) are spelled out.

The work per document is bounded before it is done: the page count is read from the page tree's
/Count (and the tree walk stops at the limit), decoded content bytes are counted against a budget,
each shared content stream is decoded and parsed once, and a time budget (limits.work_budget) is
checked as runs come in, so a hostile file is refused with one line instead of burning a CPU.
"""

from __future__ import annotations

import io
import math
import re
import statistics
from dataclasses import dataclass, field

from ..errors import BadInput
from . import limits
from .model import Kind
from .text import _LIST_ITEM, classify

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$",
                          re.IGNORECASE)
_NOTE_MARK = re.compile(r"^\s*[\d*†‡§,]{1,6}\s*$")
_LINE_NUMBER = re.compile(r"^\d{1,4}$")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
                            "\u00a0": " ", "\u2028": " ", "\u2029": " "})
_HYPHENS = ("-", "\u00ad", "\u2010")
_SENTENCE_END = re.compile(r"[.!?:;。！？][\"'”’)\]]*$")
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
# Compound words whose first part is a word of its own: a line-end hyphen after one is kept.
_COMPOUND_HEADS = {"well", "self", "non", "ill", "half", "high", "low", "long", "short", "cross", "full", "all",
                   "two", "three", "four", "five", "ten", "first", "second", "third", "one", "so", "far",
                   "open", "state", "world", "real", "large", "small", "user", "time", "end", "top", "case",
                   "data", "built", "best", "old", "year", "day", "per", "anti", "post", "pre", "co", "ex",
                   "semi", "multi", "cost", "fine", "hand", "mid", "near", "quasi", "wide", "free"}
_WHITESPACE_RUN = re.compile(rb"[\t\n\x0c\r ]{256,}")


@dataclass
class _Run:
    """A piece of text the file draws at one place, in page space (y grows upwards)."""
    x0: float
    x1: float
    y: float
    size: float
    text: str
    seq: int = 0  # its place in the order the file draws


@dataclass
class _Line:
    runs: list[_Run]
    kind: str = "body"  # "body", "cell" (a table row), "title", "note"

    @property
    def x0(self) -> float:
        return self.runs[0].x0

    @property
    def x1(self) -> float:
        return self.runs[-1].x1

    @property
    def y(self) -> float:
        return self.runs[0].y

    @property
    def size(self) -> float:
        return max(r.size for r in self.runs)

    @property
    def text(self) -> str:
        return _join_runs(self.runs)


@dataclass
class _Page:
    lines: list[_Line] = field(default_factory=list)


def paragraphs(data: bytes, name: str) -> tuple[list[str], list[Kind]]:
    """Paragraphs of a text PDF read by layout (see the module docstring) with their kinds."""
    pages = _read_pages(data, name)
    if not any(p.lines for p in pages):
        raise BadInput(f"{name}: has no text layer (scanned?); OCR it first")
    _drop_running_lines(pages)
    body = _body_size(pages)
    blocks: list[tuple[str, list[_Line]]] = []  # (kind, lines) in reading order; notes apart
    notes_per_page: list[list[_Line]] = []
    for page in pages:
        ordered, notes = _reading_order(page.lines, body)
        notes_per_page.append(notes)
        blocks.append(("page", ordered))
    return _assemble(blocks, notes_per_page, body)


# ---------------------------------------------------------------- reading the file


def _read_pages(data: bytes, name: str) -> list[_Page]:
    import logging

    try:
        from pypdf import PdfReader
        from pypdf.errors import LimitReachedError, PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a pinned requirement
        raise BadInput(f"{name}: reading PDF needs the pypdf package (pip install pypdf)") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about sloppy PDFs are not ours to show
    budget = limits.current_budget()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # "encrypted" with an empty password: only permissions
            except Exception:
                opened = 0
            if not opened:
                raise BadInput(f"{name}: is encrypted (password protected); save a copy without the password")
        _check_page_count(reader, name)
        pages: list[_Page] = []
        state = _State(name, budget)
        for page in reader.pages:
            budget.check(name)
            pages.append(_page_lines(page, reader, state))
        return pages
    except BadInput:
        raise
    except LimitReachedError as exc:
        raise BadInput(f"{name}: refused as unsafe: {exc}") from None
    except PdfReadError as exc:
        raise BadInput(f"{name}: not a readable PDF ({exc})") from None
    except RecursionError:
        raise BadInput(f"{name}: not a readable PDF (nested too deeply)") from None
    except MemoryError:
        raise BadInput(f"{name}: not a readable PDF (it needs more memory than a document may use)") from None
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise BadInput(f"{name}: not a readable PDF ({exc.__class__.__name__}: {exc})") from None


def _check_page_count(reader, name: str) -> None:
    """Refuse too many pages before any page is loaded: first the page tree's declared /Count, then
    a walk of the tree that stops as soon as it passes the limit (a /Count can lie) or meets a node twice."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    root = reader.trailer["/Root"].get_object()
    tree = root["/Pages"]
    declared = tree.get_object().get("/Count")
    if isinstance(declared, int) and declared > limits.MAX_PDF_PAGES:
        raise BadInput(f"{name}: has {declared} pages; the limit is {limits.MAX_PDF_PAGES}, split it")
    seen: set[tuple[int, int]] = set()
    stack = [tree]
    leaves = nodes = 0
    while stack:
        ref = stack.pop()
        if isinstance(ref, IndirectObject):
            key = (ref.idnum, ref.generation)
            if key in seen:
                raise BadInput(f"{name}: not a readable PDF (its page tree loops back on itself)")
            seen.add(key)
        node = ref.get_object()
        nodes += 1
        if nodes > 4 * limits.MAX_PDF_PAGES + 100:
            raise BadInput(f"{name}: not a readable PDF (its page tree has over {nodes:,} nodes)")
        if not isinstance(node, DictionaryObject):
            continue
        kids = node.get("/Kids")
        if isinstance(kids, IndirectObject):
            kids = kids.get_object()
        if node.get("/Type") == "/Pages" or isinstance(kids, ArrayObject):
            if isinstance(kids, ArrayObject):
                stack.extend(reversed(list(kids)))
        else:
            leaves += 1
            if leaves > limits.MAX_PDF_PAGES:
                raise BadInput(f"{name}: has more than {limits.MAX_PDF_PAGES} pages; the limit is "
                               f"{limits.MAX_PDF_PAGES}, split it")


class _State:
    """What one document's pages share: the content streams already decoded, the bytes decoded so
    far, fonts' widths, and the budget."""

    def __init__(self, name: str, budget: "limits.WorkBudget") -> None:
        self.name = name
        self.budget = budget
        self.decoded = 0
        self.streams: dict[tuple, object] = {}
        self.fonts: dict[int, object] = {}


def _page_contents(page, reader, state: _State):
    """The page's content as one parsed ContentStream, decoded once per distinct stream (pages
    sharing a stream share the result), counted against the document's content budget; long runs
    of whitespace (padding that costs the parser time and holds no text) are squeezed first."""
    from pypdf.generic import ArrayObject, ContentStream, DecodedStreamObject, IndirectObject, StreamObject

    ref = page.get("/Contents")
    if ref is None:
        return None
    obj = ref.get_object()
    refs = list(obj) if isinstance(obj, ArrayObject) else [ref]
    if len(refs) > limits.MAX_PDF_PAGE_STREAMS:
        raise BadInput(f"{state.name}: a page is drawn from {len(refs):,} content streams; the limit is "
                       f"{limits.MAX_PDF_PAGE_STREAMS:,} (refused as unsafe)")
    key = tuple((r.idnum, r.generation) if isinstance(r, IndirectObject) else id(r) for r in refs)
    if key in state.streams:
        return state.streams[key]
    parts = []
    for r in refs:
        s = r.get_object()
        if not isinstance(s, StreamObject):
            continue
        chunk = s.get_data()
        state.decoded += len(chunk)
        if state.decoded > limits.MAX_PDF_CONTENT_BYTES:
            raise BadInput(f"{state.name}: its pages hold more than {limits.MAX_PDF_CONTENT_BYTES // 2**20} MB of "
                           f"drawing instructions; the limit is {limits.MAX_PDF_CONTENT_BYTES // 2**20} MB "
                           f"(refused as unsafe; split it)")
        parts.append(chunk)
        state.budget.check(state.name)
    stream = DecodedStreamObject()
    stream.set_data(_WHITESPACE_RUN.sub(b"\n", b"\n".join(parts)))
    content = ContentStream(stream, reader, "bytes")
    content.operations  # noqa: B018 - parse now, once, so every page sharing it reuses the parse
    state.streams[key] = content
    state.budget.check(state.name)
    return content


def _page_lines(page, reader, state: _State) -> _Page:
    from pypdf.generic import NameObject

    content = _page_contents(page, reader, state)
    if content is None:
        return _Page()
    page[NameObject("/Contents")] = content  # the parsed, shared stream is what extraction reads
    runs: list[_Run] = []
    budget = state.budget

    def visit(text: str, cm, tm, font, size) -> None:
        budget.check(state.name)
        if not text or not text.strip():
            return
        m = _mult(tm, cm)
        if abs(m[1]) > 1e-3 * abs(m[0]) + 1e-6 or m[0] <= 0:
            skipped.append(text)  # rotated or mirrored text: margin stamps, axis labels
            return
        scale_y = math.hypot(m[2], m[3]) or 1.0
        scale_x = math.hypot(m[0], m[1]) or 1.0
        height = (size or 1.0) * scale_y
        text = text.replace("\n", " ").translate(_LIGATURES)
        width = _text_width(text, font, state) * (size or 1.0) * scale_x
        runs.append(_Run(m[4], m[4] + width, m[5], height, text, len(runs)))

    skipped: list[str] = []
    page.extract_text(visitor_text=visit)
    if not runs and any(t.strip() for t in skipped):
        # a page drawn rotated or through a degenerate matrix: no usable geometry, so its text is
        # read in the order it is drawn, one line per line break
        lines = " ".join(t.translate(_LIGATURES) if t != "\n" else "\n" for t in skipped).split("\n")
        runs = [_Run(0.0, 5.0 * len(t), -12.0 * i, 10.0, " ".join(t.split()), i)
                for i, t in enumerate(lines) if t.strip()]
    return _Page(_lines(runs))


def _mult(a, b) -> list[float]:
    """The product of two PDF matrices [a b c d e f]."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _text_width(text: str, font, state: _State) -> float:
    """Width of `text` in text space units of a 1-point font, from the font's widths (pypdf's
    Font), or half an em a character where the font says nothing."""
    if font is None:
        return 0.5 * len(text)
    key = id(font)
    f = state.fonts.get(key)
    if f is None:
        try:
            from pypdf.generic._font import Font

            f = Font.from_font_resource(font)
        except Exception:
            f = False
        state.fonts[key] = f
    if not f:
        return 0.5 * len(text)
    try:
        w = f.get_text_width(text) / 1000.0
    except Exception:
        return 0.5 * len(text)
    return w if w > 0 else 0.5 * len(text)


def _join_runs(runs: list[_Run]) -> str:
    out = runs[0].text
    for prev, run in zip(runs, runs[1:]):
        gap = run.x0 - prev.x1
        if gap > 0.12 * max(prev.size, run.size) and not out.endswith(" ") and not run.text.startswith(" "):
            out += " "
        out += run.text
    return " ".join(out.split())


def _lines(runs: list[_Run]) -> list[_Line]:
    """Runs to lines: runs on one baseline (a superscript may sit a little above it) that touch or
    are a word space apart; a wide gap starts another piece of the line (a table cell, the other column)."""
    if len(runs) > limits.MAX_PDF_PAGE_RUNS:
        runs = runs[: limits.MAX_PDF_PAGE_RUNS]
    runs = sorted(runs, key=lambda r: (-round(r.y, 0), r.x0))
    # group by baseline first (tolerance: a third of the size), then split at wide gaps
    rows: list[list[_Run]] = []
    for r in runs:
        if rows:
            first = rows[-1][0]
            big = max(r.size, first.size)
            small_raised = min(r.size, first.size) < 0.85 * big  # a superscript or subscript
            if abs(first.y - r.y) <= (0.5 if small_raised else 0.35) * big:
                rows[-1].append(r)
                continue
        rows.append([r])
    lines: list[_Line] = []
    for row in rows:
        main = max(r.size for r in row)
        base = statistics.median(r.y for r in row if r.size == main)
        if len(row) > 1:  # note markers raised in small type ("entertained.¹") are not text to translate
            row = [r for r in row if not (r.size < 0.85 * main and r.y - base > 0.15 * main
                                          and _NOTE_MARK.match(r.text))] or row
        row.sort(key=lambda r: r.x0)
        pieces: list[list[_Run]] = [[row[0]]]
        for r in row[1:]:
            prev = pieces[-1][-1]
            size = max(prev.size, r.size)
            gap = r.x0 - prev.x1
            drawn_apart = abs(r.seq - prev.seq) > 1  # another column is drawn apart, a word next to its neighbours
            numbered = len(pieces[-1]) == 1 and _LINE_NUMBER.match(prev.text.strip()) is not None
            # (a justified line's natural width overshoots its real end by up to an em or so)
            if gap > 1.0 * size or (drawn_apart and gap > -1.5 * size) or r.x0 < prev.x0 - 0.5 * size \
                    or (numbered and gap > 0.5 * size):  # a line number set before its line
                pieces.append([r])
            else:
                pieces[-1].append(r)
        for piece in pieces:
            lines.append(_Line(piece))
    # a line's pieces on one baseline: a table row when they are several and none is a long text line
    return [ln for ln in lines if ln.text]


# ---------------------------------------------------------------- page structure


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).lower()


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove page numbers, running headers and footers (by position: the top and bottom lines of
    each page, whatever order the file draws them in; by repetition across pages, digits ignored)
    and line numbers in the margins."""
    def edges(page: _Page) -> list[_Line]:
        if not page.lines:
            return []
        ys = sorted({round(ln.y) for ln in page.lines})
        top, bottom = set(ys[-2:]), set(ys[:2])
        return [ln for ln in page.lines if round(ln.y) in top | bottom]

    repeated: set[str] = set()
    if len(pages) >= 2:
        counts: dict[str, int] = {}
        for page in pages:
            for k in {_key(ln.text) for ln in edges(page)}:
                counts[k] = counts.get(k, 0) + 1
        need = max(2, math.ceil(0.4 * len(pages)))
        repeated = {k for k, n in counts.items() if n >= need and k and len(k) < 200}
    kept = []
    for page in pages:
        edge = {id(ln) for ln in edges(page)}
        kept.append([ln for ln in page.lines if not (id(ln) in edge and (
            _PAGE_NUMBER.match(ln.text) or _key(ln.text) in repeated))])
    if any(kept):  # pages that hold nothing but one repeated line: that line is the text
        for page, lines in zip(pages, kept):
            page.lines = lines
    for page in pages:
        _drop_line_numbers(page)


def _drop_line_numbers(page: _Page) -> None:
    """Numbers standing alone in a margin, one per text line (a numbered manuscript)."""
    numbers = [ln for ln in page.lines if _LINE_NUMBER.match(ln.text)]
    if len(numbers) < 5:
        return
    text = [ln for ln in page.lines if not _LINE_NUMBER.match(ln.text)]
    if not text:
        return
    left = min(ln.x0 for ln in text)
    right = max(ln.x1 for ln in text)
    margin = {id(ln) for ln in numbers if ln.x1 <= left + 1 or ln.x0 >= right - 1}
    if len(margin) >= 5:
        page.lines = [ln for ln in page.lines if id(ln) not in margin]


def _body_size(pages: list[_Page]) -> float:
    """The font size most of the text is set in (weighted by characters)."""
    counts: dict[float, int] = {}
    for page in pages:
        for ln in page.lines:
            s = round(ln.size, 1)
            counts[s] = counts.get(s, 0) + len(ln.text)
    return max(counts, key=counts.__getitem__) if counts else 10.0


def _reading_order(lines: list[_Line], body: float) -> tuple[list[_Line], list[_Line]]:
    """The page's lines in reading order, and its footnotes (small type below the body text of a
    column), each list top to bottom."""
    ordered = _columns(lines, depth=0)
    for ln in ordered:
        if ln.size > 1.08 * body and len(ln.text) < 200:
            ln.kind = "title"
    notes = _footnotes(ordered, body)
    note_ids = {id(n) for n in notes}
    return [ln for ln in ordered if id(ln) not in note_ids], notes


def _columns(lines: list[_Line], depth: int) -> list[_Line]:
    """Lines in reading order: when the lines leave a vertical gutter free (lines crossing it
    aside), the page is read section by section (sections end at a crossing line), each section's
    left side before its right side; otherwise top to bottom, rows left to right."""
    top_down = sorted(lines, key=lambda ln: (-round(ln.y), ln.x0))
    if depth > 3 or len(lines) < 6:
        return _mark_rows(top_down)
    gutter = _gutter(lines)
    if gutter is None:
        return _mark_rows(top_down)
    a, b = gutter
    out: list[_Line] = []
    section: list[_Line] = []
    for ln in top_down:
        if ln.x0 < a and ln.x1 > b:  # crosses the gutter: ends a section
            out.extend(_split_section(section, a, b, depth))
            section = []
            out.append(ln)
        else:
            section.append(ln)
    out.extend(_split_section(section, a, b, depth))
    return out


def _split_section(section: list[_Line], a: float, b: float, depth: int) -> list[_Line]:
    left = [ln for ln in section if ln.x1 <= b]
    right = [ln for ln in section if ln.x1 > b]
    return _columns(left, depth + 1) + _columns(right, depth + 1) if left and right else \
        _mark_rows(sorted(section, key=lambda ln: (-round(ln.y), ln.x0)))


def _gutter(lines: list[_Line]) -> tuple[float, float] | None:
    """The widest vertical strip in the middle of the text that at most a few lines cross and with
    text on both sides, unless the lines on either side pair up on shared baselines as a table's
    cells do (text columns are drawn one after the other)."""
    x0 = min(ln.x0 for ln in lines)
    x1 = max(ln.x1 for ln in lines)
    width = x1 - x0
    if width <= 0:
        return None
    size = statistics.median(ln.size for ln in lines)
    step = max(1.0, size / 4)
    best: tuple[float, float] | None = None
    allowed = max(1, len(lines) // 12)
    x = x0 + 0.2 * width
    start = None
    while x <= x1 - 0.2 * width:
        crossing = sum(1 for ln in lines if ln.x0 < x < ln.x1)
        if crossing <= allowed:
            start = x if start is None else start
        else:
            if start is not None and (best is None or x - start > best[1] - best[0]):
                best = (start, x)
            start = None
        x += step
    if start is not None and (best is None or x - start > best[1] - best[0]):
        best = (start, x)
    if best is None or best[1] - best[0] < 0.6 * size:
        return None
    a, b = best
    left = [ln for ln in lines if ln.x1 <= b and not (ln.x0 < a and ln.x1 > b)]
    right = [ln for ln in lines if ln.x0 >= a and not (ln.x0 < a and ln.x1 > b)]
    if len(left) < 3 or len(right) < 3:
        return None
    # table or column? columns carry long lines of prose on both sides
    def prose(side: list[_Line]) -> bool:
        return statistics.median(len(ln.text) for ln in side) >= 25
    if not (prose(left) and prose(right)):
        return None
    return best


def _mark_rows(lines: list[_Line]) -> list[_Line]:
    """Lines sharing a baseline with another line of this block are a table row: cells."""
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and round(lines[j + 1].y) == round(lines[i].y):
            j += 1
        if j > i:
            for ln in lines[i:j + 1]:
                ln.kind = "cell"
        i = j + 1
    return lines


def _footnotes(lines: list[_Line], body: float) -> list[_Line]:
    """Lines in smaller type than the body that end a column (nothing in body type below them)."""
    result: list[_Line] = []
    blocks: list[list[_Line]] = [[]]
    for ln in lines:
        if blocks[-1] and ln.y > blocks[-1][-1].y + 2 * body:  # jumped back up: another column
            blocks.append([])
        blocks[-1].append(ln)
    for block in blocks:
        tail: list[_Line] = []
        for ln in reversed(block):
            if ln.size < 0.92 * body and ln.kind != "cell":
                tail.append(ln)
            else:
                break
        if tail and len(tail) < len(block):
            lowest_body = min(ln.y for ln in block if ln not in tail)
            if all(ln.y < lowest_body for ln in tail):
                result.extend(reversed(tail))
    for ln in result:
        ln.kind = "note"
    return result


# ---------------------------------------------------------------- paragraphs


def _assemble(blocks: list[tuple[str, list[_Line]]], notes_per_page: list[list[_Line]],
              body: float) -> tuple[list[str], list[Kind]]:
    """Lines to paragraphs across columns and pages; a page's notes follow the paragraph that is
    open at the end of that page (so they never cut a sentence)."""
    vocab = _vocabulary(blocks, notes_per_page)
    texts: list[str] = []
    kinds: list[Kind] = []
    current: list[_Line] = []
    pending: list[_Line] = []

    def close() -> None:
        if current:
            kind = current[0].kind if current[0].kind in ("title", "cell") else "body"
            texts.append(_dehyphenate_join([ln.text for ln in current], vocab))
            kinds.append(kind)  # type: ignore[arg-type]
            current.clear()
        if pending:
            for para in _note_paragraphs(pending):
                texts.append(_dehyphenate_join(para, vocab))
                kinds.append("note")
            pending.clear()

    for page_no, (_, lines) in enumerate(blocks):
        width_of = _column_widths(lines)
        for ln in lines:
            if not current:
                current.append(ln)
                if ln.kind == "cell":
                    close()
                continue
            prev = current[-1]
            if ln.kind in ("cell", "title") or prev.kind in ("cell", "title") and ln.kind != prev.kind or \
                    not _continues(prev, ln, width_of):
                if not (ln.kind == "title" and prev.kind == "title" and 0 < prev.y - ln.y < 2.5 * ln.size):
                    close()
            current.append(ln)
            if ln.kind == "cell":
                close()
        pending.extend(notes_per_page[page_no])
        if pending and current and _ends_paragraph(current[-1], width_of):
            close()
    close()
    keep = [i for i, t in enumerate(texts) if t.strip()]
    texts, kinds = [texts[i] for i in keep], [kinds[i] for i in keep]
    guessed = classify(texts)  # headlines, datelines and captions set in body type
    return texts, [g if k == "body" else k for k, g in zip(kinds, guessed)]


def _column_widths(lines: list[_Line]):
    """For a line, the right edge of the text column it sits in (the furthest right edge of the
    lines that start near it)."""
    edges: list[tuple[float, float]] = []
    for ln in sorted(lines, key=lambda ln: ln.x0):
        if edges and abs(ln.x0 - edges[-1][0]) < 40:
            edges[-1] = (edges[-1][0], max(edges[-1][1], ln.x1))
        else:
            edges.append((ln.x0, ln.x1))

    def right_edge(ln: _Line) -> float:
        best = min(edges, key=lambda e: abs(e[0] - ln.x0))
        return best[1]
    return right_edge


def _ends_paragraph(ln: _Line, right_edge, nxt: _Line | None = None) -> bool:
    """Was the line broken on purpose? Yes when the next line's first word would have fitted in
    the room left at its end (ragged or justified text alike), or, without a next line, when
    that room is over two and a half ems."""
    room = right_edge(ln) - ln.x1
    if nxt is None:
        return room > 2.5 * ln.size
    if not _SENTENCE_END.search(ln.text):  # mid-sentence: only a line cut at half the column ends it
        return room > 0.5 * (right_edge(ln) - ln.x0)
    text = nxt.text
    first = text.split(" ", 1)[0]
    first_width = (nxt.x1 - nxt.x0) * len(first) / max(1, len(text))
    return room > first_width + 0.5 * ln.size


def _continues(prev: _Line, ln: _Line, right_edge) -> bool:
    """Does `ln` carry on the paragraph `prev` is in? Not after a short line, not past a gap of
    more than a line and a half, not at an indent, not for a list item."""
    if _LIST_ITEM.match(ln.text):
        return False
    if _ends_paragraph(prev, right_edge, ln):
        return False
    if abs(ln.size - prev.size) > 0.1 * prev.size:
        return False
    same_column = abs(ln.x0 - prev.x0) < 40 and prev.y > ln.y
    if same_column:
        if prev.y - ln.y > 1.9 * prev.size:
            return False
        if ln.x0 > prev.x0 + 0.8 * ln.size:  # first-line indent
            return False
    else:  # next column or page: an indent still starts a paragraph
        pass
    return True


def _note_paragraphs(lines: list[_Line]) -> list[list[str]]:
    """A page's footnote lines grouped into notes: a note starts with its marker (a number or a
    symbol set apart) or after a gap."""
    paras: list[list[str]] = []
    prev: _Line | None = None
    for ln in lines:
        text = ln.text
        starts = re.match(r"^(\d{1,3}|[*†‡§¶])\s*\S", text) is not None
        if prev is None or starts or prev.y - ln.y > 1.9 * ln.size or prev.y < ln.y:
            paras.append([text])
        else:
            paras[-1].append(text)
        prev = ln
    return paras


def _vocabulary(blocks, notes_per_page) -> set[str]:
    """Every word of the document as printed inside lines (not at their ends), lower-cased, for
    telling a broken word ("deci-sion": "decision" occurs elsewhere) from a compound."""
    words: set[str] = set()
    for _, lines in blocks:
        for ln in lines:
            for w in _WORD.findall(ln.text)[:-1]:
                words.add(w.lower())
    for notes in notes_per_page:
        for ln in notes:
            for w in _WORD.findall(ln.text)[:-1]:
                words.add(w.lower())
    return words


def _dehyphenate_join(lines: list[str], vocab: set[str]) -> str:
    """Join a paragraph's lines; a hyphen at a line end is dropped when it broke a word ("deci-" +
    "sion"), kept when it is part of the text ("well-" + "known", "737-" + "9", "Franco-" + "German")."""
    out = lines[0]
    for line in lines[1:]:
        if out.endswith(_HYPHENS) and len(out) > 1 and out[-2].isalpha():
            head_m = re.search(r"([^\W\d_]+)[-\u00ad\u2010]$", out)
            tail_m = re.match(r"([^\W\d_]+)", line)
            if out.endswith("\u00ad"):
                out = out[:-1] + line
            elif head_m and tail_m and line[0].islower():
                head, tail = head_m.group(1), tail_m.group(1)
                joined = (head + tail).lower()
                if f"{head}-{tail}".lower() in vocab:
                    out += line
                elif joined in vocab or head.lower() not in _COMPOUND_HEADS:
                    out = out[:-1] + line
                else:
                    out += line
            else:
                out += line
        else:
            out += " " + line
    return " ".join(out.split())
