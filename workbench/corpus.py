"""Inputs of any size, read lazily: files, folders, globs, stdin, and corpus files (JSONL, CSV,
Parquet) with one document per row, an id column and a text column.

Nothing is read until the translation pipeline asks for the next document: `Corpus` yields
`Item`s (a file name, a row's id and text) and `Item.read` turns one into a Document (decode,
language check, paragraphs, sentences). Folders and `**` globs are walked in name order with a
depth limit, never entering a folder twice along one path, so a symlink loop ends.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Callable, Iterator, Literal, Sequence

from .documents import MAX_INPUT_BYTES, SUPPORTED_SUFFIXES, Document, SegmentMemo, from_text, read_bytes, read_file
from .documents.decode import utf8_with_stray_bytes
from .errors import BadInput, UsageError, WorkbenchError

CORPUS_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".parquet"}
ID_FIELDS = ("id", "doc_id", "document_id", "name", "url", "path")
TEXT_FIELDS = ("text", "body", "content", "article", "document")
MAX_DEPTH = 32  # folders below an input or a `**`; deeper ones are reported and skipped
# a JSONL line or CSV record longer than this is refused unread (the text cap plus room for the id
# and other fields): memory per record stays bounded whatever a corpus file holds
MAX_RECORD_BYTES = MAX_INPUT_BYTES + 2**20
FIELD_CHECK_ROWS = 20  # JSONL rows looked at before an id/text field none of them has is a usage error
_SURROGATE = re.compile("[\ud800-\udfff]")

ReportFn = Callable[[str], None]  # one line for the user (stderr)
ProblemFn = Callable[[str | WorkbenchError], None]  # a line, or an error carrying its data


STDIN_NAME = "stdin"  # what messages and outputs call `-` (no suffix: read as plain text)


@dataclass(frozen=True)
class Item:
    """One input document before it is read: a file, stdin, or one row of a corpus file."""

    name: str  # the document's name: the file's name, or the row's id
    path: str | None = None  # a file to read
    text: str | None = None  # a corpus row's text
    data: bytes | None = None  # the bytes: stdin's, or a file's once read for its resume digest
    origin: str = ""  # where a row came from, for messages ("news.jsonl line 12")

    def read(self, lang: str | None = None, memo: SegmentMemo | None = None) -> Document:
        """The Document (decoded, language-checked, split); BadInput names the input."""
        if self.path is not None:
            return read_file(self.path, lang, memo, data=self.data)
        if self.data is not None:
            return read_bytes(self.data, self.name, lang, memo)
        try:
            return from_text(self.text or "", self.name, lang, memo)
        except BadInput as exc:
            raise exc.reworded(f"{self.origin}: {exc.message}") if self.origin else exc from None


def is_corpus_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in CORPUS_SUFFIXES


def _magic(part: str) -> bool:
    return any(ch in part for ch in "*?[")


def _dir_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()  # follows symlinks: a link to a folder is that folder
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def iter_glob(pattern: str, report: ReportFn | None = None) -> Iterator[Path]:
    """Files matching `pattern` (`*`, `?`, `[...]`, `**` for any depth), lazily, in name order per
    folder. Hidden names match only a pattern part that starts with a dot. A folder already on the
    current path (a symlink loop) is not entered again, and `**` stops at MAX_DEPTH."""
    parts = Path(pattern).parts
    fixed = 0
    while fixed < len(parts) - 1 and not _magic(parts[fixed]):
        fixed += 1
    base = Path(*parts[:fixed]) if fixed else Path(".")
    yield from _walk(base, list(parts[fixed:]), (), 0, report, prefix=fixed > 0)


def _walk(base: Path, parts: list[str], ancestors: tuple, depth: int, report: ReportFn | None,
          prefix: bool) -> Iterator[Path]:
    def child(name: str) -> Path:
        return base / name if prefix or str(base) != "." else Path(name)

    if not parts:
        if base.is_file():
            yield base
        return
    head, rest = parts[0], parts[1:]
    if head == "**" and not rest:
        rest = ["*"]  # `folder/**` means every file below it
    key = _dir_key(base)
    if key is None:
        return
    if key in ancestors:
        if report:
            report(f"skipped {base}: a link back to a folder above it (a loop)")
        return
    ancestors = ancestors + (key,)
    if head == "**":
        yield from _walk(base, rest, ancestors[:-1], depth, report, prefix)  # zero folders
        if depth >= MAX_DEPTH:
            if report:
                report(f"skipped the folders below {base}: deeper than {MAX_DEPTH} levels")
            return
        for e in _entries(base):
            if not e.name.startswith(".") and _dir_key(Path(e.path)) is not None:
                yield from _walk(child(e.name), parts, ancestors, depth + 1, report, True)
    elif _magic(head):
        for e in _entries(base):
            if e.name.startswith(".") and not head.startswith("."):
                continue
            if fnmatchcase(e.name, head):
                yield from _walk(child(e.name), rest, ancestors, depth, report, True)
    else:
        yield from _walk(child(head), rest, ancestors, depth, report, True)


def iter_folder(folder: Path, report: ReportFn | None = None, exclude: Sequence[Path] = ()) -> Iterator[Path]:
    """The supported documents under `folder`, at any depth; what is skipped is reported with why."""
    excluded = {_dir_key(p) for p in exclude} - {None}
    for path in iter_glob(str(folder / "**" / "*"), report):
        suffix = path.suffix.lower()
        if excluded and any(_dir_key(parent) in excluded for parent in path.parents):
            continue
        if suffix in SUPPORTED_SUFFIXES:
            yield path
        elif report:
            if suffix in CORPUS_SUFFIXES:
                report(f"skipped {path}: a corpus file; give it as an input of its own to translate its rows")
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                report(f"skipped {path}: unsupported file type {suffix or '(none)'} (translated: {kinds})")


class Corpus:
    """The inputs of one run as a lazy stream of Items, in the order given; duplicates once.

    `report` gets one line per skipped file or unusable row (the CLI prints them on stderr);
    `problem` gets one line per input that failed (the CLI counts them for the exit code).
    """

    def __init__(self, inputs: Sequence[str], id_field: str | None = None, text_field: str | None = None,
                 report: ReportFn | None = None, problem: ProblemFn | None = None,
                 exclude: Sequence[Path] = (), stdin=None) -> None:
        self.inputs = list(inputs)
        self.id_field, self.text_field = id_field, text_field
        self.report = report or (lambda line: None)
        self.problem = problem or (lambda line: None)
        self.exclude = list(exclude)
        self.stdin = stdin

    # ------------------------------------------------------------ which files

    def sources(self) -> Iterator[str]:
        """Every input file (or '-') in order, patterns and folders expanded, each once."""
        return (src for src, _name in self.named_sources())

    def named_sources(self) -> Iterator[tuple[str, str]]:
        """`sources()` with each file's name: its path below the folder (or the fixed start of the
        pattern) it was found in, `a/story.txt`, so outputs can mirror the inputs' folders."""
        seen: set[str] = set()
        for pat in self.inputs:
            if pat == "-":
                found: Iterator[tuple[str, str]] = iter([("-", STDIN_NAME)])
            elif _magic(pat):
                found = self._matches(pat)
            elif Path(pat).is_dir():
                found = self._folder(Path(pat))
            else:
                found = iter([(pat, Path(pat).name)])
            for f, name in found:
                key = f if f == "-" else os.path.realpath(f)
                if key not in seen:
                    seen.add(key)
                    yield f, name

    def _matches(self, pat: str) -> Iterator[tuple[str, str]]:
        n = 0
        parts = Path(pat).parts
        fixed = next(i for i, part in enumerate(parts) if _magic(part) or i == len(parts) - 1)
        for p in iter_glob(pat, self.report):
            n += 1
            yield str(p), p.relative_to(Path(*parts[:fixed])).as_posix() if fixed else p.as_posix()
        if not n:
            self.problem(f"{pat}: no file matches this pattern")

    def _folder(self, folder: Path) -> Iterator[tuple[str, str]]:
        n = 0
        for p in iter_folder(folder, self.report, self.exclude):
            n += 1
            yield str(p), p.relative_to(folder).as_posix()
        if not n:
            excluded = {_dir_key(p) for p in self.exclude} - {None}
            if any(_dir_key(p) in excluded for p in (folder, *folder.parents)):
                self.problem(BadInput(f"{folder}: is (in) an output folder of this run, whose files are outputs, "
                                      "never inputs; give another output folder", "outputs"))
                return
            kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
            self.problem(f"{folder}: folder has no files to translate ({kinds})")

    # ------------------------------------------------------------ items

    def __iter__(self) -> Iterator[Item]:
        for src, name in self.named_sources():
            if src == "-":
                stream = self.stdin if self.stdin is not None else sys.stdin.buffer
                data = stream.read(MAX_INPUT_BYTES + 1)  # never more than the limit, even from /dev/zero
                yield Item(STDIN_NAME, data=data)
            elif is_corpus_file(src):
                yield from self.rows(Path(src))
            else:
                yield Item(name, path=src)

    def rows(self, path: Path) -> Iterator[Item]:
        """One Item per row of a JSONL, CSV or Parquet corpus, read as the pipeline asks."""
        suffix = path.suffix.lower()
        try:
            if suffix == ".parquet":
                yield from self._table_rows(path, _parquet_records(path, self.id_field, self.text_field, self.problem),
                                            "row")
            elif suffix == ".csv":
                yield from self._table_rows(path, _csv_records(path, self.problem), "row")
            else:
                records = _jsonl_records(path, self.problem, self.report)
                yield from self._table_rows(path, _check_jsonl_fields(path, records, self.id_field, self.text_field),
                                            "line")
        except OSError as exc:
            self.problem(f"{path}: cannot be read ({exc.strerror or exc})")
        except BadInput as exc:
            self.problem(exc.message)

    def _table_rows(self, path: Path, records: Iterator[tuple[int, dict]], unit: str) -> Iterator[Item]:
        id_field, text_field = self.id_field, self.text_field
        first = True
        for n, rec in records:
            if first and unit == "row":  # a CSV has fixed columns: a misnamed one is one line, not one per row
                check_columns(path, list(rec), self.id_field, self.text_field)
            first = False
            if text_field is None:
                text_field = self.text_field or pick_field(rec, TEXT_FIELDS, "text", path)
                id_field = self.id_field or next((f for f in ID_FIELDS if f in rec), None)
            origin = f"{path.name} {unit} {n}"
            text = rec.get(text_field)
            if not isinstance(text, str):
                self.problem(f"{origin}: no text in column {text_field!r}")
                continue
            raw_id = rec.get(id_field) if id_field else None
            if id_field and self.id_field and (raw_id is None or isinstance(raw_id, (dict, list))):
                self.problem(f"{origin}: no usable id in column {id_field!r}")
                continue
            name = str(raw_id) if raw_id is not None and not isinstance(raw_id, (dict, list)) else f"{path.stem}-{n}"
            why = record_problem(name, text)
            if why:
                self.problem(f"{origin} (id {shown(name)}): {why}; skipped")
                continue
            yield Item(name, text=text, origin=f"{origin} (id {name})")

    # ------------------------------------------------------------ size, for progress

    def count(self) -> int | None:
        """How many documents the inputs hold, without reading their texts (None when unknown)."""
        total = 0
        for src in Corpus(self.inputs, self.id_field, self.text_field, exclude=self.exclude).sources():
            if src == "-" or not is_corpus_file(src):
                total += 1
            elif src.lower().endswith(".parquet"):
                try:
                    import pyarrow.parquet as pq

                    total += pq.ParquetFile(src).metadata.num_rows
                except Exception:
                    return None
            elif src.lower().endswith(".csv"):
                try:
                    total += sum(1 for _ in _csv_records(Path(src), lambda line: None))
                except (OSError, csv.Error):
                    return None
            else:
                try:
                    with open(src, "rb") as f:
                        total += sum(1 for line in f if line.strip())
                except OSError:
                    return None
        return total


