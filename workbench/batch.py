"""A batch translation's workflow: inputs read lazily, admitted (one output name each,
naming.py), skipped when an output folder's manifest says they are finished, written as they
come, and counted (`BatchRun`). The one-machine run and the Ray run (distributed.py) drive the
same `BatchRun`; `run.Job` picks which, and is what the front ends use."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from .corpus import Corpus, Item, ProblemFn
from .corpus_output import Manifest, RowShards, digest_bytes, document_failure
from .documents import Document, SegmentMemo, max_bytes_for, read_capped
from .engine import AlignedDocument
from .errors import BadInput
from .export import clean_stale_parts
from .naming import collision_key, output_paths, output_stem

def item_digest(item: Item) -> str | None:
    """A digest of an input's raw content (None when it cannot be read; reading will say why)."""
    try:
        if item.data is not None:
            return digest_bytes(item.data)
        if item.path is not None:
            return digest_bytes(read_capped(item.path, max_bytes_for(Path(item.path).name)))
        return digest_bytes((item.text or "").encode("utf-8"))
    except (OSError, BadInput):
        return None


def load_written(out_dir: Path, stem: str, targets: Sequence[str]) -> AlignedDocument | None:
    """A document an earlier run wrote to `out_dir` (only needed when the whole result is printed
    or exported at the end; a plain resume never reads old outputs)."""
    from .export import from_json

    path = output_paths(out_dir, stem, targets)["json"]
    try:
        (old,) = from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not set(targets) <= set(old.translations):
        return None
    return AlignedDocument(old.document, {lang: old.translations[lang] for lang in targets})


