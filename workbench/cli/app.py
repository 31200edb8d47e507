"""`parallax app`: start the Streamlit app."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from ..errors import UsageError

ROOT = Path(__file__).resolve().parent.parent.parent  # the project root (holds .streamlit/)


def register(sub) -> None:
    """Add `app` to the subcommands of the main parser."""
    a = sub.add_parser("app", help="start the Streamlit app")
    a.add_argument("--port", type=int, default=8501)
    a.add_argument("--address", default="127.0.0.1", help="address to listen on (default: this machine only)")
    a.add_argument("--headless", action="store_true", help="do not open a browser")
    a.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    app = ROOT / "workbench" / "app" / "main.py"
    if not app.exists():
        raise UsageError("the Streamlit app is not part of this installation")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.address", args.address, "--browser.gatherUsageStats", "false"]
    if args.headless:
        cmd += ["--server.headless", "true"]
    # run from the project root so .streamlit/config.toml (upload limit, no tracebacks) applies
    return subprocess.call(cmd, cwd=str(ROOT))