def pick_field(rec: dict, candidates: Sequence[str], what: Literal["id", "text"], path: Path) -> str:
    for f in candidates:
        if f in rec:
            return f
    cols = ", ".join(map(str, list(rec)[:12]))
    raise UsageError(f"{path}: no {what} column found (columns: {cols}); name it", f"{what}_field")


def check_columns(path: Path, columns: list, id_field: str | None, text_field: str | None) -> None:
    """UsageError (naming the setting) for an id or text column the user named that is not there."""
    for setting, what, name in (("id_field", "id", id_field), ("text_field", "text", text_field)):
        if name is not None and name not in columns:
            raise UsageError(f"{path}: no column {name!r} for the {what} (columns: "
                             f"{', '.join(map(str, columns[:12]))})", setting)


def shown(name: str, limit: int = 60) -> str:
    """An id as a message shows it: quoted, escapes visible (NUL, newlines), long ones cut."""
    text = repr(name[:limit])
    return text + ("…" if len(name) > limit else "")


def record_problem(name: str, text: str) -> str | None:
    """Why a corpus record cannot be translated whatever its language (None: it can)."""
    for what, value in (("id", name), ("text", text)):
        found = _SURROGATE.search(value)
        if found:
            return (f"its {what} has a lone surrogate ({found.group()!a} at character {found.start() + 1}), "
                    "which is not text")
    return None


