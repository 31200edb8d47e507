"""One writer at a time for a folder: an exclusive `flock` on a lock file inside it.

The kernel drops the lock when its holder exits, however it exits (kill -9 included), so a lock
file left behind never blocks anyone. Used by the model folder (installs wait their turn) and by
output folders of translation runs (a second run is refused at once, with the holder's pid).
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one writer is the user's responsibility
    fcntl = None  # type: ignore[assignment]


class FolderLock:
    """An exclusive lock on `path` (a file, created if missing), held until `release()`.

    `wait=False` raises `BlockingIOError` at once when another process holds it; its pid, as the
    holder wrote it, is in `holder(path)`. With `remove=True` the lock file is deleted on release
    (a later locker that opened the deleted file notices and locks the new one)."""

    def __init__(self, path: str | Path, wait: bool = True, remove: bool = False) -> None:
        self.path = Path(path)
        self.remove = remove
        self.fd: int | None = None
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                if self._same_file(fd):
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the holder removed the file as we locked it: lock the new one
        self.fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())

    def _same_file(self, fd: int) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)

    @staticmethod
    def holder(path: str | Path) -> str:
        """The pid the current holder wrote ('' when unknown)."""
        try:
            return Path(path).read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return ""

    def release(self) -> None:
        if self.fd is None:
            return
        if self.remove:
            try:
                os.unlink(self.path)  # while still locked: nobody can lock this file after us
            except OSError:
                pass
        os.close(self.fd)  # closing drops the lock
        self.fd = None

    def __del__(self) -> None:  # as a file object closes itself: a forgotten lock does not outlive its owner
        self.release()

    def __enter__(self) -> "FolderLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()
