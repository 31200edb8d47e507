"""Word files the way Word writes them: tables, content controls, text boxes (with the VML fallback
Word adds for old readers), footnotes and endnotes, hyperlinks, tracked changes, headers and
footers, and the ISO-strict flavour (issue 14 item 2)."""

import io
import zipfile

import pytest

from workbench.documents import read_bytes
from workbench.errors import BadInput

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
STRICT_R = "http://purl.oclc.org/ooxml/officeDocument/relationships"
NS = (f'xmlns:w="{W}" xmlns:r="{R}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:v="urn:schemas-microsoft-com:vml" '
      'mc:Ignorable="w14 wp14"')


def p(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p w:rsidR="00A1">{ppr}<w:r><w:rPr><w:lang w:val="en-US"/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def cell(text: str) -> str:
    return f'<w:tc><w:tcPr><w:tcW w:w="4675" w:type="dxa"/></w:tcPr>{p(text)}</w:tc>'


BODY = "".join([
    p("City council approves budget", "Heading1"),
    # a tracked change: Word keeps the deleted run in w:del/w:delText and the new one in w:ins
    '<w:p><w:r><w:t xml:space="preserve">The mayor said the plan would </w:t></w:r>'
    '<w:del w:id="1" w:author="Ann" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>cut spending on parks'
    '</w:delText></w:r></w:del><w:ins w:id="2" w:author="Ann" w:date="2024-01-01T00:00:00Z"><w:r><w:t>'
    'protect funding for schools</w:t></w:r></w:ins><w:r><w:t xml:space="preserve"> and reduce the deficit.'
    '</w:t></w:r></w:p>',
    # a footnote reference and a hyperlink
    '<w:p><w:r><w:t xml:space="preserve">The vote was close, as </w:t></w:r><w:hyperlink r:id="rIdLink">'
    '<w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>the city paper</w:t></w:r></w:hyperlink>'
    '<w:r><w:t xml:space="preserve"> reported.</w:t></w:r><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/>'
    '</w:rPr><w:footnoteReference w:id="1"/></w:r></w:p>',
    # a table: two rows of two cells
    '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr><w:tblGrid><w:gridCol w:w="4675"/>'
    '<w:gridCol w:w="4675"/></w:tblGrid>'
    f'<w:tr>{cell("Department")}{cell("Budget change")}</w:tr>'
    f'<w:tr>{cell("Schools")}{cell("Funding rises by four percent.")}</w:tr></w:tbl>',
    # a block-level content control (a form field Word's templates use)
    '<w:sdt><w:sdtPr><w:alias w:val="Summary"/><w:tag w:val="summary"/><w:showingPlcHdr/></w:sdtPr>'
    f'<w:sdtContent>{p("Residents can comment until the end of the month.")}</w:sdtContent></w:sdt>',
    # a text box, as Word 2010+ writes it: DrawingML in mc:Choice, the same text again in VML
    '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
    '<a:graphicData><wps:wsp><wps:txbx><w:txbxContent>'
    + p("Budget at a glance: two hundred million dollars.") +
    '</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
    '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>'
    + p("Budget at a glance: two hundred million dollars.") +
    '</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
    '<w:r><w:t>The council meets again in March.</w:t></w:r><w:r><w:endnoteReference w:id="2"/></w:r></w:p>',
    '<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader"/>'
    '<w:footerReference w:type="default" r:id="rIdFooter"/><w:pgSz w:w="12240" w:h="15840"/></w:sectPr>',
])

FOOTNOTES = (f'<w:footnotes {NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
             '</w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
             '</w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
             '<w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Seven votes to six.</w:t></w:r></w:p>'
             '</w:footnote></w:footnotes>')
ENDNOTES = (f'<w:endnotes {NS}><w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
            '</w:endnote><w:endnote w:id="2"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t xml:space="preserve"> '
            'Minutes are published online.</w:t></w:r></w:p></w:endnote></w:endnotes>')
HEADER = f'<w:hdr {NS}>{p("Springfield Gazette - Confidential draft")}</w:hdr>'
FOOTER = f'<w:ftr {NS}>{p("Page 1")}</w:ftr>'
EXPECTED = [
    ("title", "City council approves budget"),
    ("body", "The mayor said the plan would protect funding for schools and reduce the deficit."),
    ("body", "The vote was close, as the city paper reported."),
    ("note", "Seven votes to six."),
    ("cell", "Department"), ("cell", "Budget change"),
    ("cell", "Schools"), ("cell", "Funding rises by four percent."),
    ("body", "Residents can comment until the end of the month."),
    ("body", "The council meets again in March."),
    ("body", "Budget at a glance: two hundred million dollars."),
    ("note", "Minutes are published online."),
]


def word_docx(body: str = BODY, strict: bool = False) -> bytes:
    """A .docx made from python-docx's default template (a file Word wrote) with this body,
    footnotes, endnotes, a header and a footer wired in through relationships and content types,
    as Word does; `strict` rewrites it with the ISO-strict namespaces Word's "Strict Open XML"
    save option uses."""
    import docx

    template = io.BytesIO()
    docx.Document().save(template)
    parts = {
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{body}</w:body></w:document>',
        "word/footnotes.xml": FOOTNOTES, "word/endnotes.xml": ENDNOTES,
        "word/header1.xml": HEADER, "word/footer1.xml": FOOTER,
    }
    extra_rels = (f'<Relationship Id="rIdFn" Type="{R}/footnotes" Target="footnotes.xml"/>'
                  f'<Relationship Id="rIdEn" Type="{R}/endnotes" Target="endnotes.xml"/>'
                  f'<Relationship Id="rIdHeader" Type="{R}/header" Target="header1.xml"/>'
                  f'<Relationship Id="rIdFooter" Type="{R}/footer" Target="footer1.xml"/>'
                  f'<Relationship Id="rIdLink" Type="{R}/hyperlink" Target="https://example.org/" TargetMode="External"/>')
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    extra_types = (f'<Override PartName="/word/footnotes.xml" ContentType="{main}.footnotes+xml"/>'
                   f'<Override PartName="/word/endnotes.xml" ContentType="{main}.endnotes+xml"/>'
                   f'<Override PartName="/word/header1.xml" ContentType="{main}.header+xml"/>'
                   f'<Override PartName="/word/footer1.xml" ContentType="{main}.footer+xml"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = parts.pop(info.filename, None)
            if data is None and not info.filename.endswith((".xml", ".rels")):
                z.writestr(info.filename, src.read(info))  # the thumbnail
                continue
            text = data if data is not None else src.read(info).decode("utf-8")
            if info.filename == "word/_rels/document.xml.rels":
                text = text.replace("</Relationships>", extra_rels + "</Relationships>")
            elif info.filename == "[Content_Types].xml":
                text = text.replace("</Types>", extra_types + "</Types>")
            if strict and info.filename.endswith((".xml", ".rels")):
                text = (text.replace(W, STRICT_W).replace(R, STRICT_R)
                        .replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
                                 "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"))
            z.writestr(info.filename, text)
        for name, text in parts.items():
            z.writestr(name, text.replace(W, STRICT_W).replace(R, STRICT_R) if strict else text)
    return out.getvalue()


def test_word_file_reads_tables_notes_text_boxes_content_controls_and_tracked_changes():
    doc = read_bytes(word_docx(), "council.docx")
    assert [(p.kind, p.text) for p in doc.paragraphs] == EXPECTED
    assert not any("Gazette" in p.text or p.text == "Page 1" for p in doc.paragraphs)  # header/footer skipped


def test_iso_strict_word_file_is_read_the_same():
    doc = read_bytes(word_docx(strict=True), "strict.docx")
    assert [(p.kind, p.text) for p in doc.paragraphs] == EXPECTED


def test_word_file_whose_text_is_all_in_tables_is_read():
    table = ('<w:tbl><w:tr>' + cell("The bridge reopens on Monday after repairs.") + cell("Traffic will be light.")
             + '</w:tr></w:tbl><w:sectPr/>')
    doc = read_bytes(word_docx(table), "table.docx")
    assert [(p.kind, p.text) for p in doc.paragraphs] == [
        ("cell", "The bridge reopens on Monday after repairs."), ("cell", "Traffic will be light.")]


@pytest.mark.parametrize("body, message", [
    ("<w:p><w:r><w:t>unclosed", "not valid XML"),
])
def test_damaged_word_file_is_one_named_line(body, message):
    with pytest.raises(BadInput, match=f"bad.docx: not a readable .docx file .*{message}"):
        read_bytes(word_docx(body), "bad.docx")


def test_word_file_without_its_main_part_names_the_reason():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="r1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" '
                   'Target="word/document.xml"/></Relationships>')
        z.writestr("word/styles.xml", "<x/>")
    with pytest.raises(BadInput, match=r"gone.docx: not a .docx file \(it has no main document part\)"):
        read_bytes(buf.getvalue(), "gone.docx")
