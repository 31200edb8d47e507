"""How much of a Markdown file's code and URLs reaches the model, and how much comes back unchanged.

    PYTHONPATH=. python benchmarks/read_markdown.py DATA_FOLDER [DATA_FOLDER ...]

DATA_FOLDER holds .md files written by others (see the README's "Markdown" section for the ones
measured: fetched public repositories, never committed). Each file goes through a reader, the
project's sentence pipeline and a stand-in model that does to every sentence what translation
models do to URLs and code: it rewrites punctuation ("/" to "／", "." to "。", "`" to "'", "_"
to a space, "@" to "＠") and keeps everything else, so what was protected is what survives. A
second pass uses a model that also drops every placeholder (the fallback path).

Readers, side by side in the same run:
  parallax        workbench.documents.read_bytes (the project's Markdown reader)
  markdown-it     a plain render to text (markdown-it-py, CommonMark + tables): each block's text,
                  code blocks included, links and images as their text (what "Markdown to HTML to
                  text" gives a translator)
Run it once with PYTHONPATH pointing at an older checkout to get the "before" rows.

Gold comes from markdown-it's syntax tree: code blocks (fenced and indented), every URL (link and
image targets, autolinks, bare http(s) URLs) and inline code spans.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from markdown_it import MarkdownIt

from workbench import segment
from workbench.documents import build_document, read_bytes
from workbench.engine import DecodeOptions, SentenceTranslation
from workbench.engine import pipeline

_MD = MarkdownIt("commonmark").enable(["table"])
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]`\"']+[^\s<>()\[\]`\"'.,;:!?]")


def gold(text: str) -> dict[str, list[str]]:
    code, urls, spans = [], [], []
    for tok in _MD.parse(text):
        if tok.type in ("fence", "code_block") and tok.content.strip():
            code.append(tok.content)
        for c in tok.children or []:
            if c.type == "link_open" and str(c.attrs.get("href", "")).startswith(("http://", "https://")):
                urls.append(str(c.attrs["href"]))
            elif c.type == "image" and str(c.attrs.get("src", "")).startswith(("http://", "https://")):
                urls.append(str(c.attrs["src"]))
            elif c.type == "text":
                urls += _BARE_URL.findall(c.content)
            elif c.type == "code_inline" and len(c.content) >= 3:
                spans.append(c.content)
    return {"code": code, "urls": urls, "spans": spans}


def markdown_it_text(text: str) -> tuple[list[str], list[str]]:
    """The peer: each block's text; inline markup rendered away (links and images keep their text)."""
    out = []
    for tok in _MD.parse(text):
        if tok.type in ("fence", "code_block"):
            out.append(tok.content.rstrip("\n"))
        elif tok.type == "inline":
            words = []
            for c in tok.children or []:
                if c.type in ("text", "text_special", "code_inline"):
                    words.append(c.content)
                elif c.type in ("softbreak", "hardbreak"):
                    words.append(" ")
                elif c.type == "image":
                    words.append(c.content)
            out.append("".join(words).strip())
    out = [t for t in out if t.strip()]
    return out, ["body"] * len(out)


def mangle(text: str, drop_placeholders: bool) -> str:
    text = text.replace("/", "／").replace(".", "。").replace("`", "'").replace("_", " ").replace("@", "＠")
    return re.sub("[\ue000-\uf8ff]", "", text) if drop_placeholders else text


def translate(doc, drop_placeholders: bool) -> tuple[list[str], str]:
    sent: list[str] = []

    def run(pkg, sentences: list[str]) -> list[SentenceTranslation]:
        sent.extend(sentences)
        return [SentenceTranslation(mangle(s, drop_placeholders), -0.1, 5, "mangle") for s in sentences]

    pkg = SimpleNamespace(label="mangle", identity="mangle")
    pipe = pipeline.SentencePipeline(run, None, DecodeOptions())
    events = pipeline.stream([doc], ["ko"], lambda s, f, t: pipe.translate_chain(s, [pkg]), DecodeOptions())
    (aligned,) = [e for e in events if not isinstance(e, pipeline.ChunkDone)]
    out = "\n\n".join(aligned.paragraph_translation("ko", p.index) for p in doc.paragraphs)
    return sent, out


def lines_of(block: str) -> list[str]:
    return [ln.strip() for ln in block.splitlines() if len(ln.strip()) >= 6]


def measure(files: list[Path], reader: str, drop: bool) -> dict[str, float]:
    t = {k: 0 for k in ("files", "paragraphs", "sent", "code", "code_sent", "code_back", "urls", "urls_sent",
                        "urls_back", "spans", "spans_back", "markup_sent")}
    seconds = 0.0
    segment._spans.cache_clear()  # every reader splits its sentences afresh
    for path in files:
        data = path.read_bytes()
        text = data.decode("utf-8")
        g = gold(text)
        start = time.perf_counter()
        if reader == "parallax":
            doc = read_bytes(data, path.name, lang="en")
        else:
            texts, kinds = markdown_it_text(text)
            doc = build_document(texts, path.name, "en", kinds)
        seconds += time.perf_counter() - start
        sent, out = translate(doc, drop)
        sent_text = "\n".join(sent)
        t["files"] += 1
        t["paragraphs"] += len(doc.paragraphs)
        t["sent"] += len(sent)
        for block in g["code"]:
            ls = lines_of(block)
            t["code"] += 1
            t["code_sent"] += any(ln in sent_text for ln in ls)
            t["code_back"] += all(ln in out for ln in ls)
        for url in g["urls"]:
            t["urls"] += 1
            t["urls_sent"] += url in sent_text
            t["urls_back"] += url in out
        for span in g["spans"]:
            t["spans"] += 1
            t["spans_back"] += span in out
        t["markup_sent"] += sum(1 for s in sent if re.match(r"(#{1,6} |[-*+] |\d+\. |> |\|)", s) or "](" in s)
    t["ms_per_file"] = 1000 * seconds / max(1, len(files))
    return t


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv]
    if not folders or not all(f.is_dir() for f in folders):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    files = sorted(p for f in folders for p in f.glob("*.md"))
    print(f"{len(files)} files from {', '.join(map(str, folders))}")
    print("| reader | model | files | paragraphs | sentences sent | code blocks sent | code blocks back "
          "| URLs sent | URLs back | inline code back | markup sent | ms/file |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    read_bytes(b"# Warm up\n\nThe sentence splitter is built once. It takes a moment.\n", "warm.md", lang="en")
    for reader in ("parallax", "markdown-it"):
        for drop in (False, True):
            t = measure(files, reader, drop)
            print(f"| {reader} | {'drops placeholders' if drop else 'keeps placeholders'} | {t['files']} | "
                  f"{t['paragraphs']} | {t['sent']} | {t['code_sent']}/{t['code']} | {t['code_back']}/{t['code']} | "
                  f"{t['urls_sent']}/{t['urls']} | {t['urls_back']}/{t['urls']} | {t['spans_back']}/{t['spans']} | "
                  f"{t['markup_sent']} | {t['ms_per_file']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
