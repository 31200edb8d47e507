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
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

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
    """A small key-value store; safe to share between threads of one process (the app's).

    The cache is an optimisation, never a reason to fail: a corrupt file (a truncated copy,
    garbage, a disk error) is found by `PRAGMA quick_check` when opened or at the first
    database error, moved aside as `<name>.corrupt-<timestamp>` with one warning naming it, and
    replaced by a fresh cache; a read that fails is a miss, a write that fails is dropped with a
    warning. Warnings go to the `workbench.cache` logger (shown on stderr when nothing else is
    configured) and are kept in `warnings` for a UI to show.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_cache_path()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.warnings: list[str] = []
        self._db = self._open()

    # ------------------------------------------------------------ opening and recovery

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect(check=True)
        except sqlite3.DatabaseError as exc:
            if not self._is_damage(exc):
                return self._in_memory(exc)
            self._move_aside(exc)
            try:
                return self._connect(check=False)
            except sqlite3.Error as again:
                return self._in_memory(again)
        except OSError as exc:
            return self._in_memory(exc)

    def _connect(self, check: bool) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        try:
            if check:
                verdict = db.execute("PRAGMA quick_check").fetchone()
                if not verdict or verdict[0] != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {verdict[0] if verdict else 'no answer'}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _is_damage(exc: sqlite3.DatabaseError) -> bool:
        """A damaged file (as opposed to a busy or unreachable one, which moving aside won't fix)."""
        if isinstance(exc, sqlite3.OperationalError):
            text = str(exc).lower()
            return "malformed" in text or "not a database" in text or "disk i/o" in text
        return True

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("warning: %s", message)

    def _move_aside(self, exc: BaseException) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:  # another process moved it first
            aside = None
        except OSError:
            aside = None
        for suffix in ("-wal", "-shm", "-journal"):  # never replay an old log into the new file
            side = self.path.with_name(self.path.name + suffix)
            try:
                if aside is not None and side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
                else:
                    side.unlink(missing_ok=True)
            except OSError:
                pass
        where = f"moved it to {aside}" if aside is not None else "could not move it"
        self._warn(f"the translation cache {self.path} was damaged ({exc}); {where} and started a fresh one")

    def _in_memory(self, exc: BaseException) -> sqlite3.Connection:
        self._warn(f"the translation cache {self.path} cannot be used ({exc}); "
                   "this run keeps its cache in memory only")
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.executescript(SCHEMA)
        return db

    def _recover(self, exc: sqlite3.Error) -> None:
        """After an error during use: if the file is damaged, move it aside and start afresh."""
        damaged = isinstance(exc, sqlite3.DatabaseError) and self._is_damage(exc)
        if not damaged:
            try:
                verdict = self._db.execute("PRAGMA quick_check").fetchone()
                damaged = not verdict or verdict[0] != "ok"
            except sqlite3.DatabaseError as check_exc:
                damaged = self._is_damage(check_exc)
        if not damaged:
            self._warn(f"the translation cache {self.path} failed ({exc}); carrying on without it for this step")
            return
        try:
            self._db.close()
        except sqlite3.Error:
            pass
        self._move_aside(exc)
        try:
            self._db = self._connect(check=False)
        except (sqlite3.Error, OSError) as again:
            self._db = self._in_memory(again)

    # ------------------------------------------------------------ reads and writes

    def get_many(self, keys: list[str]) -> dict[str, tuple[str, float | None, int | None]]:
        found: dict[str, tuple[str, float | None, int | None]] = {}
        with self._lock:
            try:
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = self._db.execute(
                        f"SELECT key, text, score, tokens FROM translations WHERE key IN ({marks})", chunk
                    )
                    for key, text, score, tokens in rows:
                        found[key] = (text, score, tokens)
            except sqlite3.Error as exc:
                self._recover(exc)
                found = {}
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, items: Iterable[tuple[str, str, float | None, int | None]]) -> None:
        self._write("INSERT OR REPLACE INTO translations (key, text, score, tokens) VALUES (?, ?, ?, ?)",
                    list(items))

    def _write(self, sql: str, rows: list[tuple]) -> None:
        """One committed batch; on failure retried once (on a fresh file if this one was damaged)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    self._db.executemany(sql, rows)
                    self._db.commit()
                    return
                except sqlite3.Error as exc:
                    try:
                        self._db.rollback()
                    except sqlite3.Error:
                        pass
                    if attempt == 2:
                        self._warn(f"could not save to the translation cache {self.path} ({exc}); "
                                   "the results are kept, only not cached")
                        return
                    self._recover(exc)

    def get_segments(self, paragraphs: list[str], lang: str, version: str) -> dict[str, tuple[str, ...]]:
        keys = {cache_key(version, lang, p): p for p in paragraphs}
        found: dict[str, tuple[str, ...]] = {}
        with self._lock:
            key_list = list(keys)
            try:
                for start in range(0, len(key_list), 500):
                    chunk = key_list[start:start + 500]
                    rows = self._db.execute(
                        f"SELECT key, sentences FROM segments WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                    for key, sentences in rows:
                        found[keys[key]] = tuple(json.loads(sentences))
            except sqlite3.Error as exc:
                self._recover(exc)
                found = {}
            except ValueError:  # a row that is not JSON: split afresh
                found = {}
        return found

    def put_segments(self, splits: dict[str, tuple[str, ...]], lang: str, version: str) -> None:
        self._write("INSERT OR REPLACE INTO segments (key, sentences) VALUES (?, ?)",
                    [(cache_key(version, lang, p), json.dumps(list(s), ensure_ascii=False)) for p, s in splits.items()])

    def __len__(self) -> int:
        with self._lock:
            try:
                return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
            except sqlite3.Error as exc:
                self._recover(exc)
                return 0

    def clear(self) -> None:
        with self._lock:
            try:
                self._db.execute("DELETE FROM translations")
                self._db.execute("DELETE FROM segments")
                self._db.commit()
            except sqlite3.Error as exc:
                self._recover(exc)

    def close(self) -> None:
        with self._lock:
            self._db.close()
