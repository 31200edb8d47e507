"""Build PDFs with known text: LaTeX typesets public prose (e.g. pandoc's MANUAL.txt) in the layouts
that trouble PDF readers, and the prose itself is the gold.

    python benchmarks/make_pdf_corpus.py SOURCE.txt OUT_DIR [--docs 12]

Layouts (cycled): two justified, hyphenated columns with a running header and footer and footnotes;
one column with line numbers (lineno), running header and footnotes; two columns with a table.
Each OUT_DIR/NAME.pdf gets OUT_DIR/NAME.json: {"paragraphs": [...], "notes": [...], "headings": [...],
"running": [...], "cells": [...]}. Needs pdflatex (Debian: texlive-latex-base, -latex-recommended,
-latex-extra for fancyhdr and lineno)."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from pathlib import Path

_OK = re.compile(r"^[A-Za-z0-9 .,;:'()?!-]+$")


def prose(source: str) -> list[str]:
    """Plain prose paragraphs of a Markdown-ish text: no code, lists, links or markup."""
    out = []
    for block in re.split(r"\n\s*\n", source):
        lines = block.split("\n")
        if any(ln.startswith((" ", "\t", "#", ":", "-", "|", "`", "*", ">", "+")) for ln in lines):
            continue
        text = " ".join(ln.strip() for ln in lines)
        text = re.sub(r"\[([^\]]+)\](\([^)]*\)|\[[^\]]*\])?", r"\1", text)  # links keep their text
        text = re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", "", text)  # emphasis markers
        if len(text) > 250 and _OK.match(text) and text.endswith("."):
            out.append(text)
    return out


def tex(text: str) -> str:
    return text.replace("'", "'").replace('"', "''")


def document(paras: list[str], note: str, layout: int, title: str) -> tuple[str, dict]:
    running = "Proceedings of the Reading Workshop"
    gold = {"paragraphs": [], "notes": [note], "headings": [title], "running": [running], "cells": []}
    cls = "\\documentclass[10pt,twocolumn]{article}" if layout != 1 else "\\documentclass[11pt]{article}"
    head = [cls, "\\usepackage{fancyhdr}", "\\usepackage[margin=2cm]{geometry}",
            "\\pagestyle{fancy}", f"\\fancyhead[L]{{{running}}}", "\\fancyhead[R]{\\thepage}",
            "\\fancyfoot[C]{Draft - not for citation}"]
    if layout == 1:
        head.append("\\usepackage{lineno}")
    body = ["\\begin{document}", f"\\section*{{{title}}}"]
    if layout == 1:
        body.append("\\linenumbers")
    gold["running"].append("Draft - not for citation")
    for i, p in enumerate(paras):
        if i and i % 5 == 0:
            h = f"Part {i // 5 + 1} of the discussion"
            body.append(f"\\subsection*{{{h}}}")
            gold["headings"].append(h)
        text = tex(p)
        if i == 1:
            text += f"\\footnote{{{tex(note)}}}"
        body.append(text + "\n")
        gold["paragraphs"].append(p)
        if layout == 2 and i == 3:
            rows = [["Option", "Default", "Meaning"], ["standalone", "off", "whole document"],
                    ["columns", "seventy", "line width"]]
            body.append("\\begin{tabular}{lll}\n" + "\\\\\n".join(" & ".join(r) for r in rows) + "\\\\\n\\end{tabular}\n")
            gold["cells"] = [c for r in rows for c in r]
    body.append("\\end{document}")
    return "\n".join(head + body), gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--paras", type=int, default=14)
    args = ap.parse_args()
    paras = prose(Path(args.source).read_text(encoding="utf-8"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    step = args.paras + 1
    for d in range(args.docs):
        chunk = paras[d * step:(d + 1) * step]
        if len(chunk) < step:
            break
        source, gold = document(chunk[1:], chunk[0].split(". ")[0] + ".", d % 3, f"Notes on reading, number {d + 1}")
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "doc.tex").write_text(source, encoding="utf-8")
            for _ in range(2):
                subprocess.run(["pdflatex", "-interaction=batchmode", "doc.tex"], cwd=tmp, check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            pdf = Path(tmp) / "doc.pdf"
            if not pdf.exists():
                continue
            name = f"latex-{d:02d}-layout{d % 3}"
            (out / f"{name}.pdf").write_bytes(pdf.read_bytes())
            (out / f"{name}.json").write_text(json.dumps(gold, indent=1), encoding="utf-8")
            print(name, len(gold["paragraphs"]), "paragraphs")


if __name__ == "__main__":
    main()
