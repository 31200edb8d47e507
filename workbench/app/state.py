"""Per-browser-session memory of finished results (a small LRU in st.session_state)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Hashable

import streamlit as st

MAX_RESULTS = 8  # results kept per browser session and slot


def remember(slot: str, key: Hashable, result: dict) -> None:
    results: OrderedDict = st.session_state.setdefault(slot, OrderedDict())
    results[key] = result
    results.move_to_end(key)
    while len(results) > MAX_RESULTS:
        results.popitem(last=False)
