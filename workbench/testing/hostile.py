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
