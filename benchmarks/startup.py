"""Start-up time of a warm one-article CLI run (issue 8).

    .venv/bin/python benchmarks/startup.py            # 9 runs of each command, medians
    .venv/bin/python benchmarks/startup.py --runs 15 --importtime
    .venv-test/bin/python benchmarks/startup.py --baseline /tmp/old   # interleaved with an older checkout

What it times: a fresh process running
`parallax translate samples/china-dprk-vice-premier-visit.en.txt --to ko,zh` (and the same with
`--from en`, and `--help`), with the tiny echo packages for en→ko and en→zh installed and the
translation cache already filled, so what is left is start-up: imports, reading, language
detection, segmentation, cache look-ups and printing. Everything runs in a temporary folder
(packages, cache, XDG dirs): the user's models and cache are never touched.

`--importtime` also prints the ten slowest imports of one run (`python -X importtime`).
`--baseline DIR` times the same commands in another checkout (e.g. `git worktree add /tmp/old
<commit>`) with the same interpreter, packages and cache folder, each run alternating with this
checkout's, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.testing.isolation import isolated_env  # noqa: E402  (imports no argostranslate)

SAMPLE = ROOT / "samples" / "china-dprk-vice-premier-visit.en.txt"


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbench", *args]


def run_once(cmd: list[str], env: dict, root: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, env={**env, "PYTHONPATH": str(root)}, cwd=root, capture_output=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} in {root} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return seconds


def timed(cmd: list[str], env: dict, runs: int, roots: list[Path]) -> list[list[float]]:
    """`runs` timings of `cmd` in each checkout, alternating between them."""
    times: list[list[float]] = [[] for _ in roots]
    for _ in range(runs):
        for i, root in enumerate(roots):
            times[i].append(run_once(cmd, env, root))
    return times


def slowest_imports(cmd: list[str], env: dict, n: int = 10) -> list[tuple[int, str]]:
    r = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, cwd=ROOT, capture_output=True)
    rows = []
    for line in r.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _self, cumulative, name = line[len("import time:"):].split("|")
            if not name.startswith("   "):  # top-level imports only (nested ones are inside them)
                rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--importtime", action="store_true", help="print the slowest imports of one run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout to time alongside, interleaved")
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="parallax-startup-"))
    try:
        env = {**os.environ, **isolated_env(home), "PYTHONPATH": str(ROOT)}  # run_once sets it per checkout
        os.environ.update(isolated_env(home))  # before argostranslate is imported below
        from workbench.testing.argos_package import build_argos_package

        texts = [ln for ln in SAMPLE.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for lang, prefix in (("ko", ""), ("zh", "__zh__")):
            pkg = build_argos_package(home / f"translate-en_{lang}-0_1.argosmodel", from_code="en", to_code=lang,
                                      texts=texts, target_prefix=prefix)
            subprocess.run(cli("models", "install", str(pkg)), env=env, cwd=ROOT, check=True, capture_output=True)
        translate = cli("translate", str(SAMPLE.relative_to(ROOT)), "--to", "ko,zh")
        roots = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
        for root in roots:
            run_once(translate, env, root)  # fills the cache
        commands = {
            "translate (detect)": translate,
            "translate --from en": [*translate, "--from", "en"],
            "--help": cli("--help"),
        }
        print(f"{args.runs} runs each, warm cache, {sys.executable}")
        print(f"{'command':24} {'checkout':10} {'median s':>9} {'min s':>7} {'max s':>7}")
        for label, cmd in commands.items():
            for root, t in zip(roots, timed(cmd, env, args.runs, roots)):
                name = "this" if root == ROOT else "baseline"
                print(f"{label:24} {name:10} {statistics.median(t):9.3f} {min(t):7.3f} {max(t):7.3f}")
        if args.importtime:
            print("\nslowest top-level imports of one `translate` run (cumulative µs):")
            for us, name in slowest_imports(translate, env):
                print(f"{us:>9}  {name}")
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
