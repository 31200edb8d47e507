"""The one rule for output file names of a batch run (`--out`): every writer, the admission check
and resume ask `output_stem`, so two inputs can never be given the same files.

    output_stem("a/story.en.txt")  -> "a/story"       (a/story.ko.txt, a/story.json)
    output_stem("news:42/../x")    -> "news%3A42%2F..%2Fx"
    output_stem(".env")            -> "%2Eenv"

A document's name is its path relative to the folder or glob base the user gave (`a/story.txt`),
or a corpus row's id. Folders in a file's relative path are kept; everything else a file system or
a shell handles badly is %-escaped (slashes in ids, NUL and control characters, a leading dot or
dash, trailing dots and spaces, Windows device names, `%` itself), so the mapping is one-to-one;
a name too long for a file system is cut and ends with a hash of the whole name. Nothing can leave
the output folder. `collision_key` is what must differ between two inputs (case and Unicode form
fold together, as on macOS and Windows file systems).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Iterable

# Bytes a stem may take: 255 (NAME_MAX) less the longest suffix added (".<lang>.txt", ".json") and
# the atomic writer's temporary name (".<name>.<16 hex>.part").
MAX_STEM_BYTES = 255 - len(".xxxxxxxx.txt") - len("..0123456789abcdef.part")
_BAD = re.compile(r'[\x00-\x1f\x7f%/\\:*?"<>|]')
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _escape(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))


def safe_segment(segment: str) -> str:
    """One path segment as a portable file name: the same input always gives the same name and two
    different inputs never do (escaping is reversible; a cut name carries a hash of the original)."""
    out = _BAD.sub(lambda m: _escape(m.group()), segment)
    if out[:1] in (".", "-", " ") or not out:
        out = _escape(out[:1]) + out[1:] if out else "%00"  # hidden files, options, `..`, empty ids
    stripped = out.rstrip(". ")
    if stripped != out:  # Windows drops trailing dots and spaces
        out = stripped + "".join(_escape(c) for c in out[len(stripped):])
    if out.split(".")[0].lower() in _WINDOWS_DEVICES:
        out = _escape(out[0]) + out[1:]
    if len(out.encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha256(segment.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        cut = out.encode("utf-8")[: MAX_STEM_BYTES - 17].decode("utf-8", "ignore")
        out = f"{cut}~{digest}"
    return out


def output_stem(name: str, source_lang: str = "en", folders: bool = True) -> str:
    """Where a document's outputs go in an output folder, without the suffixes: its name without
    the file extension (and without a `.<source language>` tag: `story.en.txt` -> `story`).
    `folders`: keep the folders of a relative path (file inputs); False for corpus ids, whose
    slashes are characters, not folders."""
    parts = [p for p in name.split("/")] if folders else [name]
    if folders:
        parts = [p for p in parts if p not in ("", ".")] or [""]
    last = parts[-1]
    if folders:
        base, dot, ext = last.rpartition(".")
        if dot and base and re.fullmatch(r"[A-Za-z0-9]{1,8}", ext):
            last = base
        if last.lower().endswith(f".{source_lang.lower()}") and len(last) > len(source_lang) + 1:
            last = last[: -len(source_lang) - 1]
    parts[-1] = last
    return "/".join(safe_segment(p) for p in parts)


def collision_key(stem: str) -> str:
    """Two stems with the same key would write the same files on a case-insensitive file system."""
    return unicodedata.normalize("NFC", stem).casefold()


def output_paths(out_dir: Path, stem: str, langs: Iterable[str]) -> dict[str, Path]:
    """One document's files: <stem>.<lang>.txt per target and <stem>.json (the JSON last: its
    presence means the document is finished)."""
    paths = {lang: out_dir / f"{stem}.{lang}.txt" for lang in langs}
    paths["json"] = out_dir / f"{stem}.json"
    return paths
