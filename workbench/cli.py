"""`parallax` (also `python -m workbench`): a thin shell over the library.

Data goes to stdout, progress and messages to stderr. Exit codes: 0 success, 1 some input or
model failed (one line per problem), 2 usage error, 130 interrupted. Never a traceback unless
PARALLAX_DEBUG=1.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__
from .errors import BadInput, MissingModel, NotEnglish, UsageError, WorkbenchError
from .errors import COMMAND
from .langid import language_name, parse_lang

DEFAULT_TARGETS = ("ko", "zh")
STDIN_NAME = "stdin"  # what messages call `-` (no suffix: read as plain text)
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


def expand_inputs(patterns: Sequence[str], problems: Problems) -> list[str]:
    """Files, folders (their supported files) and globs, expanded here so Windows shells and
    quoted patterns work; '-' is stdin. A pattern that matches nothing is a problem line."""
    from .documents import SUPPORTED_SUFFIXES

    out: list[str] = []
    for pat in patterns:
        if pat == "-":
            out.append("-")
        elif any(ch in pat for ch in "*?["):
            matches = sorted(m for m in glob.glob(pat, recursive=True) if Path(m).is_file())
            if not matches:
                problems.add(f"{pat}: no file matches this pattern")
            out.extend(matches)
        elif Path(pat).is_dir():
            files = sorted(p for p in Path(pat).rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not files:
                problems.add(f"{pat}: folder has no .txt, .md, .html or .docx files")
            out.extend(str(p) for p in files)
        else:
            out.append(pat)
    return list(dict.fromkeys(out))


def read_inputs(paths: Sequence[str], source: str | None, problems: Problems, memo=None) -> list:
    from .documents import read_file, read_stream

    docs = []
    for p in paths:
        try:
            if p == "-":
                docs.append(read_stream(sys.stdin.buffer, STDIN_NAME, source, memo))  # capped read
            else:
                docs.append(read_file(p, source, memo))
            for warning in docs[-1].warnings:
                print(f"warning: {warning}", file=sys.stderr)
        except BadInput as exc:
            problems.add(exc)
    names: dict[str, int] = {}
    unique = []
    for d in docs:
        stem = Path(d.name).stem
        if stem in names:
            problems.add(f"{d.meta.get('path', d.name)}: another input has the same name ({d.name}); rename one")
            continue
        names[stem] = 1
        unique.append(d)
    return unique


def parse_targets(value: str) -> list[str]:
    """`ko,zh`, `korean, chinese`, `kr,cn`...: codes in order, each once (langid.parse_lang)."""
    targets = [parse_lang(t) for t in value.split(",") if t.strip()]
    if not targets:
        raise UsageError("--to needs at least one language code, e.g. --to ko,zh")
    return list(dict.fromkeys(targets))


def require_models(engine, pairs) -> None:
    """Check every (from, to) pair before any work: ONE MissingModel naming all missing pairs, with
    one install command per source language (`parallax models install en ko zh`)."""
    missing = []
    for from_code, to_code in pairs:
        if from_code == to_code:
            continue
        try:
            engine.route(from_code, to_code)
        except MissingModel as exc:
            missing.append(exc)
    if missing:
        raise MissingModel.several(missing)


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
    from .cache import TranslationCache
    from .engine import DecodeOptions, Engine
    from .export import check_outputs, csv_bytes, finished, to_json, write_document

    problems = Problems()
    if args.csv == "-" and args.json:
        raise UsageError("--csv - and --json both write to stdout; send one of them to a file")
    targets = parse_targets(args.to)
    source = parse_lang(args.source) if args.source else None
    check_outputs([args.csv if args.csv != "-" else None], out_dir=args.out)  # one line, before any work
    cache = None if args.no_cache else TranslationCache()
    paths = expand_inputs(args.inputs, problems)
    docs = read_inputs(paths, source, problems, memo=cache)
    if not docs:
        if not problems.lines:
            problems.add("no input to translate")
        return problems.exit_code
    targets = [t for t in targets if not all(t == d.lang for d in docs)] or targets
    options = DecodeOptions()
    if args.batch_sentences:
        n = args.batch_sentences
        options = replace(options, chunk_sentences=n, first_chunk_sentences=min(n, options.first_chunk_sentences))
    engine = Engine(cache=cache, options=options)
    require_models(engine, [(f, t) for t in targets for f in sorted({d.lang for d in docs})])

    out_dir = Path(args.out) if args.out else None
    results: dict[int, object] = {}
    todo = []
    for i, d in enumerate(docs):
        done = finished(out_dir, d, targets) if out_dir and not args.force else None
        if done is not None:
            results[i] = done
        else:
            todo.append(i)
    if out_dir and len(todo) < len(docs):
        print(f"resuming: {len(docs) - len(todo)} of {len(docs)} documents already done in {out_dir}", file=sys.stderr)

    if todo:
        batch = [docs[i] for i in todo]
        sentence_counts = [d.sentence_count for d in batch]
        written: set[int] = set()
        with progress_bar(not args.quiet) as bar:
            tasks = {lang: bar.add_task(f"{language_name(lang)} ({lang})", total=sum(sentence_counts)) for lang in targets}

            def on_progress(lang: str, done: int, total: int) -> None:
                bar.update(tasks[lang], completed=done)

            latest = None
            for _lang, latest in engine.iter_translate_documents(batch, targets, on_progress, use_cache=not args.no_cache):
                if out_dir:
                    for j, ad in enumerate(latest):
                        if j not in written and _complete(ad, targets):
                            write_document(out_dir, ad)
                            written.add(j)
            for j, ad in zip(todo, latest or []):
                results[j] = ad
    ordered = [results[i] for i in sorted(results)]

    if args.csv:
        write_output(args.csv, csv_bytes(ordered, args.by, raw=args.raw_csv))
        print(f"wrote {'the CSV to stdout' if args.csv == '-' else args.csv} ({plural(len(ordered), 'document')}, one row per {args.by})", file=sys.stderr)
    if args.json:
        sys.stdout.write(to_json(ordered) + "\n")
    elif not args.out and not args.csv:
        print_aligned(ordered, args.by)
    if out_dir:
        print(f"wrote {plural(len(todo), 'document')} to {out_dir}/ (JSON and one .txt per language)", file=sys.stderr)
    return problems.exit_code


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _complete(ad, targets: Sequence[str]) -> bool:
    return all(len(ad.translations.get(lang, ())) == len(ad.document.paragraphs)
               and all(len(t) == len(p.sentences) for t, p in zip(ad.translations[lang], ad.document.paragraphs))
               for lang in targets)


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
    t.set_defaults(func=cmd_translate)

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
