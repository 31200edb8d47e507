"""PDFs laid out the way typesetters write them (issue 14 item 3): two justified columns with words
hyphenated at line ends, the right column drawn first, a running header and page numbers drawn at
odd places in the stream, footnotes in small type, headings in large type, line numbers in the
margin, ligature glyphs and a table; and hostile PDFs built at test time (issues 15.7, 18.4, 18.5)."""

import pytest

from workbench.documents import limits, read_bytes
from workbench.errors import BadInput
from workbench.testing import hostile

TIMES = "/Times-Roman"


def width(text: str, size: float) -> float:
    from pypdf.generic._font import Font

    font = Font.from_core_font_name(TIMES)
    return font.get_text_width(text.replace("\x01", "fi").replace("\x02", "ffi")) * size / 1000


def wrap(text: str, column: float, size: float) -> list[str]:
    """Greedy line filling with the font's real widths; "|" marks where a word may be hyphenated
    (as TeX's patterns would), a real hyphen is also a break point and stays at the line end."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = (line + " " + word.replace("|", "")).strip()
        if width(candidate, size) <= column:
            line = candidate
            continue
        parts = word.replace("-", "-|").split("|")
        for k in range(len(parts) - 1, 0, -1):
            head = "".join(parts[:k])
            head_line = (line + " " + head + ("" if head.endswith("-") else "-")).strip()
            if width(head_line, size) <= column:
                lines.append(head_line)
                line = "".join(parts[k:])
                break
        else:
            lines.append(line)
            line = word.replace("|", "")
    lines.append(line)
    return [ln for ln in lines if ln]


def esc(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def show(x: float, y: float, size: float, text: str) -> bytes:
    return b"BT /F1 %.2f Tf %.2f %.2f Td (" % (size, x, y) + esc(text) + b") Tj ET"


# Gold text. "\x01"/"\x02" are drawn with the fi/ffi ligature glyphs.
TITLE = "Budgets in Print"
LEFT_PARAS = [
    "The survey of local councils found that the deci|sion to publish budgets on|line was well-known "
    "among residents, and that most of the \x01|nan|cial tables were read at least once a month by some|one "
    "outside the council of|\x02ces.",
    "Our sample covered two hundred towns in four regions. Each town received the same questionnaire, "
    "and the answers were checked against the published ac|counts for the same year, line by line, by "
    "two readers working inde|pen|dently of each other.",
]
RIGHT_PARAS = [
    "The Boeing 737-9 grounding was the only news story that more readers recalled than the local "
    "budget, which sug|gests that budget news reaches people who follow local af|fairs closely and few "
    "others. We return to this point at the end of the report.",
]
FOOTNOTE = "1 The questionnaire is printed in the appendix of the full report."
TABLE = [["Region", "Towns", "Online budgets"], ["North", "48", "31"], ["South", "52", "40"]]
AFTER_TABLE = "Most towns that publish their budgets online also publish the minutes of council meetings."


def plain(text: str) -> str:
    return text.replace("|", "").replace("\x01", "fi").replace("\x02", "ffi")


def two_column_pdf() -> bytes:
    """Page 1: a large title across both columns, then two columns of 10-point justified-width lines
    (the right column drawn before the left one), a footnote in 8 point at the foot of the left
    column, line numbers in the left margin, the running header drawn last and the page number
    drawn first. Page 2: a heading, a table of three rows and a paragraph."""
    size, lead, col = 10.0, 12.0, 216.0
    left_x, right_x, top = 72.0, 324.0, 680.0
    header = show(72, 750, 9, "Journal of Civic Studies, Volume 3")
    ops1 = [show(300, 40, 9, "1")]  # the page number, drawn first
    y = top
    for para in RIGHT_PARAS:  # the right column, drawn first
        for i, line in enumerate(wrap(para, col - 12, size)):
            ops1.append(show(right_x + (12 if i == 0 else 0), y, size, line))
            y -= lead
    y = top
    n = 1
    for para in LEFT_PARAS:
        for i, line in enumerate(wrap(para, col - 12, size)):
            ops1.append(show(left_x + (12 if i == 0 else 0), y, size, line))
            ops1.append(show(50, y, 7, str(n)))  # line numbers in the margin
            n += 1
            y -= lead
    ops1.append(show(left_x, 90, 8, FOOTNOTE))
    ops1.append(show(180, 720, 18, TITLE))
    ops1.append(header)  # the running header, drawn last
    ops2 = [header, show(72, 700, 14, "Results")]
    y = 670
    for row in TABLE:
        for x, text in zip((72, 220, 380), row):
            ops2.append(show(x, y, size, text))
        y -= 16
    ops2.append(show(72, y - 10, size, AFTER_TABLE))
    ops2.append(show(300, 40, 9, "2"))
    return hostile.write_pdf([b"\n".join(ops1), b"\n".join(ops2)], font=TIMES, ligatures=True)


def test_two_column_pdf_reads_in_order_with_notes_titles_cells_and_no_running_lines():
    doc = read_bytes(two_column_pdf(), "journal.pdf")
    got = [(p.kind, p.text) for p in doc.paragraphs]
    expected = [("title", TITLE)] + [("body", plain(p)) for p in LEFT_PARAS + RIGHT_PARAS]
    expected += [("note", FOOTNOTE)]  # after the paragraph open at the page's end: it never cuts a sentence
    expected += [("title", "Results")] + [("cell", c) for row in TABLE for c in row] + [("body", AFTER_TABLE)]
    assert got == expected


def test_line_end_hyphen_kept_when_real():
    text = " ".join(t for _, t in [(p.kind, p.text) for p in read_bytes(two_column_pdf(), "j.pdf").paragraphs])
    assert "decision" in text and "well-known" in text and "737-9" in text and "financial" in text
    assert "ﬁ" not in text and "ﬃ" not in text and "deci-" not in text


# ---------------------------------------------------------------- hostile PDFs (15.7, 18.4, 18.5)


def test_hundred_thousand_empty_pages_are_refused_from_the_count(monkeypatch):
    """Refused from the page tree's /Count, before pypdf flattens the tree (that walk took 38 s and 491 MB)."""
    from pypdf import PdfReader

    def no_walk(*args, **kwargs):
        raise AssertionError("the page tree was walked before the page count was checked")

    monkeypatch.setattr(PdfReader, "_flatten", no_walk)
    with pytest.raises(BadInput, match=r"many.pdf: has 100000 pages; the limit is 2000"):
        read_bytes(hostile.pdf_empty_pages(100_000), "many.pdf")


