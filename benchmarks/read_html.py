"""How much of a saved web page's article our HTML reader hands over, against the peers, in one run.

Data: pages with a human-made gold text from the collection of Bevendorff et al. (2023), "An Empirical
Comparison of Web Content Extraction Algorithms" (github.com/chatnoir-eu/web-content-extraction-benchmark).
Two layouts are read (the data is never part of this repository; give its folder):
  * a folder of cases ``<case>/source.html`` + ``<case>/expected.html`` (the "Readability" dataset of
    that collection: mozilla/readability's test/test-pages, Apache-2.0); the gold is the text of
    ``expected.html``'s body, as the collection's own reader takes it;
  * the collection's combined format, ``html/<dataset>.jsonl`` + ``ground-truth/<dataset>.jsonl``
    (``page_id``, ``html`` / ``plaintext``). The Scrapinghub subset is never read.

Score: the collection's own measure, ROUGE-LSum precision/recall/F1 over whitespace tokens (lines split
into sentences, union-LCS per gold sentence, token counts clipped), averaged over pages; a bag-of-tokens
P/R/F1 is shown beside it. Time: seconds per page, parse included.

Systems, same decoded text for all: "before" (the reader at --before-rev, loaded from git), "after"
(this checkout's reader), trafilatura alone (its plain-text output) and readability-lxml.

Split: a page is held out when sha1(case id) mod 3 == 0; develop on --split dev, run --split held-out
once at the end.

    python benchmarks/read_html.py /work/data/readability/test/test-pages --split dev
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.documents import html as after_html  # noqa: E402
from workbench.documents.decode import decode_text  # noqa: E402

_WS = re.compile(r"\s+")
_SENT = re.compile(r"(?<=[.!?])\s+")
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "td", "th",
           "figcaption", "br", "section", "article", "ul", "ol", "table", "dt", "dd", "figure", "header", "footer"}


# ----------------------------------------------------------------------------- data
def cases(folder: Path) -> list[tuple[str, str, str, str]]:
    """(dataset, case id, html, gold text) for every page in `folder`."""
    out = []
    if (folder / "html").is_dir() and (folder / "ground-truth").is_dir():
        for gt_file in sorted((folder / "ground-truth").glob("*.jsonl")):
            ds = gt_file.stem
            if "scrapinghub" in ds.lower():
                continue  # off limits: kept by the project as held-out tests
            gold = {r["page_id"]: r.get("plaintext") or "" for r in map(json.loads, gt_file.open())}
            for r in map(json.loads, (folder / "html" / gt_file.name).open()):
                if r["page_id"] in gold:
                    out.append((ds, r["page_id"], r["html"], gold[r["page_id"]]))
        return out
    for case in sorted(p for p in folder.iterdir() if (p / "source.html").is_file()):
        page, _, _ = decode_text((case / "source.html").read_bytes(), "source.html")
        expected, _, _ = decode_text((case / "expected.html").read_bytes(), "expected.html")
        out.append((folder.name, case.name, page, html_text(expected)))
    return out


def held_out(case_id: str) -> bool:
    return int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 3 == 0


def html_text(html: str) -> str:
    """An HTML fragment's visible text, one line per block (how the gold and readability-lxml's
    output are turned into text)."""
    import lxml.html

    if not html.strip():
        return ""
    root = lxml.html.document_fromstring(html.encode(), parser=lxml.html.HTMLParser(encoding="utf-8"))
    for bad in root.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    parts: list[str] = []

    def rec(el) -> None:
        block = isinstance(el.tag, str) and el.tag in _BLOCKS
        if block:
            parts.append("\n")
        if isinstance(el.tag, str):
            parts.append(el.text or "")
            for c in el:
                rec(c)
        if block:
            parts.append("\n")
        parts.append(el.tail or "")

    rec(root)
    return "\n".join(_WS.sub(" ", ln).strip() for ln in "".join(parts).split("\n") if ln.strip())


# ----------------------------------------------------------------------------- metric
def _sentences(text: str) -> list[list[str]]:
    out = []
    for line in text.split("\n"):
        for s in _SENT.split(line.strip()):
            toks = s.split()
            if toks:
                out.append(toks)
    return out


def _lcs_positions(ref: list[str], cand: list[str]) -> set[int]:
    from rapidfuzz.distance import LCSseq

    deleted = {op.src_pos for op in LCSseq.editops(ref, cand) if op.tag == "delete"}
    return {i for i in range(len(ref)) if i not in deleted}


def rouge_lsum(gold: str, pred: str) -> tuple[float, float, float]:
    """ROUGE-LSum as the collection scores it (rouge_score's summary-level LCS, whitespace tokens)."""
    ref, cand = _sentences(gold), _sentences(pred)
    m, n = sum(map(len, ref)), sum(map(len, cand))
    if m == 0:
        return (1.0, 1.0, 1.0) if n == 0 else (0.0, 1.0, 0.0)
    if n == 0:
        return 0.0, 0.0, 0.0
    cnt_r = Counter(t for s in ref for t in s)
    cnt_c = Counter(t for s in cand for t in s)
    vocab_c = set(cnt_c)
    hits = 0
    for r in ref:
        if not vocab_c.intersection(r):
            continue
        union: set[int] = set()
        for c in cand:
            if vocab_c and set(c).intersection(r):
                union |= _lcs_positions(r, c)
        for i in sorted(union):
            t = r[i]
            if cnt_c[t] > 0 and cnt_r[t] > 0:
                hits += 1
                cnt_c[t] -= 1
                cnt_r[t] -= 1
    p, r_ = hits / n, hits / m
    return p, r_, (2 * p * r_ / (p + r_) if p + r_ else 0.0)


def bag_prf(gold: str, pred: str) -> tuple[float, float, float]:
    g, p = Counter(gold.split()), Counter(pred.split())
    if not g:
        return (1.0, 1.0, 1.0) if not p else (0.0, 1.0, 0.0)
    if not p:
        return 0.0, 0.0, 0.0
    hit = sum((g & p).values())
    pr, rc = hit / sum(p.values()), hit / sum(g.values())
    return pr, rc, (2 * pr * rc / (pr + rc) if pr + rc else 0.0)


# ----------------------------------------------------------------------------- systems
def load_before(rev: str):
    """The reader as it was at `rev` (the module's source from git, run against today's helpers)."""
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:workbench/documents/html.py"],
                         capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("workbench.documents._html_before", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "workbench.documents"
    exec(compile(src, f"{rev}:html.py", "exec"), mod.__dict__)
    return mod


def systems(before_rev: str) -> dict:
    import trafilatura
    from readability import Document as ReadabilityDoc

    before = load_before(before_rev)
    return {
        "before": lambda h: "\n".join(before.paragraphs(h)[0]),
        "after": lambda h: "\n".join(after_html.paragraphs(h)[0]),
        "after, article only": lambda h: "\n".join(_article_only(*after_html.paragraphs(h))),
        "trafilatura": lambda h: trafilatura.extract(h, include_comments=False) or "",
        "readability-lxml": lambda h: html_text(ReadabilityDoc(h).summary(html_partial=True)),
    }


def _article_only(texts: list[str], kinds: list[str]) -> list[str]:
    """The reader's paragraphs without the headline and byline/dateline it puts first: what the
    gold of these datasets holds (they keep the title and byline apart from the article)."""
    lead = 0
    while lead < len(kinds) and kinds[lead] in ("title", "meta") and lead < 3:
        lead += 1
    return texts[lead:] if lead < len(texts) else texts


def is_english(text: str) -> bool:
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    try:
        return detect(text[:5000]) == "en"
    except Exception:
        return False


def big_page(n: int) -> None:
    """Read one generated page of `n` paragraphs through read_bytes, as a user's file would be."""
    import resource

    from workbench.documents import read_bytes
    from workbench.errors import BadInput

    page = ("<html><body><article>" + "".join(f"<p>Paragraph {i} says a few words here.</p>"
                                              for i in range(n)) + "</article></body></html>").encode()
    t0 = time.perf_counter()
    try:
        doc = read_bytes(page, "big.html", lang="en")
        outcome = f"read: {len(doc.paragraphs)} paragraphs"
    except BadInput as exc:
        outcome = f"refused: {exc}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(page) / 2**20:.1f} MB, {n} paragraphs: {outcome}; {time.perf_counter() - t0:.2f} s, "
          f"peak RSS {peak:.0f} MB")


def main() -> None:
    sys.setrecursionlimit(20_000)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="folder of <case>/source.html + expected.html, or the combined format")
    ap.add_argument("--split", choices=("dev", "held-out", "all"), default="dev")
    ap.add_argument("--before-rev", default="7cc41b6", help="git revision of the 'before' reader")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--worst", type=int, default=0, help="list the N pages where 'after' scores lowest")
    ap.add_argument("--json", type=Path, help="write per-page scores here")
    ap.add_argument("--big", type=int, default=0, metavar="N",
                    help="instead: time and peak memory of reading one page of N paragraphs (issue 18.5: 180000)")
    args = ap.parse_args()
    if args.big:
        big_page(args.big)
        return

    data = [c for c in cases(args.data)
            if args.split == "all" or held_out(c[1]) == (args.split == "held-out")]
    if args.limit:
        data = data[: args.limit]
    syst = systems(args.before_rev)
    rows = []
    for ds, cid, page, gold in data:
        row = {"dataset": ds, "id": cid, "english": is_english(gold or page)}
        for name, fn in syst.items():
            t0 = time.perf_counter()
            try:
                pred = fn(page)
            except Exception as exc:  # a system that fails on a page scores 0 there
                pred = ""
                row[f"{name}_error"] = f"{type(exc).__name__}: {exc}"[:200]
            row[f"{name}_s"] = time.perf_counter() - t0
            row[name] = rouge_lsum(gold, pred)
            row[f"{name}_bag"] = bag_prf(gold, pred)
        rows.append(row)
        print(f"{cid[:40]:40s} " + " ".join(f"{n}={row[n][2]:.3f}" for n in syst), file=sys.stderr)

    def table(subset: list[dict], label: str) -> None:
        print(f"\n{label}: {len(subset)} pages (split {args.split}, data {args.data})")
        print(f"| system | ROUGE-LSum F1 | precision | recall | bag-of-tokens F1 | s/page | pages with P<0.5 |")
        print("|---|---|---|---|---|---|---|")
        for name in syst:
            p = statistics.mean(r[name][0] for r in subset)
            r_ = statistics.mean(r[name][1] for r in subset)
            f = statistics.mean(r[name][2] for r in subset)
            bag = statistics.mean(r[f"{name}_bag"][2] for r in subset)
            s = statistics.mean(r[f"{name}_s"] for r in subset)
            low = sum(r[name][0] < 0.5 for r in subset)
            print(f"| {name} | {f:.3f} | {p:.3f} | {r_:.3f} | {bag:.3f} | {s:.3f} | {low} |")

    if rows:
        table(rows, "All pages")
        table([r for r in rows if r["english"]], "English pages")
    if args.worst:
        print("\nlowest 'after' pages:")
        for r in sorted(rows, key=lambda r: r["after"][2])[: args.worst]:
            print(f"  {r['id']}: after F1 {r['after'][2]:.3f} P {r['after'][0]:.3f} R {r['after'][1]:.3f}; "
                  f"trafilatura {r['trafilatura'][2]:.3f}; readability {r['readability-lxml'][2]:.3f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
