"""Word (.docx) to paragraphs, with the archive's declared sizes checked before parsing."""

from __future__ import annotations

import io

from ..errors import BadInput
from . import limits
from .model import Kind
from .text import _CAPTION, _META, classify

def paragraphs(data: bytes, name: str) -> tuple[list[str], list[Kind]]:
    import zipfile

    _check_docx_sizes(data, name)
    try:
        import docx

        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BadInput(f"{name}: not a readable .docx file ({exc.__class__.__name__})") from None
    except Exception as exc:  # python-docx raises assorted errors on damaged packages
        raise BadInput(f"{name}: not a readable .docx file ({exc})") from None
    texts: list[str] = []
    kinds: list[Kind] = []
    for p in d.paragraphs:
        t = p.text.strip()
        if not t:
            continue
        style = (p.style.name or "").lower() if p.style is not None else ""
        texts.append(t)
        if style.startswith(("heading", "title", "subtitle")):
            kinds.append("title")
        elif style.startswith("caption"):
            kinds.append("caption")
        else:
            kinds.append(classify([t])[0] if _CAPTION.search(t) or _META.search(t) else "body")
    return texts, kinds


def _check_docx_sizes(data: bytes, name: str) -> None:
    """Refuse a .docx whose parts would be huge once uncompressed (a zip bomb), from the sizes the
    archive declares, before anything is decompressed (zipfile never inflates past them)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadInput(f"{name}: not a readable .docx file ({exc.__class__.__name__})") from None
    if len(infos) > limits.MAX_DOCX_MEMBERS:
        raise BadInput(f"{name}: has {len(infos)} parts; a .docx has a few dozen (refused as unsafe)")
    if not any(i.filename == "word/document.xml" for i in infos):
        raise BadInput(f"{name}: not a .docx file (it has no word/document.xml)")
    for i in infos:
        if i.filename.endswith((".xml", ".rels")) and i.file_size > limits.MAX_DOCX_PART_BYTES:
            raise BadInput(f"{name}: {i.filename} would be {i.file_size / 2**20:,.0f} MB uncompressed; the limit is "
                           f"{limits.MAX_DOCX_PART_BYTES // 2**20} MB (refused as a possible zip bomb)")
    total = sum(i.file_size for i in infos)
    if total > limits.MAX_DOCX_TOTAL_BYTES:
        raise BadInput(f"{name}: would be {total / 2**20:,.0f} MB uncompressed; the limit is "
                       f"{limits.MAX_DOCX_TOTAL_BYTES // 2**20} MB (refused as a possible zip bomb)")
