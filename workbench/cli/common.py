"""What every `parallax` command shares: error lines, exit codes, progress bars, small parsers."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import NotEnglish, UsageError, WorkbenchError
from ..langid import parse_lang

DEFAULT_TARGETS = ("ko", "zh")


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
    from ..corpus import Corpus

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
    from ..export import write_atomic

    write_atomic(path, data)



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
