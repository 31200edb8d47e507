"""How the app's server is started and stopped (issue 17 items 1-2, issue 18 item 6).

`parallax app` (and scripts/start.sh, which ends in it) must pass the server options itself, from
any folder, and must stop the Streamlit server on SIGTERM; the page must refuse to run when it was
started some other way (Streamlit's defaults: every network interface, usage statistics on).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from test_scripts import fake, set_up_clone
from workbench.app.server import SERVER_OPTIONS, streamlit_command

APP = str(ROOT / "workbench" / "app" / "main.py")
START_S = 120  # the server's first answer on a busy 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> list[str]:
    """The local addresses listening on `port` (from /proc/net/tcp and tcp6, as hex)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.split(":")
            if int(hexport, 16) == port and state == "0A":  # LISTEN
                found.append(addr)
    return found


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _serve_and_terminate(cmd: list[str], cwd: Path, port: int, env: dict) -> list[str]:
    """Start `cmd`, wait until the server answers, SIGTERM the started process (only it, as `kill
    PID` does) and check the server is gone. Returns the addresses it listened on."""
    log = cwd / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_S
        while not _healthy(port):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the server did not answer:\n" + log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        addresses = _listening(port)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _healthy(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _healthy(port), "the Streamlit server still serves after SIGTERM"
        return addresses
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever the command left behind
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_parallax_app_from_another_folder_listens_on_loopback_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    addresses = _serve_and_terminate([sys.executable, "-m", "workbench", "app", "--headless", "--port", str(port)],
                                     tmp_path, port, _env())
    assert addresses and set(addresses) <= {"0100007F"}, addresses  # 127.0.0.1 only, not 0.0.0.0 or ::


def test_start_sh_stops_the_server_on_sigterm(tmp_path):
    """scripts/start.sh in a copy of the clone whose .venv is already set up (its `parallax` runs
    this checkout's code): SIGTERM to the script's process stops the server."""
    root = set_up_clone(tmp_path)
    fake(root / ".venv" / "bin", "parallax", f'exec "{sys.executable}" -m workbench "$@"')
    port = _free_port()
    addresses = _serve_and_terminate(["bash", str(root / "scripts" / "start.sh"), "--headless", "--port", str(port)],
                                     tmp_path, port, _env())
    assert set(addresses) <= {"0100007F"}, addresses


def test_parallax_app_passes_every_server_option():
    cmd = streamlit_command(8600, headless=True)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"] and cmd[4] == APP
    flags = dict(zip(cmd[5::2], cmd[6::2]))
    for name, value in SERVER_OPTIONS.items():
        assert flags[f"--{name}"] == (str(value).lower() if isinstance(value, bool) else str(value))
    assert flags["--server.port"] == "8600" and flags["--server.headless"] == "true"
    assert SERVER_OPTIONS["server.address"] == "127.0.0.1" and SERVER_OPTIONS["browser.gatherUsageStats"] is False


@pytest.fixture
def started_elsewhere():
    """Streamlit's config as `streamlit run .../main.py` from another folder leaves it: nothing set
    (the autouse app_server_options fixture sets them again for the next test)."""
    for name in SERVER_OPTIONS:
        config.set_option(name, config.get_config_options()[name].default_val, where_defined="<default>")
    assert not any(config.is_manually_set(name) for name in SERVER_OPTIONS)


def test_page_started_without_the_server_options_refuses_and_says_how_to_start_it(started_elsewhere):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "every network interface" in message and "parallax app" in message
    assert "server.address" in message and "browser.gatherUsageStats" in message
    assert not at.button and not at.get("html")  # nothing of the page itself


def test_page_with_the_server_options_runs(no_models):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception and not [e for e in at.error if "server settings" in e.value]
    assert at.radio(key="mode").value == "Sample"
