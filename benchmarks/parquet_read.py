"""Issue 15.4: reading Parquet corpora through workbench.parquet against pyarrow alone (figures
printed side by side, nothing asserted).

    python benchmarks/parquet_read.py [--rows 5000]

Each case is written by pyarrow with its defaults (Snappy, dictionary) into a scratch folder and
read twice in fresh processes: `parquet.records` (what the corpus reader uses) and pyarrow's
`iter_batches(...).to_pylist()`. Printed: seconds and peak RSS (VmHWM) of each, and their ratio.
Cases: small (2 KB articles: pyarrow's path), large (20 KB articles: a 20 MB dictionary page,
decoded here), cell (one 300 MB cell among small rows: streamed and skipped here).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IMPORT = "import pyarrow.parquet as pq\nfrom workbench import parquet\n"  # before the clock starts, for both
READ = {
    "parallax": "n = sum(1 for _ in parquet.records(path, ['id', 'text'], 'text', lambda line: None))\n",
    "pyarrow": "n = sum(len(b.to_pylist()) for b in pq.ParquetFile(path).iter_batches(batch_size=512))\n",
}


def measure(reader: str, path: Path) -> tuple[float, int, str]:
    code = ("import sys, time\nfrom pathlib import Path\npath = Path(sys.argv[1])\n" + IMPORT + "t = time.perf_counter()\n"
            + READ[reader] + "took = time.perf_counter() - t\n"
            "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "print(took, int(peak.split()[1]) // 1024, n)\n")
    p = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    if p.returncode:
        return float("nan"), 0, p.stderr.strip().splitlines()[-1][:60]
    took, peak, n = p.stdout.split()
    return float(took), int(peak), f"{n} rows"


def main() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--cell-mb", type=int, default=300)
    args = ap.parse_args()
    n = args.rows
    with tempfile.TemporaryDirectory(prefix="parallax-pq-") as tmp:
        cases = {
            "small": [f"Sentence {i} is here. " * 100 for i in range(n)],
            "large": [f"Sentence {i} is here. " * 1000 for i in range(n)],
            "cell": [f"Sentence {i} is here." for i in range(n)],
        }
        cases["cell"][n // 2] = "x" * (args.cell_mb * 2**20)
        print(f"{'case':6} {'reader':9} {'seconds':>8} {'peak MB':>8}  rows")
        for name, texts in cases.items():
            path = Path(tmp) / f"{name}.parquet"
            pq.write_table(pa.table({"id": [f"r{i}" for i in range(n)], "text": texts}), path, row_group_size=n)
            results = {reader: measure(reader, path) for reader in READ}
            for reader, (took, peak, what) in results.items():
                print(f"{name:6} {reader:9} {took:8.2f} {peak:8}  {what}", flush=True)
            (a, pa_), (b, pb) = (results["parallax"][:2], results["pyarrow"][:2])
            print(f"{name:6} {'ratio':9} {a / b:8.2f} {pa_ / pb:8.2f}  parallax / pyarrow", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
