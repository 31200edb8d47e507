"""Our PDF reader (before: a baseline checkout's, after: this one) against pdfplumber, pypdf's plain
extract_text and poppler's pdftotext, in one run.

    python benchmarks/read_pdf.py FOLDER [FOLDER...] [--before /path/to/main/checkout] [--limit N]

A folder whose PDFs have NAME.json gold beside them (benchmarks/make_pdf_corpus.py writes them) is
scored: token F1 against the gold text, share of gold sentences intact in one paragraph, hyphenation
errors ("deci- sion", a real hyphen lost), running header/footer leaks (occurrences of the running
lines in the output) and seconds per page. A folder without gold (e.g. pdf.js's test PDFs) is
read for robustness and speed: files refused or crashed, seconds per page, ligatures and split words
left. Peers get their whole text as one paragraph (generous: a sentence over a line break counts)."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doc_scores import hyphen_errors, intact, run_baseline, token_f1  # noqa: E402


def ours(path: Path) -> dict:
    from workbench.documents import pdf

    t = time.perf_counter()
    try:
        texts, kinds = pdf.paragraphs(path.read_bytes(), path.name)
        return {"paragraphs": texts, "kinds": list(kinds), "seconds": time.perf_counter() - t, "error": None}
    except Exception as exc:
        return {"paragraphs": [], "kinds": [], "seconds": time.perf_counter() - t, "error": str(exc)[:200]}


def peer(fn, path: Path) -> dict:
    t = time.perf_counter()
    try:
        text = fn(path)
        return {"paragraphs": [" ".join(text.split())], "seconds": time.perf_counter() - t, "error": None}
    except Exception as exc:
        return {"paragraphs": [], "seconds": time.perf_counter() - t, "error": f"{exc.__class__.__name__}"}


def pdfplumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def pypdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def pdftotext_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          timeout=120, check=True).stdout


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    try:
        return max(1, len(PdfReader(path).pages))
    except Exception:
        return 1


def main() -> None:
    import logging

    logging.disable(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--before", help="a checkout whose workbench is the baseline reader (e.g. main)")
    ap.add_argument("--limit", type=int, default=0, help="at most this many PDFs per folder")
    ap.add_argument("--json", help="write per-file results here")
    args = ap.parse_args()
    peers = {"pdfplumber": pdfplumber_text, "pypdf": pypdf_text}
    if shutil.which("pdftotext"):
        peers["pdftotext"] = pdftotext_text
    dump = {}
    for folder in args.folders:
        files = sorted(Path(folder).glob("*.pdf"))[: args.limit or None]
        results: dict[str, dict[str, dict]] = {}
        if args.before:
            base = run_baseline(args.before, "pdf", [str(f) for f in files])
            results["before"] = {Path(k).name: v for k, v in base.items()}
        results["after"] = {f.name: ours(f) for f in files}
        for name, fn in peers.items():
            results[name] = {f.name: peer(fn, f) for f in files}
        pages = {f.name: page_count(f) for f in files}
        golds = {f.name: json.loads(f.with_suffix(".json").read_text()) for f in files if f.with_suffix(".json").exists()}
        print(f"\n## {folder}: {len(files)} PDFs, {sum(pages.values())} pages" + (" (with gold)" if golds else ""))
        if golds:
            print("| reader | token F1 | sentences intact | hyphen errors | running-line leaks | ms/page | failed |")
            print("|---|---|---|---|---|---|---|")
        else:
            print("| reader | read | failed | ligatures left | split words left | ms/page |")
            print("|---|---|---|---|---|---|")
        for reader, per in results.items():
            total_pages = sum(pages.values())
            ms = 1000 * sum(r["seconds"] for r in per.values()) / max(1, total_pages)
            failed = sum(1 for r in per.values() if r["error"])
            if golds:
                f1s, intacts, hyph, leaks = [], [], 0, 0
                for name, gold in golds.items():
                    got = per[name]["paragraphs"]
                    text = "\n".join(got)
                    gold_text = "\n".join(gold["headings"] + gold["paragraphs"] + gold["notes"] + gold["cells"])
                    f1s.append(token_f1(gold_text, text))
                    intacts.append(intact(gold["paragraphs"], got))
                    hyph += hyphen_errors(gold_text, text)
                    leaks += sum(text.count(r) for r in gold["running"])
                print(f"| {reader} | {sum(f1s) / len(f1s):.3f} | {sum(intacts) / len(intacts):.3f} | {hyph} | {leaks} "
                      f"| {ms:.0f} | {failed} |")
            else:
                text = "\n".join(p for r in per.values() for p in r["paragraphs"])
                ligs = len(re.findall("[ﬀﬁﬂﬃﬄ]", text))
                split = len(re.findall(r"[a-z]{2,}- [a-z]{2,}", text))
                print(f"| {reader} | {len(per) - failed} | {failed} | {ligs} | {split} | {ms:.0f} |")
        dump[folder] = results
    if args.json:
        Path(args.json).write_text(json.dumps(dump, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
