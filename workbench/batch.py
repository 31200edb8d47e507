"""A translation run over a corpus: inputs read lazily, finished documents written as they come,
resume from the output folders' manifests. Shared by the one-machine run and the Ray run, which
differ only in who translates (`Engine.stream` here, an actor pool in distributed.py).

    run = BatchRun(Outputs(out=Path("out"), rows=Path("rows")), targets, problem=print)
    for ad in engine.stream(run.documents(corpus, lang, memo), targets):
        run.finish(ad)
    run.close()
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .corpus import Corpus, Item
from .corpus_output import Manifest, RowShards, digest_bytes
from .documents import Document, SegmentMemo, max_bytes_for, read_capped
from .engine import AlignedDocument
from .errors import BadInput
from .export import clean_stale_parts

ProblemFn = Callable[[Any], None]  # a one-line message, or the WorkbenchError itself


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


def load_written(out_dir: Path, name: str, targets: Sequence[str]) -> AlignedDocument | None:
    """A document an earlier run wrote to `out_dir` (only needed when the whole result is printed
    or exported at the end; a plain resume never reads old outputs)."""
    from .export import from_json, output_paths

    path = output_paths(out_dir, name, targets)["json"]
    try:
        (old,) = from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not set(targets) <= set(old.translations):
        return None
    return AlignedDocument(old.document, {lang: old.translations[lang] for lang in targets})


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


class BatchRun:
    """Resume checks, writers and counters for one run; documents leave memory once written
    (unless `collect` keeps them for an all-at-once output)."""

    def __init__(self, outputs: Outputs, targets: Sequence[str], problem: ProblemFn,
                 on_document: Callable[[Counts], None] | None = None,
                 warn: Callable[[str], None] | None = None) -> None:
        self.outputs = outputs
        self.targets = list(targets)
        self.problem = problem
        self.on_document = on_document
        self.warn = warn  # what reading an input noticed but did not refuse (Document.warnings)
        self.counts = Counts()
        self.out_manifest: Manifest | None = None
        self.shards: RowShards | None = None
        if outputs.out is not None:
            clean_stale_parts(Path(outputs.out), older_than=0)  # a killed run's temp files (unlocked: no live writer)
            self.out_manifest = Manifest(outputs.out, rows=False)
            if outputs.force:
                self.out_manifest.reset()
        if outputs.rows is not None:
            kw = {"shard_rows": outputs.shard_rows} if outputs.shard_rows else {}
            self.shards = RowShards(outputs.rows, force=outputs.force, **kw)
        self._digests: dict[str, str | None] = {}  # documents in flight
        self._order: dict[str, int] = {}
        self.collected: dict[int, AlignedDocument] = {}
        self._names: set[str] = set()
        self._seq = 0

    @property
    def resumable(self) -> bool:
        return self.out_manifest is not None or self.shards is not None

    def _manifests(self) -> list[Manifest]:
        return [m for m in (self.out_manifest, self.shards.manifest if self.shards else None) if m is not None]

    def already_done(self, name: str, digest: str | None) -> bool:
        """Finished in every requested output folder by an earlier run, from the same input."""
        manifests = self._manifests()
        return bool(manifests) and all(m.finished(name, digest, self.targets) for m in manifests)

    def admit(self, name: str, origin: str) -> bool:
        """False (and a problem line, counted as failed) for a second input whose outputs would take
        the same names: `<stem>.json` and `<stem>.<lang>.txt`, so `a.docx` and `a.pdf` collide too."""
        stem = Path(name).stem
        if stem in self._names:
            self.counts.failed += 1
            self.problem(f"{origin}: another input has the same base name ({stem}); rename one")
            return False
        self._names.add(stem)
        return True

    def skip(self, name: str) -> bool:
        """Count a finished document as done; False when its result is needed and unreadable."""
        if self.outputs.collect:
            old = load_written(self.outputs.out, name, self.targets) if self.outputs.out is not None else None
            if old is None:
                return False
            self.collected[self._seq] = old
        self.counts.skipped += 1
        self._seq += 1
        return True

    def expect(self, name: str, digest: str | None) -> None:
        """A document goes into translation: remember its digest and its place in input order."""
        self._digests[name] = digest
        self._order[name] = self._seq
        self._seq += 1

    def documents(self, corpus: Corpus, lang: str | None, memo: SegmentMemo | None) -> Iterator[Document]:
        """The corpus's documents, read one at a time as the pipeline pulls them; inputs finished
        by an earlier run are skipped before they are read or split."""
        for item in corpus:
            if not self.admit(item.name, item.origin or item.path or item.name):
                continue
            if self.resumable and item.path is not None and item.data is None:
                try:  # read once: the digest decides whether to skip, the same bytes are parsed
                    item = replace(item, data=read_capped(item.path, max_bytes_for(Path(item.path).name)))
                except BadInput:
                    pass  # item.read below says why, counted as a failed input
            digest = item_digest(item) if self.resumable else None
            if self.resumable and not self.outputs.force and self.already_done(item.name, digest) \
                    and self.skip(item.name):
                continue
            try:
                doc = item.read(lang, memo)
            except BadInput as exc:
                self.counts.failed += 1
                self.problem(exc)
                continue
            self.counts.assumed_english += doc.language_assumed
            if self.warn is not None:
                for warning in doc.warnings:
                    self.warn(warning)
            self.expect(doc.name, digest)
            yield doc

    def finish(self, ad: AlignedDocument) -> None:
        """Write a finished document everywhere it is wanted, then forget it."""
        from .export import write_document

        name = ad.document.name
        digest = self._digests.pop(name, None)
        seq = self._order.pop(name, self._seq)
        # an output that already has it (translated again only for --csv/--json) is left alone
        if self.out_manifest is not None and not self.out_manifest.finished(name, digest, self.targets):
            write_document(self.out_manifest.folder, ad)
            self.out_manifest.add(name, digest, ad.targets)
        if self.shards is not None and not self.shards.manifest.finished(name, digest, self.targets):
            self.shards.write(ad, digest)
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
