"""`parallax` (also `python -m workbench`): a thin shell over the library.

Data goes to stdout, progress and messages to stderr. Exit codes: 0 success, 1 some input or
model failed (one line per problem), 2 usage error, 130 interrupted. Never a traceback unless
PARALLAX_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__
from .errors import BadInput, NotEnglish, UsageError, WorkbenchError
from .errors import COMMAND
from .langid import language_name, parse_lang

DEFAULT_TARGETS = ("ko", "zh")
READ_AHEAD = 64  # documents read and split ahead of a GPU translator (a thread; memory stays bounded)
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def cli_message(exc: WorkbenchError) -> str:
    """The error's one line, plus the command-line way out where the library leaves it open."""
    if isinstance(exc, NotEnglish):
        return f"{exc} (--from {exc.detected or 'CODE'})"
    return str(exc)


class Problems:
    """Collects one line per failed input; the exit code is 1 if any."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str | WorkbenchError) -> None:
        line = cli_message(line) if isinstance(line, WorkbenchError) else line
        self.lines.append(line)
        print(f"error: {line}", file=sys.stderr)

    @property
    def exit_code(self) -> int:
        return 1 if self.lines else 0


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


class _NoBar:
    """What progress_bar yields off a terminal: the same calls, no output, and no `rich` import
    (~25 ms of a ~0.2 s run)."""

    def add_task(self, *args, **kwargs) -> int:
        return 0

    def update(self, *args, **kwargs) -> None:
        pass


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator:
    """A rich progress bar on stderr, shown only on a terminal (stdout stays clean for --json)."""
    if not (enabled and sys.stderr.isatty()):
        yield _NoBar()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = _stderr_console()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not (enabled and console.is_terminal), transient=False) as bar:
        yield bar


def download_progress(bar):
    """A models.ProgressFn that shows one bar per downloaded package."""
    tasks: dict[str, int] = {}

    def on_progress(label: str, done: int, total: int | None) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(f"download {label}", total=total)
        bar.update(tasks[label], completed=done, total=total)

    return on_progress


# ---------------------------------------------------------------- inputs


def expand_inputs(patterns: Sequence[str], problems: Problems, report=None, exclude: Sequence[Path] = ()) -> list[str]:
    """Files, folders (their supported files) and globs, expanded here so Windows shells and
    quoted patterns work; '-' is stdin. A pattern that matches nothing is a problem line."""
    from .corpus import Corpus

    return list(Corpus(patterns, report=report, problem=problems.add, exclude=exclude).sources())


def parse_targets(value: str) -> list[str]:
    """`ko,zh`, `korean, chinese`, `kr,cn`...: codes in order, each once (langid.parse_lang)."""
    targets = [parse_lang(t) for t in value.split(",") if t.strip()]
    if not targets:
        raise UsageError("--to needs at least one language code, e.g. --to ko,zh")
    return list(dict.fromkeys(targets))


def write_output(path: str, data: bytes) -> None:
    """Write a file atomically, or to stdout when `path` is `-`."""
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from .export import write_atomic

    write_atomic(path, data)


# ---------------------------------------------------------------- commands


def cmd_translate(args: argparse.Namespace) -> int:
    """Inputs are read as the translation needs them; each finished document is written at once
    (and resumed from the output folders' manifests on a rerun)."""
    from .batch import BatchRun, Outputs
    from .cache import TranslationCache
    from .corpus import Corpus
    from .engine import DecodeOptions, Engine, ThreadOptions
    from .export import check_outputs, check_writable, csv_bytes, to_json

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
                from .distributed import translate_on_ray

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
    if args.csv:
        write_output(args.csv, csv_bytes(ordered, args.by, raw=args.raw_csv))
        print(f"wrote {'the CSV to stdout' if args.csv == '-' else args.csv} ({plural(len(ordered), 'document')}, one row per {args.by})", file=sys.stderr)
    if args.json:
        sys.stdout.write(to_json(ordered) + "\n")
    elif outputs.collect and not args.csv:
        print_aligned(ordered, args.by)
    if run.counts.skipped:
        folders = " and ".join(str(f) for f in (out_dir, rows_dir) if f)
        print(f"resumed: {run.counts.skipped} of {run.counts.skipped + run.counts.documents + run.counts.failed} "
              f"documents were already done in {folders}", file=sys.stderr)
    if out_dir:
        print(f"wrote {plural(run.counts.documents, 'document')} to {out_dir}/ (JSON and one .txt per language)",
              file=sys.stderr)
    if rows_dir:
        print(f"wrote {plural(run.counts.documents, 'document')} to {rows_dir}/ (rows-*.jsonl shards, manifest.jsonl)",
              file=sys.stderr)
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
                         f", {counts.failed} failed" if counts.failed else ""])
        print(f"translated {plural(counts.documents, 'document')} ({plural(counts.sentences, 'sentence')}) "
              f"in {counts.seconds:.1f} s, {rate:.1f} sentences/s{extra}", file=sys.stderr)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cmd_export(args: argparse.Namespace) -> int:
    """Aligned rows (a shard folder or one .jsonl) to CSV, streamed: any size, flat memory."""
    from .corpus_output import rows_to_csv
    from .export import check_writable

    check_writable(args.csv)  # a folder, device or read-only place: one line, as for translate --csv
    n = rows_to_csv(args.rows, args.csv, args.by, raw=args.raw_csv)
    print(f"wrote {'the CSV to stdout' if args.csv == '-' else args.csv} ({plural(n, 'row')}, one row per {args.by})",
          file=sys.stderr)
    return 0


