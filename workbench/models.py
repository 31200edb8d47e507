"""Argos model packages: list what is installed, install archives transactionally, fetch from the index.

Packages live where argostranslate keeps them (`ARGOS_PACKAGES_DIR`, by default
~/.local/share/argos-translate/packages), so models installed with `argospm` show up here and
ours show up there. We never let argostranslate extract an archive (it extracts any zip as-is,
over whatever is there, and imports its sentence splitters, i.e. torch): an install checks the
archive's directory, extracts into a staging folder beside the package folder, validates and
test-translates there, and only then swaps the package in; on any failure the installed
package is left exactly as it was.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from .errors import BadPackage, OfflineError, UsageError, WorkbenchError

try:
    import fcntl
except ImportError:  # not POSIX: installs are then not serialised between processes
    fcntl = None  # type: ignore[assignment]
from .langid import parse_lang

# Real packages are ~100-400 MB unpacked, in a few dozen files, and their weights barely compress.
MAX_UNCOMPRESSED = 2 * 1024**3
MAX_MEMBERS = 2000
MAX_RATIO = 100  # deflated weights are ~1.1:1, text ~4:1; zeros are ~1000:1
RATIO_MIN_SIZE = 16 * 1024**2  # the ratio is only judged on members at least this big
MAX_METADATA = 1024**2
MAX_NAME = 100  # from_name / to_name characters
MAX_PREFIX = 64  # target_prefix characters
VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,31}")
LOCK_NAME = ".parallax-install.lock"
SMOKE_SENTENCE = "This is a test."

# ISO 639-1, plus the codes Argos uses beyond it (zt: Chinese traditional, pb: Brazilian Portuguese).
LANGUAGE_CODES = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu zt pb
""".split())

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
        """What the caches key on: changes whenever the package is replaced, even by the same
        version (a re-install writes a new model.bin: new inode and time)."""
        model = self.path / "model" / "model.bin"
        try:
            st = model.stat()
            fingerprint = f"{st.st_size}-{st.st_mtime_ns}-{st.st_ino}"
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


# ---------------------------------------------------------------- metadata


@dataclass(frozen=True)
class Metadata:
    """The fields of metadata.json we rely on, checked for type, size and sense."""

    from_code: str
    to_code: str
    version: str
    target_prefix: str = ""

    @property
    def folder(self) -> str:
        """The install folder name, from the metadata (never from the archive's own folder name)."""
        base = f"translate-{self.from_code}_{self.to_code}"
        return f"{base}-{self.version.replace('.', '_')}" if self.version else base


class NotTranslation(BadPackage):
    """A well-formed package of another type (argospm also installs e.g. sentence splitters)."""


def _shown(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_metadata(meta: object) -> Metadata:
    """metadata.json's content as a Metadata; BadPackage naming the first field that is wrong.

    Also checks the fields argostranslate itself reads (its Package() crashes on a `languages`
    that is not a list), since `argospm` and our tokenizer loading go through it.
    """
    if not isinstance(meta, dict):
        raise BadPackage("metadata.json is not a JSON object")
    kind = meta.get("type", "translate")
    if kind != "translate":
        raise NotTranslation(f"metadata.json says type {_shown(kind)}, not a translation model")
    codes = []
    for key in ("from_code", "to_code"):
        value = meta.get(key)
        if not isinstance(value, str) or value not in LANGUAGE_CODES:
            raise BadPackage(f"metadata.json has no valid {key} (got {_shown(value)}; expected a language code like en, ko, zh)")
        codes.append(value)
    if codes[0] == codes[1]:
        raise BadPackage(f"metadata.json translates {codes[0]} into itself")
    version = meta.get("package_version", "")
    if not isinstance(version, str) or (version and not VERSION_RE.fullmatch(version)):
        raise BadPackage(f"metadata.json has an invalid package_version {_shown(version)} (expected e.g. \"1.1\")")
    prefix = meta.get("target_prefix", "")
    if prefix is None:
        prefix = ""
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX or any(c.isspace() for c in prefix):
        raise BadPackage(f"metadata.json has an invalid target_prefix {_shown(prefix)} (expected one token, e.g. \"__zh__\")")
    for key in ("from_name", "to_name", "argos_version", "code"):
        value = meta.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_NAME):
            raise BadPackage(f"metadata.json has an invalid {key} {_shown(value)} (expected a short string)")
    for key in ("languages", "source_languages", "target_languages", "from_codes", "to_codes", "links",
                "dependencies"):
        if key in meta and not isinstance(meta[key], list):
            raise BadPackage(f"metadata.json has an invalid {key} {_shown(meta[key])} (expected a list)")
    return Metadata(codes[0], codes[1], version, prefix)


