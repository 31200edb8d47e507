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
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(BadInput, match="unsupported"):
        read_file(tmp_path / "x.pdf")


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
