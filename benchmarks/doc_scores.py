"""Scores shared by benchmarks/read_pdf.py and read_docx.py: token F1 against gold text, the share of
gold sentences found intact, hyphenation errors, and running a baseline checkout's reader in a
subprocess (so "before" and "after" run side by side in one run)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text.replace("ﬁ", "fi").replace("ﬂ", "fl").replace("ﬀ", "ff")
                                               .replace("ﬃ", "ffi").replace("ﬄ", "ffl"))]


def token_f1(gold: str, got: str) -> float:
    g, o = Counter(tokens(gold)), Counter(tokens(got))
    common = sum((g & o).values())
    if not common:
        return 0.0
    p, r = common / sum(o.values()), common / sum(g.values())
    return 2 * p * r / (p + r)


_TYPO = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "--", "—": "---"})


def norm(text: str) -> str:
    """Whitespace and typographic quotes/dashes normalised (TeX turns ' into ’ and -- into –)."""
    return " ".join(text.translate(_TYPO).replace("``", '"').replace("''", '"').split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", text) if len(s.strip()) > 20]


def intact(gold_paragraphs: list[str], got_paragraphs: list[str]) -> float:
    """Share of gold sentences that appear, whitespace-normalised, inside one output paragraph."""
    got = [norm(p) for p in got_paragraphs]
    sents = [norm(s) for p in gold_paragraphs for s in sentences(p)]
    if not sents:
        return 1.0
    return sum(any(s in p for p in got) for s in sents) / len(sents)


def hyphen_errors(gold: str, got: str) -> int:
    """Output words with a hyphen (or a dangling one) that the gold text does not have, plus gold
    hyphenated words that lost their hyphen."""
    gold_tokens = set(tokens(gold))
    out = tokens(got)
    bad = sum(1 for t in out if "-" in t and t not in gold_tokens)
    bad += len(re.findall(r"[^\W\d_]-\s+[a-z]", got))  # "deci- sion" left split
    joined = {t.replace("-", "") for t in gold_tokens if "-" in t}
    bad += sum(1 for t in out if t in joined and t not in gold_tokens)
    return bad


def run_baseline(checkout: str, module: str, files: list[str]) -> dict[str, dict]:
    """Run `module`.paragraphs(data, name) of the checkout at `checkout` on each file, in a
    subprocess with that checkout first on the path; {file: {"paragraphs", "kinds", "seconds", "error"}}."""
    code = f"""
import json, sys, time
from workbench.documents import {module} as m
out = {{}}
for f in json.load(sys.stdin):
    t = time.perf_counter()
    try:
        texts, kinds = m.paragraphs(open(f, "rb").read(), f)
        out[f] = {{"paragraphs": texts, "kinds": list(kinds), "seconds": time.perf_counter() - t, "error": None}}
    except Exception as exc:
        out[f] = {{"paragraphs": [], "kinds": [], "seconds": time.perf_counter() - t, "error": str(exc)[:200]}}
print(json.dumps(out))
"""
    env = dict(os.environ, PYTHONPATH=checkout)
    res = subprocess.run([sys.executable, "-c", code], input=json.dumps(files), capture_output=True, text=True, cwd=checkout,
                         env=env, timeout=3600)
    if res.returncode != 0:
        raise SystemExit(f"baseline run failed: {res.stderr[-500:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])
