"""Small helpers for the page that need no Streamlit: sample files, result keys, file names."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Sequence

from workbench.documents import SUPPORTED_SUFFIXES, Document
from workbench.models import PackageInfo

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
DEFAULT_SAMPLE = "china-dprk-vice-premier-visit.en.txt"
ARTICLE_TYPES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)


def sample_files(folder: Path = SAMPLES_DIR) -> list[Path]:
    """English samples only (`name.en.txt`, `name.en.html`, ...): reference translations such as
    `name.ko.txt` may sit beside them and are not articles to translate."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and p.stem.lower().endswith(".en"))


def default_sample_index(files: Sequence[Path]) -> int:
    names = [p.name for p in files]
    return names.index(DEFAULT_SAMPLE) if DEFAULT_SAMPLE in names else 0


def document_key(doc: Document) -> str:
    """A hash of what the translation depends on: language and every paragraph's sentences."""
    payload = json.dumps([doc.lang, [[p.kind, list(p.sentences)] for p in doc.paragraphs]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def result_key(doc: Document, targets: Sequence[str], packages: Sequence[PackageInfo]) -> tuple:
    """Same text + same targets + same installed packages = same result: never recomputed."""
    return document_key(doc), tuple(targets), tuple(sorted(p.identity for p in packages))


def download_stem(name: str) -> str:
    stem = Path(name).stem
    if stem.lower().endswith(".en"):
        stem = stem[:-3]
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-.")
    return stem or "parallax"
