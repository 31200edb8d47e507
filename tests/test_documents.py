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
        ("title", "Leaders meet"), ("body", "The two leaders met on Sunday."), ("code", "![photo](x.png)"),
        ("body", "Both sides agreed to deepen ties.")]
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
    from workbench.testing.hostile import pdf_file

    return pdf_file(objs, root=catalog)


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
    assert texts[1] == PDF_PARAGRAPHS[1]  # "secu-" + "rity" is one word again: the hyphen was the line break's
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


README_MD = """\
---
title: Parallax
tags: [translation, offline]
---

# Parallax: *offline* translation

[![Build](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example.org/parallax) \
[![PyPI](https://img.shields.io/pypi/v/parallax.svg)](https://pypi.org/project/parallax/)

Parallax translates **English** articles. Read the [install guide](https://example.org/docs/install.html)
first, or see [Usage](#usage). Run `parallax translate story.txt` and mail <help@example.org>.

https://example.org/downloads/parallax-1.0.tar.gz

## Usage

1. Install the models.
2. Translate a folder:
   - one file per article
   - the same names in other folders

> Keep *one* article per file.

| Option | Meaning |
|--------|---------|
| `--to` | Target languages, comma separated |
| `--out` | Output folder |

```bash
$ parallax translate story.txt --to ko,zh

$ ls out/
```

    indented = "code block"

<p align="center"><img src="docs/logo.png" alt="logo"></p>
"""


def test_markdown_readme_code_urls_and_tables():
    doc = read_bytes(README_MD.encode(), "README.md")
    got = [(p.kind, p.text) for p in doc.paragraphs]
    assert got == [
        ("code", "---\ntitle: Parallax\ntags: [translation, offline]\n---"),
        ("title", "Parallax: offline translation"),
        ("code", README_MD.split("\n\n")[2]),  # the badges, exactly as written
        ("body", "Parallax translates English articles. Read the install guide "
                 "(https://example.org/docs/install.html) first, or see Usage. Run `parallax translate story.txt` "
                 "and mail help@example.org."),
        ("code", "https://example.org/downloads/parallax-1.0.tar.gz"),
        ("title", "Usage"),
        ("body", "Install the models."), ("body", "Translate a folder:"), ("body", "one file per article"),
        ("body", "the same names in other folders"),
        ("body", "Keep one article per file."),
        ("cell", "Option"), ("cell", "Meaning"), ("cell", "`--to`"), ("cell", "Target languages, comma separated"),
        ("cell", "`--out`"), ("cell", "Output folder"),
        ("code", "```bash\n$ parallax translate story.txt --to ko,zh\n\n$ ls out/\n```"),
        ("code", '    indented = "code block"'),
        ("code", '<p align="center"><img src="docs/logo.png" alt="logo"></p>'),
    ]
    assert doc.paragraphs[-3].sentences == (doc.paragraphs[-3].text,)  # code is one verbatim unit


def test_markdown_code_is_not_evidence_of_the_language_and_code_alone_is_refused():
    korean_code = "```\n" + "\n".join(f'print("안녕하세요 세계 {i}번째 줄입니다")' for i in range(40)) + "\n```\n"
    doc = read_bytes(("# Notes\n\nThis short note explains the script below.\n\n" + korean_code).encode(), "n.md")
    assert doc.lang == "en" and [p.kind for p in doc.paragraphs] == ["title", "body", "code"]
    with pytest.raises(BadInput, match="no text to translate"):
        read_bytes(korean_code.encode(), "only.md")


def test_markdown_through_the_engine_sends_no_code_or_url_and_gets_them_back(models, monkeypatch):
    from workbench.engine import Engine

    sent: list[str] = []
    original = Engine._run_ctranslate2
    monkeypatch.setattr(Engine, "_run_ctranslate2", lambda self, pkg, s: sent.extend(s) or original(self, pkg, s))
    doc = read_bytes(README_MD.encode(), "README.md")
    (aligned,) = Engine().translate_documents([doc], ["ko", "zh"])
    assert not any(x in s for s in sent for x in ("https://", "shields.io", "$ parallax", "<p", "title:", "`", "#"))
    for lang in ("ko", "zh"):
        for p in doc.paragraphs:
            out = aligned.paragraph_translation(lang, p.index)
            if p.kind == "code":
                assert out == p.text
        body = aligned.paragraph_translation(lang, 3)
        assert "https://example.org/docs/install.html" in body and "`parallax translate story.txt`" in body
        assert "help@example.org" in body


