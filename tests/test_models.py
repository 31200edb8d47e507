import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from conftest import SAMPLE, run_cli
from workbench.errors import BadPackage, OfflineError
from workbench.models import (find_package, install_archive, install_from_index, scan_packages,
                              validate_archive)


def rezip(src: Path, dst: Path, edit=None, extra: list[tuple[zipfile.ZipInfo | str, bytes]] = ()) -> Path:
    """Copy an archive member by member, letting `edit(name, data)` drop (None) or change members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if edit:
                data = edit(info.filename, data)
                if data is None:
                    continue
            zout.writestr(info, data)
        for info, data in extra:
            zout.writestr(info, data)
    return dst


def test_valid_archive(package_files):
    info = validate_archive(package_files["ko"])
    assert (info.from_code, info.to_code, info.version) == ("en", "ko", "0.1")


def symlink_member(top: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(f"{top}/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("case,message", [
    ("not_zip", "not an Argos model"),
    ("truncated", "damaged|not an Argos model"),
    ("traversal", "escapes"),
    ("absolute", "absolute"),
    ("symlink", "symbolic link"),
    ("two_tops", "one top folder"),
    ("no_metadata", "metadata.json"),
    ("bad_json", "not valid JSON"),
    ("bad_code", "from_code"),
    ("no_model", "model.bin"),
    ("no_tokenizer", "tokenizer"),
])
def test_broken_or_unsafe_archives_are_refused(package_files, tmp_path, case, message):
    src = package_files["ko"]
    top = validate_archive(src).top
    bad = tmp_path / f"{case}.argosmodel"
    if case == "not_zip":
        bad.write_text("hello")
    elif case == "truncated":
        data = src.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif case == "traversal":
        rezip(src, bad, extra=[(f"{top}/../../evil.txt", b"x")])
    elif case == "absolute":
        rezip(src, bad, extra=[("/tmp/evil.txt", b"x")])
    elif case == "symlink":
        rezip(src, bad, extra=[(symlink_member(top), b"/etc/passwd")])
    elif case == "two_tops":
        rezip(src, bad, extra=[("other/readme.txt", b"x")])
    elif case == "no_metadata":
        rezip(src, bad, edit=lambda n, d: None if n.endswith("metadata.json") else d)
    elif case == "bad_json":
        rezip(src, bad, edit=lambda n, d: b"{oops" if n.endswith("metadata.json") else d)
    elif case == "bad_code":
        rezip(src, bad, edit=lambda n, d: json.dumps({**json.loads(d), "from_code": "english"}).encode()
              if n.endswith("metadata.json") else d)
    elif case == "no_model":
        rezip(src, bad, edit=lambda n, d: None if n.endswith("model.bin") else d)
    elif case == "no_tokenizer":
        rezip(src, bad, edit=lambda n, d: None if n.endswith("sentencepiece.model") else d)
    with pytest.raises(BadPackage, match=message):
        validate_archive(bad)


def test_refused_archive_installs_nothing(no_models, package_files, tmp_path):
    bad = rezip(package_files["ko"], tmp_path / "evil.argosmodel",
                extra=[(f"{validate_archive(package_files['ko']).top}/../../escaped.txt", b"x")])
    with pytest.raises(BadPackage):
        install_archive(bad)
    assert list(no_models.iterdir()) == []
    assert not (no_models.parent / "escaped.txt").exists()


def test_install_list_and_argospm_style_folders(no_models, package_files):
    pkg = install_archive(package_files["ko"])
    assert find_package("en", "ko") == pkg
    # argospm extracts archives into the same folder: a folder put there by hand is seen too
    with zipfile.ZipFile(package_files["zh"]) as zf:
        zf.extractall(no_models)
    (no_models / "junk").mkdir()  # a broken folder does not hide the others
    good, broken = scan_packages()
    assert {(p.from_code, p.to_code) for p in good} == {("en", "ko"), ("en", "zh")}
    assert [b.path.name for b in broken] == ["junk"]
    # reinstalling the same package replaces it whole
    assert install_archive(package_files["ko"]).path == pkg.path


def test_index_unreachable_is_one_clear_error(no_models):
    with pytest.raises(OfflineError, match="cannot reach the Argos package index.*models install"):
        install_from_index([("en", "ko")])


def test_cli_models_commands(no_models, package_files, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(package_files["ko"], folder)
    (folder / "broken.argosmodel").write_bytes(b"nope")
    r = run_cli("models", "list")
    assert r.returncode == 0
    assert b"No translation models installed" in r.stdout
    assert b"parallax models install en ko" in r.stdout

    r = run_cli("models", "install", str(folder))
    assert r.returncode == 1  # one of the two files is broken
    assert b"installed en\xe2\x86\x92ko 0.1" in r.stdout
    assert r.stderr.decode().count("error:") == 1 and "broken.argosmodel" in r.stderr.decode()

    r = run_cli("models", "list", "--json")
    listed = json.loads(r.stdout)
    assert [(p["from"], p["to"]) for p in listed["packages"]] == [("en", "ko")]

    r = run_cli("models", "install", "en", "ko", "zh")
    assert r.returncode == 1
    assert r.stderr.decode().strip().count("\n") == 0 and "cannot reach the Argos package index" in r.stderr.decode()

    r = run_cli("models", "install", "englsh", "ko")
    assert r.returncode == 2 and b"unknown language code 'englsh'; did you mean en (English)?" in r.stderr

    r = run_cli("models", "install", "missing/file.argosmodel")
    assert r.returncode == 1 and b"no such file" in r.stderr

    r = run_cli("models", "remove", "en", "ko")
    assert r.returncode == 0 and find_package("en", "ko") is None


def test_setup_installs_dropped_archives_and_never_fails_offline(no_models, package_files, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(package_files["zh"], folder)
    r = run_cli("setup", "--models-dir", str(folder))
    assert r.returncode == 0
    assert find_package("en", "zh") is not None
    assert b"en\xe2\x86\x92ko" in r.stderr  # still missing, said in one note
    assert b"Traceback" not in r.stderr


def test_setup_reads_models_in_the_current_folder_not_the_installed_package(no_models, package_files, tmp_path):
    """`pip install .` puts the package in site-packages: the default models folder is ./models."""
    (tmp_path / "models").mkdir()
    shutil.copy(package_files["zh"], tmp_path / "models")
    r = run_cli("setup", "--offline", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert find_package("en", "zh") is not None
    assert b"site-packages" not in r.stderr

@pytest.fixture
def local_index(tmp_path, package_files):
    """A stand-in for the Argos package index, served on loopback only."""
    import functools
    import http.server
    import threading

    root = tmp_path / "index"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_port}/"
    entries = []
    for lang, path in package_files.items():
        shutil.copy(path, root / path.name)
        entries.append({"type": "translate", "from_code": "en", "to_code": lang, "package_version": "0.1",
                        "argos_version": "1.9", "links": [base + path.name]})
    (root / "index.json").write_text(json.dumps(entries))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


def test_install_from_the_index_downloads_validates_and_installs(no_models, local_index):
    r = run_cli("models", "install", "en", "ko", "zh", env={"ARGOS_PACKAGE_INDEX": local_index})
    assert r.returncode == 0, r.stderr
    assert "installed en→ko 0.1" in r.stdout.decode() and "installed en→zh 0.1" in r.stdout.decode()
    assert {(p.from_code, p.to_code) for p in scan_packages()[0]} == {("en", "ko"), ("en", "zh")}
    r = run_cli("models", "install", "en", "ko", env={"ARGOS_PACKAGE_INDEX": local_index})
    assert r.returncode == 0 and b"already installed" in r.stdout
    r = run_cli("models", "install", "en", "fr", env={"ARGOS_PACKAGE_INDEX": local_index})
    assert r.returncode == 1 and b"no en\xe2\x86\x92fr package" in r.stderr


def test_setup_fetches_missing_models_when_online(no_models, local_index, tmp_path):
    r = run_cli("setup", "--models-dir", str(tmp_path / "none"), env={"ARGOS_PACKAGE_INDEX": local_index})
    assert r.returncode == 0, r.stderr
    assert {(p.from_code, p.to_code) for p in scan_packages()[0]} == {("en", "ko"), ("en", "zh")}


SPLITTER_STACK = {"torch", "stanza", "spacy", "minisbd", "onnxruntime"}


def imported_modules(stderr: bytes) -> set[str]:
    """Top-level module names from `python -X importtime` output (PYTHONPROFILEIMPORTTIME=1)."""
    names = set()
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_model_commands_never_import_argos_sentence_splitters(no_models, package_files, tmp_path):
    """argostranslate.translate (imported by its install_from_path and uninstall) pulls in its
    sentence splitters: torch, Stanza, spaCy, minisbd. Installing, listing and translating never need them."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(package_files["zh"], folder)
    commands = [("models", "list"), ("models", "install", str(package_files["ko"])),
                ("setup", "--offline", "--models-dir", str(folder)),
                ("translate", "-q", "--json", "--to", "ko,zh", str(SAMPLE)), ("models", "remove", "en", "zh")]
    for args in commands:
        r = run_cli(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
        assert r.returncode == 0, (args, r.stderr[-500:])
        modules = imported_modules(r.stderr)
        assert "workbench" in modules  # the profile was read
        assert not modules & SPLITTER_STACK, (args, sorted(modules & SPLITTER_STACK))


def test_remove_is_safe(no_models, package_files, tmp_path):
    """A package folder that is a symlink is unlinked, never followed; the others are removed whole."""
    install_archive(package_files["ko"])
    elsewhere = tmp_path / "elsewhere"
    with zipfile.ZipFile(package_files["zh"]) as zf:
        zf.extractall(elsewhere)
    (no_models / "translate-en_zh-0_1").symlink_to(next(elsewhere.iterdir()), target_is_directory=True)
    assert find_package("en", "zh") is not None
    r = run_cli("models", "remove", "en", "zh")
    assert r.returncode == 0, r.stderr
    assert find_package("en", "zh") is None and (next(elsewhere.iterdir()) / "model" / "model.bin").is_file()
    r = run_cli("models", "remove", "en", "ko")
    assert r.returncode == 0 and find_package("en", "ko") is None
    assert [p.name for p in no_models.iterdir() if not p.name.startswith(".")] == []
    r = run_cli("models", "remove", "en", "ko")
    assert r.returncode == 1 and b"no en" in r.stderr


def test_installs_are_serialised_and_clean_up_after_a_killed_one(no_models, package_files):
    """Two threads installing at once both succeed, one after the other (a file lock), and a staging
    folder left by a killed install is removed by the next one."""
    import threading

    stale = no_models.parent / f".{no_models.name}-staging-killed"
    (stale / "translate-en_ko-0_1").mkdir(parents=True)
    errors: list[Exception] = []

    def install(lang: str) -> None:
        for _ in range(3):
            try:
                install_archive(package_files[lang])
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)

    threads = [threading.Thread(target=install, args=(lang,)) for lang in ("ko", "ko", "zh")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    good, broken = scan_packages()
    assert {(p.from_code, p.to_code) for p in good} == {("en", "ko"), ("en", "zh")} and broken == []
    assert not stale.exists()
    assert [p.name for p in no_models.parent.iterdir() if "staging" in p.name] == []


def test_reinstall_without_an_atomic_exchange(no_models, package_files, monkeypatch):
    """Where renameat2(RENAME_EXCHANGE) is missing, the old folder is moved aside, the new one in."""
    import workbench.packages as models_module  # the install transaction moved from models.py to packages.py

    first = install_archive(package_files["ko"])
    before = (first.path / "model" / "model.bin").stat().st_ino
    monkeypatch.setattr(models_module, "_exchange", lambda a, b: False)
    again = install_archive(package_files["ko"])
    assert again.path == first.path and (again.path / "model" / "model.bin").stat().st_ino != before
    assert [p.name for p in no_models.parent.iterdir() if "staging" in p.name] == []
