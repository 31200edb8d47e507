"""Size limits for every input kind, in one place (tests and the app's upload boxes read them)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ..errors import BadInput

MAX_INPUT_BYTES = 20 * 1024 * 1024  # 20 MB of text is ~3,000 pages: beyond that, split the file
MAX_HTML_BYTES = 10 * 1024 * 1024  # a saved news page is well under 2 MB; parsing costs ~10x its size
MAX_HTML_ELEMENTS = 50_000  # tags counted on the string before parsing; a long news page has ~5,000, a novel ~20,000
MAX_EXTRACT_ELEMENTS = 20_000  # the main-text extractor's cost grows faster than the page: bigger pages get the linear walk
MAX_PDF_BYTES = 64 * 1024 * 1024  # PDFs carry images and fonts besides their text
MAX_PDF_PAGES = 2000
# Work per PDF, whatever its size on disk: a few hundred KB can inflate to gigabytes of drawing
# instructions or make pages share one huge stream. A 2,000-page text book holds ~60 MB of them.
MAX_PDF_CONTENT_BYTES = 256 * 1024 * 1024  # decoded content streams, all pages together
MAX_PDF_PAGE_STREAMS = 1000  # content streams one page is drawn from (Word uses 1, some tools a few)
MAX_PDF_PAGE_RUNS = 200_000  # text runs on one page that are laid out (a dense page has ~5,000)
MAX_READ_SECONDS = 120.0  # one document's parse (a 2,000-page book takes well under a minute)
MAX_DOCX_PART_BYTES = 32 * 1024 * 1024  # uncompressed size of one XML part (word/document.xml...)
MAX_DOCX_TOTAL_BYTES = 256 * 1024 * 1024  # uncompressed size of all parts (python-docx loads them all)
MAX_DOCX_MEMBERS = 10_000
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".html", ".htm", ".docx", ".pdf"}
READ_CHUNK = 1024 * 1024


def max_bytes_for(name: str) -> int:
    """The most bytes read for a file of this name (its suffix decides)."""
    return MAX_PDF_BYTES if Path(name).suffix.lower() == ".pdf" else MAX_INPUT_BYTES



class WorkBudget:
    """The time one read may take, and a way to stop it early: readers call `check` as they go,
    which raises BadInput once the time is up or `cancelled()` says nobody waits for the result
    (the app passes a check of its session; the CLI relies on the time limit)."""

    def __init__(self, seconds: float | None = None, cancelled: Callable[[], bool] | None = None) -> None:
        self.seconds = MAX_READ_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self.cancelled = cancelled
        self._calls = 0

    def check(self, name: str) -> None:
        self._calls += 1
        if self._calls % 64 and self.seconds > 0:
            return  # the clock is read every 64 calls: checks stay cheap inside tight loops
        if time.monotonic() > self.deadline:
            raise BadInput(f"{name}: reading it took more than {self.seconds:.0f} s; the limit is "
                           f"{self.seconds:.0f} s per document (refused as too costly; split it)")
        if self.cancelled is not None and self.cancelled():
            raise BadInput(f"{name}: reading was stopped (nobody is waiting for it any more)")


_BUDGET: ContextVar[WorkBudget | None] = ContextVar("parallax_read_budget", default=None)


@contextmanager
def work_budget(seconds: float | None = None, cancelled: Callable[[], bool] | None = None) -> Iterator[WorkBudget]:
    """Reads inside this block share one budget: `seconds` in all, stopped early when `cancelled()`
    turns true (e.g. the app's session has gone)."""
    budget = WorkBudget(seconds, cancelled)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def current_budget() -> WorkBudget:
    """The budget set by `work_budget`, or a fresh one of MAX_READ_SECONDS for this read."""
    return _BUDGET.get() or WorkBudget()