def _parallel_short_paragraphs(lang: str, n: int = 8) -> tuple[list[str], list[str]]:
    """n English sentences and their translations (the team's reference translations of the sample,
    sentence for sentence) whose translation is 40-120 characters: one paragraph per line, as a
    translator writes Korean or Chinese."""
    from workbench.segment import split_sentences

    version = (SAMPLE.parent / f"china-dprk-vice-premier-visit.{lang}.txt").read_text(encoding="utf-8")
    en_paras = [ln for ln in SAMPLE_TEXT.splitlines() if ln.strip()][4:]
    tr_paras = [ln for ln in version.splitlines() if ln.strip()][4:]
    pairs = [(e, t) for ep, tp in zip(en_paras, tr_paras)
             for e, t in zip(split_sentences(ep, "en"), split_sentences(tp, lang)) if 40 <= len(t) <= 120]
    assert len(pairs) >= n
    return [e for e, _ in pairs[:n]], [t for _, t in pairs[:n]]


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_korean_and_chinese_one_paragraph_per_line_are_not_taken_for_wrapped_text(lang):
    from workbench.compare import check_documents

    en, tr = _parallel_short_paragraphs(lang)
    doc = read_bytes("\n".join(tr).encode(), f"story.{lang}.txt", lang=lang)
    assert [p.text for p in doc.paragraphs] == tr
    report = check_documents(read_bytes("\n".join(en).encode(), "story.txt", lang="en"), doc, lang=lang)
    assert [i for _, i in report.issues if i.kind in ("omitted", "added")] == []


def test_hard_wrapped_chinese_is_rejoined_without_spaces():
    _, zh = _parallel_short_paragraphs("zh", 6)
    wrapped = "\n\n".join("\n".join(p[i:i + 30] for i in range(0, len(p), 30)) for p in zh)
    assert split_paragraphs(wrapped) == zh


EMAIL = """\
From: Jane Park <jane.park@example.org>
To: translators@lists.example.org
Subject: Re: Glossary for the election coverage
Date: Tue, 12 Mar 2024 09:14:02 +0900

Hi all,

I went through the draft glossary last night and have two suggestions for the
names of the provincial offices. Both follow the style guide that the desk
adopted in January, so they should not need another vote.

On Mon, 11 Mar 2024, Min-jun Lee wrote:
> The glossary is attached. Please check the party names before Friday, since
> the first articles go out over the weekend and we cannot change them later.
>
> Thanks for the quick turnaround on the last batch.

I agree that the party names are the urgent part. I will send the corrected
list tomorrow morning, together with the notes on transliteration.

--
Jane Park | Translation desk
https://example.org/desk
"""


def test_email_headers_quotes_and_signature():
    doc = read_bytes(EMAIL.encode(), "reply.txt")
    got = [(p.kind, p.text) for p in doc.paragraphs]
    assert got[:4] == [("meta", "From: Jane Park <jane.park@example.org>"), ("meta", "To: translators@lists.example.org"),
                       ("meta", "Subject: Re: Glossary for the election coverage"),
                       ("meta", "Date: Tue, 12 Mar 2024 09:14:02 +0900")]
    body = [t for k, t in got[4:-1]]
    assert body == [
        "Hi all,",
        "I went through the draft glossary last night and have two suggestions for the names of the provincial "
        "offices. Both follow the style guide that the desk adopted in January, so they should not need another vote.",
        "On Mon, 11 Mar 2024, Min-jun Lee wrote:",
        "The glossary is attached. Please check the party names before Friday, since the first articles go out "
        "over the weekend and we cannot change them later.",
        "Thanks for the quick turnaround on the last batch.",
        "I agree that the party names are the urgent part. I will send the corrected list tomorrow morning, "
        "together with the notes on transliteration.",
    ]
    assert all(k == "body" for k, _ in got[4:-1])
    assert got[-1] == ("meta", "--\nJane Park | Translation desk\nhttps://example.org/desk")
    assert not any(s.startswith(">") for p in doc.paragraphs[4:] for s in p.sentences)
