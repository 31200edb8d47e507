"""The run layer: a batch translation as a front end asks for it, so that the CLI only parses
arguments and reports. The workflow itself is `batch.BatchRun`; a Job checks everything that can
fail before any work and drives that run here (`Engine.stream`) or on Ray (distributed.py).

    job = Job(["articles/"], ["ko", "zh"], outputs=Outputs(out=Path("out")))
    job.check()                      # output folders and models, before any work
    run = job.open(problem=print)
    try:
        job.execute(run)             # here, or on Ray with Job(..., ray="local")
    finally:
        run.close()
    run.counts, run.results()
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from .batch import BatchRun, Counts, Outputs
from .corpus import Corpus, ProblemFn
from .engine import DecodeOptions, Engine, Signature
from .packages import PackageInfo

READ_AHEAD = 64  # documents read and split ahead of a GPU translator (a thread; memory stays bounded)


@dataclass
class Job:
    """A batch translation as a front end asked for it: the run layer owns the workflow (engine,
    corpus, admission, resume, writers, counts); the front end parses arguments and reports."""

    inputs: Sequence[str]
    targets: Sequence[str]
    source: str | None = None  # None: detect (only English is accepted)
    outputs: Outputs = field(default_factory=Outputs)
    id_field: str | None = None
    text_field: str | None = None
    use_cache: bool = True
    device: str = "auto"
    batch_sentences: int | None = None  # sentences per translation batch (None: DecodeOptions' default)
    ray: str | None = None  # None: this machine; "local", "auto" or host:port: a Ray cluster
    ray_workers: int | None = None
    options: DecodeOptions = field(init=False)
    engine: Engine = field(init=False)  # this machine's (it checks the models; Ray actors have their own)
    _chains: dict[tuple[str, str], list[PackageInfo]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from .engine import ThreadOptions

        self.options = DecodeOptions()
        if self.batch_sentences:
            n = self.batch_sentences
            self.options = replace(self.options, chunk_sentences=n,
                                   first_chunk_sentences=min(n, self.options.first_chunk_sentences))
        self.engine = Engine(options=self.options, threads=ThreadOptions.for_device(self.device))

    def check(self) -> None:
        """Everything that can fail before any work, one line each: output folders, models."""
        from .export import check_writable

        for setting, folder in (("out", self.outputs.out), ("rows", self.outputs.rows)):
            if folder is not None:
                check_writable(folder, "dir", setting)
        self.routes()

    def routes(self) -> dict[tuple[str, str], list[PackageInfo]]:
        """Every pair's package chain, from the run's one scan of the packages (taken at the first
        call, by `check`): MissingModel naming every pair without one. The stream and the
        manifests' stamps use the same chains, so a run stats each model file once."""
        if self._chains is None:
            self._chains = self.engine.routes([self.source or "en"], list(self.targets))
        return self._chains

    def models(self) -> dict[str, str]:
        """Per target language, the identity of the models that translate into it
        (`Signature.chain_id`), which the output manifests stamp on each finished document."""
        src = self.source or "en"
        return {lang: Signature.chain_id(chain, self.options)
                for (from_code, lang), chain in self.routes().items() if from_code == src}

    def corpus(self, run: BatchRun | None = None, report: Callable[[str], None] | None = None) -> Corpus:
        """The inputs, lazily; the output folders are never inputs. A bad row or unreadable input
        counts as failed in `run`, as a bad file does."""
        outputs = [p for p in (self.outputs.out, self.outputs.rows) if p is not None]
        return Corpus(self.inputs, self.id_field, self.text_field, report=report,
                      problem=run.failed if run is not None else None, exclude=outputs)

    def count(self) -> int | None:
        """How many documents the inputs hold (for a progress bar), without reading their texts."""
        return self.corpus().count()

    def open(self, problem: ProblemFn, on_document: Callable[[Counts], None] | None = None,
             warn: Callable[[str], None] | None = None) -> BatchRun:
        return BatchRun(self.outputs, self.targets, problem, on_document, warn, source=self.source,
                        models=self.models())

    def execute(self, run: BatchRun, report: Callable[[str], None] | None = None) -> None:
        """Translate every pending input into `run` (which the caller closes), here or on Ray."""
        corpus = self.corpus(run, report)
        if self.ray is not None:
            from .distributed import translate_on_ray

            translate_on_ray(run, corpus, self.ray, self.source, self.targets, self.options,
                             use_cache=self.use_cache, device=self.device, workers=self.ray_workers)
            return
        from .cache import TranslationCache

        cache = TranslationCache() if self.use_cache else None
        self.engine.cache = cache
        # reading and splitting overlap decoding only where decoding leaves the CPU free (a GPU); on
        # CPU the translator already uses every core (2 cores: 39.1 s without, 40.5 s with,
        # benchmarks/corpus.py's 2,000-document tiny-model run)
        read_ahead = READ_AHEAD if self.engine.threads.device == "cuda" else 0
        for aligned in self.engine.stream(run.documents(corpus, self.source, cache), self.targets,
                                          use_cache=self.use_cache, read_ahead=read_ahead, chains=self.routes()):
            run.finish(aligned)