def print_aligned(docs, by: str = "paragraph") -> None:
    """A readable aligned listing for the terminal when no output file is asked for."""
    from .export import rows

    header, body = rows(docs, by)
    first_lang = 4 if by == "sentence" else 3
    langs = header[first_lang:]
    for r in body:
        label = f"[{r[0]} ¶{r[1]}" + (f".{r[2]}" if by == "sentence" else "") + f" {r[first_lang - 1]}]"
        print(label)
        for lang, cell in zip(langs, r[first_lang:]):
            print(f"  {lang}: {cell}")
        print()


def cmd_models_list(args: argparse.Namespace) -> int:
    import json

    from .models import install_dir, scan_packages

    good, broken = scan_packages()
    if args.json:
        print(json.dumps({"packages": [{"from": p.from_code, "to": p.to_code, "version": p.version,
                                        "path": str(p.path)} for p in good],
                          "broken": [{"path": str(b.path), "reason": b.reason} for b in broken],
                          "install_dir": str(install_dir())}, indent=2))
        return 0
    if not good:
        print(f"No translation models installed (looked in {install_dir()}).")
    for p in good:
        print(f"{p.pair:8} {p.version:8} {language_name(p.from_code)} → {language_name(p.to_code)}   {p.path}")
    for b in broken:
        print(f"broken   {b.path}: {b.reason}", file=sys.stderr)
    have = {(p.from_code, p.to_code) for p in good}
    for t in DEFAULT_TARGETS:
        if ("en", t) not in have:
            from .errors import install_hint, offline_hint

            print(f"missing  en→{t}: {install_hint('en', t)}   ({offline_hint('en', t)})")
    return 0


def cmd_models_install(args: argparse.Namespace) -> int:
    from .models import archives_in, install_archive, install_from_index, pairs_for

    problems = Problems()
    things = args.what
    if all(Path(t).exists() for t in things):
        files: list[Path] = []
        for t in things:
            p = Path(t)
            found = archives_in(p) if p.is_dir() else [p]
            if p.is_dir() and not found:
                problems.add(f"{p}: no .argosmodel files in this folder")
            files.extend(found)
        for f in files:
            try:
                pkg = install_archive(f)
                print(f"installed {pkg.pair} {pkg.version} from {f.name} into {pkg.path}")
            except WorkbenchError as exc:
                problems.add(str(exc))
        return problems.exit_code
    if any(Path(t).suffix == ".argosmodel" or os.sep in t for t in things):
        missing = [t for t in things if not Path(t).exists()]
        raise BadInput(f"{missing[0]}: no such file")
    pairs = pairs_for(things)
    with progress_bar() as bar:
        installed = install_from_index(pairs, download_progress(bar), force=args.force)
    for pkg in installed:
        print(f"installed {pkg.pair} {pkg.version} into {pkg.path}")
    if not installed:
        print("already installed: " + ", ".join(f"{a}→{b}" for a, b in pairs))
    return 0


