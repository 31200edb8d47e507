"""`parallax translate` and `parallax export`: batch translation and the rows-to-CSV export."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from ..errors import UsageError
from ..langid import language_name, parse_lang
from .common import DEFAULT_TARGETS, Problems, _stderr_console, parse_targets, plural, positive_int, write_output

READ_AHEAD = 64  # documents read and split ahead of a GPU translator (a thread; memory stays bounded)


def register(sub) -> None:
    """Add `translate` and `export` to the subcommands of the main parser."""
    t = sub.add_parser("translate", help="translate articles and write aligned JSON, text and CSV")
    t.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs, or - for stdin")
    t.add_argument("--to", default=",".join(DEFAULT_TARGETS), help="target languages, comma-separated (default: ko,zh)")
    t.add_argument("--from", dest="source", help="source language (default: detect; only English is accepted without it)")
    t.add_argument("--out", help="folder for <name>.json and <name>.<lang>.txt per input (reruns resume)")
    t.add_argument("--csv", metavar="FILE", help="write the aligned table to this CSV file (UTF-8 with BOM; - for stdout)")
    t.add_argument("--json", action="store_true", help="print the aligned documents as JSON on stdout")
    t.add_argument("--by", choices=["paragraph", "sentence"], default="paragraph", help="one CSV row per paragraph or per sentence")
    t.add_argument("--raw-csv", action="store_true", help="keep cells starting with = + - @ as they are (default: prefix a ')")
    t.add_argument("--no-cache", action="store_true", help="ignore and do not fill the translation cache")
    t.add_argument("--force", action="store_true", help="translate again even if --out already has the result")
    t.add_argument("--batch-sentences", type=positive_int, metavar="N",
                   help="sentences per translation batch; finished batches are cached, so an interrupted run loses at most one (default: 256)")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress, summary or `wrote` lines")
    # corpus-scale runs (README: "Translating a corpus")
    t.add_argument("--rows", metavar="DIR", help="append aligned rows (one per sentence) to JSONL shards in DIR (reruns resume)")
    t.add_argument("--id-field", help="corpus files (.jsonl, .csv, .parquet): the id column (default: id, doc_id, name, ...)")
    t.add_argument("--text-field", help="corpus files: the text column (default: text, body, content, ...)")
    t.add_argument("--device", choices=["auto", "cpu", "cuda"], default=os.environ.get("PARALLAX_DEVICE", "auto"),
                   help="where CTranslate2 runs (default: auto, the GPU when CUDA sees one)")
    t.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="translate on a Ray cluster: no value starts a local one, auto joins a running one")
    t.add_argument("--ray-workers", type=positive_int, metavar="N", help="translator actors on Ray (default: one per CPU)")
    t.set_defaults(func=cmd_translate)

    e = sub.add_parser("export", help="turn aligned rows (a --rows folder or .jsonl file) into a CSV, streamed")
    e.add_argument("rows", metavar="ROWS", help="a --rows folder or one rows .jsonl file")
    e.add_argument("--csv", required=True, help="the CSV file to write (UTF-8 with BOM)")
    e.add_argument("--by", choices=["paragraph", "sentence"], default="paragraph")
    e.add_argument("--raw-csv", action="store_true", help="keep cells starting with = + - @ as they are")
    e.set_defaults(func=cmd_export)


def cmd_translate(args: argparse.Namespace) -> int:
    """Inputs are read as the translation needs them; each finished document is written at once
    (and resumed from the output folders' manifests on a rerun)."""
    from ..batch import BatchRun, Outputs
    from ..cache import TranslationCache
    from ..corpus import Corpus
    from ..engine import DecodeOptions, Engine, ThreadOptions
    from ..export import check_outputs, check_writable, csv_bytes, to_json

    problems = Problems()
    if args.csv == "-" and args.json:
        raise UsageError("--csv - and --json both write to stdout; send one of them to a file")
    targets = parse_targets(args.to)
    source = parse_lang(args.source) if args.source else None
    for option, folder in (("--out", args.out), ("--rows", args.rows)):
        if folder == "-":
            raise UsageError(f"{option} needs a folder; - (stdout) is for --csv, or use --json")
    if args.out and args.rows and os.path.realpath(args.out) == os.path.realpath(args.rows):
        raise UsageError("--out and --rows need a folder each (each keeps its own manifest.jsonl)")
    check_outputs([args.csv if args.csv != "-" else None], out_dir=args.out)  # one line, before any work
    if args.rows:
        check_writable(args.rows, "dir", "--rows")
    src = source or "en"  # without --from only English is accepted
    targets = [t for t in targets if t != src]
    if not targets:
        raise UsageError(f"the input is already {language_name(src)} ({src}); choose another language with --to")
    options = DecodeOptions()
    if args.batch_sentences:
        n = args.batch_sentences
        options = replace(options, chunk_sentences=n, first_chunk_sentences=min(n, options.first_chunk_sentences))
    engine = Engine(options=options, threads=ThreadOptions.for_device(args.device))
    engine.check_routes([src], targets)  # one line for a missing model, before any work

    out_dir = Path(args.out) if args.out else None
    rows_dir = Path(args.rows) if args.rows else None
    outputs = Outputs(out=out_dir, rows=rows_dir, collect=bool(args.csv or args.json or not (out_dir or rows_dir)),
                      force=args.force)
    def input_failed(line) -> None:
        """A bad corpus row or unreadable input counts as failed in the summary, as a bad file does."""
        problems.add(line)
        run.counts.failed += 1  # `run` exists by then: the corpus reports only while it is iterated

    corpus = Corpus(args.inputs, args.id_field, args.text_field, report=lambda line: print(line, file=sys.stderr),
                    problem=input_failed, exclude=[p for p in (out_dir, rows_dir) if p])
    with BatchProgress(not args.quiet, corpus) as progress:
        run = BatchRun(outputs, targets, problems.add, on_document=progress.update,
                       warn=lambda line: print(f"warning: {line}", file=sys.stderr))
        try:
            if args.ray is not None:
                from ..distributed import translate_on_ray

                translate_on_ray(run, corpus, args.ray, source, targets, options, use_cache=not args.no_cache,
                                 device=args.device, workers=args.ray_workers)
            else:
                cache = None if args.no_cache else TranslationCache()
                engine.cache = cache
                # reading and splitting overlap decoding only where decoding leaves the CPU free (a
                # GPU); on CPU the translator already uses every core (2 cores: 39.1 s without,
                # 40.5 s with, benchmarks/corpus.py's 2,000-document tiny-model run)
                read_ahead = READ_AHEAD if engine.threads.device == "cuda" else 0
                for aligned in engine.stream(run.documents(corpus, source, cache), targets,
                                             use_cache=not args.no_cache, read_ahead=read_ahead):
                    run.finish(aligned)
        finally:
            run.close()
            progress.summary(run.counts)

    ordered = run.results()
    if not run.counts.documents and not run.counts.skipped:
        if not problems.lines:
            problems.add("no input to translate")
        return problems.exit_code
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))  # -q: no `wrote` lines
    if args.csv:
        write_output(args.csv, csv_bytes(ordered, args.by, raw=args.raw_csv))
        say(f"wrote {'the CSV to stdout' if args.csv == '-' else args.csv} ({plural(len(ordered), 'document')}, one row per {args.by})")
    if args.json:
        sys.stdout.write(to_json(ordered) + "\n")
    elif outputs.collect and not args.csv:
        print_aligned(ordered, args.by)
    if run.counts.skipped:
        folders = " and ".join(str(f) for f in (out_dir, rows_dir) if f)
        print(f"resumed: {run.counts.skipped} of {run.counts.skipped + run.counts.documents + run.counts.failed} "
              f"documents were already done in {folders}", file=sys.stderr)
    if out_dir:
        say(f"wrote {plural(run.counts.documents, 'document')} to {out_dir}/ (JSON and one .txt per language)")
    if rows_dir:
        say(f"wrote {plural(run.counts.documents, 'document')} to {rows_dir}/ (rows-*.jsonl shards, manifest.jsonl)")
    return problems.exit_code


