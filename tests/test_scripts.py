"""scripts/test.sh's browser dependencies (issue 17 item 16), run for real in a copy of the clone
whose environments are already set up, with stand-ins for apt-get, chromium and fc-list on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def set_up_clone(tmp_path: Path) -> Path:
    """scripts/ and the pinned requirements in a fresh folder, .venv and .venv-test marked as
    installed (scripts/venv.sh then installs nothing); .venv-test's python only says it ran."""
    root = tmp_path / "clone"
    shutil.copytree(ROOT / "scripts", root / "scripts")
    for f in [*ROOT.glob("requirements*.txt"), ROOT / "pyproject.toml"]:
        shutil.copy(f, root / f.name)
    stamp = subprocess.run("cat requirements*.txt pyproject.toml | sha256sum | cut -d' ' -f1", shell=True,
                           cwd=root, capture_output=True, check=True).stdout  # as scripts/venv.sh computes it
    for venv, kind in ((".venv", "product"), (".venv-test", "test")):
        (root / venv / "bin").mkdir(parents=True)
        (root / venv / f".installed-{kind}").write_bytes(stamp)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    fake(root / ".venv-test" / "bin", "python", 'echo "pytest ran: $*"')
    return root


def fake(folder: Path, name: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\n{body}\n")
    (folder / name).chmod(0o755)


@pytest.mark.parametrize("fonts", [False, True])
def test_test_sh_installs_the_cjk_fonts_even_when_chromium_is_there(tmp_path, fonts):
    root = set_up_clone(tmp_path)
    bin_, log = tmp_path / "fakebin", tmp_path / "apt.log"
    fake(bin_, "chromium", "exit 0")
    fake(bin_, "fc-list", 'echo "Noto Sans CJK KR"' if fonts else "exit 0")
    fake(bin_, "apt-get", f'echo "$*" >> "{log}"')
    fake(bin_, "sudo", '[ "$1" = -n ] && shift; exec "$@"')  # as root or with sudo: the same apt-get
    python_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_}:{python_dir}:/usr/bin:/bin", "PYTHON": sys.executable}
    r = subprocess.run(["bash", str(root / "scripts" / "test.sh"), "-k", "nothing"], capture_output=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert b"pytest ran: -m pytest -n 2 -k nothing" in r.stdout
    installs = [line for line in (log.read_text().splitlines() if log.exists() else []) if " install " in f" {line} "]
    if fonts:
        assert installs == []  # chromium and the fonts are there: nothing to install
    else:
        assert len(installs) == 1 and installs[0].split()[-1] == "fonts-noto-cjk" and "chromium" not in installs[0]
