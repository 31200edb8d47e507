"""Argos model packages: list what is installed, validate and install archives, fetch from the index.

Packages live where argostranslate keeps them (`ARGOS_PACKAGES_DIR`, by default
~/.local/share/argos-translate/packages), so models installed with `argospm` show up here and
ours show up there. Archives are checked before argostranslate extracts them, because its
`install_from_path` extracts any zip as-is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from .errors import BadPackage, OfflineError, UsageError, WorkbenchError
from .langid import parse_lang

MAX_UNCOMPRESSED = 4 * 1024**3  # real packages are ~100-300 MB; anything this big is a zip bomb
ProgressFn = Callable[[str, int, int | None], None]  # (label, done, total)


@dataclass(frozen=True)
class PackageInfo:
    from_code: str
    to_code: str
    version: str
    path: Path
    target_prefix: str = ""
    name: str = ""  # the package folder name, e.g. translate-en_ko-1_1

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    @property
    def identity(self) -> str:
        """What the cache keys on: changes when the package is replaced, even at the same version."""
        model = self.path / "model" / "model.bin"
        try:
            st = model.stat()
            fingerprint = f"{st.st_size}-{int(st.st_mtime)}"
        except OSError:
            fingerprint = "missing"
        return f"{self.from_code}-{self.to_code}-{self.version}-{self.name}-{fingerprint}"

    @property
    def label(self) -> str:
        return f"{self.pair} {self.version}".strip()


@dataclass(frozen=True)
class BrokenPackage:
    path: Path
    reason: str


def package_dirs() -> list[Path]:
    from argostranslate import settings

    return [Path(p) for p in settings.package_dirs]


def install_dir() -> Path:
    from argostranslate import settings

    return Path(settings.package_data_dir)


def _version_key(version: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def scan_packages() -> tuple[list[PackageInfo], list[BrokenPackage]]:
    """Installed translation packages (newest first per pair), and folders that are not usable.

    We read each folder ourselves rather than calling argostranslate's get_installed_packages(),
    which raises on the first folder without metadata.json and hides every other package.
    """
    from argostranslate.package import Package

    good: list[PackageInfo] = []
    broken: list[BrokenPackage] = []
    for root in package_dirs():
        if not root.is_dir():
            continue
        for d in sorted(root.iterdir()):
            if not d.is_dir():
                continue
            try:
                pkg = Package(d)
            except Exception as exc:  # missing/garbled metadata.json
                broken.append(BrokenPackage(d, f"unreadable package ({exc.__class__.__name__}: {exc})"))
                continue
            if pkg.type != "translate":
                continue
            if not pkg.from_code or not pkg.to_code:
                broken.append(BrokenPackage(d, "metadata.json has no from_code/to_code"))
                continue
            if not (d / "model" / "model.bin").exists():
                broken.append(BrokenPackage(d, "no model/model.bin"))
                continue
            if getattr(pkg, "tokenizer", None) is None:
                broken.append(BrokenPackage(d, "no sentencepiece.model or bpe.model"))
                continue
            good.append(PackageInfo(pkg.from_code, pkg.to_code, pkg.package_version or "", d,
                                    pkg.target_prefix or "", d.name))
    good.sort(key=lambda p: _version_key(p.version), reverse=True)  # newest first within a pair:
    good.sort(key=lambda p: (p.from_code, p.to_code))  # a stable sort keeps that order
    return good, broken


def installed_packages() -> list[PackageInfo]:
    return scan_packages()[0]


def find_package(from_code: str, to_code: str) -> PackageInfo | None:
    """The newest installed package for a direct pair."""
    for p in installed_packages():
        if p.from_code == from_code and p.to_code == to_code:
            return p
    return None


# ---------------------------------------------------------------- validation


@dataclass(frozen=True)
class ArchiveInfo:
    path: Path
    top: str
    from_code: str
    to_code: str
    version: str


def validate_archive(path: str | Path) -> ArchiveInfo:
    """Check an .argosmodel before anything is extracted; BadPackage says what is wrong."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise BadPackage(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise BadPackage(f"{name}: not an Argos model (an .argosmodel is a zip archive; this file is not one)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            bad = zf.testzip()
            if bad is not None:
                raise BadPackage(f"{name}: archive is damaged (member {bad!r} fails its checksum)")
            total = 0
            tops: set[str] = set()
            for info in infos:
                member = info.filename
                p = PurePosixPath(member.replace("\\", "/"))
                if p.is_absolute() or member.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member):
                    raise BadPackage(f"{name}: unsafe archive, member {member!r} has an absolute path")
                if ".." in p.parts:
                    raise BadPackage(f"{name}: unsafe archive, member {member!r} escapes the install folder")
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise BadPackage(f"{name}: unsafe archive, member {member!r} is a symbolic link")
                total += info.file_size
                if p.parts:
                    tops.add(p.parts[0])
            if total > MAX_UNCOMPRESSED:
                raise BadPackage(f"{name}: unpacks to {total / 2**30:.1f} GB, more than any real model; refusing")
            if len(tops) != 1:
                raise BadPackage(f"{name}: an .argosmodel must hold one top folder, found {len(tops)}: {sorted(tops)[:5]}")
            top = tops.pop()
            names = {i.filename.rstrip("/") for i in infos}
            if f"{top}/metadata.json" not in names:
                raise BadPackage(f"{name}: no {top}/metadata.json in the archive")
            try:
                meta = json.loads(zf.read(f"{top}/metadata.json").decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadPackage(f"{name}: metadata.json is not valid JSON ({exc})") from None
            if not isinstance(meta, dict):
                raise BadPackage(f"{name}: metadata.json is not a JSON object")
            if meta.get("type", "translate") != "translate":
                raise BadPackage(f"{name}: is a {meta.get('type')!r} package, not a translation model")
            codes = []
            for key in ("from_code", "to_code"):
                value = meta.get(key)
                if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2,3}", value):
                    raise BadPackage(f"{name}: metadata.json has no valid {key} (got {value!r})")
                codes.append(value)
            if f"{top}/model/model.bin" not in names:
                raise BadPackage(f"{name}: no CTranslate2 model ({top}/model/model.bin) in the archive")
            if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
                raise BadPackage(f"{name}: no tokenizer (sentencepiece.model or bpe.model) in the archive")
    except zipfile.BadZipFile as exc:
        raise BadPackage(f"{name}: archive is damaged ({exc})") from None
    except (OSError, EOFError) as exc:
        raise BadPackage(f"{name}: archive cannot be read ({exc})") from None
    return ArchiveInfo(path, top, codes[0], codes[1], str(meta.get("package_version", "")))


