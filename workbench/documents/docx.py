"""Word (.docx) to paragraphs: the package's XML walked directly (transitional and ISO-strict), with
the archive's declared sizes checked before anything is inflated.

What is read, in document order: body paragraphs, tables cell by cell in row order ("cell"),
content controls, text boxes (after the paragraph that anchors them), footnotes and endnotes
("note", right after the paragraph that cites them) and hyperlink text. Tracked changes are read
as accepted (insertions and moves in, deletions out). Headers, footers, comments, field codes and
the alternative copy Word keeps of drawings for old readers (mc:Fallback) are not read: they are not
part of the text a reader sees once, in order.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Iterator

from ..errors import BadInput
from . import limits
from .model import Kind
from .text import _CAPTION, _META, classify

# WordprocessingML in its two spellings: transitional (what Word writes by default) and ISO-strict.
_W_NS = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
         "http://purl.oclc.org/ooxml/wordprocessingml/main")
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

# Subtrees whose text is not the document's text as read once, in order.
_SKIP = {"del", "moveFrom", "delText", "instrText", "pPr", "rPr", "sdtPr", "sectPr", "tblPr", "trPr",
         "tcPr", "commentReference", "annotationRef", "footnoteRef", "endnoteRef", "delInstrText",
         "fldData", "ffData", "tblGrid", "bookmarkStart", "bookmarkEnd"}
_NOTE_TYPES = {"separator", "continuationSeparator", "continuationNotice"}


def paragraphs(data: bytes, name: str) -> tuple[list[str], list[Kind]]:
    """Paragraph texts and kinds of a .docx, in reading order (see the module docstring)."""
    with _open(data, name) as z:
        reader = _Reader(z, name)
        return reader.read()


def _open(data: bytes, name: str) -> zipfile.ZipFile:
    _check_docx_sizes(data, name)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadInput(f"{name}: not a readable .docx file ({exc.__class__.__name__})") from None


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1]


def _ns(el) -> str:
    tag = el.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


class _Reader:
    """One pass over a .docx package: the main part, its styles and its notes."""

    def __init__(self, z: zipfile.ZipFile, name: str) -> None:
        self.z, self.name = z, name
        self.names = set(z.namelist())
        self.main = self._main_part()
        rels = self._rels(self.main)
        self.styles = self._styles(rels.get("styles"))
        self.notes = {kind: self._notes(rels.get(kind + "s"), kind) for kind in ("footnote", "endnote")}
        self.texts: list[str] = []
        self.kinds: list[Kind] = []
        self.used_notes: set[tuple[str, str]] = set()

    # ---- package
    def _xml(self, part: str):
        from lxml import etree

        try:
            raw = self.z.read(part)
        except KeyError:
            raise BadInput(f"{self.name}: not a readable .docx file (the part {part} is missing)") from None
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise BadInput(f"{self.name}: not a readable .docx file ({part}: {exc})") from None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
        try:
            return etree.fromstring(raw, parser)
        except etree.XMLSyntaxError as exc:
            raise BadInput(f"{self.name}: not a readable .docx file ({part} is not valid XML: {exc})") from None

    def _main_part(self) -> str:
        """The main document part named by the package relationships (usually word/document.xml)."""
        if "_rels/.rels" in self.names:
            for rel in self._xml("_rels/.rels").iter(_PKG_REL):
                if rel.get("Type", "").endswith("/officeDocument"):
                    target = rel.get("Target", "").lstrip("/")
                    if target in self.names:
                        return target
        if "word/document.xml" in self.names:
            return "word/document.xml"
        raise BadInput(f"{self.name}: not a .docx file (it has no main document part)")

    def _rels(self, part: str) -> dict[str, str]:
        """Relationship kind ("styles", "footnotes", "endnotes"...) -> part name, for `part`."""
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, str] = {}
        if rels_part in self.names:
            for rel in self._xml(rels_part).iter(_PKG_REL):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                out.setdefault(rel.get("Type", "").rsplit("/", 1)[-1], path)
        for kind in ("styles", "footnotes", "endnotes"):
            out.setdefault(kind, posixpath.join(folder, kind + ".xml"))
        return out

    def _styles(self, part: str | None) -> dict[str, str]:
        """Paragraph style id -> "title" / "caption" (headings by name or outline level)."""
        if not part or part not in self.names:
            return {}
        out: dict[str, str] = {}
        for style in self._xml(part):
            if _local(style) != "style":
                continue
            sid = _attr(style, "styleId")
            name = ""
            outline = False
            for child in style:
                if _local(child) == "name":
                    name = (_attr(child, "val") or "").lower()
                elif _local(child) == "pPr":
                    outline = any(_local(e) == "outlineLvl" for e in child)
            if name.startswith(("heading", "title", "subtitle")) or outline:
                out[sid or ""] = "title"
            elif name.startswith("caption"):
                out[sid or ""] = "caption"
        return out

    def _notes(self, part: str | None, kind: str) -> dict[str, object]:
        if not part or part not in self.names:
            return {}
        out = {}
        for note in self._xml(part):
            if _local(note) == kind and _attr(note, "type") not in _NOTE_TYPES:
                out[_attr(note, "id") or ""] = note
        return out

    # ---- walking
    def read(self) -> tuple[list[str], list[Kind]]:
        root = self._xml(self.main)
        if _local(root) != "document" or _ns(root) not in _W_NS:
            raise BadInput(f"{self.name}: not a readable .docx file (its main part is not a WordprocessingML "
                           f"document: {root.tag})")
        body = next((c for c in root if _local(c) == "body"), None)
        if body is None:
            raise BadInput(f"{self.name}: not a readable .docx file (the document has no body)")
        self._blocks(body, None)  # a note no paragraph cites (its reference deleted) is not read
        return self.texts, self.kinds

    def _blocks(self, parent, forced: str | None) -> None:
        for el in parent:
            tag = _local(el)
            if tag == "p":
                self._paragraph(el, forced)
            elif tag == "tbl":
                self._table(el, forced)
            elif tag == "AlternateContent" and _ns(el) == _MC_NS:
                self._blocks(_choice(el), forced)
            elif tag in _SKIP:
                continue
            else:  # sdt/sdtContent, customXml, ins/moveTo at block level, smartTag...
                self._blocks(el, forced)

    def _table(self, tbl, forced: str | None) -> None:
        for row in _children(tbl, "tr"):
            for cell in _children(row, "tc"):
                parts: list[str] = []
                extras: list[tuple[list, list[tuple[str, str]]]] = []
                for el in _flat(cell):
                    if _local(el) == "p":
                        text, boxes, notes = self._runs(el)
                        if text:
                            parts.append(text)
                        extras.append((boxes, notes))
                    else:  # a table inside the cell: its cells come after the text before it
                        self._cell(parts, extras, forced)
                        parts, extras = [], []
                        self._table(el, forced)
                self._cell(parts, extras, forced)

    def _cell(self, parts: list[str], extras: list, forced: str | None) -> None:
        """One table cell as one paragraph (its paragraphs joined), then its text boxes and notes."""
        if parts:
            self._emit(" ".join(parts), forced or "cell")
        for boxes, notes in extras:
            self._extras(boxes, notes, forced)

    def _paragraph(self, p, forced: str | None) -> None:
        text, boxes, notes = self._runs(p)
        if text:
            kind = forced or self.styles.get(_style_id(p) or "")
            if kind is None:
                kind = "title" if _outline(p) else classify([text])[0] if _CAPTION.search(text) or _META.search(text) else "body"
            self._emit(text, kind)
        self._extras(boxes, notes, forced)

    def _extras(self, boxes: list, notes: list[tuple[str, str]], forced: str | None) -> None:
        """Text boxes anchored in a paragraph, then the notes it cites (each note once)."""
        for box in boxes:
            self._blocks(box, forced)
        for kind, nid in notes:
            note = self.notes[kind].get(nid)
            if note is not None and (kind, nid) not in self.used_notes:
                self.used_notes.add((kind, nid))
                self._blocks(note, "note")

    def _runs(self, p) -> tuple[str, list, list[tuple[str, str]]]:
        """A paragraph's visible text, the text boxes anchored in it, and the notes it cites."""
        out: list[str] = []
        boxes: list = []
        notes: list[tuple[str, str]] = []
        stack = [iter(p)]
        while stack:
            el = next(stack[-1], None)
            if el is None:
                stack.pop()
                continue
            tag = _local(el)
            if tag in _SKIP or not tag:
                continue
            if tag == "t":
                out.append(el.text or "")
            elif tag in ("tab", "ptab"):
                out.append("\t")
            elif tag in ("br", "cr"):
                out.append(" ")
            elif tag == "noBreakHyphen":
                out.append("-")
            elif tag in ("footnoteReference", "endnoteReference"):
                notes.append((tag[:-9], _attr(el, "id") or ""))
            elif tag == "txbxContent":
                boxes.append(el)
            elif tag == "AlternateContent" and _ns(el) == _MC_NS:
                stack.append(iter([_choice(el)]))
            else:
                stack.append(iter(el))
        return " ".join("".join(out).split()), boxes, notes

    def _emit(self, text: str, kind: str) -> None:
        self.texts.append(text)
        self.kinds.append(kind)  # type: ignore[arg-type]


