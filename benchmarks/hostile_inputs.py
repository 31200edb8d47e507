"""Issue 11: how long hostile inputs take to split or to refuse (figures printed, nothing asserted).

    python benchmarks/hostile_inputs.py                      # everything, sizes 100k,400k,2m
    python benchmarks/hostile_inputs.py --sizes 100k --only segment

Cases:
  segment   one line with no sentence punctuation (the issue's quadratic case) and ordinary
            prose in one paragraph, English, Korean and Chinese rules; sentences checked to be
            exact substrings in order
  docx      a .docx whose word/document.xml inflates to 1 GB (a ~1 MB zip; --bomb-mb): time and
            peak memory (tracemalloc) to refuse it
  devzero   /dev/zero given as a file, and piped as stdin (read_stream): time to refuse
  stdin     a 1 GB stream on stdin: time and peak memory to refuse
  fifo      a FIFO with no writer given as a file: time to refuse (it used to hang)

Functions missing from an older checkout are reported as "n/a", so the same script measures
before and after. Run on a shared machine the timings are noisy: compare runs made side by side.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.testing.hostile import docx_bomb  # noqa: E402

WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there one all we talks leaders met capital").split()


def size_of(text: str) -> int:
    text = text.lower()
    mult = {"k": 1000, "m": 1000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def unpunctuated(n: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out, size = [], 0
    while size < n:
        w = rnd.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n]


def prose(n: int, seed: int = 2) -> str:
    rnd = random.Random(seed)
    out, size, i = [], 0, 0
    while size < n:
        w = rnd.choice(WORDS)
        w = w.capitalize() if i % 15 == 0 else w + ("." if i % 15 == 14 else "")
        out.append(w)
        size += len(w) + 1
        i += 1
    return " ".join(out)[:n]


def timed(fn):
    t0 = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - a refusal is the expected outcome for most cases
        result = exc
    return time.perf_counter() - t0, result


def bench_segment(sizes: list[int], timeout_note: str) -> None:
    from workbench import segment

    for label, make, langs in (("one line, no sentence punctuation", unpunctuated, ("en", "ko", "zh")),
                               ("one paragraph of prose", prose, ("en",))):
        for n in sizes:
            text = make(n)
            for lang in langs:
                getattr(segment, "_spans").cache_clear()
                dt, sents = timed(lambda: segment.split_sentences(text, lang))
                if isinstance(sents, Exception):
                    print(f"segment  {label:34} {lang} {n/1000:7.0f} KB  error {sents!r}")
                    continue
                pos, ok = 0, True
                for s in sents:
                    k = text.find(s, pos)
                    ok = ok and k >= 0 and not text[pos:k].strip()
                    pos = k + len(s)
                longest = max((len(s) for s in sents), default=0)
                print(f"segment  {label:34} {lang} {n/1000:7.0f} KB  {dt:7.2f} s  {len(sents):6} sentences "
                      f"(longest {longest}), exact substrings in order: {ok}", flush=True)
    if timeout_note:
        print(timeout_note)


def with_memory(fn):
    tracemalloc.start()
    dt, result = timed(fn)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return dt, result, peak


def bench_docx(inflated_mb: int) -> None:
    from workbench import documents

    data = docx_bomb(inflated_mb)
    dt, result, peak = with_memory(lambda: documents.read_bytes(data, "bomb.docx"))
    print(f"docx     bomb: {len(data)/2**20:.1f} MB zip, word/document.xml {inflated_mb} MB inflated: {dt:.3f} s, "
          f"peak {peak/2**20:.1f} MB traced -> {result if isinstance(result, Exception) else 'ACCEPTED'}")


def bench_devzero() -> None:
    from workbench import documents

    dt, result = timed(lambda: documents.read_file("/dev/zero"))
    print(f"devzero  /dev/zero as a file: {dt:.4f} s -> {result if isinstance(result, Exception) else 'ACCEPTED'}")
    if not hasattr(documents, "read_stream"):
        print("devzero  /dev/zero on stdin: n/a (no read_stream in this checkout; it read until MemoryError)")
        return
    with open("/dev/zero", "rb") as f:
        dt, result, peak = with_memory(lambda: documents.read_stream(f, "stdin"))
    print(f"devzero  /dev/zero on stdin: {dt:.3f} s, peak {peak/2**20:.1f} MB traced -> {result}")


class Endless(io.RawIOBase):
    """A readable stream of `total` bytes of text, produced on demand."""

    def __init__(self, total: int) -> None:
        self.left = total

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self.left)
        b[:n] = (b"The leaders met. " * (n // 17 + 1))[:n]
        self.left -= n
        return n


def bench_stdin() -> None:
    from workbench import documents

    if not hasattr(documents, "read_stream"):
        print("stdin    1 GB stream: n/a (no read_stream; the CLI read stdin whole before the size check)")
        return
    stream = io.BufferedReader(Endless(1 << 30))
    dt, result, peak = with_memory(lambda: documents.read_stream(stream, "stdin"))
    print(f"stdin    1 GB stream: {dt:.3f} s, peak {peak/2**20:.1f} MB traced -> {result}")


def bench_fifo() -> None:
    from workbench import documents

    with tempfile.TemporaryDirectory() as tmp:
        fifo = Path(tmp) / "pipe.txt"
        os.mkfifo(fifo)
        if not hasattr(documents, "read_stream"):
            print("fifo     FIFO without a writer: n/a (this checkout opens it and waits forever)")
            return
        dt, result = timed(lambda: documents.read_file(fifo))
        print(f"fifo     FIFO without a writer: {dt:.4f} s -> {result}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,400k,2m", help="segmenter input sizes (k = 1,000 chars, m = 1,000,000)")
    ap.add_argument("--only", default="segment,docx,devzero,stdin,fifo")
    ap.add_argument("--bomb-mb", type=int, default=1024, help="inflated size of the .docx bomb's document.xml")
    args = ap.parse_args()
    only = set(args.only.split(","))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs (shared machine: timings are noisy)")
    if "segment" in only:
        bench_segment([size_of(s) for s in args.sizes.split(",")], "")
    if "docx" in only:
        bench_docx(args.bomb_mb)
    if "devzero" in only:
        bench_devzero()
    if "stdin" in only:
        bench_stdin()
    if "fifo" in only:
        bench_fifo()


if __name__ == "__main__":
    main()