def read_metadata(folder: Path) -> Metadata:
    """An installed (or staged) package folder's metadata.json, checked; BadPackage if unusable."""
    path = folder / "metadata.json"
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_METADATA + 1)
    except FileNotFoundError:
        raise BadPackage("no metadata.json") from None
    except OSError as exc:
        raise BadPackage(f"metadata.json cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_METADATA:
        raise BadPackage(f"metadata.json is larger than {MAX_METADATA // 1024} KB")
    try:
        meta = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPackage(f"metadata.json is not valid JSON ({_one_line(exc)})") from None
    return check_metadata(meta)


def _package_at(folder: Path, meta: Metadata) -> PackageInfo:
    """PackageInfo for a folder whose metadata passed; BadPackage if model or tokenizer is missing."""
    if not (folder / "model" / "model.bin").is_file():
        raise BadPackage("no model/model.bin")
    if not (folder / "sentencepiece.model").is_file() and not (folder / "bpe.model").is_file():
        raise BadPackage("no sentencepiece.model or bpe.model")
    return PackageInfo(meta.from_code, meta.to_code, meta.version, folder, meta.target_prefix, folder.name)


def scan_packages() -> tuple[list[PackageInfo], list[BrokenPackage]]:
    """Installed translation packages (newest first per pair), and folders that are not usable.

    We read each folder ourselves rather than calling argostranslate's get_installed_packages(),
    which raises on the first folder without metadata.json and hides every other package; a
    folder with bad metadata is listed as broken with the reason, never an exception.
    """
    good: list[PackageInfo] = []
    broken: list[BrokenPackage] = []
    for root in package_dirs():
        try:
            entries = sorted(root.iterdir())
        except OSError:
            continue
        for d in entries:
            if d.name.startswith(".") or not d.is_dir():
                continue
            try:
                good.append(_package_at(d, read_metadata(d)))
            except NotTranslation:
                continue
            except BadPackage as exc:
                broken.append(BrokenPackage(d, exc.message))
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


# ---------------------------------------------------------------- archive checks


@dataclass(frozen=True)
class ArchiveInfo:
    path: Path
    top: str  # the archive's own top folder (only used to find its members)
    from_code: str
    to_code: str
    version: str
    folder: str = ""  # where it installs: translate-<from>_<to>-<version>, from the metadata
    size: int = 0  # total uncompressed bytes, from the zip directory


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _count_members(f) -> int | None:
    """The member count from the end-of-archive record, before the directory itself is parsed."""
    try:
        end = zipfile._EndRecData(f)  # type: ignore[attr-defined]  # stable since Python 2
        return None if end is None else int(end[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]
    except Exception:
        return None


def validate_archive(path: str | Path) -> ArchiveInfo:
    """Check an .argosmodel from its zip directory alone (nothing is decompressed but the small
    metadata.json): member count and sizes, member names, one top folder, the metadata, a model
    and a tokenizer. BadPackage says what is wrong, in one line."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise BadPackage(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            count = _count_members(f)
            if count is None:
                raise BadPackage(f"{name}: not an Argos model (an .argosmodel is a zip archive; this file is not one)")
            if count > MAX_MEMBERS:
                raise BadPackage(f"{name}: holds {count} files, more than any real model ({MAX_MEMBERS}); refusing")
            with zipfile.ZipFile(f) as zf:
                return _check_directory(path, zf)
    except zipfile.BadZipFile as exc:
        raise BadPackage(f"{name}: archive is damaged ({_one_line(exc)})") from None
    except (OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise BadPackage(f"{name}: archive cannot be read ({_one_line(exc)})") from None


def _check_directory(path: Path, zf: zipfile.ZipFile) -> ArchiveInfo:
    name = path.name
    infos = zf.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED:
        raise BadPackage(f"{name}: unpacks to {declared / 2**30:.1f} GB, more than any real model "
                         f"(at most {MAX_UNCOMPRESSED / 2**30:.0f} GB); refusing (a zip bomb?)")
    tops: set[str] = set()
    files: set[str] = set()
    dirs: set[str] = set()
    for info in infos:
        member = info.filename
        p = PurePosixPath(member.replace("\\", "/"))
        if p.is_absolute() or member.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member):
            raise BadPackage(f"{name}: unsafe archive, member {_shown(member)} has an absolute path")
        if ".." in p.parts:
            raise BadPackage(f"{name}: unsafe archive, member {_shown(member)} escapes the install folder")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BadPackage(f"{name}: unsafe archive, member {_shown(member)} is a symbolic link")
        if not p.parts:
            continue
        if info.flag_bits & 0x1:
            raise BadPackage(f"{name}: member {_shown(member)} is encrypted")
        if info.file_size >= RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BadPackage(f"{name}: member {_shown(member)} unpacks {info.file_size // max(info.compress_size, 1)} "
                             f"times its size, which no model file does; refusing (a zip bomb?)")
        tops.add(p.parts[0])
        key = p.as_posix()
        if info.is_dir():
            dirs.add(key)
        elif key in files:
            raise BadPackage(f"{name}: member {_shown(member)} appears twice in the archive")
        else:
            files.add(key)
        dirs.update(PurePosixPath(*p.parts[:i]).as_posix() for i in range(1, len(p.parts)))
    clash = files & dirs
    if clash:
        raise BadPackage(f"{name}: member {_shown(min(clash))} is both a file and a folder in the archive")
    if len(tops) != 1:
        raise BadPackage(f"{name}: an .argosmodel must hold one top folder, found {len(tops)}: "
                         f"{_shown(sorted(tops)[:5], 80)}")
    top = tops.pop()
    if f"{top}/metadata.json" not in files:
        raise BadPackage(f"{name}: no {_shown(top)}/metadata.json in the archive")
    meta_info = zf.getinfo(next(i.filename for i in infos
                                if PurePosixPath(i.filename.replace("\\", "/")).as_posix() == f"{top}/metadata.json"))
    if meta_info.file_size > MAX_METADATA:
        raise BadPackage(f"{name}: metadata.json is larger than {MAX_METADATA // 1024} KB")
    try:
        meta = check_metadata(json.loads(zf.read(meta_info).decode("utf-8")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPackage(f"{name}: metadata.json is not valid JSON ({_one_line(exc)})") from None
    except BadPackage as exc:
        raise type(exc)(f"{name}: {exc.message}") from None
    if f"{top}/model/model.bin" not in files:
        raise BadPackage(f"{name}: no CTranslate2 model (model/model.bin) in the archive")
    if f"{top}/sentencepiece.model" not in files and f"{top}/bpe.model" not in files:
        raise BadPackage(f"{name}: no tokenizer (sentencepiece.model or bpe.model) in the archive")
    return ArchiveInfo(path, top, meta.from_code, meta.to_code, meta.version, meta.folder, declared)


# ---------------------------------------------------------------- transactional install


@contextmanager
def install_lock(root: Path) -> Iterator[None]:
    """One install or removal at a time in a package folder, across threads and processes.
    Whoever holds the lock owns every staging folder, so any found then is a killed install's."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_NAME, "a+b") as f:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            for parent, prefix in _staging_places(root):
                for stale in parent.glob(prefix + "*"):
                    if stale.is_dir() and not stale.is_symlink():
                        shutil.rmtree(stale, ignore_errors=True)
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _staging_places(root: Path) -> list[tuple[Path, str]]:
    return [(root.parent, f".{root.name}-staging-"), (root, ".parallax-staging-")]


def _staging_dir(root: Path) -> Path:
    """A private folder on the package folder's filesystem (so the final rename is atomic) but
    outside it (so argospm never sees a half-extracted package); inside it as a hidden folder
    when its parent is not writable."""
    (outside, prefix), (inside, fallback) = _staging_places(root)
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=outside))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=fallback, dir=inside))


