"""Hostile inputs built at test time (shared by tests/test_hostile_io.py and
benchmarks/hostile_inputs.py)."""

from __future__ import annotations

import io
import zipfile


def docx_bomb(inflated_mb: int = 1024) -> bytes:
    """A real .docx (python-docx's template) whose word/document.xml holds `inflated_mb` MB of
    paragraphs: a few hundred KB zipped."""
    import docx

    template = io.BytesIO()
    docx.Document().save(template)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template.getvalue())) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info))
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
                    b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            paragraph = b"<w:p><w:r><w:t>" + b"The leaders met. " * 60 + b"</w:t></w:r></w:p>"
            block = paragraph * ((1 << 20) // len(paragraph))
            for _ in range(inflated_mb):
                f.write(block)
            f.write(b"</w:body></w:document>")
    return buf.getvalue()


# ---------------------------------------------------------------- PDFs


def pdf_file(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF file of these objects (numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _stream(data: bytes, compress: bool = True) -> bytes:
    import zlib

    if compress:
        packed = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def write_pdf(contents: list[bytes], font: str = "/Helvetica", ligatures: bool = False,
              shared: bool = False) -> bytes:
    """A PDF with one Letter page per content stream, all using font /F1 (a standard font); with
    `ligatures`, codes 1 and 2 draw the fi and ffi ligature glyphs (as TeX's fonts do); with
    `shared`, every page draws the first stream (the others are ignored)."""
    encoding = (b"<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi /ffi] >>"
                if ligatures else b"/WinAnsiEncoding")
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
                         b"<< /Type /Font /Subtype /Type1 /BaseFont " + font.encode() + b" /Encoding " + encoding + b" >>"]
    kids = []
    first_stream = None
    for content in contents:
        if first_stream is None or not shared:
            objs.append(_stream(content))
            first_stream = first_stream if shared and first_stream else len(objs)
        stream = first_stream if shared else len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % stream)
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    return pdf_file(objs)


def pdf_empty_pages(pages: int, declared: int | None = None) -> bytes:
    """`pages` empty pages; `declared` is the /Count the page tree claims (default: the truth)."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for _ in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
        kids.append(len(objs))
    objs[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
               + b"] /Count %d >>" % (pages if declared is None else declared))
    return pdf_file(objs)


_SENTENCE = b"BT /F1 11 Tf 72 720 Td (The committee met on Monday and approved the plan.) Tj ET\n"


def pdf_shared_padded_stream(pages: int = 2000, padding_mb: int = 70) -> bytes:
    """Issue 18.4: `pages` pages sharing one content stream of a sentence and `padding_mb` MiB of
    spaces (a few hundred KB on disk)."""
    return write_pdf([_SENTENCE + b" " * (padding_mb << 20)] * pages, shared=True)


def pdf_distinct_padded_streams(pages: int = 20, padding_mb: int = 1) -> bytes:
    """`pages` pages, each with its own content stream padded with `padding_mb` MiB of spaces."""
    return write_pdf([_SENTENCE + b" " * (padding_mb << 20) + b"%% %d" % i for i in range(pages)])


def pdf_many_streams(streams: int = 5000) -> bytes:
    """One page drawn from a /Contents array of `streams` tiny streams."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"",
                         b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    refs = []
    for _ in range(streams):
        objs.append(_stream(b"BT /F1 11 Tf 72 720 Td (word) Tj ET", compress=False))
        refs.append(len(objs))
    objs[2] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents [" + b" ".join(b"%d 0 R" % r for r in refs) + b"] >>")
    return pdf_file(objs)


def pdf_flate_bomb(inflated_mb: int = 1024) -> bytes:
    """A page whose FlateDecode content stream inflates to `inflated_mb` MiB (about 1 MB on disk)."""
    import zlib

    z = zlib.compressobj(9)
    block = b" " * (1 << 20)
    packed = b"".join(z.compress(block) for _ in range(inflated_mb)) + z.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    return pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                 b"/Resources << /Font << /F1 5 0 R >> >> >>", stream,
                 b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def pdf_page_tree_cycle() -> bytes:
    """A page tree whose intermediate node lists itself among its kids."""
    return pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
                 b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 4 0 R] /Count 2 >>",
                 b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>"])


def pdf_deep_nesting(depth: int = 100_000) -> bytes:
    """A page whose resources hold an array nested `depth` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /X " + nested + b" >> >>"])
