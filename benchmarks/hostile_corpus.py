"""Issues 15 and 18: time and peak memory of `translate` on hostile corpora (figures printed, nothing asserted).

    python benchmarks/hostile_corpus.py --checkout .            # this checkout
    python benchmarks/hostile_corpus.py --checkout /path/to/old # the same cases on an older one

Each case builds its input in a scratch folder, runs the CLI of `--checkout` (a fresh process,
`/usr/bin/time -f "%e s %M KB"`) with tiny echo models installed in a throwaway package folder,
and prints: case, exit code, seconds, peak RSS, and what came out (the last stderr line, rows).

Cases (sizes with --big-mb): jsonl-line (one JSONL line of --big-mb MB), parquet-cell (one
Parquet cell of --big-mb MB of "x"), parquet-noise (the same of random letters), csv-cell (a CSV cell of 100 MB), bad-records (NUL / 300-byte /
lone-surrogate ids and texts), two-runs (two runs into one --rows folder at once: rows written
for 300 documents), damaged-manifest, truncated-shard, edited-input, disk-full (a 300 KB tmpfs;
needs root, skipped otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(home: Path) -> dict[str, str]:
    from workbench.testing.argos_package import build_argos_package
    from workbench.testing.isolation import isolated_env

    env = isolated_env(home)
    texts = [ln for ln in (ROOT / "samples" / "china-dprk-vice-premier-visit.en.txt").read_text().splitlines() if ln]
    archive = build_argos_package(home / "translate-en_ko-0_1.argosmodel", from_code="en", to_code="ko", texts=texts)
    subprocess.run([sys.executable, "-c", f"from workbench.models import install_archive; install_archive({str(archive)!r})"],
                   env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, check=True)
    return env


def docs(n: int) -> list[dict]:
    return [{"id": f"d{i}", "text": " ".join(f"Document {i} sentence {k} is here." for k in range(3))} for i in range(n)]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


class Runner:
    def __init__(self, checkout: Path, env: dict[str, str], work: Path) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(checkout)}
        self.work = work

    def cmd(self, *args: str) -> list[str]:
        return ["/usr/bin/time", "-f", "TIME %e s %M KB", sys.executable, "-m", "workbench", *args]

    def run(self, *args: str) -> tuple[int, str, str]:
        p = subprocess.run(self.cmd(*args), capture_output=True, env=self.env, cwd=self.work, timeout=1800)
        err = p.stderr.decode(errors="replace").splitlines()
        timing = next((ln[5:] for ln in reversed(err) if ln.startswith("TIME ")), "?")
        msgs = [ln for ln in err if not ln.startswith(("TIME ", "Command exited", "wrote "))]
        return p.returncode, timing, (msgs[0] if msgs else "")[:150]


def noise(mb: int) -> str:
    """Random letters and spaces: text Snappy cannot shrink (the "x" cell shrinks 20 times)."""
    import numpy as np

    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz     ", np.uint8)
    return letters[np.random.default_rng(0).integers(0, len(letters), mb * 2**20)].tobytes().decode()


def rows_in(folder: Path) -> int:
    return sum(sum(1 for _ in open(p, "rb")) for p in folder.glob("rows-*.jsonl"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkout", default=str(ROOT))
    ap.add_argument("--big-mb", type=int, default=200)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="parallax-hostile-"))
    r = Runner(Path(args.checkout).resolve(), setup(work / "home"), work)
    only = set(args.only.split(",")) - {""}
    T = ["translate", "--from", "en", "--to", "ko", "--no-cache", "-q"]

    def case(name: str):
        return not only or name in only

    def show(name: str, result, extra: str = "") -> None:
        rc, timing, last = result
        print(f"{name:17} rc={rc} {timing:>18}  {extra}  {last}", flush=True)

    if case("jsonl-line"):
        p = work / "big.jsonl"
        with open(p, "w") as f:
            f.write(json.dumps(docs(1)[0]) + "\n")
            f.write('{"id": "huge", "text": "' + "word " * (args.big_mb * 2**20 // 5) + '"}\n')
        show("jsonl-line", r.run(*T[:1], str(p), *T[1:], "--rows", str(work / "r-jsonl")))
        p.unlink()
    for name, cell in (("parquet-cell", lambda: "x" * (args.big_mb * 2**20)), ("parquet-noise", lambda: noise(args.big_mb))):
        if not case(name):
            continue
        import pyarrow as pa
        import pyarrow.parquet as pq

        p = work / "big.parquet"  # pyarrow's defaults: Snappy, the big cell in the dictionary page with its neighbours
        pq.write_table(pa.table({"id": ["a", "huge", "b"], "text": ["Fine row. Yes.", cell(), "Other row. Yes."]}), p)
        show(name, r.run(T[0], str(p), *T[1:], "--rows", str(work / f"r-{name}")),
             f"rows {rows_in(work / f'r-{name}')}")
        p.unlink()
    if case("csv-cell"):
        p = work / "big.csv"
        with open(p, "w") as f:
            f.write("id,text\na,First row. Fine.\n")
            f.write('big,"' + "word " * (100 * 2**20 // 5) + '"\nc,Last row. Fine.\n')
        res = r.run(T[0], str(p), *T[1:], "--rows", str(work / "r-csv"))
        show("csv-cell", res, f"docs={rows_in(work / 'r-csv')} of 2")
        p.unlink()
    if case("bad-records"):
        p = write_jsonl(work / "bad.jsonl", docs(2) + [{"id": "a\x00b", "text": "NUL id. Fine."},
                                                       {"id": "x" * 300, "text": "Long id. Fine."},
                                                       {"id": "s\udcff", "text": "Surrogate id. Fine."},
                                                       {"id": "t", "text": "Surrogate \udcff text. Fine."}] + docs(4)[2:])
        for opt in ("--rows", "--out"):
            out = work / f"bad{opt}"
            res = r.run(T[0], str(p), *T[1:], opt, str(out))
            n = len(list(out.glob("*.json"))) if opt == "--out" else rows_in(out) // 3
            show(f"bad-records {opt}", res, f"docs={n}")
    if case("two-runs"):
        p = write_jsonl(work / "c.jsonl", docs(300))
        out = work / "r-two"
        procs = [subprocess.Popen(r.cmd(T[0], str(p), *T[1:], "--rows", str(out)), env=r.env, cwd=work,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        errs = [pr.communicate()[1].decode().splitlines() for pr in procs]
        print(f"{'two-runs':17} rc={[pr.returncode for pr in procs]} rows={rows_in(out)} (of {300 * 3})  "
              f"{[e[-2] if len(e) > 1 else e for e in errs]}", flush=True)
    if case("damaged-manifest"):
        p = write_jsonl(work / "m.jsonl", docs(20))
        out = work / "r-man"
        r.run(T[0], str(p), *T[1:], "--rows", str(out))
        lines = (out / "manifest.jsonl").read_text().splitlines()
        e = json.loads(lines[3])
        e["end"] = "abc"
        lines[3] = json.dumps(e)
        lines[5] = lines[5][:20]
        (out / "manifest.jsonl").write_text("\n".join(lines) + "\n")
        show("damaged-manifest", r.run(T[0], str(p), *T[1:], "--rows", str(out)), f"rows={rows_in(out)} of 60")
    if case("truncated-shard"):
        p = write_jsonl(work / "t.jsonl", docs(3000))
        out = work / "r-trunc"
        r.run(T[0], str(p), *T[1:], "--rows", str(out))
        shard = out / "rows-00000.jsonl"
        shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
        show("truncated-shard", r.run(T[0], str(p), *T[1:], "--rows", str(out)), f"rows={rows_in(out)} of 9000")
    if case("edited-input"):
        recs = docs(50)
        p = write_jsonl(work / "e.jsonl", recs)
        out = work / "r-edit"
        r.run(T[0], str(p), *T[1:], "--rows", str(out))
        recs[7]["text"] = "Edited wording. Entirely new. Third one."
        write_jsonl(p, recs)
        show("edited-input", r.run(T[0], str(p), *T[1:], "--rows", str(out)), f"rows={rows_in(out)} of 150")
    if case("disk-full") and os.geteuid() == 0:
        tiny = work / "tiny"
        tiny.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(tiny)]).returncode == 0:
            try:
                p = write_jsonl(work / "f.jsonl", docs(2000))
                show("disk-full", r.run(T[0], str(p), *T[1:], "--rows", str(tiny / "rows")),
                     f"rows kept={rows_in(tiny / 'rows')}")
            finally:
                subprocess.run(["umount", str(tiny)])
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