def _extract(zf: zipfile.ZipFile, dest: Path, name: str) -> None:
    """Extract the members under the (checked, single) top folder into `dest`, never writing more than the directory said
    (zipfile checks each member's CRC as its last byte is read)."""
    dest.mkdir()
    written = 0
    for info in zf.infolist():
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts[1:]
        if not parts:
            continue
        out = dest.joinpath(*parts)
        if info.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        left = info.file_size
        with zf.open(info) as src, open(out, "xb") as dst:
            while chunk := src.read(1 << 20):
                left -= len(chunk)
                written += len(chunk)
                if left < 0 or written > MAX_UNCOMPRESSED:
                    raise BadPackage(f"{name}: member {_shown(info.filename)} is larger than the archive says; refusing")
                dst.write(chunk)


def smoke_test(pkg: PackageInfo) -> None:
    """Load the model and tokenizer the way translation does and translate one sentence;
    BadPackage (one line) if any step fails. The translator is released afterwards."""
    from . import engine

    try:
        tokenizer = engine.load_tokenizer(pkg)
        tokens = tokenizer.encode(SMOKE_SENTENCE)
        translator = engine.load_translator(pkg, engine.ThreadOptions(inter_threads=1, intra_threads=1))
        result = translator.translate_batch([tokens], target_prefix=[[pkg.target_prefix]] if pkg.target_prefix else None,
                                            beam_size=1, max_decoding_length=32)
        text = engine.decode_tokens(pkg, tokenizer, result[0].hypotheses[0])
        if not isinstance(text, str):
            raise ValueError("the model returned no text")
    except Exception as exc:
        detail = _one_line(exc).replace(f"{pkg.path}{os.sep}", "")  # the staging folder means nothing to users
        raise BadPackage(f"the model does not translate ({exc.__class__.__name__}: {detail})") from None
    finally:
        engine.release_translators(pkg.path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where the
    system or filesystem cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(new: Path, target: Path, aside: Path) -> None:
    """Put the folder `new` at `target`. An existing target is exchanged atomically, so a scan
    never finds the pair missing; `new` then holds the old package (the caller removes it).
    Without an atomic exchange, the old package is moved to `aside` (and back on failure)."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    if target.is_symlink() or not target.is_dir():
        raise BadPackage(f"{target} exists and is not a package folder; remove it first")
    if _exchange(new, target):
        return
    os.rename(target, aside)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(aside, target)
        raise


def install_archive(path: str | Path) -> PackageInfo:
    """Install an .argosmodel transactionally: check, extract beside the package folder, check the
    extracted files, translate one sentence with them, then swap them in. Whatever fails, the
    package installed before (if any) is kept as it was. The one install path of the CLI, `setup`
    and the app."""
    from . import engine

    path = Path(path)
    info = validate_archive(path)
    root = install_dir()
    target = root / info.folder
    with install_lock(root):
        staging = _staging_dir(root)
        try:
            new = staging / info.folder
            try:
                with zipfile.ZipFile(path) as zf:
                    _extract(zf, new, path.name)
            except zipfile.BadZipFile as exc:
                raise BadPackage(f"{path.name}: archive is damaged ({_one_line(exc)})") from None
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                raise BadPackage(f"{path.name}: archive members clash (a name used twice)") from None
            except (OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise BadPackage(f"{path.name}: cannot extract ({_one_line(exc)})") from None
            try:
                staged = _package_at(new, read_metadata(new))
                smoke_test(staged)
            except BadPackage as exc:
                kept = " (the installed package is kept)" if target.exists() else ""
                raise BadPackage(f"{path.name}: {exc.message}{kept}") from None
            try:
                _swap_in(new, target, staging / "previous")
            except OSError as exc:
                raise BadPackage(f"{path.name}: cannot move the package into {root} ({_one_line(exc)})") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        engine.release_translators(target)  # the replaced package's translator, if one was loaded
    _clear_argos_caches()
    return _package_at(target, read_metadata(target))


def default_models_dir() -> Path:
    """Where `parallax setup` (and a Ray worker lacking a pair) looks for dropped-in .argosmodel
    files: `models/` in the current folder (scripts/start.sh runs from the clone's root). Never a
    folder inside the installed package, which `pip install .` puts in site-packages."""
    return Path.cwd() / "models"


def archives_in(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.suffix == ".argosmodel" and p.is_file())


def uninstall(from_code: str, to_code: str) -> list[PackageInfo]:
    """Remove every installed package for a pair. Each folder first leaves the package folder in
    one rename (a scan sees it whole or not at all), then is deleted; a symlinked package is
    unlinked, never followed."""
    from . import engine

    removed = []
    for root in package_dirs():
        if not root.is_dir():
            continue
        with install_lock(root):
            for p in installed_packages():
                if p.path.parent != root or (p.from_code, p.to_code) != (from_code, to_code):
                    continue
                if p.path.is_symlink():
                    p.path.unlink()
                else:
                    staging = _staging_dir(root)
                    try:
                        os.rename(p.path, staging / p.path.name)
                    finally:
                        shutil.rmtree(staging, ignore_errors=True)
                engine.release_translators(p.path)
                removed.append(p)
    _clear_argos_caches()
    return removed


def _clear_argos_caches() -> None:
    """argostranslate caches its language list; clear it only if something imported it (its
    translate module pulls in its sentence splitters: torch, spaCy, Stanza)."""
    translate = sys.modules.get("argostranslate.translate")
    if translate is not None:
        translate.get_installed_languages.cache_clear()


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