def test_page_tree_whose_count_lies_is_refused_during_a_bounded_walk(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 50)
    with pytest.raises(BadInput, match=r"liar.pdf: has more than 50 pages"):
        read_bytes(hostile.pdf_empty_pages(500, declared=1), "liar.pdf")


def test_shared_padded_content_stream_is_decoded_and_parsed_once():
    """2,000 pages sharing one stream of a sentence plus 70 MiB of spaces: the old reader took 20 s
    a page (11 hours in all). Decoded and parsed once, it is read in seconds."""
    data = hostile.pdf_shared_padded_stream(pages=2000, padding_mb=70)
    doc = read_bytes(data, "padded.pdf")
    assert doc.paragraphs[0].text.startswith("The committee met on Monday and approved the plan.")


def test_content_budget_refuses_pages_that_inflate_past_it(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PDF_CONTENT_BYTES", 8 * 2**20)
    with pytest.raises(BadInput, match=r"padded.pdf: its pages hold more than 8 MB of drawing instructions"):
        read_bytes(hostile.pdf_distinct_padded_streams(pages=20, padding_mb=1), "padded.pdf")


def test_time_budget_stops_a_read():
    with limits.work_budget(seconds=0):
        with pytest.raises(BadInput, match=r"slow.pdf: reading it took more than 0 s"):
            read_bytes(two_column_pdf(), "slow.pdf")


def test_cancelled_read_stops():
    with limits.work_budget(cancelled=lambda: True):
        with pytest.raises(BadInput, match=r"gone.pdf: reading was stopped"):
            read_bytes(two_column_pdf(), "gone.pdf")


@pytest.mark.parametrize("builder, message", [
    (lambda: hostile.pdf_many_streams(5000), r"is drawn from 5,000 content streams; the limit is 1,000"),
    (lambda: hostile.pdf_flate_bomb(200), r"refused as unsafe|drawing instructions"),
    (lambda: hostile.pdf_page_tree_cycle(), r"not a readable PDF"),
    (lambda: hostile.pdf_deep_nesting(100_000), r"not a readable PDF|no text layer"),
])
def test_hostile_pdfs_are_one_line(builder, message):
    with pytest.raises(BadInput, match=message) as info:
        read_bytes(builder(), "hostile.pdf")
    assert "\n" not in str(info.value)
