"""Outputs for corpus-size runs: aligned rows as JSONL shards, a manifest of finished documents for
resume, and a CSV export that streams from the shards.

Each output folder keeps `manifest.jsonl`: one line per finished document (its name, a digest of
its raw input, the target languages and, for row shards, where its rows end). A document's rows
are written (and flushed) before its manifest line, so after a kill the manifest names only
documents whose outputs are complete; on the next run, anything a shard holds past the last end
the manifest recorded is cut off, and the documents it names are skipped without reading their
outputs. A killed run loses at most the documents in flight.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import IO, Iterator, Sequence

from .engine import AlignedDocument, join_sentences
from .errors import BadInput

MANIFEST = "manifest.jsonl"
SHARD_ROWS = 100_000  # rows per shard; a document's rows never straddle two shards


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def stamp_matches(stamp: str | None, digest: str | None, targets: Sequence[str]) -> bool:
    """Whether a manifest stamp ("digest|ko,zh") says: finished from the same input, with these targets."""
    if stamp is None or digest is None:
        return False
    old_digest, _, old_targets = stamp.partition("|")
    return old_digest == digest and set(targets) <= set(old_targets.split(","))


class Manifest:
    """The finished documents of one output folder, appended to as documents finish."""

    def __init__(self, folder: str | Path, repair: bool = True, rows: bool | None = None) -> None:
        """`repair` (writers only): cut a line a killed run left half-written. Readers leave the
        file alone, so an export can run while a translation is still appending. `rows`: count only
        row-shard entries (True) or only `--out` entries (False), so a folder used once as `--out`
        and once as `--rows` does not take one kind of output for the other."""
        self.folder = Path(folder)
        self.repair = repair
        self.rows = rows
        self.path = self.folder / MANIFEST
        self.done: dict[str, str] = {}  # name -> digest|targets (small: ~100 bytes per document)
        self.shard_ends: dict[str, int] = {}
        self._file: IO[str] | None = None
        self._load()

    @staticmethod
    def _stamp(digest: str | None, targets: Sequence[str]) -> str:
        return f"{digest or ''}|{','.join(targets)}"

    def _load(self) -> None:
        if not self.path.is_file():
            return
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1  # a line cut by a kill is dropped
        for line in data[:keep].decode("utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                name = entry["id"]
            except (ValueError, KeyError, TypeError):
                continue
            if self.rows is not None and ("shard" in entry) != self.rows:
                continue
            self.done[name] = self._stamp(entry.get("digest"), entry.get("targets", []))
            if "shard" in entry:
                self.shard_ends[entry["shard"]] = max(self.shard_ends.get(entry["shard"], 0), int(entry["end"]))
        if keep < len(data) and self.repair:
            with open(self.path, "r+b") as f:
                f.truncate(keep)

    def finished(self, name: str, digest: str | None, targets: Sequence[str]) -> bool:
        """Whether `name` was finished from the same input with (at least) these targets."""
        return stamp_matches(self.done.get(name), digest, targets)

    def add(self, name: str, digest: str | None, targets: Sequence[str], **extra) -> None:
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")
        entry = {"id": name, "digest": digest, "targets": list(targets), **extra}
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        self.done[name] = self._stamp(digest, targets)

    def reset(self) -> None:
        """Forget every finished document (--force)."""
        self.close()
        self.path.unlink(missing_ok=True)
        self.done.clear()
        self.shard_ends.clear()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


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

    def __init__(self, folder: str | Path, shard_rows: int = SHARD_ROWS, force: bool = False) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest(self.folder, rows=True)
        self.shard_rows = shard_rows
        if force:
            self.manifest.reset()
        self._recover()
        self._file: IO[bytes] | None = None

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("rows-*.jsonl"))

    def _recover(self) -> None:
        """Cut every shard back to what the manifest says was finished (a killed run's tail)."""
        for shard in self._shards():
            end = self.manifest.shard_ends.get(shard.name, 0)
            if end == 0:
                shard.unlink()
            elif shard.stat().st_size > end:
                with open(shard, "r+b") as f:
                    f.truncate(end)
        shards = self._shards()
        self._index = len(shards) - 1 if shards else 0
        self._rows = 0
        if shards:  # continue the last shard; count its rows to know when it is full
            with open(shards[-1], "rb") as f:
                self._rows = sum(1 for _ in f)

    def _shard(self, index: int) -> Path:
        return self.folder / f"rows-{index:05d}.jsonl"

    def write(self, doc: AlignedDocument, digest: str | None) -> None:
        block = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in document_rows(doc)).encode("utf-8")
        n = block.count(b"\n")
        if self._rows and self._rows + n > self.shard_rows:
            self._close_file()
            self._index += 1
            self._rows = 0
        if self._file is None:
            self._file = open(self._shard(self._index), "ab")
        self._file.write(block)
        self._file.flush()  # the rows reach the OS before the manifest names the document
        self._rows += n
        self.manifest.add(doc.document.name, digest, doc.targets, shard=self._shard(self._index).name,
                          end=self._file.tell(), rows=n)

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def close(self) -> None:
        self._close_file()
        self.manifest.close()


def iter_rows(source: str | Path) -> Iterator[dict]:
    """The rows of a shard folder (only what its manifest says is finished) or of one JSONL file."""
    source = Path(source)
    if source.is_dir():
        manifest = Manifest(source, repair=False)
        shards = sorted(source.glob("rows-*.jsonl"))
        if not shards:
            raise BadInput(f"{source}: no rows-*.jsonl shards in this folder")
        for shard in shards:
            end = manifest.shard_ends.get(shard.name, 0)
            with open(shard, "rb") as f:
                while f.tell() < end:
                    line = f.readline()
                    if not line:
                        break
                    yield json.loads(line)
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
