"""Outputs for corpus-size runs: aligned rows as JSONL shards, a manifest of finished documents for
resume, and a CSV export that streams from the shards.

Each output folder keeps `manifest.jsonl`: one line per finished document (its name, a digest of
its raw input, the target languages, per target the identity of the models that made it
(`engine.Signature.chain_id`) and, for row shards, the byte range of its rows). A document's
rows are written (and flushed) before its manifest line, so after a kill the manifest names only
documents whose outputs are complete. On the next run:

- one run writes to a folder at a time (`.parallax-run.lock`; a second run is refused at once);
- a document finished from the same input with the same models is skipped; one whose input
  changed, or one a model since replaced made (another identity for one of its targets), is done
  again. A line written before the manifest named the models (no "models") counts as finished:
  those outputs were accepted before the upgrade, and translating a whole corpus again because the
  program was updated is not what a rerun is for (`--force` does that);
- a damaged manifest line is reported once (file and line) and its document is not done;
- each finished document's rows are checked to be where the manifest says (a shard cut short or
  deleted): those that are not are translated again;
- anything a shard holds outside the finished documents' ranges (a killed run's tail, the old rows
  of a document translated again because its input changed) is removed, so a document's rows are
  in the shards once.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import IO, Callable, Iterator, Mapping, Sequence

from .engine import AlignedDocument, join_sentences
from .errors import BadInput, OutputError
from .locking import FolderLock

MANIFEST = "manifest.jsonl"
RUN_LOCK = ".parallax-run.lock"
SHARD_ROWS = 100_000  # rows per shard; a document's rows never straddle two shards
_SHARD_NAME = re.compile(r"rows-\d{5,}\.jsonl")
# errors that concern a whole output folder (stop the run) rather than one document's file name
FOLDER_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}

ReportFn = Callable[[str], None]


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


Models = Mapping[str, str]  # target language -> identity of the models translating into it


def stamp_of(digest: str | None, targets: Sequence[str], models: Models | None = None) -> str:
    """A finished document as the manifest remembers it: "digest|ko,zh" and, when the models
    are known, "|ko=<id>,zh=<id>" (one short string per document: a corpus has millions)."""
    line = f"{digest or ''}|{','.join(targets)}"
    return line if models is None else line + "|" + ",".join(f"{k}={v}" for k, v in sorted(models.items()))


def stamp_matches(stamp: str | None, digest: str | None, targets: Sequence[str], models: Models | None = None) -> bool:
    """Whether a manifest stamp says: finished from the same input, with these targets, and with
    the same models for each of them. A stamp without models (a manifest from before they were
    recorded) matches any models; `models` None (a caller that does not know them) checks none."""
    if stamp is None or digest is None:
        return False
    old_digest, _, rest = stamp.partition("|")
    old_targets, recorded, old_models = rest.partition("|")
    if old_digest != digest or not set(targets) <= set(old_targets.split(",")):
        return False
    if models is None or not recorded:
        return True
    made = dict(pair.split("=", 1) for pair in old_models.split(",") if "=" in pair)
    return all(made.get(lang) == models[lang] for lang in targets if lang in models)


def _why(exc: OSError) -> str:
    from .export import _why as why

    return why(exc)


def document_failure(exc: BaseException) -> str | None:
    """Why writing one document's outputs failed, when it failed because of that document (its
    name has a NUL, is too long, cannot be encoded), so the run can go on without it; None for a
    folder-wide failure (disk full, read-only, permission) or a bug, which stop the run."""
    if isinstance(exc, UnicodeError):
        return "its name or text has characters that cannot be written (a lone surrogate)"
    if isinstance(exc, ValueError):
        return str(exc)
    cause = exc if isinstance(exc, OSError) else exc.__context__
    if isinstance(cause, OSError) and cause.errno not in FOLDER_ERRNOS:
        return _why(cause)
    return None


def lock_folder(folder: Path) -> FolderLock:
    """The output folder for this run alone; OutputError naming the other run if it is taken."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return FolderLock(folder / RUN_LOCK, wait=False, remove=True)
    except BlockingIOError:
        pid = FolderLock.holder(folder / RUN_LOCK)
        who = f"another run (process {pid})" if pid else "another run"
        raise OutputError(f"{folder}: {who} is writing to this folder; wait for it to finish, "
                          "or give another output folder") from None
    except OSError as exc:
        raise OutputError(f"{folder}: cannot be used as an output folder ({_why(exc)})") from None


