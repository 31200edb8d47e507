"""Issue 11, the model and app half: hostile or careless archives and concurrent installs.

One test per numbered case (1, 2, 3, 5, 6, 11, 12, 13). Each builds its archive from the real tiny
echo package (tests/conftest.py), so a refusal can only come from the case's own defect, and each
checks that the package installed before is still there, unchanged, and still translates.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, run_cli, sample_texts
from workbench import engine as engine_module
from workbench.engine import Engine
from workbench.errors import BadPackage
from workbench.models import MAX_MEMBERS, find_package, install_archive, scan_packages, validate_archive
from workbench.testing.argos_package import archive_members, build_argos_package, write_zip

APP = str(ROOT / "workbench" / "app" / "main.py")
SENTENCE = sample_texts()[1]  # the echo model gives it back: a translation that worked is checkable
PIXEL = "![x](http://127.0.0.1:9/pixel)"  # rendered as Markdown, a browser would fetch this


# ---------------------------------------------------------------- helpers


def repack(src: Path, dst: Path, edit=None, top: str | None = None, extra=()) -> Path:
    """Rebuild an archive: `edit(name, data)` changes (or drops, None) members, `top` renames the
    top folder, `extra` adds (name, bytes or a zero count) members."""
    members = []
    for name, data in archive_members(src):
        if edit is not None:
            data = edit(name, data)
            if data is None:
                continue
        if top is not None:
            name = top + name[name.index("/"):]
        members.append((name, data))
    return write_zip(dst, members + list(extra))


def edit_metadata(**changes):
    def edit(name, data):
        if name.endswith("/metadata.json"):
            return json.dumps({**json.loads(data), **changes}).encode()
        return data
    return edit


def replace_member(suffix: str, content):
    return lambda name, data: content if name.endswith(suffix) else data


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_still_installed(pkg, before: dict[str, str]) -> None:
    """The en→ko package is where it was, byte for byte, and translates."""
    now = find_package("en", "ko")
    assert now is not None and now.path == pkg.path
    assert snapshot(pkg.path) == before
    assert [t.text for t in Engine().translate_sentences([SENTENCE], "en", "ko")] == [SENTENCE]


@pytest.fixture
def ko(no_models, package_files):
    """en→ko installed in an empty package folder, with a snapshot of its files."""
    pkg = install_archive(package_files["ko"])
    return pkg, snapshot(pkg.path)


@pytest.fixture(scope="session")
def ko_rebuilt(tmp_path_factory) -> Path:
    """Another en→ko 0.1 (a different vocabulary, so another model.bin): a re-upload that differs."""
    out = tmp_path_factory.mktemp("rebuilt") / "translate-en_ko-0_1.argosmodel"
    return build_argos_package(out, from_code="en", to_code="ko", texts=sample_texts(), vocab_size=420)


# ---------------------------------------------------------------- 1. a failed install keeps the old package


@pytest.mark.parametrize("case", ["languages_not_a_list", "file_and_folder_clash", "member_twice"])
def test_1_failed_install_keeps_the_working_package(ko, package_files, tmp_path, case):
    pkg, before = ko
    src, bad = package_files["ko"], tmp_path / f"{case}.argosmodel"
    top = validate_archive(src).top
    if case == "languages_not_a_list":
        repack(src, bad, edit_metadata(languages=5))
    elif case == "file_and_folder_clash":
        repack(src, bad, extra=[(f"{top}/README.md/inner.txt", b"x")])
    else:
        repack(src, bad, extra=[(f"{top}/model/model.bin", b"a second, different model.bin")])
    r = run_cli("models", "install", str(bad))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("error: ") and bad.name in err and "Traceback" not in err
    with pytest.raises(BadPackage):
        install_archive(bad)
    assert_still_installed(pkg, before)


# ---------------------------------------------------------------- 2. the metadata names the folder


def test_2_install_folder_comes_from_the_metadata_not_the_archive(ko, package_files, tmp_path):
    pkg, before = ko
    disguised = repack(package_files["zh"], tmp_path / "translate-en_ko-0_1.argosmodel", top=pkg.path.name)
    installed = install_archive(disguised)
    assert (installed.from_code, installed.to_code) == ("en", "zh")
    assert installed.path.name == "translate-en_zh-0_1" != pkg.path.name
    assert_still_installed(pkg, before)
    assert find_package("en", "zh") == installed


# ---------------------------------------------------------------- 3. broken models are refused


@pytest.mark.parametrize("case,message", [
    ("garbage_model", "does not translate"),
    ("garbage_sentencepiece", "does not translate"),
    ("zeros_2gb", "zip bomb"),
    ("bomb_4gb", "zip bomb"),
    ("too_many_members", "files"),
])
def test_3_broken_models_are_refused_and_the_old_one_stays(ko, package_files, tmp_path, case, message):
    pkg, before = ko
    src, bad = package_files["ko"], tmp_path / f"translate-en_ko-0_1.{case}.argosmodel"
    top = validate_archive(src).top
    if case == "garbage_model":
        repack(src, bad, replace_member("/model/model.bin", hashlib.sha256(b"x").digest() * 4096))
    elif case == "garbage_sentencepiece":
        repack(src, bad, replace_member("/sentencepiece.model", b"not a sentencepiece model\n" * 500))
    elif case == "zeros_2gb":
        repack(src, bad, replace_member("/model/model.bin", 2 * 10**9))  # 2 GB of zeros in ~2 MB
    elif case == "bomb_4gb":
        repack(src, bad, replace_member("/model/model.bin", 4 * 10**9))
    else:
        repack(src, bad, extra=[(f"{top}/extra/{i}.txt", b"") for i in range(MAX_MEMBERS)])
    with pytest.raises(BadPackage, match=message) as err:
        install_archive(bad)
    assert "\n" not in err.value.message and bad.name in err.value.message
    assert_still_installed(pkg, before)
    assert [p.name for p in Path(pkg.path).parent.parent.iterdir() if "staging" in p.name] == []  # no leftovers


# ---------------------------------------------------------------- 5. the app listens on loopback only


def test_5_app_binds_to_loopback_however_it_is_started():
    from workbench.app.server import streamlit_command
    from workbench.cli import build_parser

    assert build_parser().parse_args(["app"]).address == "127.0.0.1"  # `python -m workbench app`
    cmd = streamlit_command(8501)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    # any other way of starting the page is refused by the page itself: tests/test_app_server.py


# ---------------------------------------------------------------- 6. archive strings are plain text


def rendered(markdown: str) -> str:
    """HTML as a CommonMark renderer (with GFM tables and strikethrough) makes it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def test_6_archive_strings_are_shown_as_plain_text_in_the_app(no_models, package_files, tmp_path):
    # a package folder as argospm would leave it: hostile name and version, so listed as broken
    odd = no_models / "translate-![y](pixel.png)"
    odd.mkdir()
    (odd / "metadata.json").write_text(json.dumps({"from_code": "en", "to_code": "ko", "package_version": PIXEL}))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    uploads = [
        (f"{PIXEL}.argosmodel", b"not a zip"),
        ("member.argosmodel", repack(package_files["ko"], tmp_path / "m.argosmodel",
                                     extra=[(f"../{PIXEL}", b"x")]).read_bytes()),
    ]
    shown = []
    for name, data in uploads:
        at.sidebar.file_uploader(key="model_upload").set_value((name, data, "application/zip")).run()
        assert not at.exception
        shown += [e.value for kind in ("error", "warning", "info", "success", "caption", "markdown")
                  for e in at.get(kind)]
    hostile = [v for v in shown if "pixel" in v]
    assert len(hostile) >= 3, shown  # the file name, the member name, the folder's version
    for value in hostile:
        page = rendered(value)
        assert "<img" not in page and "<a " not in page, value
    text = html.unescape(re.sub(r"<[^>]+>", "", " ".join(rendered(v) for v in hostile)))
    assert PIXEL in text  # shown literally, not dropped
    assert "translate-![y](pixel.png)" in text


