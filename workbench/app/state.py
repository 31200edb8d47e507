"""Per-browser-session state: finished results (a small LRU in st.session_state), and whether
anybody still waits for the work a run started."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from workbench.documents import Document, read_bytes
from workbench.documents.limits import work_budget

MAX_RESULTS = 8  # results kept per browser session and slot


def remember(slot: str, key: Hashable, result: dict) -> None:
    results: OrderedDict = st.session_state.setdefault(slot, OrderedDict())
    results[key] = result
    results.move_to_end(key)
    while len(results) > MAX_RESULTS:
        results.popitem(last=False)


# ---------------------------------------------------------------- work nobody waits for

_RUNS = "parallax_runs"  # a one-item list: how many runs this session has started


def count_run() -> None:
    """Call first in every run of the page: work started by an older run is then abandoned
    (with Streamlit's fast reruns the new run starts while the old one is still working)."""
    st.session_state.setdefault(_RUNS, [0])[0] += 1


def abandoned() -> Callable[[], bool]:
    """A check for long work started by this run (an upload's parse), true once nobody waits for
    its result: a newer run of this session has started, or the browser session has gone (closed
    tab, lost connection). Built here, called from the library's work budget on the same thread."""
    runs = st.session_state.setdefault(_RUNS, [0])
    mine = runs[0]
    ctx = get_script_run_ctx(suppress_warning=True)
    session = ctx.session_id if ctx is not None else None
    runtime = Runtime.instance() if Runtime.exists() else None
    # only a session the server knows now can be seen to go (AppTest and bare runs have none)
    watched = runtime is not None and session is not None and runtime.is_active_session(session)

    def cancelled() -> bool:
        return runs[0] != mine or (watched and not runtime.is_active_session(session))

    return cancelled


def read_upload(data: bytes, name: str, lang: str | None) -> Document:
    """An uploaded file's Document; its parse stops with BadInput as soon as it is `abandoned`."""
    with work_budget(cancelled=abandoned()):
        return read_bytes(data, name, lang)
