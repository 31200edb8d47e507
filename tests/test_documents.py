import textwrap

import pytest

from conftest import SAMPLE
from workbench.documents import classify, from_text, read_bytes, read_file, split_paragraphs
from workbench.errors import BadInput

SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")


def test_sample_article_keeps_every_line_as_a_paragraph_with_header_kinds():
    doc = read_file(SAMPLE)
    lines = [ln.strip() for ln in SAMPLE_TEXT.splitlines() if ln.strip()]
    assert [p.text for p in doc.paragraphs] == lines
    assert [p.kind for p in doc.paragraphs[:4]] == ["title", "meta", "caption", "caption"]
    assert all(p.kind == "body" for p in doc.paragraphs[4:])
    assert doc.lang == "en"


def test_sentences_cover_the_paragraph_exactly():
    doc = read_file(SAMPLE)
    for p in doc.paragraphs:
        assert p.sentences
        assert "".join(p.sentences).replace(" ", "") == p.text.replace(" ", "")


def test_hard_wrapped_text_is_rejoined():
    paras = [
        "The first paragraph is long enough to be wrapped over several lines by a text editor that "
        "breaks lines at seventy-two columns, as e-mail programs do.",
        "A second paragraph follows after a blank line and it, too, is wrapped at the same width so "
        "that the reader sees a ragged right margin.",
        "Short third one, still wrapped because it has enough words to go past the limit of the line.",
    ]
    wrapped = "\n\n".join(textwrap.fill(p, 72) for p in paras)
    assert split_paragraphs(wrapped) == paras


def test_one_paragraph_per_line_and_blank_lines_both_work():
    assert split_paragraphs("One.\nTwo.\n\nThree.\r\nFour.") == ["One.", "Two.", "Three.", "Four."]


def test_classify_marks_title_dateline_caption():
    kinds = classify(["Big news today", "Published: Sep 10, 2023 11:31 PM", "A man walks. Photo: AFP",
                      "The body text goes here and is a full sentence."])
    assert kinds == ["title", "meta", "caption", "body"]


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    (bytes(range(1, 32)) * 50, "binary"),
])
def test_bad_bytes_are_refused_with_a_reason(data, message):
    with pytest.raises(BadInput, match=message):
        read_bytes(data, "x.txt")


def test_utf16_and_latin1_english_files_are_read():
    text = "The café reopened on Monday. Its owner said prices would stay the same."
    assert read_bytes(text.encode("utf-16"), "a.txt").paragraphs[0].text == text
    assert read_bytes(text.encode("cp1252"), "b.txt").paragraphs[0].text == text


def test_non_english_is_refused_unless_declared():
    korean = "김정은 국무위원장은 중국 대표단을 만나 양국 관계를 발전시키기로 했다."
    with pytest.raises(BadInput, match="Korean.*source language to ko"):
        from_text(korean)
    with pytest.raises(BadInput, match="Korean"):
        read_bytes(korean.encode("cp949"), "legacy.txt")  # a legacy-encoded file is decoded, then refused
    assert from_text(korean, lang="ko").lang == "ko"
    with pytest.raises(BadInput, match="Chinese"):
        from_text("中国国务院副总理刘国中会见了朝鲜领导人金正恩。")


def test_empty_text_and_huge_file(tmp_path):
    with pytest.raises(BadInput, match="empty"):
        from_text("  \n ")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(21 * 1024 * 1024)
    with pytest.raises(BadInput, match="limit"):
        read_file(big)


