"""Our Word reader (before: a baseline checkout's, after: this one) against python-docx's paragraphs,
mammoth's raw text and docx2python, in one run, scored against gold text.

    python benchmarks/read_docx.py FOLDER [FOLDER...] [--before /path/to/main/checkout]

Gold: pandoc's test/docx/NAME.docx come with NAME.native, pandoc's own reading (tracked changes
accepted, notes included, headers and footers left out); its Str "..." words are the gold tokens.
A NAME.txt beside a .docx is taken as plain gold text instead. Scores: token F1 (bag of words),
documents refused or failed, ms per document."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doc_scores import run_baseline, token_f1  # noqa: E402

_STR = re.compile(r'Str\s+"((?:[^"\\]|\\.)*)"')


def native_text(path: Path) -> str:
    """The words of a pandoc .native AST (Haskell string escapes decoded)."""
    def unescape(s: str) -> str:
        s = re.sub(r"\\(\d+)(\\&)?", lambda m: chr(int(m.group(1))), s)
        return s.replace('\\"', '"').replace("\\\\", "\\").replace("\\n", " ")
    return " ".join(unescape(m.group(1)) for m in _STR.finditer(path.read_text(encoding="utf-8")))


def gold_for(path: Path) -> str | None:
    for suffix in (".native", ".txt"):
        g = path.with_suffix(suffix)
        if g.exists():
            return native_text(g) if suffix == ".native" else g.read_text(encoding="utf-8")
    return None


def ours(path: Path) -> tuple[str, str | None]:
    from workbench.documents import docx

    texts, _ = docx.paragraphs(path.read_bytes(), path.name)
    return "\n".join(texts), None


def python_docx(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def mammoth_text(path: Path) -> str:
    import mammoth

    with open(path, "rb") as f:
        return mammoth.extract_raw_text(f).value


def docx2python_text(path: Path) -> str:
    from docx2python import docx2python

    with docx2python(str(path)) as d:
        return d.text


def timed(fn, path: Path) -> dict:
    t = time.perf_counter()
    try:
        text = fn(path)
        if isinstance(text, tuple):
            text = text[0]
        return {"text": text, "seconds": time.perf_counter() - t, "error": None}
    except Exception as exc:
        return {"text": "", "seconds": time.perf_counter() - t, "error": exc.__class__.__name__}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--before", help="a checkout whose workbench is the baseline reader (e.g. main)")
    args = ap.parse_args()
    readers = {"after": ours, "python-docx": python_docx, "mammoth": mammoth_text, "docx2python": docx2python_text}
    for folder in args.folders:
        files = [f for f in sorted(Path(folder).glob("*.docx")) if gold_for(f) is not None]
        golds = {f.name: gold_for(f) for f in files}
        results: dict[str, dict[str, dict]] = {}
        if args.before:
            base = run_baseline(args.before, "docx", [str(f) for f in files])
            results["before"] = {Path(k).name: {"text": "\n".join(v["paragraphs"]), "seconds": v["seconds"],
                                                "error": v["error"]} for k, v in base.items()}
        for name, fn in readers.items():
            results[name] = {f.name: timed(fn, f) for f in files}
        print(f"\n## {folder}: {len(files)} .docx with gold")
        print("| reader | token F1 (mean) | documents at F1 >= 0.95 | failed | ms/document |")
        print("|---|---|---|---|---|")
        for reader, per in results.items():
            f1s = [token_f1(golds[n], r["text"]) if golds[n].strip() else float(not r["text"].strip())
                   for n, r in per.items()]
            good = sum(1 for f in f1s if f >= 0.95)
            failed = sum(1 for r in per.values() if r["error"])
            ms = 1000 * sum(r["seconds"] for r in per.values()) / max(1, len(per))
            print(f"| {reader} | {sum(f1s) / max(1, len(f1s)):.3f} | {good}/{len(f1s)} | {failed} | {ms:.1f} |")
        worst = sorted(((token_f1(golds[n], r["text"]), n) for n, r in results["after"].items() if golds[n].strip()))[:5]
        print("lowest (after):", ", ".join(f"{n} {f:.2f}" for f, n in worst))


if __name__ == "__main__":
    main()
