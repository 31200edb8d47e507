"""Ends what a local Ray cluster leaves running after its driver is killed (kill -9, the OOM killer).

Ray 2.60 ties the head processes it starts (GCS, raylet, dashboard, monitor) to the driver
(PR_SET_PDEATHSIG) and the workers follow the raylet within about two seconds; but the raylet's
agents (`ray::DashboardAgent`, and `ray::RuntimeEnvAgent`, which holds a port on loopback)
first report the raylet's death to the GCS, which is dead too, with a 60-second timeout, and
linger for that minute. So the driver of a local cluster starts this watcher (a plain script: the
standard library only, it starts in milliseconds). While the driver lives it notes, every second,
the driver's children whose command line names Ray's folder (gcs_server, raylet, dashboard,
monitors: not other processes the driver's program started) and everything below them (agents,
workers); when its stdin reaches end of file (the driver is gone, or closed the pipe after
shutting Ray down) it kills those still running. A process is killed only if its pid and start
time both match what was noted, so a reused pid is never hit. Linux only (/proc).

    python reaper.py DRIVER_PID RAY_FOLDER     (stdin: a pipe the driver holds open)
"""

from __future__ import annotations

import os
import select
import signal
import sys

INTERVAL_S = 1.0


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a live process; None when gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()  # the name, in parentheses, may hold spaces
    if fields[0] == b"Z":
        return None
    return int(fields[1]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def descendants(root: int, marker: str | None = None) -> dict[int, int]:
    """Every process below `root`, with its start time; with `marker`, only the root's children
    whose command line contains it, and everything below them."""
    table: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (st := _stat(int(name))) is not None:
            table[int(name)] = st
    children: dict[int, list[int]] = {}
    for pid, (ppid, _start) in table.items():
        children.setdefault(ppid, []).append(pid)
    todo = [kid for kid in children.get(root, ()) if marker is None or marker in _cmdline(kid)]
    found = {kid: table[kid][1] for kid in todo}
    while todo:
        for kid in children.get(todo.pop(), ()):
            found[kid] = table[kid][1]
            todo.append(kid)
    return found


def reap(noted: dict[int, int]) -> int:
    """SIGKILL the noted processes that are still the same processes; how many were."""
    killed = 0
    for pid, start in noted.items():
        st = _stat(pid)
        if pid != os.getpid() and st is not None and st[1] == start:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


def watch(driver: int, marker: str | None, interval: float = INTERVAL_S) -> int:
    """Note the driver's Ray processes (`descendants`) until stdin closes, then reap them."""
    noted: dict[int, int] = {}
    fd = sys.stdin.fileno()
    while True:
        noted.update(descendants(driver, marker))
        ready, _, _ = select.select([fd], [], [], interval)
        if ready and not os.read(fd, 4096):
            break
    return reap(noted)


if __name__ == "__main__":
    watch(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
