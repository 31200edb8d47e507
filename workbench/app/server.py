"""How the app's Streamlit server must run, in one place (no Streamlit import: the CLI uses it).

`parallax app` passes these options on Streamlit's command line, so they hold whatever folder it
is started from (a `.streamlit/config.toml` is read from the current folder only). A page started
some other way (`streamlit run .../main.py` from another folder) finds them unset and refuses to
run, so it never listens on every network interface or sends usage statistics by accident.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

APP_SCRIPT = Path(__file__).resolve().with_name("main.py")
LOOPBACK = "127.0.0.1"
SERVER_OPTIONS: dict[str, object] = {
    "server.address": LOOPBACK,  # this machine only; share it behind a proxy you control
    "server.maxUploadSize": 1024,  # MB: real Argos models are 100-300 MB; Streamlit's default is 200
    "browser.gatherUsageStats": False,  # an offline tool sends nothing
    "client.showErrorDetails": "type",  # never a traceback in the page
    "client.toolbarMode": "minimal",  # no "Deploy" button: a local tool
}


def _flag_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def streamlit_command(port: int, address: str = LOOPBACK, headless: bool = False,
                      python: str = sys.executable) -> list[str]:
    """The `streamlit run` command line that `parallax app` executes."""
    options = {**SERVER_OPTIONS, "server.address": address, "server.port": port}
    if headless:
        options["server.headless"] = True
    cmd = [python, "-m", "streamlit", "run", str(APP_SCRIPT)]
    for name, value in options.items():
        cmd += [f"--{name}", _flag_value(value)]
    return cmd


def unset_options(is_set: Callable[[str], bool]) -> list[str]:
    """The options of SERVER_OPTIONS that nobody set (Streamlit's defaults are in force):
    `is_set` is `streamlit.config.is_manually_set`."""
    return [name for name in SERVER_OPTIONS if not is_set(name)]


def refusal(unset: Sequence[str]) -> str:
    """The page's one-paragraph message when it was started without Parallax's server options."""
    risk = (" Started like this the server listens on every network interface of this machine."
            if "server.address" in unset else "")
    return ("This page was started without Parallax's server settings (" + ", ".join(unset) + ")." + risk +
            " Stop it and start the app with `parallax app` (add --port N to move it), which sets them.")
