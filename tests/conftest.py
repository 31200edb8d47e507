"""Shared test fixtures.

argostranslate reads its package folder from the environment when first imported, so this file
points it (and every cache) at a throwaway folder before anything imports it: tests never touch
the user's real models or cache. A tiny but real Argos package is built once per test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from workbench.testing.isolation import isolated_env  # imports nothing of argostranslate

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbench" / "samples"  # package data; samples/ at the root links here
SAMPLE = SAMPLES / "china-dprk-vice-premier-visit.en.txt"

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="parallax-tests-"))
TEST_ENV = isolated_env(_SESSION_HOME)  # offline by design: the package index is unreachable
os.environ.update(TEST_ENV)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


def sample_texts() -> list[str]:
    return [ln for ln in SAMPLE.read_text(encoding="utf-8").splitlines() if ln.strip()]


@pytest.fixture(scope="session")
def package_files(tmp_path_factory) -> dict[str, Path]:
    """Real .argosmodel archives (echo models) for en→ko and en→zh, built once per run.

    The zh one carries a target prefix token, as Argos's multilingual packages do.
    """
    from workbench.testing.argos_package import build_argos_package

    out = tmp_path_factory.mktemp("argosmodels")
    texts = sample_texts()
    return {
        "ko": build_argos_package(out / "translate-en_ko-0_1.argosmodel", from_code="en", to_code="ko", texts=texts),
        "zh": build_argos_package(out / "translate-en_zh-0_1.argosmodel", from_code="en", to_code="zh", texts=texts,
                                  target_prefix="__zh__"),
    }


@pytest.fixture(scope="session")
def installed_models(package_files):
    """Both packages installed through argostranslate into the session's package folder."""
    from workbench.models import install_archive

    return {lang: install_archive(path) for lang, path in package_files.items()}


@pytest.fixture
def models(installed_models, monkeypatch):
    """The installed models, with the package folder restored to the session's one."""
    from argostranslate import settings

    monkeypatch.setattr(settings, "package_dirs", [Path(TEST_ENV["ARGOS_PACKAGES_DIR"])])
    monkeypatch.setattr(settings, "package_data_dir", Path(TEST_ENV["ARGOS_PACKAGES_DIR"]))
    return installed_models


@pytest.fixture
def no_models(tmp_path, monkeypatch):
    """An empty package folder: nothing is installed."""
    from argostranslate import settings

    empty = tmp_path / "no-packages"
    empty.mkdir()
    monkeypatch.setattr(settings, "package_dirs", [empty])
    monkeypatch.setattr(settings, "package_data_dir", empty)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(empty))
    return empty


@pytest.fixture(autouse=True)
def app_server_options():
    """AppTest runs the page in this process, where nobody passed the options `parallax app`
    passes: set them as it does (the page refuses to run without them, workbench/app/server.py).
    Only where a test module has imported Streamlit."""
    if "streamlit" in sys.modules:
        from streamlit import config

        from workbench.app.server import SERVER_OPTIONS

        for name, value in SERVER_OPTIONS.items():
            config.set_option(name, value)


@pytest.fixture
def cache(tmp_path):
    from workbench.cache import TranslationCache

    c = TranslationCache(tmp_path / "cache.sqlite")
    yield c
    c.close()


def run_cli(*args: str, stdin: bytes | None = None, env: dict | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """The CLI as a user runs it: a fresh `python -m workbench` process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}  # os.environ holds TEST_ENV
    return subprocess.run([sys.executable, "-m", "workbench", *args], input=stdin, capture_output=True,
                          env=full_env, cwd=cwd or ROOT, timeout=timeout)