def _read_line(f: IO[bytes], limit: int) -> tuple[bytes, bool]:
    """The next line, at most `limit` bytes of it; (b"", False) at the end. An overlong line is
    read on to its end in bounded pieces and returned as (its first bytes, True)."""
    line = f.readline(limit + 1)
    if len(line) <= limit or line.endswith(b"\n"):
        return line, False
    rest = line
    while rest and not rest.endswith(b"\n"):
        rest = f.readline(2**20)
    return line[:64], True


def _jsonl_records(path: Path, problem: ReportFn, report: ReportFn = lambda line: None) -> Iterator[tuple[int, dict]]:
    """The JSON objects of a JSONL file with their line numbers; each line is read with a cap."""
    not_utf8: list[int] = []
    with open(path, "rb") as f:
        n = 0
        while True:
            raw, too_long = _read_line(f, MAX_RECORD_BYTES)
            if not raw:
                break
            n += 1
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if too_long:
                problem(f"{path.name} line {n}: longer than {MAX_RECORD_BYTES // 2**20} MB (a text is at most "
                        f"{MAX_INPUT_BYTES // 2**20} MB); skipped without reading it")
                continue
            if not raw.strip():
                continue
            line, stray = utf8_with_stray_bytes(raw)
            if stray:
                not_utf8.append(n)
            try:
                rec = json.loads(line)
            except ValueError:
                problem(f"{path.name} line {n}: not valid JSON")
                continue
            if not isinstance(rec, dict):
                problem(f"{path.name} line {n}: not a JSON object")
                continue
            yield n, rec
    if not_utf8:
        shown_lines = ", ".join(map(str, not_utf8[:10])) + (f" and {len(not_utf8) - 10} more" if len(not_utf8) > 10 else "")
        report(f"warning: {path.name}: line{'s' if len(not_utf8) > 1 else ''} {shown_lines} "
               f"{'are' if len(not_utf8) > 1 else 'is'} not UTF-8; read as Windows-1252 (Latin-1), check them")