def written_name(out_dir: Path, stem: str) -> str | None:
    """The document name inside an existing `<stem>.json` ("" for a file that is not one of ours;
    None when there is no such file)."""
    path = output_paths(out_dir, stem, ())["json"]
    if not path.exists():
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return str(json.load(f)["documents"][0]["name"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return ""


@dataclass
class Outputs:
    """Where finished documents go: per-document JSON/TXT (`out`), row shards (`rows`), and/or
    kept in memory for a CSV, JSON or terminal listing at the end (`collect`)."""

    out: Path | None = None
    rows: Path | None = None
    collect: bool = False
    force: bool = False
    shard_rows: int | None = None


@dataclass
class Counts:
    documents: int = 0
    sentences: int = 0
    skipped: int = 0
    failed: int = 0
    assumed_english: int = 0  # too short to tell their language (no --from): taken as English
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


@dataclass(frozen=True)
class Pending:
    """An admitted input on its way to translation: not finished earlier, its output names taken."""

    item: Item
    stem: str  # naming.output_stem: where its --out files go
    digest: str | None  # of its raw content, for the manifests (None when nothing resumes)


class BatchRun:
    """One run's workflow around the translator: admission (output names, collisions), resume
    checks, writers and counters. The local run and the Ray run drive the same object; documents
    leave memory once written (unless `collect` keeps them for an all-at-once output)."""

    def __init__(self, outputs: Outputs, targets: Sequence[str], problem: ProblemFn,
                 on_document: Callable[[Counts], None] | None = None,
                 warn: Callable[[str], None] | None = None, source: str | None = None,
                 models: Mapping[str, str] | None = None) -> None:
        """`models`: per target language, the identity of the models translating into it
        (`Signature.chain_id`); the manifests stamp it, so a rerun after a model was replaced
        translates again what the old model made (None: not stamped, not checked)."""
        self.outputs = outputs
        self.targets = list(targets)
        self.problem = problem
        self.on_document = on_document
        self.warn = warn  # what reading an input noticed but did not refuse (Document.warnings)
        self.source = source
        self.models = dict(models) if models is not None else None
        self.counts = Counts()
        self.out_manifest: Manifest | None = None
        self.shards: RowShards | None = None
        if outputs.out is not None:
            clean_stale_parts(Path(outputs.out), older_than=0)  # a killed run's temp files (unlocked: no live writer)
            self.out_manifest = Manifest(outputs.out, rows=False, report=warn)
            if outputs.force:
                self.out_manifest.reset()
        if outputs.rows is not None:
            kw = {"shard_rows": outputs.shard_rows} if outputs.shard_rows else {}
            self.shards = RowShards(outputs.rows, force=outputs.force, report=warn, **kw)
        self._pending: dict[str, Pending] = {}  # documents in flight, by name
        self._order: dict[str, int] = {}
        self.collected: dict[int, AlignedDocument] = {}
        self._claimed: dict[str, str] = {}  # collision key of an output stem -> the input's name
        self._seq = 0

    @property
    def resumable(self) -> bool:
        return self.out_manifest is not None or self.shards is not None

    def _manifests(self) -> list[Manifest]:
        return [m for m in (self.out_manifest, self.shards.manifest if self.shards else None) if m is not None]

    def failed(self, problem: str | Exception) -> None:
        """An input that cannot be translated: one problem line, counted as failed."""
        self.counts.failed += 1
        self.problem(problem)

    def already_done(self, name: str, digest: str | None) -> bool:
        """Finished in every requested output folder by an earlier run, from the same input."""
        manifests = self._manifests()
        return bool(manifests) and all(m.finished(name, digest, self.targets, self.models) for m in manifests)

    def stem(self, item: Item) -> str:
        """The item's output names (naming.output_stem): files keep their folders, ids do not."""
        return output_stem(item.name, self.source or "en", folders=item.text is None)

    def admit(self, item: Item) -> str | None:
        """The item's output stem, or None (and a problem line, counted as failed) when another
        input of this run already has outputs of that name: two inputs never share a file."""
        stem = self.stem(item)
        key = collision_key(stem)
        other = self._claimed.get(key)
        if other is not None:
            origin = item.origin or item.path or item.name
            what = "has the same name" if other == item.name else f"({other}) would write the same files ({stem}.*)"
            self.failed(f"{origin}: another input {what}; rename one")
            return None
        self._claimed[key] = item.name
        return stem

    def owns(self, item: Item, stem: str) -> bool:
        """False (and a problem line) when `--out` holds `<stem>.json` of another document: an
        earlier run's result, or a file that is not ours, is never overwritten silently."""
        if self.out_manifest is None:
            return True
        owner = written_name(self.out_manifest.folder, stem)
        if owner is None or owner == item.name:
            return True
        path = output_paths(self.out_manifest.folder, stem, ())["json"]
        held = f"the result for {owner}" if owner else "a file that Parallax did not write"
        self.failed(f"{item.origin or item.path or item.name}: its output {path} already holds {held}; "
                    "rename one, or write to another folder")
        return False

    def skip(self, name: str, stem: str) -> bool:
        """Count a finished document as done; False when its result is needed and unreadable."""
        if self.outputs.collect:
            old = load_written(self.outputs.out, stem, self.targets) if self.outputs.out is not None else None
            if old is None:
                return False
            self.collected[self._seq] = old
        self.counts.skipped += 1
        self._seq += 1
        return True

    def pending(self, corpus: Corpus, load: bool = False) -> Iterator[Pending]:
        """The corpus's inputs that need translating, in order, read lazily: admitted, and not
        finished by an earlier run (skipped before they are parsed or split). `load`: files come
        with their bytes (a Ray worker may be on another machine)."""
        for item in corpus:
            stem = self.admit(item)
            if stem is None:
                continue
            if (load or self.resumable) and item.path is not None and item.data is None:
                try:  # read once: the digest decides whether to skip, the same bytes are parsed
                    item = replace(item, data=read_capped(item.path, max_bytes_for(Path(item.path).name)))
                except BadInput:
                    pass  # item.read says why, counted as a failed input
            digest = item_digest(item) if self.resumable else None
            if self.resumable and not self.outputs.force and self.already_done(item.name, digest) \
                    and self.skip(item.name, stem):
                continue  # (a result needed but unreadable is translated again)
            if self.owns(item, stem):
                yield Pending(item, stem, digest)

    def read(self, pending: Pending, lang: str | None, memo: SegmentMemo | None) -> Document | None:
        """The pending input as a Document named as admitted (None: a problem line, counted)."""
        try:
            doc = pending.item.read(lang, memo)
        except BadInput as exc:
            self.failed(exc)
            return None
        self.counts.assumed_english += doc.language_assumed
        if doc.name != pending.item.name:  # a file in a folder: its path below the folder given
            doc = replace(doc, name=pending.item.name)
        if self.warn is not None:
            for warning in doc.warnings:
                self.warn(warning)
        return doc

    def expect(self, pending: Pending) -> None:
        """A document goes into translation: remember its names, digest and place in input order."""
        self._pending[pending.item.name] = pending
        self._order[pending.item.name] = self._seq
        self._seq += 1

    def documents(self, corpus: Corpus, lang: str | None, memo: SegmentMemo | None) -> Iterator[Document]:
        """The corpus's documents to translate, read one at a time as the pipeline pulls them."""
        for pending in self.pending(corpus):
            doc = self.read(pending, lang, memo)
            if doc is not None:
                self.expect(pending)
                yield doc

    def finish(self, ad: AlignedDocument) -> None:
        """Write a finished document everywhere it is wanted, then forget it."""
        from .export import write_document

        name = ad.document.name
        pending = self._pending.pop(name)
        seq = self._order.pop(name, self._seq)
        digest = pending.digest
        models = {lang: self.models[lang] for lang in ad.targets if lang in self.models} \
            if self.models is not None else None
        # an output that already has it (translated again only for --csv/--json) is left alone
        try:
            if self.out_manifest is not None and not self.out_manifest.finished(name, digest, self.targets, models):
                write_document(output_paths(self.out_manifest.folder, pending.stem, ad.targets), ad)
                self.out_manifest.add(name, digest, ad.targets, models)
            if self.shards is not None and not self.shards.manifest.finished(name, digest, self.targets, models):
                self.shards.write(ad, digest, models)
        except Exception as exc:  # noqa: BLE001 - one document's outputs; a folder-wide failure stops the run
            why = document_failure(exc)
            if why is None:
                raise
            self.counts.failed += 1
            self.problem(f"{name!r}: its outputs cannot be written ({why}); the run goes on without it")
            return
        if self.outputs.collect:
            self.collected[seq] = ad
        self.counts.documents += 1
        self.counts.sentences += ad.document.sentence_count
        if self.on_document:
            self.on_document(self.counts)

    def results(self) -> list[AlignedDocument]:
        """Collected documents (this run's and skipped ones), in input order."""
        return [self.collected[k] for k in sorted(self.collected)]

    def close(self) -> None:
        for m in self._manifests():
            m.close()
        if self.shards is not None:
            self.shards.close()
