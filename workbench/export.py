"""Exports of aligned documents: CSV for spreadsheets, JSON (lossless), plain text per language.

Files are written atomically (a temporary file in the same folder, then a rename), so an
interrupted run leaves each output complete or absent, never half-written; `check_writable` lets
the CLI refuse an unusable output location before any work (see "writing files" below).
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import secrets
import stat
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator, Literal, Sequence

from .engine import AlignedDocument, join_sentences
from .errors import OutputError, Setting

try:  # advisory locks mark a .part file as in use (not on Windows: there, age alone decides)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

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
    return csv_text(header, body, raw)


def csv_text(header: Sequence[object], body: Iterable[Sequence[object]], raw: bool = False) -> str:
    """The one CSV writer of the tables and reports (translations, alignments, comparisons,
    checks): RFC 4180 (CRLF, quotes doubled), every text cell neutralised unless `raw`."""
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


# ---------------------------------------------------------------- writing files
#
# Every output goes through `write_atomic`: a temporary sibling named `.<name>.<random>.part`,
# locked while it is written, then renamed over the target. The rules, so that an output never
# clobbers something that is not an output:
#   * only a regular file (or nothing) is replaced: a folder, a device, a FIFO or a socket at the
#     target is refused with one line (`OutputError`), never turned into a regular file;
#   * a symlink is written THROUGH: the file it points to is replaced and the link stays (a link to
#     something that is not a regular file is refused like that thing);
#   * a new file gets the usual mode (0666 minus the umask, like `>` in a shell); a replaced file
#     keeps its mode;
#   * a `.part` file left by a killed run is removed by the next run's first write into that
#     folder, once it is unlocked and more than STALE_PART_SECONDS old (so a concurrent writer's
#     is never touched);
#   * a full disk or another OS error gives one line and leaves no partial file.

STALE_PART_SECONDS = 60
_CLEANED: set[Path] = set()
_PART_RE = re.compile(r"^\..+\.[0-9a-f]{16}\.part$")


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "an unusual kind of file"


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or str(exc)


def _resolve_target(path: Path) -> Path:
    """The regular file that writing `path` replaces (through symlinks); OutputError otherwise."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = target.stat()
    except (FileNotFoundError, NotADirectoryError):  # the folder check says what is wrong
        return target
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({_why(exc)})") from None
    if stat.S_ISREG(st.st_mode):
        return target
    what = _describe(st.st_mode)
    via = f" (the symlink points to {target})" if target != path else ""
    hint = "; give a file name inside it" if stat.S_ISDIR(st.st_mode) else "; write to a regular file"
    raise OutputError(f"{path}: is {what}{via}, not a file{hint}")


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _probe_folder(folder: Path, shown: Path) -> None:
    """OutputError unless a file can be created in `folder` (or in the folder that would hold it)."""
    base = _nearest_existing(folder)
    if not base.is_dir():
        raise OutputError(f"{shown}: cannot be created: {base} is a file, not a folder")
    name = base / f".parallax-probe.{secrets.token_hex(8)}.part"
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        where = "" if base == folder else f" (in {base})"
        raise OutputError(f"{shown}: cannot be written{where}: {_why(exc)}") from None
    os.close(fd)
    os.unlink(name)


def check_writable(path: str | Path, kind: Literal["file", "dir"] = "file", setting: Setting = "out") -> Path:
    """Preflight for an output: raise `OutputError` (one line) unless `path` can be written as a
    file (`kind="file"`) or used as a folder of outputs (`kind="dir"`; `setting`: the output
    folder the error names, for the front end to word).

    Called by the CLI for every output BEFORE any translation work, so a typo costs nothing.
    Missing folders are fine (they are created when written) as long as the nearest existing
    one is a writable folder. Nothing is created or changed.
    """
    path = Path(path)
    if kind == "dir":
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path}: is a file, not a folder; this output needs a folder", setting)
        _probe_folder(path, path)
        return path
    if str(path) == "-":
        return path
    target = _resolve_target(path)
    _probe_folder(target.parent, path)
    return path


def check_outputs(files: Sequence[str | Path | None] = (), out_dir: str | Path | None = None) -> None:
    """`check_writable` for each output file given (None skipped) and for the output folder."""
    if out_dir:
        check_writable(out_dir, "dir")
    for f in files:
        if f:
            check_writable(f, "file")


def clean_stale_parts(folder: Path, older_than: float = STALE_PART_SECONDS) -> list[Path]:
    """Remove `.part` files that a killed run left in `folder` (our name pattern only, old and
    not locked by a live writer). Returns what was removed; errors are ignored (best effort)."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _PART_RE.match(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or now - entry.stat().st_mtime < older_than:
                continue
            if _locked(entry.path):
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _locked(path: str) -> bool:
    """True if another process holds the write lock on `path` (always False without fcntl)."""
    if fcntl is None:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops our lock
    return False


class _FdRaw(io.RawIOBase):
    """Raw writes straight to a file descriptor (os.write), under a BufferedWriter."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return os.write(self.fd, data)


@contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at `path` complete or not at all (see the rules above): `-` is
    stdout. Raises `OutputError` for anything the user has to fix; the old file is untouched."""
    if str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    path = Path(path)
    target = _resolve_target(path)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the folder {folder} ({_why(exc)})") from None
    if folder not in _CLEANED:  # once per folder and process: a batch writes thousands of files
        _CLEANED.add(folder)
        clean_stale_parts(folder)
    try:
        old_mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        old_mode = None
    tmp, fd = _create_part(target, path)
    try:
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            if old_mode is not None:
                os.fchmod(fd, old_mode)
            out = io.BufferedWriter(_FdRaw(fd))
            yield out
            out.flush()
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise OutputError(f"{path}: cannot be written ({_why(exc)}); nothing was written") from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write `data` to `path` all at once or not at all (`atomic_output`); returns the path."""
    with atomic_output(path) as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def _create_part(target: Path, shown: Path) -> tuple[Path, int]:
    """A new, empty temporary sibling of `target`, created with mode 0666 (the umask applies)."""
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(8)}.part"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"{shown}: cannot be written ({_why(exc)})") from None
    raise OutputError(f"{shown}: cannot create a temporary file in {target.parent}")


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def write_document(paths: dict[str, Path], doc: AlignedDocument) -> dict[str, Path]:
    """One document's files (naming.output_paths): the texts first, the JSON last, so a JSON
    present means the document is finished."""
    for lang in doc.targets:
        write_atomic(paths[lang], to_text(doc, lang))
    write_atomic(paths["json"], to_json([doc]))
    return paths