def _attr(el, name: str) -> str | None:
    for ns in _W_NS:
        v = el.get(f"{{{ns}}}{name}")
        if v is not None:
            return v
    return None


def _children(el, tag: str) -> Iterator:
    """`tag` children of `el`, looking through content controls and custom XML wrapped around them."""
    for c in el:
        t = _local(c)
        if t == tag:
            yield c
        elif t in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
            yield from _children(c, tag)


def _flat(cell) -> Iterator:
    """A cell's paragraphs and nested tables in order, through content controls."""
    for c in cell:
        t = _local(c)
        if t in ("p", "tbl"):
            yield c
        elif t not in _SKIP and t:
            yield from _flat(c)


def _choice(alternate):
    """Of mc:AlternateContent, the first mc:Choice (Word's own markup): the mc:Fallback is the same
    content again for older readers, and reading both would double it."""
    for c in alternate:
        if _local(c) == "Choice":
            return c
    for c in alternate:
        if _local(c) == "Fallback":
            return c
    return alternate


def _style_id(p) -> str | None:
    for c in p:
        if _local(c) == "pPr":
            for e in c:
                if _local(e) == "pStyle":
                    return _attr(e, "val")
    return None


def _outline(p) -> bool:
    for c in p:
        if _local(c) == "pPr":
            return any(_local(e) == "outlineLvl" and _attr(e, "val") not in (None, "9") for e in c)
    return False