def _damage(entry) -> str | None:
    """What is wrong with a parsed manifest line (None: nothing)."""
    if not isinstance(entry, dict):
        return "not a JSON object"
    if not isinstance(entry.get("id"), str) or not entry["id"]:
        return "no document id"
    if entry.get("digest") is not None and not isinstance(entry["digest"], str):
        return "the digest is not a string"
    targets = entry.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        return "the targets are not a list of language codes"
    models = entry.get("models", {})
    if not isinstance(models, dict) or not all(isinstance(k, str) and isinstance(v, str) and "," not in k + v
                                               and "=" not in k + v and "|" not in k + v for k, v in models.items()):
        return "the models are not language codes with model identities"
    if "shard" in entry:
        if not isinstance(entry["shard"], str) or not _SHARD_NAME.fullmatch(entry["shard"]):
            return "the shard is not a rows-NNNNN.jsonl name"
        for key in ("start", "end", "rows"):
            value = entry.get(key, 0)
            if type(value) is not int or value < 0:
                return f"{key} is not a byte offset or count"
        if "end" not in entry or entry.get("start", 0) > entry["end"]:
            return "no byte range for the rows"
    return None


class Manifest:
    """The finished documents of one output folder, appended to as documents finish."""

    def __init__(self, folder: str | Path, repair: bool = True, rows: bool | None = None,
                 report: ReportFn | None = None) -> None:
        """`repair` (a writer): take the folder's run lock, cut a line a killed run left
        half-written and drop damaged lines. Readers leave the file alone, so an export can run
        while a translation is still appending. `rows`: count only row-shard entries (True) or
        only `--out` entries (False), so a folder used once as `--out` and once as `--rows` does
        not take one kind of output for the other. `report` gets one line per damaged line."""
        self.folder = Path(folder)
        self.repair = repair
        self.rows = rows
        self.report = report or (lambda line: None)
        self.path = self.folder / MANIFEST
        self.done: dict[str, str] = {}  # name -> stamp_of() (small: ~150 bytes per document)
        self.ranges: dict[str, tuple[str, int, int]] = {}  # name -> (shard, start, end) of its rows
        self._line: dict[str, int] = {}  # name -> the manifest line that counts (the last valid one)
        self._count = 0  # complete lines in the file
        self.stale = False  # lines that no longer count: rewrite the manifest without them
        self._file: IO[str] | None = None
        self.before_release: Callable[[], None] | None = None  # last work under the lock (RowShards)
        self._lock = lock_folder(self.folder) if repair else None
        self._load()

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        """The complete lines (a line cut by a kill is not one), numbered from 1."""
        try:
            f = open(self.path, "rb")
        except FileNotFoundError:
            return
        with f:
            for n, line in enumerate(f, 1):
                if line.endswith(b"\n"):
                    yield n, line

    def _load(self) -> None:
        if not self.path.is_file():
            return
        size = 0
        shard_end: dict[str, int] = {}  # rows of older entries without "start" follow the previous ones
        for n, raw in self._lines():
            size += len(raw)
            self._count = n
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except ValueError:
                entry, why = None, "not valid JSON"
            else:
                why = _damage(entry)
            if why is not None:
                self.stale = True
                self.report(f"{self.path} line {n}: damaged ({why}); "
                            "its document is not counted as finished and is translated again")
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    self.forget(entry["id"])
                continue
            if self.rows is not None and ("shard" in entry) != self.rows:
                continue
            name = entry["id"]
            if name in self._line:
                self.stale = True  # done again (its input changed): the older line no longer counts
            self.done[name] = stamp_of(entry.get("digest"), entry.get("targets", []), entry.get("models"))
            self._line[name] = n
            if "shard" in entry:
                shard, end = entry["shard"], entry["end"]
                self.ranges[name] = (shard, entry.get("start", shard_end.get(shard, 0)), end)
                shard_end[shard] = end
        if self.repair and self.path.stat().st_size > size:
            with open(self.path, "r+b") as f:
                f.truncate(size)  # the line a kill cut short

    def forget(self, name: str) -> None:
        """`name` is not finished (its line is damaged, or its rows are not there)."""
        self.done.pop(name, None)
        self.ranges.pop(name, None)
        if self._line.pop(name, None) is not None:
            self.stale = True

    @property
    def shard_ends(self) -> dict[str, int]:
        """Per shard, where the last finished document's rows end."""
        ends: dict[str, int] = {}
        for shard, _start, end in self.ranges.values():
            ends[shard] = max(ends.get(shard, 0), end)
        return ends

    def finished(self, name: str, digest: str | None, targets: Sequence[str], models: Models | None = None) -> bool:
        """Whether `name` was finished from the same input with (at least) these targets, by the
        same `models` (see `stamp_matches`)."""
        return stamp_matches(self.done.get(name), digest, targets, models)

    def add(self, name: str, digest: str | None, targets: Sequence[str], models: Models | None = None,
            **extra) -> None:
        """`name` is finished; `models`: per target, the identity of the models that made it."""
        if name in self._line:
            self.stale = True
        entry = {"id": name, "digest": digest, "targets": list(targets),
                 **({"models": dict(models)} if models is not None else {}), **extra}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            if self._file is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "a", encoding="utf-8")
            self._file.write(line)
            self._file.flush()
        except OSError as exc:
            self._close_file()
            raise OutputError(f"{self.folder}: cannot write {MANIFEST} ({_why(exc)}); the documents finished "
                              "so far are kept, run the same command again to resume") from None
        self.done[name] = stamp_of(digest, targets, models)
        self._count += 1
        self._line[name] = self._count
        if "shard" in extra:
            self.ranges[name] = (extra["shard"], extra["start"], extra["end"])

    def rewrite(self, moved: dict[str, tuple[str, int, int]] | None = None) -> None:
        """Write the manifest again (atomically) with only the lines that count, row ranges
        updated from `moved`; lines of the other kind of output are kept as they are."""
        self._close_file()
        moved = moved or {}
        tmp = self.path.with_name(f".{MANIFEST}.part")
        lines: dict[str, int] = {}
        count = 0
        try:
            with open(tmp, "wb") as out:
                for n, raw in self._lines():
                    try:
                        entry = json.loads(raw)
                    except ValueError:
                        continue
                    if _damage(entry) is not None:
                        continue
                    name = entry["id"]
                    if self.rows is not None and ("shard" in entry) != self.rows:
                        pass  # the other kind's line, kept as it is
                    elif self._line.get(name) != n:
                        continue
                    elif name in moved or ("shard" in entry and "start" not in entry):
                        shard, start, end = moved.get(name, self.ranges[name])
                        entry.update(shard=shard, start=start, end=end)
                        raw = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
                    out.write(raw)
                    count += 1
                    if self.rows is None or ("shard" in entry) == self.rows:
                        lines[name] = count
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"{self.folder}: cannot rewrite {MANIFEST} ({_why(exc)})") from None
        self.ranges.update(moved)
        self._line, self._count, self.stale = lines, count, False

    def reset(self) -> None:
        """Forget every finished document (--force)."""
        self._close_file()
        self.path.unlink(missing_ok=True)
        self.done.clear()
        self.ranges.clear()
        self._line.clear()
        self._count = 0

    def _close_file(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def close(self) -> None:
        """Close the manifest and let other runs use the folder."""
        self._close_file()
        if self._lock is not None:
            try:
                if self.before_release is not None:
                    self.before_release()
            finally:
                self.before_release = None
                self._lock.release()
                self._lock = None


# ---------------------------------------------------------------- rows


def document_rows(doc: AlignedDocument) -> Iterator[dict]:
    """One row per source sentence: document, paragraph and sentence (from 1), kind, the source
    and each translation under its language code, `scores` (raw log-probabilities) and
    `confidences` (the app's [0, 1] numbers) per language. A paragraph's first row also
    carries the paragraph's exact source text, so paragraph tables can be rebuilt from rows."""
    d = doc.document
    for p in d.paragraphs:
        for si, sentence in enumerate(p.sentences):
            row: dict = {"doc": d.name, "paragraph": p.index + 1, "sentence": si + 1, "kind": p.kind,
                         "source": d.lang, d.lang: sentence}
            scores, confidences = {}, {}
            for lang in doc.targets:
                t = doc.translations[lang][p.index][si]
                row[lang] = t.text
                scores[lang] = t.score  # raw log-probability
                confidences[lang] = t.confidence  # what the app shows, in [0, 1]
            row["scores"] = scores
            row["confidences"] = confidences
            if si == 0:
                row["paragraph_text"] = p.text
            yield row


class RowShards:
    """Aligned rows of finished documents, appended to `rows-NNNNN.jsonl` shards in a folder."""

    def __init__(self, folder: str | Path, shard_rows: int = SHARD_ROWS, force: bool = False,
                 report: ReportFn | None = None) -> None:
        self.folder = Path(folder)
        self.report = report or (lambda line: None)
        self.manifest = Manifest(self.folder, rows=True, report=self.report)
        self.shard_rows = shard_rows
        self._file: IO[bytes] | None = None
        self.manifest.before_release = self._tidy  # however the run closes its outputs
        try:
            if force:
                self.manifest.reset()
            self._verify()
            self._recover()
        except BaseException:
            self.manifest.before_release = None
            self.manifest.close()
            raise

    def _shards(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("rows-*.jsonl") if _SHARD_NAME.fullmatch(p.name))

    def _verify(self) -> None:
        """Forget finished documents whose rows are not where the manifest says (a shard cut
        short, deleted or overwritten): they are translated again. One line per shard."""
        lost: dict[str, int] = {}
        by_shard: dict[str, list[tuple[int, int, str]]] = {}
        for name, (shard, start, end) in self.manifest.ranges.items():
            by_shard.setdefault(shard, []).append((start, end, name))
        for shard, spans in by_shard.items():
            bad = self._missing(self.folder / shard, spans)
            for name in bad:
                self.manifest.forget(name)
            if bad:
                lost[shard] = len(bad)
        for shard, n in lost.items():
            self.report(f"{self.folder / shard}: the rows of {n} finished document{'s' if n != 1 else ''} are "
                        "missing or damaged (the shard was cut short or deleted); they are translated again")

    @staticmethod
    def _missing(path: Path, spans: list[tuple[int, int, str]]) -> list[str]:
        """The documents among `spans` whose rows do not start and end where they should."""
        try:
            f = open(path, "rb")
        except OSError:
            return [name for _s, _e, name in spans]
        bad = []
        with f:
            size = os.fstat(f.fileno()).st_size
            for start, end, name in spans:
                if end > size or end <= start:
                    bad.append(name)
                    continue
                f.seek(end - 1)
                if f.read(1) != b"\n":
                    bad.append(name)
                    continue
                if start:
                    f.seek(start - 1)
                    if f.read(1) != b"\n":
                        bad.append(name)
                        continue
                else:
                    f.seek(0)
                head = f.readline(end - start)
                if not head.startswith(b'{"doc": ' + json.dumps(name, ensure_ascii=False).encode("utf-8") + b", "):
                    bad.append(name)
        return bad

    def _recover(self) -> None:
        """Leave in the shards only the finished documents' rows: a shard is cut back to where its
        last one ends (a killed run's tail), or rewritten without the rows no document owns any
        more (rows of a document translated again, rows after a damaged stretch)."""
        spans: dict[str, list[tuple[int, int, str]]] = {}
        for name, (shard, start, end) in self.manifest.ranges.items():
            spans.setdefault(shard, []).append((start, end, name))
        moved: dict[str, tuple[str, int, int]] = {}
        for shard in self._shards():
            own = sorted(spans.get(shard.name, []))
            if not own:
                shard.unlink()
                continue
            if all(s == (own[i - 1][1] if i else 0) for i, (s, _e, _n) in enumerate(own)):
                if shard.stat().st_size > own[-1][1]:
                    with open(shard, "r+b") as f:
                        f.truncate(own[-1][1])
                continue
            moved.update(self._compact(shard, own))
        if moved or self.manifest.stale:
            self.manifest.rewrite(moved)
        shards = self._shards()
        self._index = int(shards[-1].name[5:-6]) if shards else 0
        self._rows = 0
        if shards:  # continue the last shard; count its rows to know when it is full
            with open(shards[-1], "rb") as f:
                self._rows = sum(1 for _ in f)

    def _compact(self, shard: Path, own: list[tuple[int, int, str]]) -> dict[str, tuple[str, int, int]]:
        """Rewrite `shard` with only the ranges in `own` (atomically); their new places."""
        tmp = shard.with_name(f".{shard.name}.part")
        moved = {}
        try:
            with open(shard, "rb") as src, open(tmp, "wb") as out:
                for start, end, name in own:
                    src.seek(start)
                    moved[name] = (shard.name, out.tell(), out.tell() + end - start)
                    left = end - start
                    while left:
                        chunk = src.read(min(left, 1 << 20))
                        out.write(chunk)
                        left -= len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, shard)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"{self.folder}: cannot rewrite {shard.name} ({_why(exc)}); "
                              "nothing was lost, run the same command again when it can be written") from None
        return moved

    def _shard(self, index: int) -> Path:
        return self.folder / f"rows-{index:05d}.jsonl"

    def write(self, doc: AlignedDocument, digest: str | None, models: Models | None = None) -> None:
        block = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in document_rows(doc)).encode("utf-8")
        n = block.count(b"\n")
        if self._rows and self._rows + n > self.shard_rows:
            self._close_file()
            self._index += 1
            self._rows = 0
        start = 0
        try:
            if self._file is None:
                self._file = open(self._shard(self._index), "ab")
            start = self._file.tell()
            self._file.write(block)
            self._file.flush()  # the rows reach the OS before the manifest names the document
        except OSError as exc:
            self._close_file(cut=start)
            done = len(self.manifest.ranges)
            raise OutputError(f"{self.folder}: cannot write rows ({_why(exc)}); the {done} finished "
                              f"document{'s' if done != 1 else ''} are kept, run the same command again "
                              "to resume") from None
        self._rows += n
        self.manifest.add(doc.document.name, digest, doc.targets, models, shard=self._shard(self._index).name,
                          start=start, end=start + len(block), rows=n)

    def _close_file(self, cut: int | None = None) -> None:
        if self._file is None:
            return
        path = self._file.name
        try:
            self._file.close()
        except OSError:
            pass  # a flush that failed again: the cut below (or the next run) removes the rest
        self._file = None
        if cut is not None:
            try:
                os.truncate(path, cut)
            except OSError:
                pass

    def _tidy(self) -> None:
        """Drop the old rows of documents translated again in this run (under the folder's lock)."""
        self._close_file()
        if self.manifest.stale:
            self._recover()

    def close(self) -> None:
        self._close_file()
        self.manifest.close()


