"""End to end: the real Streamlit server, real headless Chromium, the real (tiny echo) models.

Needs Debian's chromium (`apt-get install -y chromium`). Skipped when it is missing on a developer
machine; when CI is set a missing chromium fails the test, because CI installs it.
Leaves test-artifacts/app-aligned.png and app-aligned.json (click-to-aligned timing).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ROOT, TEST_ENV
from workbench.app.server import streamlit_command

CHROMIUM = Path(os.environ.get("PARALLAX_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SERVER_START_S = 90
TRANSLATE_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {SERVER_START_S} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install it (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture
def server(chromium, models, tmp_path):
    port = _free_port()
    log = tmp_path / "streamlit.log"
    # A fresh translation cache, so the timing below is a real (uncached) translation.
    env = {**os.environ, **TEST_ENV, "PYTHONPATH": str(ROOT), "PARALLAX_CACHE": str(tmp_path / "cache.sqlite")}
    cmd = streamlit_command(port, headless=True) + ["--server.fileWatcherType", "none"]  # as `parallax app`
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def open_page(chromium: Path, server: str, height: int):
    """A page of headless Chromium on the app, closed whatever the test does."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": height})
            page.set_default_timeout(20_000)
            page.goto(server, wait_until="domcontentloaded")
            yield page
        finally:
            browser.close()


def test_translate_in_browser(chromium, server):
    with open_page(chromium, server, height=1400) as page:
        # The sample is loaded on start: the source column is there before any click.
        page.wait_for_selector('.pl-aligned[data-langs="en"] tr.pl-row', timeout=SERVER_START_S * 1000)
        rows = int(page.get_attribute(".pl-aligned", "data-rows"))
        assert rows > 5

        button = page.get_by_role("button", name="Translate")
        button.wait_for(state="visible")
        start = time.perf_counter()
        button.click()
        page.wait_for_selector('.pl-aligned[data-langs="en,ko,zh"] td[lang="ko"] .pl-s', timeout=TRANSLATE_S * 1000)
        first = time.perf_counter() - start
        done = '.pl-aligned[data-langs="en,ko,zh"]:not(:has(.pl-pending))'
        page.wait_for_selector(done, timeout=TRANSLATE_S * 1000)
        page.wait_for_selector('[data-testid="stDownloadButton"]', timeout=TRANSLATE_S * 1000)
        seconds = time.perf_counter() - start

        table = page.locator(done)
        assert int(table.get_attribute("data-rows")) == rows
        # The echo model copies its input: paragraph 5's first sentence is in all three columns.
        row = table.locator('tr.pl-row[data-p="4"]')
        en = row.locator('td[lang="en"] .pl-s[data-i="0"]').inner_text()
        assert "Liu Guozhong" in en
        for lang in ("ko", "zh"):
            assert "Liu Guozhong" in row.locator(f'td[lang="{lang}"] .pl-s[data-i="0"]').inner_text()
        # The page's own CSS survived sanitising: CJK-friendly line height is applied.
        line_height = table.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) / parseFloat(getComputedStyle(el).fontSize)")
        assert 1.5 < line_height < 1.9
        # Hovering a sentence highlights its counterpart (same data-s) in the other columns.
        multi = table.locator('tr.pl-row:has(td[lang="en"] .pl-s[data-i="1"])').first
        multi.locator('td[lang="en"] .pl-s[data-i="1"]').hover()
        page.wait_for_timeout(200)  # the highlight fades in over 80 ms
        ko_bg = multi.locator('td[lang="ko"] .pl-s[data-i="1"]').evaluate("el => getComputedStyle(el).backgroundColor")
        other_bg = multi.locator('td[lang="ko"] .pl-s[data-i="0"]').evaluate("el => getComputedStyle(el).backgroundColor")
        assert ko_bg != other_bg and ko_bg not in ("rgba(0, 0, 0, 0)", "transparent")
        assert page.locator('[data-testid="stException"]').count() == 0

        page.mouse.move(0, 0)
        page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        shot = ARTIFACTS / "app-aligned.png"
        page.screenshot(path=str(shot), full_page=True)
        record = {"click_to_first_translation_s": round(first, 3), "click_to_aligned_s": round(seconds, 3),
                  "paragraphs": rows, "browser": page.context.browser.version, "screenshot": shot.name}
        (ARTIFACTS / "app-aligned.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"\nclick to aligned view: {seconds:.2f} s (first translated row after {first:.2f} s)")


def test_compare_in_browser(chromium, server):
    """The Compare view with the default demo: the alignment table with its marks, drawn by the
    real page; leaves test-artifacts/app-compare.png."""
    with open_page(chromium, server, height=2400) as page:
        page.wait_for_selector(".pl-aligned tr.pl-row", timeout=SERVER_START_S * 1000)
        page.locator('[data-testid="stButtonGroup"] button', has_text="Compare").click()
        table = page.locator(".pc-align")
        page.wait_for_selector(".pc-align tr.pc-row", timeout=TRANSLATE_S * 1000)
        types = {page.get_attribute(f'.pc-align tr.pc-row >> nth={i}', "data-type")
                 for i in range(table.locator("tr.pc-row").count())}
        assert {"2-1", "1-2", "1-0", "0-1"} <= types  # the mixed demo shows every kind of link
        # omitted rows are tinted: the page's CSS survived sanitising
        omitted = table.locator('tr.pc-row[data-type="1-0"]').first
        assert omitted.evaluate("el => getComputedStyle(el).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
        page.wait_for_selector('[data-testid="stDownloadButton"]')
        assert page.locator('[data-testid="stException"]').count() == 0
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "app-compare.png"), full_page=True)