def _check_docx_sizes(data: bytes, name: str) -> None:
    """Refuse a .docx whose parts would be huge once uncompressed (a zip bomb), from the sizes the
    archive declares, before anything is decompressed (zipfile never inflates past them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadInput(f"{name}: not a readable .docx file ({exc.__class__.__name__})") from None
    if len(infos) > limits.MAX_DOCX_MEMBERS:
        raise BadInput(f"{name}: has {len(infos)} parts; a .docx has a few dozen (refused as unsafe)")
    if not any(i.filename.endswith(".xml") and i.filename.startswith("word/") for i in infos) \
            and not any(i.filename == "_rels/.rels" for i in infos):
        raise BadInput(f"{name}: not a .docx file (it has no word/document.xml)")
    for i in infos:
        if i.filename.endswith((".xml", ".rels")) and i.file_size > limits.MAX_DOCX_PART_BYTES:
            raise BadInput(f"{name}: {i.filename} would be {i.file_size / 2**20:,.0f} MB uncompressed; the limit is "
                           f"{limits.MAX_DOCX_PART_BYTES // 2**20} MB (refused as a possible zip bomb)")
    total = sum(i.file_size for i in infos)
    if total > limits.MAX_DOCX_TOTAL_BYTES:
        raise BadInput(f"{name}: would be {total / 2**20:,.0f} MB uncompressed; the limit is "
                       f"{limits.MAX_DOCX_TOTAL_BYTES // 2**20} MB (refused as a possible zip bomb)")
