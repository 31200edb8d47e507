"""SQLite cache of sentence translations (and of sentence splits), so re-translating an article
is near-instant.

A translation's key covers everything that changes the output: the package's identity (pair,
version, the model file's size and time), the decoding options and the exact source sentence.
A paragraph's sentence split is keyed by the splitter's version, the language and the text:
with every translation cached, splitting would otherwise be most of a re-run's time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    score REAL,
    tokens INTEGER,
    created TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS segments (
    key TEXT PRIMARY KEY,
    sentences TEXT NOT NULL
)
"""


def default_cache_path() -> Path:
    env = os.environ.get("PARALLAX_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "parallax" / "translations.sqlite"


def cache_key(package_id: str, options_key: str, sentence: str) -> str:
    h = hashlib.sha256()
    for part in (package_id, options_key, sentence):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


class TranslationCache:
    """A small key-value store; safe to share between threads of one process (the app's)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.commit()
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: list[str]) -> dict[str, tuple[str, float | None, int | None]]:
        found: dict[str, tuple[str, float | None, int | None]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, text, score, tokens FROM translations WHERE key IN ({marks})", chunk
                )
                for key, text, score, tokens in rows:
                    found[key] = (text, score, tokens)
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, items: Iterable[tuple[str, str, float | None, int | None]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO translations (key, text, score, tokens) VALUES (?, ?, ?, ?)",
                list(items),
            )
            self._db.commit()

    def get_segments(self, paragraphs: list[str], lang: str, version: str) -> dict[str, tuple[str, ...]]:
        keys = {cache_key(version, lang, p): p for p in paragraphs}
        found: dict[str, tuple[str, ...]] = {}
        with self._lock:
            key_list = list(keys)
            for start in range(0, len(key_list), 500):
                chunk = key_list[start:start + 500]
                rows = self._db.execute(
                    f"SELECT key, sentences FROM segments WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, sentences in rows:
                    found[keys[key]] = tuple(json.loads(sentences))
        return found

    def put_segments(self, splits: dict[str, tuple[str, ...]], lang: str, version: str) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO segments (key, sentences) VALUES (?, ?)",
                [(cache_key(version, lang, p), json.dumps(list(s), ensure_ascii=False)) for p, s in splits.items()],
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM translations")
            self._db.execute("DELETE FROM segments")
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
