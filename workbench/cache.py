"""SQLite cache of sentence translations, so re-translating an article is near-instant.

The key covers everything that changes the output: the package's identity (pair, version, the
model file's size and time), the decoding options and the exact source sentence.
"""

from __future__ import annotations

import hashlib
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
        self._db.execute(SCHEMA)
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

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM translations")
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