def install_archive(path: str | Path) -> PackageInfo:
    """Validate, then install through argostranslate (so argospm sees it too).

    An older copy of the same folder is replaced whole, never merged file by file.
    """
    from argostranslate import package as argos_package

    info = validate_archive(path)
    target = install_dir() / info.top
    if target.exists():
        shutil.rmtree(target)
    try:
        argos_package.install_from_path(Path(info.path))
    except Exception as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise BadPackage(f"{info.path.name}: install failed ({exc})") from None
    found = [p for p in installed_packages() if p.path == target]
    if not found:
        shutil.rmtree(target, ignore_errors=True)
        raise BadPackage(f"{info.path.name}: installed files are not a usable package")
    return found[0]


def archives_in(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.suffix == ".argosmodel" and p.is_file())


def uninstall(from_code: str, to_code: str) -> list[PackageInfo]:
    removed = []
    for p in installed_packages():
        if p.from_code == from_code and p.to_code == to_code:
            shutil.rmtree(p.path)
            removed.append(p)
    _clear_argos_caches()
    return removed


def _clear_argos_caches() -> None:
    from argostranslate.translate import get_installed_languages

    get_installed_languages.cache_clear()


# ---------------------------------------------------------------- the online index


def index_url() -> str:
    from argostranslate import settings

    return settings.remote_package_index


def fetch_index(timeout: float = 15) -> list[dict]:
    """The Argos package index; OfflineError when it cannot be reached."""
    from argostranslate import settings

    url = index_url()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "Parallax"}), timeout=timeout) as r:
            data = r.read()
        index = json.loads(data)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OfflineError(
            f"cannot reach the Argos package index at {url} ({reason}); offline, install a downloaded "
            f"file instead: parallax models install path/to/translate-en_ko-*.argosmodel"
        ) from None
    Path(settings.local_package_index).write_bytes(data)
    return index


def pairs_for(codes: list[str]) -> list[tuple[str, str]]:
    """`en ko zh` means from en to ko and to zh."""
    codes = [parse_lang(c) for c in codes]
    if len(codes) < 2:
        raise UsageError("give a source and at least one target language, e.g. `models install en ko zh`")
    return [(codes[0], t) for t in codes[1:] if t != codes[0]]


def install_from_index(pairs: list[tuple[str, str]], progress: ProgressFn | None = None,
                       force: bool = False) -> list[PackageInfo]:
    """Download and install the index's newest package for each pair not installed yet."""
    wanted = [(f, t) for f, t in pairs if force or find_package(f, t) is None]
    if not wanted:
        return []
    index = fetch_index()
    installed: list[PackageInfo] = []
    for f, t in wanted:
        entries = [m for m in index if m.get("from_code") == f and m.get("to_code") == t
                   and m.get("type", "translate") == "translate"]
        if not entries:
            raise WorkbenchError(f"the Argos index has no {f}→{t} package")
        meta = max(entries, key=lambda m: _version_key(str(m.get("package_version", ""))))
        links = meta.get("links") or []
        if not links:
            raise BadPackage(f"the index lists {f}→{t} without a download link")
        file = _download(links, f"translate-{f}_{t}", progress)
        try:
            installed.append(install_archive(file))
        finally:
            file.unlink(missing_ok=True)
    return installed


def _download(links: list[str], label: str, progress: ProgressFn | None) -> Path:
    from argostranslate import settings

    downloads = Path(settings.downloads_dir)
    downloads.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for url in links:
        fd, tmp = tempfile.mkstemp(prefix=label, suffix=".argosmodel.part", dir=downloads)
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "Parallax"})
            with urllib.request.urlopen(req, timeout=60) as r, os.fdopen(fd, "wb") as out:
                total = int(r.headers.get("Content-Length") or 0) or None
                done = 0
                while chunk := r.read(1 << 20):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(label, done, total)
            final = downloads / f"{label}.argosmodel"
            os.replace(tmp, final)
            return final
        except (urllib.error.URLError, OSError) as exc:
            last_error = exc
            Path(tmp).unlink(missing_ok=True)
    raise OfflineError(f"download of {label} failed ({getattr(last_error, 'reason', last_error)})")