def iter_rows(source: str | Path) -> Iterator[dict]:
    """The rows of a shard folder (only the finished documents' rows, as its manifest lists them)
    or of one JSONL file."""
    source = Path(source)
    if source.is_dir():
        manifest = Manifest(source, repair=False, rows=True)
        if not any(source.glob("rows-*.jsonl")):
            raise BadInput(f"{source}: no rows-*.jsonl shards in this folder")
        spans = sorted((shard, start, end) for shard, start, end in manifest.ranges.values())
        open_shard: tuple[str, IO[bytes]] | None = None
        try:
            for shard, start, end in spans:
                if open_shard is None or open_shard[0] != shard:
                    if open_shard is not None:
                        open_shard[1].close()
                    try:
                        open_shard = (shard, open(source / shard, "rb"))
                    except OSError:
                        open_shard = None
                        continue
                f = open_shard[1]
                f.seek(start)
                while f.tell() < end:
                    line = f.readline()
                    if not line.endswith(b"\n"):
                        break
                    yield json.loads(line)
        finally:
            if open_shard is not None:
                open_shard[1].close()
        return
    if not source.is_file():
        raise BadInput(f"{source}: no such file or folder")
    with open(source, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith(b"\n"):
                break  # a line cut by a kill
            try:
                yield json.loads(line)
            except ValueError:
                raise BadInput(f"{source} line {n}: not valid JSON") from None


# ---------------------------------------------------------------- CSV from rows


def rows_languages(source: str | Path) -> list[str]:
    """Column languages in order of first appearance (source, then targets), as export.rows does."""
    langs: list[str] = []
    for row in iter_rows(source):
        for lang in [row["source"], *row["scores"]]:
            if lang not in langs:
                langs.append(lang)
    return langs


def rows_to_csv(source: str | Path, out: str | Path, by: str = "paragraph", raw: bool = False) -> int:
    """The same CSV as `export.csv_bytes` on the documents, streamed from rows (two passes, flat
    memory: one paragraph at a time). Returns the number of CSV rows written."""
    from .export import atomic_output, neutralise

    langs = rows_languages(source)
    header = ["document", "paragraph"] + (["sentence"] if by == "sentence" else []) + ["kind"] + langs
    written = 0
    with atomic_output(out) as f:
        text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        w = csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

        def emit(cells: list) -> None:
            nonlocal written
            w.writerow([c if raw or not isinstance(c, str) else neutralise(c) for c in cells])
            written += 1

        w.writerow(header)
        para: list[dict] = []
        for row in iter_rows(source):
            if by == "sentence":
                cells = {lang: row.get(lang, "") for lang in langs if lang in row}
                emit([row["doc"], row["paragraph"], row["sentence"], row["kind"]] + [cells.get(lang, "") for lang in langs])
                continue
            if para and (row["doc"], row["paragraph"]) != (para[0]["doc"], para[0]["paragraph"]):
                emit(_paragraph_cells(para, langs))
                para = []
            para.append(row)
        if para:
            emit(_paragraph_cells(para, langs))
        text.flush()
        text.detach()
    return written


def _paragraph_cells(rows: list[dict], langs: list[str]) -> list:
    first = rows[0]
    cells = {first["source"]: first.get("paragraph_text", "")}
    for lang in first["scores"]:  # as export.rows: a target equal to the source overwrites it
        cells[lang] = join_sentences([r[lang] for r in rows], lang)
    return [first["doc"], first["paragraph"], first["kind"]] + [cells.get(lang, "") for lang in langs]