def _check_jsonl_fields(path: Path, records: Iterator[tuple[int, dict]], id_field: str | None,
                        text_field: str | None) -> Iterator[tuple[int, dict]]:
    """As for CSV and Parquet, a named id or text field that none of the first rows has is one
    usage error (a misspelled name), not one error line per row."""
    first: list[tuple[int, dict]] = []
    for item in records:
        first.append(item)
        if len(first) >= FIELD_CHECK_ROWS:
            break
    for setting, what, name in (("id_field", "id", id_field), ("text_field", "text", text_field)):
        if name is not None and first and not any(name in rec for _n, rec in first):
            keys = list(dict.fromkeys(k for _n, rec in first for k in rec))
            raise UsageError(f"{path}: no field {name!r} for the {what} in its first {len(first)} rows "
                             f"(fields: {', '.join(map(str, keys[:12]))})", setting)
    yield from first
    yield from records


class _RecordTooLarge(Exception):
    """Raised through csv.reader for a record over MAX_RECORD_BYTES (already skipped)."""


class _CappedLines:
    """The lines of a CSV file for csv.reader, at most `limit` characters per record: a record
    over it is skipped to its end (quotes are counted, so a quoted cell's newlines are passed
    over) without being held, and `_RecordTooLarge` goes up through the reader."""

    def __init__(self, f: IO[str], limit: int) -> None:
        self.f, self.limit = f, limit
        self.new_record()

    def new_record(self) -> None:
        self.used = 0
        self.quotes = 0

    def __iter__(self) -> "_CappedLines":
        return self

    def __next__(self) -> str:
        line = self.f.readline(self.limit - self.used + 1)
        if not line:
            raise StopIteration
        if self.used + len(line) <= self.limit:
            self.used += len(line)
            self.quotes += line.count('"')
            return line
        quotes = self.quotes + line.count('"')
        piece = line
        while piece and not (piece.endswith("\n") and quotes % 2 == 0):
            piece = self.f.readline(2**20)
            quotes += piece.count('"')
        self.new_record()
        raise _RecordTooLarge


