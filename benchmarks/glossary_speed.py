"""Glossary matching speed (issue 18.5): `check` with glossaries of 1k, 10k, 100k terms and ~19 MB.

    .venv-test/bin/python benchmarks/glossary_speed.py                          # this checkout
    .venv-test/bin/python benchmarks/glossary_speed.py --before /tmp/old         # and an older one
    .venv-test/bin/python benchmarks/glossary_speed.py --sizes 1000,10000 --timeout 60

What it times: what `parallax check SAMPLE.en.txt SAMPLE.ko.txt --lang ko --glossary G.csv --no-mt`
does, in a fresh process per case: reading the glossary CSV (`load_glossary`, capped read), then
aligning the sample article with its Korean translation (the glossary terms are anchors) and
checking every paragraph (`check_translation`, no machine translation). "check s" is that
time; "no glossary s" the same check without a glossary, run first in the same process (it also
loads the embedding model). Peak memory is the process's maximum resident size. `--before DIR` runs the same cases with the code of another
checkout (e.g. `git archive <commit> | tar -x -C /tmp/old`), one after the other with this one's.

The glossaries are generated (deterministic seed) in a temporary folder: the sample glossary's
terms, then distinct terms of one to four words drawn from the article's words plus made-up
names, with Korean and Chinese renderings of 2-5 characters drawn from the sample translations.
The largest is filled up to 19 MB (just under the 20 MB limit on a glossary file).
A case that runs past `--timeout` seconds is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE = SAMPLES / "china-dprk-vice-premier-visit.en.txt"
KO = SAMPLES / "china-dprk-vice-premier-visit.ko.txt"
ZH = SAMPLES / "china-dprk-vice-premier-visit.zh.txt"
BIG = 19 * 2**20

# Run in a fresh interpreter with the checkout under test first on sys.path.
CASE = r"""
import hashlib, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from workbench.align import load_glossary
from workbench.compare import check_translation
from workbench.documents import read_file
en = [p.text for p in read_file(sys.argv[3]).paragraphs]
ko = [p.text for p in read_file(sys.argv[4], "ko").paragraphs]
t0 = time.perf_counter()
check_translation(en, ko, "ko", [])  # loads the embedding model; the time without a glossary
base_s = time.perf_counter() - t0
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
terms = load_glossary(sys.argv[2])
t1 = time.perf_counter()
report = check_translation(en, ko, "ko", terms)
t2 = time.perf_counter()
issues = sorted(i.message for r in report.rows for i in r.issues if i.kind == "glossary")
print(json.dumps({"terms": len(terms), "load_s": t1 - t0, "check_s": t2 - t1,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "before_mb": base / 1024, "base_s": base_s, "glossary_issues": len(issues),
                  "links": [[l.src, l.tgt] for l in report.alignment.links], "issues_hash": hashlib.sha256(json.dumps(issues).encode()).hexdigest()}))
"""


def make_glossary(path: Path, size: str, seed: int = 18) -> None:
    """A CSV glossary of `size` terms (an int), or of about 19 MB ("19MB")."""
    rng = random.Random(seed)
    words = sorted(set(re.findall(r"[A-Za-z][a-z]+", SAMPLE.read_text(encoding="utf-8"))))
    ko_chars = [c for c in KO.read_text(encoding="utf-8") if "\uac00" <= c <= "\ud7a3"]
    zh_chars = [c for c in ZH.read_text(encoding="utf-8") if "\u4e00" <= c <= "\u9fff"]
    syllables = ["ka", "ri", "to", "mon", "sel", "vi", "an", "dor", "li", "que", "ber", "sun"]
    with open(SAMPLES / "glossary.csv", encoding="utf-8") as f:
        rows = [[r["en"], r.get("ko", ""), r.get("zh", "")] for r in csv.DictReader(f)]
    seen = {r[0].lower() for r in rows}
    limit_terms = None if size.upper().endswith("MB") else int(size)
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["en", "ko", "zh"])
        for r in rows:
            out.writerow(r)
        while True:
            if limit_terms is not None and len(seen) >= limit_terms:
                break
            if limit_terms is None and written >= BIG - 200:
                break
            n = rng.randint(1, 4)
            parts = [rng.choice(words) if rng.random() < 0.6 else
                     "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize() for _ in range(n)]
            en = " ".join(parts)
            if en.lower() in seen:
                continue
            seen.add(en.lower())
            row = [en, "".join(rng.choice(ko_chars) for _ in range(rng.randint(2, 5))),
                   "".join(rng.choice(zh_chars) for _ in range(rng.randint(2, 5)))]
            out.writerow(row)
            written += len(",".join(row).encode("utf-8")) + 2


def run_case(code: Path, glossary: Path, timeout: float) -> dict:
    try:
        p = subprocess.run([sys.executable, "-c", CASE, str(code), str(glossary), str(SAMPLE), str(KO)],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if p.returncode:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000,19MB", help="terms per glossary, or 19MB")
    ap.add_argument("--before", metavar="DIR", help="another checkout to run the same cases with")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per case (default 300)")
    args = ap.parse_args(argv)
    codes = [("after", ROOT)] + ([("before", Path(args.before).resolve())] if args.before else [])
    print("| glossary | MB | terms | code | load s | check s | no glossary s | peak MB | glossary warnings | same result |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="parallax-glossary-") as tmp:
        for size in args.sizes.split(","):
            path = Path(tmp) / f"glossary-{size}.csv"
            make_glossary(path, size)
            mb = path.stat().st_size / 2**20
            results = {name: run_case(code, path, args.timeout) for name, code in codes}
            ref = results["after"]
            for name, r in results.items():
                if "timeout" in r:
                    print(f"| {size} | {mb:.1f} | | {name} | | stopped after {r['timeout']:.0f} s | | | | |")
                    continue
                if "error" in r:
                    print(f"| {size} | {mb:.1f} | | {name} | error: {r['error']} | | | | | |")
                    continue
                same = "" if name == "after" or "links" not in ref else \
                    ("yes" if (r["links"], r["issues_hash"]) == (ref["links"], ref["issues_hash"]) else "NO")
                print(f"| {size} | {mb:.1f} | {r['terms']} | {name} | {r['load_s']:.2f} | {r['check_s']:.2f} "
                      f"| {r['base_s']:.2f} | {r['peak_mb']:.0f} | {r['glossary_issues']} | {same} |", flush=True)


if __name__ == "__main__":
    main()
