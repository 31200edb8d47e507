"""Plain text: are paragraphs read as the writer made them, in English, Korean and Chinese, and are
e-mails' headers and quote markers kept out of the body text?

    PYTHONPATH=. python benchmarks/read_text.py [--ntrex FILE.jsonl] [--email FOLDER] [--docs N]

1. Paragraphs. NTREX-128's news documents (benchmarks/data/ntrex, CC BY-SA 4.0: human
   translations of English news into Korean and Chinese) are laid out three ways a user's file
   comes: one paragraph per line, blank lines between paragraphs, and hard-wrapped (English and
   Korean at 72 screen columns, Chinese every 36 characters). Paragraphs are runs of 1-3
   consecutive sentences (a fixed cycle; the headline alone). Score: paragraph F1 (a paragraph
   counts when its text, spaces ignored, is exactly a gold paragraph) and the share of documents
   read with the right number of paragraphs. Peers in the same run: "lines" (every line a
   paragraph) and "blocks" (blank-line blocks, lines joined).
2. E-mails (a folder of .eml files written by others, e.g. mailgun/talon's standard replies,
   Apache-2.0; never committed): header lines read as body text, sentences that start with a
   "> " quote marker, and signature lines read as body text.

Run it once with PYTHONPATH pointing at an older checkout to get the "before" rows.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from workbench.documents import read_bytes, split_paragraphs

ROOT = Path(__file__).resolve().parent.parent
CYCLE = (2, 1, 3, 2, 1)


def documents(path: Path, limit: int) -> dict[str, dict[str, list[str]]]:
    """doc id -> language -> paragraphs (runs of sentences)."""
    sentences: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for lang in ("en", "ko", "zh"):
                sentences[row["doc"]][lang].append(row[lang].strip())
    out = {}
    for doc in list(sentences)[:limit]:
        out[doc] = {}
        for lang, sents in sentences[doc].items():
            paras, i, k = [sents[0]], 1, 0
            while i < len(sents):
                n = CYCLE[k % len(CYCLE)]
                paras.append(("" if lang == "zh" else " ").join(sents[i:i + n]))
                i, k = i + n, k + 1
            out[doc][lang] = paras
    return out


def cells(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def wrap(p: str, lang: str) -> str:
    if lang == "zh":
        return "\n".join(p[i:i + 36] for i in range(0, len(p), 36))
    return textwrap.fill(p, 36 if lang == "ko" else 72)  # a Korean character takes two columns


LAYOUTS = {
    "one per line": lambda ps, lang: "\n".join(ps),
    "blank lines": lambda ps, lang: "\n\n".join(ps),
    "hard-wrapped": lambda ps, lang: "\n\n".join(wrap(p, lang) for p in ps),
}
READERS = {
    "parallax": split_paragraphs,
    "lines": lambda t: [ln.strip() for ln in t.splitlines() if ln.strip()],
    "blocks": lambda t: [" ".join(b.split()) for b in re.split(r"\n\s*\n", t) if b.strip()],
}


def key(p: str) -> str:
    return re.sub(r"\s+", "", p)


def f1(got: list[str], gold: list[str]) -> tuple[int, int, int]:
    g, r = Counter(map(key, gold)), Counter(map(key, got))
    return sum((g & r).values()), sum(r.values()), sum(g.values())


def paragraphs_table(path: Path, limit: int) -> None:
    docs = documents(path, limit)
    print(f"\nParagraphs: {len(docs)} NTREX documents ({path})\n")
    print("| language | layout | reader | paragraph F1 | documents with the right count |")
    print("|---|---|---|---|---|")
    for lang in ("en", "ko", "zh"):
        for layout, make in LAYOUTS.items():
            for reader, split in READERS.items():
                tp = n_got = n_gold = right = 0
                for d in docs.values():
                    got = split(make(d[lang], lang))
                    a, b, c = f1(got, d[lang])
                    tp, n_got, n_gold = tp + a, n_got + b, n_gold + c
                    right += len(got) == len(d[lang])
                p, r = tp / max(1, n_got), tp / max(1, n_gold)
                print(f"| {lang} | {layout} | {reader} | {2 * p * r / max(1e-9, p + r):.3f} | {right}/{len(docs)} |")


_HEADER = re.compile(r"^[A-Za-z][\w-]*:[ \t]")


def email_table(folder: Path) -> None:
    files = sorted(folder.glob("*.eml"))
    headers_as_body = headers = quoted = sig_as_body = sig_lines = sentences = 0
    for path in files:
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        head = text.split("\n\n", 1)[0].splitlines()
        header_lines = [ln for ln in head if _HEADER.match(ln)]
        lines = text.splitlines()
        sig = next((i for i in range(len(lines) - 1, -1, -1) if lines[i] in ("-- ", "--")), None)
        signature = []  # the lines after the "-- " line, up to a blank line
        for ln in lines[sig + 1:] if sig is not None else []:
            if not ln.strip():
                break
            signature.append(ln.strip())
        doc = read_bytes(data, path.name, lang="en")
        body = [p for p in doc.paragraphs if p.kind != "meta"]
        body_text = "\n".join(p.text for p in body)
        headers += len(header_lines)
        headers_as_body += sum(1 for h in header_lines if h.strip() in body_text)
        sig_lines += len(signature)
        sig_as_body += sum(1 for s in signature if s in body_text)
        sentences += doc.sentence_count
        quoted += sum(1 for p in doc.paragraphs for s in p.sentences if s.startswith(">"))
    print(f"\nE-mails: {len(files)} files ({folder})\n")
    print("| header lines read as body | sentences starting with '>' | signature lines read as body | sentences |")
    print("|---|---|---|---|")
    print(f"| {headers_as_body}/{headers} | {quoted} | {sig_as_body}/{sig_lines} | {sentences} |")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ntrex", type=Path, default=ROOT / "benchmarks" / "data" / "ntrex" / "ntrex.en-ko-zh.jsonl")
    ap.add_argument("--email", type=Path, help="a folder of .eml files")
    ap.add_argument("--docs", type=int, default=123)
    args = ap.parse_args(argv)
    paragraphs_table(args.ntrex, args.docs)
    if args.email:
        email_table(args.email)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
