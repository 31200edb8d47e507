"""Exports of aligned documents: CSV for spreadsheets, JSON (lossless), plain text per language.

Files are written atomically (a temporary file in the same folder, then a rename), so an
interrupted run leaves each output complete or absent, never half-written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Literal, Sequence

from .documents import Document
from .engine import AlignedDocument, join_sentences

By = Literal["paragraph", "sentence"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
JSON_FORMAT_VERSION = 1


def neutralise(cell: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection): prefix a quote."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def rows(docs: Sequence[AlignedDocument], by: By = "paragraph") -> tuple[list[str], list[list[object]]]:
    """Header and rows of the aligned table: one row per paragraph (or per sentence)."""
    langs: list[str] = []
    for d in docs:
        for lang in [d.document.lang, *d.targets]:
            if lang not in langs:
                langs.append(lang)
    header = ["document", "paragraph"] + (["sentence"] if by == "sentence" else []) + ["kind"] + langs
    out: list[list[object]] = []
    for d in docs:
        src = d.document.lang
        for p in d.document.paragraphs:
            if by == "paragraph":
                cells = {src: p.text}
                for lang in d.targets:
                    cells[lang] = join_sentences([t.text for t in d.translations[lang][p.index]], lang)
                out.append([d.document.name, p.index + 1, p.kind] + [cells.get(lang, "") for lang in langs])
            else:
                for si, sentence in enumerate(p.sentences):
                    cells = {src: sentence}
                    for lang in d.targets:
                        done = d.translations[lang][p.index]
                        cells[lang] = done[si].text if si < len(done) else ""
                    out.append([d.document.name, p.index + 1, si + 1, p.kind] + [cells.get(lang, "") for lang in langs])
    return header, out


def to_csv(docs: Sequence[AlignedDocument], by: By = "paragraph", raw: bool = False) -> str:
    """RFC 4180 CSV text (CRLF, quotes doubled); cells neutralised unless `raw`.

    The caller adds the UTF-8 BOM when writing bytes (see `csv_bytes`), so Excel picks UTF-8
    and shows Korean and Chinese instead of mojibake.
    """
    header, body = rows(docs, by)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in body:
        w.writerow([c if raw or not isinstance(c, str) else neutralise(c) for c in r])
    return buf.getvalue()


def csv_bytes(docs: Sequence[AlignedDocument], by: By = "paragraph", raw: bool = False) -> bytes:
    return to_csv(docs, by, raw).encode("utf-8-sig")


def to_json(docs: Sequence[AlignedDocument]) -> str:
    return json.dumps({"format": "parallax", "version": JSON_FORMAT_VERSION,
                       "documents": [d.to_dict() for d in docs]}, ensure_ascii=False, indent=2)


def from_json(text: str) -> list[AlignedDocument]:
    data = json.loads(text)
    return [AlignedDocument.from_dict(d) for d in data["documents"]]


def to_text(doc: AlignedDocument, lang: str) -> str:
    """One language's version as plain text, one paragraph per block, in source order."""
    if lang == doc.document.lang:
        return "\n\n".join(p.text for p in doc.document.paragraphs) + "\n"
    return "\n\n".join(doc.paragraph_translation(lang, p.index) for p in doc.document.paragraphs) + "\n"


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write to a temporary sibling, fsync, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def output_paths(out_dir: Path, doc_name: str, langs: Iterable[str]) -> dict[str, Path]:
    """Where one document's results go: <stem>.<lang>.txt per target and <stem>.json."""
    stem = Path(doc_name).stem
    if stem.endswith(".en"):
        stem = stem[:-3]
    paths = {lang: out_dir / f"{stem}.{lang}.txt" for lang in langs}
    paths["json"] = out_dir / f"{stem}.json"
    return paths


def write_document(out_dir: Path, doc: AlignedDocument) -> dict[str, Path]:
    """Text files first, the JSON last: a JSON present means the document is finished."""
    paths = output_paths(out_dir, doc.document.name, doc.targets)
    for lang in doc.targets:
        write_atomic(paths[lang], to_text(doc, lang))
    write_atomic(paths["json"], to_json([doc]))
    return paths


def finished(out_dir: Path, doc: Document, targets: Sequence[str]) -> AlignedDocument | None:
    """The earlier result for `doc` if a previous run completed it with these targets (resume)."""
    path = output_paths(out_dir, doc.name, targets)["json"]
    if not path.is_file():
        return None
    try:
        (old,) = from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError):
        return None  # unreadable or from another tool: translate again and overwrite
    same_source = [p.text for p in old.document.paragraphs] == [p.text for p in doc.paragraphs]
    if not same_source or not set(targets) <= set(old.targets):
        return None
    if not all(path.is_file() for path in output_paths(out_dir, doc.name, targets).values()):
        return None
    return AlignedDocument(old.document, {lang: old.translations[lang] for lang in targets})