def cmd_models_remove(args: argparse.Namespace) -> int:
    from .models import uninstall

    removed = uninstall(parse_lang(args.from_code), parse_lang(args.to_code))
    if not removed:
        raise BadInput(f"no {args.from_code}→{args.to_code} package is installed")
    for p in removed:
        print(f"removed {p.pair} {p.version} ({p.path})")
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    """What the README's first command runs before the app: install archives dropped into
    models/, then fetch missing en→ko / en→zh packages when online. Never fails: the app starts
    either way and shows what is missing."""
    from .errors import OfflineError
    from .models import archives_in, find_package, install_archive, install_from_index, validate_archive

    folder = Path(args.models_dir)
    if folder.is_dir():
        for f in archives_in(folder):
            try:
                info = validate_archive(f)
                if find_package(info.from_code, info.to_code) is None:
                    pkg = install_archive(f)
                    print(f"installed {pkg.pair} {pkg.version} from {f}", file=sys.stderr)
            except WorkbenchError as exc:
                print(f"warning: {exc}", file=sys.stderr)
    pairs = [("en", t) for t in DEFAULT_TARGETS]
    missing = [p for p in pairs if find_package(*p) is None]
    if missing and not args.offline:
        try:
            with progress_bar() as bar:
                install_from_index(missing, download_progress(bar))
        except OfflineError as exc:
            print(f"note: {exc}", file=sys.stderr)
        except WorkbenchError as exc:
            print(f"warning: {exc}", file=sys.stderr)
    still = [f"en→{t}" for _, t in pairs if find_package("en", t) is None]
    if still:
        print(f"note: no model yet for {', '.join(still)}; the app will say how to install it", file=sys.stderr)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    import subprocess

    app = Path(__file__).resolve().parent / "app" / "main.py"
    if not app.exists():
        raise UsageError("the Streamlit app is not part of this installation")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.address", args.address, "--browser.gatherUsageStats", "false"]
    if args.headless:
        cmd += ["--server.headless", "true"]
    # run from the project root so .streamlit/config.toml (upload limit, no tracebacks) applies
    return subprocess.call(cmd, cwd=str(Path(__file__).resolve().parent.parent))


# ---------------------------------------------------------------- parser


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND,
                                     description="Parallax: offline English→Korean/Chinese translation, aligned sentence by sentence.")
    parser.add_argument("--version", action="version", version=f"parallax {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
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

    m = sub.add_parser("models", help="list and install Argos translation models")
    msub = m.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    ml = msub.add_parser("list", help="installed models (including ones installed by argospm)")
    ml.add_argument("--json", action="store_true")
    ml.set_defaults(func=cmd_models_list)
    mi = msub.add_parser("install", help="install .argosmodel files or folders of them, or `en ko zh` from the Argos index")
    mi.add_argument("what", nargs="+", metavar="FILE|DIR|LANG")
    mi.add_argument("--force", action="store_true", help="download again even if installed")
    mi.set_defaults(func=cmd_models_install)
    mr = msub.add_parser("remove", help="uninstall the package for a pair")
    mr.add_argument("from_code")
    mr.add_argument("to_code")
    mr.set_defaults(func=cmd_models_remove)

    s = sub.add_parser("setup", help="install models/ archives and, online, missing en→ko/en→zh models")
    s.add_argument("--models-dir", default=str(MODELS_DIR))
    s.add_argument("--offline", action="store_true", help="do not try the Argos index")
    s.set_defaults(func=cmd_setup)

    a = sub.add_parser("app", help="start the Streamlit app")
    a.add_argument("--port", type=int, default=8501)
    a.add_argument("--address", default="127.0.0.1", help="address to listen on (default: this machine only)")
    a.add_argument("--headless", action="store_true", help="do not open a browser")
    a.set_defaults(func=cmd_app)

    from .cli_compare import register as register_compare

    register_compare(sub)  # align, compare, check
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its usage message itself
        return int(exc.code or 0)
    try:
        return args.func(args)
    except WorkbenchError as exc:
        print(f"error: {cli_message(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished documents are saved; run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except ModuleNotFoundError as exc:  # run by a python that lacks the dependencies (not the venv's)
        if os.environ.get("PARALLAX_DEBUG"):
            raise
        print(f"error: {exc.name or exc} is not installed for {sys.executable}; set Parallax up with "
              f"`bash scripts/start.sh` and run .venv/bin/{COMMAND} (or `source .venv/bin/activate` first)",
              file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("PARALLAX_DEBUG"):
            raise
        print(f"internal error: {exc.__class__.__name__}: {exc} (set PARALLAX_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 1
