"""`parallax translate` and `parallax export`: batch translation and the rows-to-CSV export.

The batch workflow itself (reading, admission, output names, resume, writers, counts, the Ray
run) is the run layer's (`run.Job`, `batch.BatchRun`); these functions parse arguments and report.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import UsageError
from ..langid import language_name, parse_lang
from .common import (DEFAULT_TARGETS, Problems, _stderr_console, by_option, output_options, parse_targets, plural,
                     positive_int)


def register(sub) -> None:
    """Add `translate` and `export` to the subcommands of the main parser."""
    t = sub.add_parser("translate", help="translate articles and write aligned JSON, text and CSV")
    t.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs, or - for stdin")
    t.add_argument("--to", default=",".join(DEFAULT_TARGETS), help="target languages, comma-separated (default: ko,zh)")
    t.add_argument("--from", dest="source", help="source language (default: detect; only English is accepted without it)")
    t.add_argument("--out", help="folder for <name>.json and <name>.<lang>.txt per input, mirroring the input "
                                 "folders (reruns resume)")
    output_options(t, "the aligned documents", "the aligned table")
    by_option(t)
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
    output_options(e, None, "the aligned table", csv_required=True)
    by_option(e)
    e.set_defaults(func=cmd_export)


def cmd_translate(args: argparse.Namespace) -> int:
    """Inputs are read as the translation needs them; each finished document is written at once
    (and resumed from the output folders' manifests on a rerun)."""
    job = translate_job(args)
    problems = Problems()
    with BatchProgress(not args.quiet, job.count) as progress:
        run = job.open(problems.add, on_document=progress.update, warn=lambda line: print(f"warning: {line}", file=sys.stderr))
        try:
            job.execute(run, report=lambda line: print(line, file=sys.stderr))
        finally:
            run.close()
            progress.summary(run.counts)
    return report_translation(args, run, problems)


def translate_job(args: argparse.Namespace):
    """The run layer's Job for these arguments; usage errors and unusable outputs before any work."""
    from ..batch import Outputs
    from ..run import Job
    from ..export import check_outputs

    if args.csv == "-" and args.json:
        raise UsageError("--csv - and --json both write to stdout; send one of them to a file")
    targets = parse_targets(args.to)
    source = parse_lang(args.source) if args.source else None
    for option, folder in (("--out", args.out), ("--rows", args.rows)):
        if folder == "-":
            raise UsageError(f"{option} needs a folder; - (stdout) is for --csv, or use --json")
    if args.out and args.rows and os.path.realpath(args.out) == os.path.realpath(args.rows):
        raise UsageError("--out and --rows need a folder each (each keeps its own manifest.jsonl)")
    check_outputs([args.csv if args.csv != "-" else None])  # one line, before any work
    src = source or "en"  # without --from only English is accepted
    targets = [t for t in targets if t != src]
    if not targets:
        raise UsageError(f"the input is already {language_name(src)} ({src}); choose another language with --to")
    out, rows = (Path(f) if f else None for f in (args.out, args.rows))
    outputs = Outputs(out=out, rows=rows, collect=bool(args.csv or args.json or not (out or rows)), force=args.force)
    job = Job(args.inputs, targets, source, outputs, args.id_field, args.text_field, use_cache=not args.no_cache,
              device=args.device, batch_sentences=args.batch_sentences, ray=args.ray, ray_workers=args.ray_workers)
    job.check()
    return job


def report_translation(args: argparse.Namespace, run, problems: Problems) -> int:
    """The collected outputs (CSV, JSON or a listing) and the closing lines on stderr."""
    from ..export import csv_bytes, to_json, write_atomic

    ordered, counts, outputs = run.results(), run.counts, run.outputs
    if not counts.documents and not counts.skipped:
        if not problems.lines:
            problems.add("no input to translate")
        return problems.exit_code
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))  # -q: no `wrote` lines
    if args.csv:
        write_atomic(args.csv, csv_bytes(ordered, args.by, raw=args.raw_csv))
        say(f"wrote {'the CSV to stdout' if args.csv == '-' else args.csv} ({plural(len(ordered), 'document')}, "
            f"one row per {args.by})")
    if args.json:
        sys.stdout.write(to_json(ordered) + "\n")
    elif outputs.collect and not args.csv:
        print_aligned(ordered, args.by)
    folders = [f for f in (outputs.out, outputs.rows) if f]
    if counts.skipped:
        print(f"resumed: {counts.skipped} of {counts.skipped + counts.documents + counts.failed} documents were "
              f"already done in {' and '.join(map(str, folders))}", file=sys.stderr)
    for folder, what in ((outputs.out, "JSON and one .txt per language"), (outputs.rows, "rows-*.jsonl shards, manifest.jsonl")):
        if folder:
            say(f"wrote {plural(counts.documents, 'document')} to {folder}/ ({what})")
    return problems.exit_code


class BatchProgress:
    """Documents and sentences done, sentences per second and time left, on stderr (a live
    line on a terminal), and one summary line at the end either way."""

    def __init__(self, enabled: bool, count=None) -> None:
        self.enabled = enabled
        self.count = count  # how many documents there are (for the bar's total), asked on a terminal only
        self.console = _stderr_console()
        self.bar = None
        self.task = None

    def __enter__(self) -> "BatchProgress":
        if self.enabled and self.console.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            total = self.count() if self.count is not None else None
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

