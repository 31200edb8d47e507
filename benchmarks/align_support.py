"""Does the aligner say when two short texts are not translations of each other?

For every NTREX-128 document (benchmarks/data/ntrex) and each size k, the first k English
sentences are aligned with (a) their human Korean / Chinese translation and (b) the first k
translated sentences of the next document (an unrelated text of the same kind and size). A
"does not support an alignment" warning on (a) is a false alarm; on (b) it is a catch. The
current rule is measured against the rule before issue 17 item 5 (no reversal test under 40
units), in the same run.

    python benchmarks/align_support.py                     # test part, embeddings as installed
    python benchmarks/align_support.py --part dev --no-embeddings
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workbench.align as A  # noqa: E402
from align_cases import load_documents  # noqa: E402

RULES = {"before (reversal test from 40 units)": (40, 0.0), "now (from 4 units, 2.4/sqrt(units))":
         (A.MIN_REVERSAL_UNITS, A.SHORT_GAP)}


def unsupported(warning: str) -> bool:
    return warning.startswith(A.UNSUPPORTED)


def measure(docs: list[list[dict]], sizes: list[int], signals: A.Signals) -> dict:
    results = {}
    for rule, (min_units, short_gap) in RULES.items():
        A.MIN_REVERSAL_UNITS, A.SHORT_GAP = min_units, short_gap
        for k in sizes:
            real = unrel = n = 0
            shown = 0  # unrelated pairs with a link of confidence >= 0.5 and no warning
            for lang in ("ko", "zh"):
                for i, doc in enumerate(docs):
                    other = docs[(i + 1) % len(docs)]
                    if len(doc) < k or len(other) < k:
                        continue
                    en = [r["en"] for r in doc[:k]]
                    a = A.align_units(en, [r[lang] for r in doc[:k]], lang, signals=signals)
                    b = A.align_units(en, [r[lang] for r in other[:k]], lang, signals=signals)
                    n += 1
                    real += unsupported(a.warning)
                    unrel += unsupported(b.warning)
                    shown += not b.warning and any(l.src and l.tgt and l.confidence >= 0.5 for l in b.links)
            results[(rule, k)] = (n, real, unrel, shown)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["dev", "test"], default="test")
    ap.add_argument("--sizes", default="4,6,10,16")
    ap.add_argument("--no-embeddings", action="store_true")
    args = ap.parse_args()
    signals = A.Signals(embeddings=False) if args.no_embeddings else A.Signals()
    start = time.perf_counter()
    results = measure(load_documents(args.part), [int(s) for s in args.sizes.split(",")], signals)
    embeddings = "off" if args.no_embeddings or not A.embeddings_available() else "on"
    print(f"NTREX-128 {args.part} part, ko+zh, embeddings {embeddings}, {time.perf_counter() - start:.0f} s")
    print("| rule | sentences | pairs | false alarms on real translations | unrelated texts caught "
          "| unrelated, confident links, no warning |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for (rule, k), (n, real, unrel, shown) in results.items():
        print(f"| {rule} | {k} | {n} | {real} ({real / n:.1%}) | {unrel} ({unrel / n:.1%}) | {shown} ({shown / n:.1%}) |")


if __name__ == "__main__":
    main()