def _csv_records(path: Path, problem: ReportFn) -> Iterator[tuple[int, dict]]:
    csv.field_size_limit(MAX_RECORD_BYTES + 1)  # records are capped by _CappedLines
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        lines = _CappedLines(f, MAX_RECORD_BYTES)
        reader = csv.reader(lines)
        header: list[str] | None = None
        n = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (_RecordTooLarge, csv.Error) as exc:
                lines.new_record()
                if header is None:
                    raise BadInput(f"{path}: the header row cannot be read") from None
                n += 1
                why = (f"larger than {MAX_RECORD_BYTES // 2**20} MB (a text is at most {MAX_INPUT_BYTES // 2**20} MB)"
                       if isinstance(exc, _RecordTooLarge) else f"not valid CSV ({exc})")
                problem(f"{path.name} row {n}: {why}; skipped")
                continue
            lines.new_record()
            if header is None:
                header = cells
                continue
            if not cells:
                continue
            n += 1
            rec = dict(zip(header, cells))
            for key in header[len(cells):]:
                rec[key] = None
            yield n, rec


def _parquet_records(path: Path, id_field: str | None, text_field: str | None,
                     problem: ReportFn = lambda line: None) -> Iterator[tuple[int, dict]]:
    """Rows in bounded memory (see workbench.parquet): a text over the cap is one problem line."""
    from . import parquet

    pf = parquet.open_file(path)
    names = pf.schema_arrow.names
    check_columns(path, names, id_field, text_field)
    text = text_field or pick_field(dict.fromkeys(names), TEXT_FIELDS, "text", path)
    ident = id_field or next((f for f in ID_FIELDS if f in names), None)
    columns = [c for c in (ident, text) if c]
    yield from parquet.records(path, columns, text, problem, cap=MAX_INPUT_BYTES, pf=pf)
