"""`parallax` (also `python -m workbench`): a thin shell over the library.

Data goes to stdout, progress and messages to stderr. Exit codes: 0 success, 1 some input or
model failed (one line per problem), 2 usage error, 130 interrupted. Never a traceback unless
PARALLAX_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .. import __version__
from ..errors import WorkbenchError
from ..messages import COMMAND
from .common import cli_message


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND,
                                     description="Parallax: offline English→Korean/Chinese translation, aligned sentence by sentence.")
    parser.add_argument("--version", action="version", version=f"parallax {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from . import app, compare, models, translate

    translate.register(sub)  # translate, export
    models.register(sub)  # models, setup
    app.register(sub)
    compare.register(sub)  # align, compare, check
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its usage message itself
        return int(exc.code or 0)
    # `check` exits 1 for what it finds, so a problem running it (a missing file, say) exits 2
    failed = getattr(args, "problem_exit", None)
    try:
        return args.func(args)
    except WorkbenchError as exc:
        print(f"error: {cli_message(exc)}", file=sys.stderr)
        return failed or exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished documents are saved; run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped (`| head`): the end of the output, as for Unix tools
        _silence_stdout()
        return 0
    except ModuleNotFoundError as exc:  # run by a python that lacks the dependencies (not the venv's)
        if os.environ.get("PARALLAX_DEBUG"):
            raise
        print(f"error: {exc.name or exc} is not installed for {sys.executable}; set Parallax up with "
              f"`bash scripts/start.sh` and run .venv/bin/{COMMAND} (or `source .venv/bin/activate` first)",
              file=sys.stderr)
        return failed or 1
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("PARALLAX_DEBUG"):
            raise
        print(f"internal error: {exc.__class__.__name__}: {exc} (set PARALLAX_DEBUG=1 to see the traceback)", file=sys.stderr)
        return failed or 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