# ---------------------------------------------------------------- 11. metadata types and sizes


@pytest.mark.parametrize("changes,message", [
    ({"package_version": {"major": 1}}, "package_version"),
    ({"package_version": "1.0/../../x"}, "package_version"),
    ({"target_prefix": 5}, "target_prefix"),
    ({"to_code": "en"}, "into itself"),
    ({"to_code": "xx"}, "to_code"),
    ({"from_name": hashlib.shake_256(b"name").hexdigest(25_000_000)}, "metadata.json is larger"),  # 50 MB
])
def test_11_metadata_is_checked_for_type_size_and_sense(ko, package_files, tmp_path, changes, message):
    pkg, before = ko
    bad = repack(package_files["ko"], tmp_path / "meta.argosmodel", edit_metadata(**changes))
    with pytest.raises(BadPackage, match=message) as err:
        install_archive(bad)
    assert "\n" not in err.value.message and len(err.value.message) < 300
    assert_still_installed(pkg, before)


def test_11_models_list_survives_bad_metadata_on_disk(ko, no_models):
    """Complete package folders (as argospm or a hand copy leaves them) whose metadata is wrong."""
    pkg, _ = ko
    for name, meta in [("translate-en_zh-9_9", {"from_code": "en", "to_code": "zh", "package_version": {"v": 1}}),
                       ("translate-en_ja-1_0", {"from_code": "en", "to_code": "ja", "target_prefix": 5}),
                       ("translate-en_fr-1_0", ["not", "an", "object"])]:
        shutil.copytree(pkg.path, no_models / name)
        (no_models / name / "metadata.json").write_text(json.dumps(meta))
    r = run_cli("models", "list")
    assert r.returncode == 0 and b"Traceback" not in r.stderr and b"internal error" not in r.stderr
    assert str(pkg.path) in r.stdout.decode()
    assert r.stderr.decode().count("broken") == 3
    good, broken = scan_packages()
    assert [p.path for p in good] == [pkg.path] and len(broken) == 3


