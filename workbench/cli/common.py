"""What every `parallax` command shares: error lines, exit codes, progress bars, small parsers."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import Iterator

from ..errors import UsageError, WorkbenchError
from ..messages import CLI, explain
from ..langid import parse_lang

DEFAULT_TARGETS = ("ko", "zh")


def cli_message(exc: WorkbenchError) -> str:
    """The error's one line as the command line says it: the library's message with this
    program's flags and commands added (the one mapping, workbench.messages, shared with the app)."""
    return explain(exc, CLI)


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


# ---------------------------------------------------------------- shared options and parsers


def output_options(parser: argparse.ArgumentParser, shown: str | None, table: str, csv_required: bool = False) -> None:
    """--json, --csv FILE and --raw-csv, declared once for every command that writes a table
    (`shown`: what --json prints, None for no --json; `table`: what the CSV holds)."""
    if shown is not None:
        parser.add_argument("--json", action="store_true", help=f"print {shown} as JSON on stdout")
    parser.add_argument("--csv", metavar="FILE", required=csv_required,
                        help=f"write {table} to this CSV file (UTF-8 with BOM; - for stdout)")
    parser.add_argument("--raw-csv", action="store_true",
                        help="keep CSV cells starting with = + - @ as they are (default: prefix a ')")


def by_option(parser: argparse.ArgumentParser) -> None:
    """--by for the aligned table of `translate` and `export`."""
    parser.add_argument("--by", choices=["paragraph", "sentence"], default="paragraph",
                        help="one CSV row per paragraph (default) or per sentence")


def parse_targets(value: str) -> list[str]:
    """`ko,zh`, `korean, chinese`, `kr,cn`...: codes in order, each once (langid.parse_lang)."""
    targets = [parse_lang(t) for t in value.split(",") if t.strip()]
    if not targets:
        raise UsageError("--to needs at least one language code, e.g. --to ko,zh")
    return list(dict.fromkeys(targets))


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"



def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return n
