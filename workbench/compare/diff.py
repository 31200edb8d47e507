"""Wording diffs of two texts in one language: diff units (characters for CJK, words otherwise),
similarity, substitution-aware edit pieces, and their HTML and terminal renderings."""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Iterable, Sequence

Op = tuple[str, str, str]  # (tag, text in a, text in b); tag: equal | replace | delete | insert

CJK_LANGS = {"ko", "zh", "zt", "ja"}

_EN_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|\s+|[^\w\s]")


def tokens(text: str, lang: str) -> list[str]:
    """Diff units: characters for Chinese, Korean and Japanese; words, spaces and punctuation
    marks otherwise."""
    if lang in CJK_LANGS:
        return list(text)
    return _EN_TOKEN.findall(text)


def _content(toks: Sequence[str]) -> list[str]:
    return [t for t in toks if not t.isspace()]


def similarity(a: str, b: str, lang: str) -> float:
    """1.0 for the same wording, 0.0 for nothing in common (Indel similarity on diff units,
    whitespace ignored)."""
    from rapidfuzz.distance import Indel

    ta, tb = _content(tokens(a, lang)), _content(tokens(b, lang))
    if not ta and not tb:
        return 1.0
    return float(Indel.normalized_similarity(ta, tb))


def diff_texts(a: str, b: str, lang: str) -> list[Op]:
    """The edit from `a` to `b` as (tag, a_text, b_text) pieces, in order.

    Substitutions ("replace", both texts set) are kept apart from pure insertions ("insert", a
    empty) and deletions ("delete", b empty). Tiny equal runs between two changes (one character
    in Chinese/Korean, a space in English) are folded into the change so a rewritten phrase reads
    as one substitution instead of confetti.
    """
    from rapidfuzz.distance import Levenshtein

    ta, tb = tokens(a, lang), tokens(b, lang)
    raw: list[list] = []
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(ta, tb):
        raw.append(["equal" if tag == "equal" else "change", ta[i1:i2], tb[j1:j2]])
    # fold tiny equal runs sandwiched between changes
    cjk = lang in CJK_LANGS
    for k in range(1, len(raw) - 1):
        tag, pa, pb = raw[k]
        if tag == "equal" and raw[k - 1][0] == "change" and raw[k + 1][0] == "change":
            text = "".join(pa)
            if (cjk and len(text) <= 1) or (not cjk and text.isspace()):
                raw[k][0] = "change"
    merged: list[list] = []
    for tag, pa, pb in raw:
        if merged and merged[-1][0] == tag:
            merged[-1][1] = merged[-1][1] + pa
            merged[-1][2] = merged[-1][2] + pb
        else:
            merged.append([tag, list(pa), list(pb)])
    out: list[Op] = []
    for tag, pa, pb in merged:
        sa, sb = "".join(pa), "".join(pb)
        if tag == "equal":
            out.append(("equal", sa, sb))
        elif sa and sb:
            out.append(("replace", sa, sb))
        elif sa:
            out.append(("delete", sa, ""))
        elif sb:
            out.append(("insert", "", sb))
    return out


def diff_counts(ops: Iterable[Op]) -> dict[str, int]:
    """How many substitutions, insertions and deletions a diff has (pieces, not characters)."""
    c = Counter(tag for tag, _, _ in ops if tag != "equal")
    return {"replace": c.get("replace", 0), "insert": c.get("insert", 0), "delete": c.get("delete", 0)}


DIFF_CSS = """
.pd-diff { line-height: 1.7; white-space: pre-wrap; }
.pd-diff del { background: #ffd7d5; color: #82071e; text-decoration: line-through; }
.pd-diff ins { background: #ccffd8; color: #055d20; text-decoration: none; }
.pd-diff del.pd-sub { background: #fff1c2; color: #6b4a00; }
.pd-diff ins.pd-sub { background: #dbeafe; color: #0a3069; }
"""


def diff_to_html(ops: Iterable[Op], side: str = "both") -> str:
    """The diff as HTML: <del> for deleted text, <ins> for inserted, class "pd-sub" on both halves
    of a substitution; every piece of text is escaped with html.escape. `side="a"` shows only the
    first version (what was removed or replaced marked), `side="b"` only the second. Style it with
    `DIFF_CSS` (classes pd-diff, pd-sub)."""
    parts = ['<span class="pd-diff">']
    for tag, a, b in ops:
        ea, eb = html.escape(a), html.escape(b)
        if tag == "equal":
            parts.append(ea if side != "b" else eb)
        elif tag == "replace":
            if side in ("both", "a"):
                parts.append(f'<del class="pd-sub">{ea}</del>')
            if side in ("both", "b"):
                parts.append(f'<ins class="pd-sub">{eb}</ins>')
        elif tag == "delete" and side in ("both", "a"):
            parts.append(f"<del>{ea}</del>")
        elif tag == "insert" and side in ("both", "b"):
            parts.append(f"<ins>{eb}</ins>")
    parts.append("</span>")
    return "".join(parts)


def diff_to_text(ops: Iterable[Op]) -> str:
    """The diff for a terminal: [-deleted-]{+inserted+}, a substitution as both."""
    out = []
    for tag, a, b in ops:
        if tag == "equal":
            out.append(a)
        else:
            if a:
                out.append(f"[-{a}-]")
            if b:
                out.append(f"{{+{b}+}}")
    return "".join(out)
