import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli
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