class BatchProgress:
    """Documents and sentences done, sentences per second and time left, on stderr (a live
    line on a terminal), and one summary line at the end either way."""

    def __init__(self, enabled: bool, corpus=None) -> None:
        self.enabled = enabled
        self.corpus = corpus
        self.console = _stderr_console()
        self.bar = None
        self.task = None

    def __enter__(self) -> "BatchProgress":
        if self.enabled and self.console.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            total = self.corpus.count() if self.corpus is not None else None
            self.bar = Progress(TextColumn("{task.completed:,.0f}/{task.total:,.0f} documents" if total else
                                           "{task.completed:,.0f} documents"), BarColumn(),
                                TextColumn("{task.fields[sentences]:,} sentences, {task.fields[rate]:.1f}/s"),
                                TimeElapsedColumn(), TimeRemainingColumn(), console=self.console, transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task("translate", total=total, sentences=0, rate=0.0)
        return self

    def update(self, counts) -> None:
        if self.bar is not None:
            rate = counts.sentences / counts.seconds if counts.seconds > 0 else 0.0
            self.bar.update(self.task, completed=counts.documents + counts.skipped, sentences=counts.sentences,
                            rate=rate)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def summary(self, counts) -> None:
        if not self.enabled or not (counts.documents or counts.skipped):
            return  # nothing was translated: the error lines already said why
        rate = counts.sentences / counts.seconds if counts.seconds > 0 else 0.0
        extra = "".join([f", {counts.skipped} already done" if counts.skipped else "",
                         f", {counts.failed} failed" if counts.failed else "",
                         f", {counts.assumed_english} too short to identify, taken as English (--from sets the "
                         "language)" if counts.assumed_english else ""])
        print(f"translated {plural(counts.documents, 'document')} ({plural(counts.sentences, 'sentence')}) "
              f"in {counts.seconds:.1f} s, {rate:.1f} sentences/s{extra}", file=sys.stderr)



def cmd_export(args: argparse.Namespace) -> int:
    """Aligned rows (a shard folder or one .jsonl) to CSV, streamed: any size, flat memory."""
    from ..corpus_output import rows_to_csv
    from ..export import check_writable

    check_writable(args.csv)  # a folder, device or read-only place: one line, as for translate --csv
    n = rows_to_csv(args.rows, args.csv, args.by, raw=args.raw_csv)
    print(f"wrote {'the CSV to stdout' if args.csv == '-' else args.csv} ({plural(n, 'row')}, one row per {args.by})",
          file=sys.stderr)
    return 0


def print_aligned(docs, by: str = "paragraph") -> None:
    """A readable aligned listing for the terminal when no output file is asked for."""
    from ..export import rows

    header, body = rows(docs, by)
    first_lang = 4 if by == "sentence" else 3
    langs = header[first_lang:]
    for r in body:
        label = f"[{r[0]} ¶{r[1]}" + (f".{r[2]}" if by == "sentence" else "") + f" {r[first_lang - 1]}]"
        print(label)
        for lang, cell in zip(langs, r[first_lang:]):
            print(f"  {lang}: {cell}")
        print()