# ---------------------------------------------------------------- 12. installing while others translate


def test_12_an_install_never_hides_the_pair_from_a_running_translation(ko, package_files, ko_rebuilt):
    stop = threading.Event()
    misses: list[int] = []
    failures: list[str] = []

    def scan() -> None:
        while not stop.is_set():
            if find_package("en", "ko") is None:
                misses.append(1)

    def translate() -> None:
        engine = Engine()
        while not stop.is_set():
            try:
                engine.translate_sentences([SENTENCE], "en", "ko", use_cache=False)
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                failures.append(f"{exc.__class__.__name__}: {exc}")

    threads = [threading.Thread(target=scan), threading.Thread(target=translate)]
    for t in threads:
        t.start()
    try:
        for i in range(8):
            install_archive(ko_rebuilt if i % 2 == 0 else package_files["ko"])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert misses == [] and failures == []


def test_12_a_finished_result_stays_shown_after_another_session_reinstalls(no_models, package_files, ko_rebuilt):
    for path in package_files.values():
        install_archive(path)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.radio(key="mode").set_value("Paste text").run()
    at.text_area(key="paste").set_value(" ".join(sample_texts()[1:3])).run()
    at.button[0].click().run()
    assert not at.exception and not at.error

    def view() -> str:
        return [h.value for h in at.html if 'class="pl-aligned"' in h.value][-1]

    done = view()
    assert 'data-langs="en,ko,zh"' in done
    install_archive(ko_rebuilt)  # another session re-uploads the en→ko package
    at.run()
    assert not at.exception and not at.error
    assert view() == done  # still shown, not "Click Translate to fill in the other columns"
    assert "made with en→ko 0.1, en→zh 0.1" in " ".join(c.value for c in at.caption)
    assert any("previous version of the en→ko model" in i.value for i in at.info)
    at.button[0].click().run()  # translating again uses the new package and drops the note
    assert not any("previous version" in i.value for i in at.info)
    assert 'data-langs="en,ko,zh"' in view()


# ---------------------------------------------------------------- 13. re-installs release translators


def test_13_reinstalls_release_the_replaced_translators(ko, package_files, ko_rebuilt):
    pkg, _ = ko
    engine = Engine()
    counts = []
    for i in range(6):
        engine.translate_sentences([SENTENCE], "en", "ko", use_cache=False)  # loads the current translator
        counts.append(sum(1 for key in engine_module.POOL._translators if key[0] == str(pkg.path)))
        install_archive(ko_rebuilt if i % 2 == 0 else package_files["ko"])
    assert counts == [1] * 6
    assert sum(1 for key in engine_module.POOL._translators if key[0] == str(pkg.path)) == 0  # the last one too