def test_missing_file_folder_and_unsupported_type(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        read_file(tmp_path / "nope.txt")
    with pytest.raises(BadInput, match="folder"):
        read_file(tmp_path)
    (tmp_path / "x.odt").write_bytes(b"PK\x03\x04")
    with pytest.raises(BadInput, match="unsupported"):
        read_file(tmp_path / "x.odt")


def test_html_and_markdown_and_docx(tmp_path):
    html = ("<html><head><script>var x=1;</script></head><body><h1>Leaders meet</h1>"
            "<p>The two leaders met on Sunday. They talked.</p><figure><figcaption>Photo: IC</figcaption></figure>"
            "<p>Both sides agreed to deepen ties.</p></body></html>")
    doc = read_bytes(html.encode(), "a.html")
    assert [(p.kind, p.text) for p in doc.paragraphs] == [
        ("title", "Leaders meet"), ("body", "The two leaders met on Sunday. They talked."),
        ("caption", "Photo: IC"), ("body", "Both sides agreed to deepen ties.")]
    md = "# Leaders meet\n\nThe two leaders met on Sunday.\n\n![photo](x.png)\n\nBoth sides agreed to deepen ties.\n"
    doc = read_bytes(md.encode(), "a.md")
    assert [(p.kind, p.text) for p in doc.paragraphs] == [
        ("title", "Leaders meet"), ("body", "The two leaders met on Sunday."), ("body", "Both sides agreed to deepen ties.")]
    import docx

    d = docx.Document()
    d.add_heading("Leaders meet", level=1)
    d.add_paragraph("The two leaders met on Sunday and agreed to deepen their ties.")
    path = tmp_path / "a.docx"
    d.save(path)
    doc = read_file(path)
    assert [(p.kind, p.text) for p in doc.paragraphs] == [
        ("title", "Leaders meet"), ("body", "The two leaders met on Sunday and agreed to deepen their ties.")]
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    with pytest.raises(BadInput, match="docx"):
        read_file(tmp_path / "broken.docx")


# ---------------------------------------------------------------- PDF (issue 8)


def make_pdf(pages: list[list[str]], image_only: bool = False) -> bytes:
    """A minimal valid PDF written by hand: one page per list of lines (Helvetica, 14 pt leading,
    an empty string is an empty line), or, with `image_only`, pages that hold only a small grey
    image: a scan without a text layer."""
    import zlib

    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    catalog, pages_obj = add(b""), add(b"")  # filled in below
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    image = add(b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x80\x90\xa0\xb0\nendstream")
    kids = []
    for lines in pages:
        if image_only:
            content = b"q 400 0 0 600 100 100 cm /Im1 Do Q"
        else:
            ops = [b"BT /F1 11 Tf 72 760 Td 14 TL"]
            for line in lines:
                esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append(b"(" + esc.encode("cp1252") + b") Tj T*")
            content = b"\n".join([*ops, b"ET"])
        packed = zlib.compress(content)
        stream = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
                        % (pages_obj, stream, font, image)))
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objs[pages_obj - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                           + b"] /Count %d >>" % len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


PDF_PARAGRAPHS = [
    "Leaders meet in Pyongyang",
    "The two leaders met on Sunday in the capital to discuss trade and security. They agreed to hold "
    "further talks next month, officials said, and both sides described the meeting as friendly.",
    "Chinese Vice Premier Liu visited the city for three days. He toured a factory and a school, and "
    "attended a banquet held in his honour by the government of the host country.",
    "No date was set for the next round of talks.",
]


def article_pdf() -> bytes:
    """Three pages with a running header, page numbers and paragraphs wrapped at ~70 columns, one
    of them running over a page break and one word hyphenated at a line end."""
    return make_pdf([
        ["Daily News - World", "Leaders meet in Pyongyang",
         "The two leaders met on Sunday in the capital to discuss trade and secu-",
         "rity. They agreed to hold further talks next month, officials",
         "said, and both sides described the meeting as friendly.", "Page 1"],
        ["Daily News - World",
         "Chinese Vice Premier Liu visited the city for three days. He toured a",
         "factory and a school, and attended a banquet held in his honour by the", "- 2 -"],
        ["Daily News - World", "government of the host country.",
         "No date was set for the next round of talks.", "Page 3 of 3"],
    ])


def test_text_pdf_reads_into_paragraphs_without_headers_or_page_numbers():
    doc = read_bytes(article_pdf(), "article.pdf")
    texts = [p.text for p in doc.paragraphs]
    assert not any("Daily News" in t or "Page" in t or t == "- 2 -" for t in texts)
    assert texts[0] == PDF_PARAGRAPHS[0]
    assert doc.paragraphs[0].kind == "title"
    assert "secu-rity." in texts[1]  # a word broken at a line end is joined (hyphen kept, no space)
    assert texts[1].replace("secu-rity", "security") == PDF_PARAGRAPHS[1]
    assert texts[2:] == PDF_PARAGRAPHS[2:]  # the paragraph that runs over a page break is one
    assert doc.encoding == "pdf"


def test_pdf_file_on_disk_and_suffix_supported(tmp_path):
    path = tmp_path / "news.pdf"
    path.write_bytes(article_pdf())
    doc = read_file(path)
    assert doc.name == "news.pdf" and len(doc.paragraphs) == len(PDF_PARAGRAPHS)


def test_scanned_pdf_is_refused_with_one_line():
    with pytest.raises(BadInput, match=r"scan\.pdf: has no text layer \(scanned\?\); OCR it first"):
        read_bytes(make_pdf([["x"], ["y"]], image_only=True), "scan.pdf")


def test_encrypted_pdf_is_refused_but_permissions_only_pdf_is_read():
    import io

    from pypdf import PdfReader, PdfWriter

    def encrypted(user: str) -> bytes:
        w = PdfWriter(clone_from=PdfReader(io.BytesIO(article_pdf())))
        w.encrypt(user, owner_password="owner", algorithm="RC4-128")
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()

    with pytest.raises(BadInput, match="locked.pdf: is encrypted"):
        read_bytes(encrypted("secret"), "locked.pdf")
    assert len(read_bytes(encrypted(""), "open.pdf").paragraphs) == len(PDF_PARAGRAPHS)


@pytest.mark.parametrize("data", [b"%PDF-1.4\ngarbage", b"not a pdf at all", b"%PDF-1.7\n1 0 obj << /Type /Catalog"])
def test_broken_pdf_is_one_line(data):
    with pytest.raises(BadInput, match="x.pdf: not a readable PDF"):
        read_bytes(data, "x.pdf")


def test_pdf_page_cap(monkeypatch):
    from workbench import documents

    monkeypatch.setattr(documents.limits, "MAX_PDF_PAGES", 2)
    with pytest.raises(BadInput, match="has 3 pages; the limit is 2"):
        read_bytes(article_pdf(), "long.pdf")
