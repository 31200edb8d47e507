"""`parallax app`: start the Streamlit app."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import UsageError


def register(sub) -> None:
    """Add `app` to the subcommands of the main parser."""
    a = sub.add_parser("app", help="start the Streamlit app")
    a.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    a.add_argument("--address", default="127.0.0.1", help="address to listen on (default: this machine only)")
    a.add_argument("--headless", action="store_true", help="do not open a browser")
    a.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    """Become the Streamlit server (exec, not a child process): `kill PID` or Ctrl-C stops it,
    and its options (workbench/app/server.py) are on its command line, from any folder."""
    from ..app.server import APP_SCRIPT, streamlit_command

    if not APP_SCRIPT.exists():
        raise UsageError("the Streamlit app is not part of this installation")
    cmd = streamlit_command(args.port, args.address, args.headless)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cmd[0], cmd)
    return 0  # not reached
