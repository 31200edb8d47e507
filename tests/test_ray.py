"""A run on a local Ray cluster (two translator actors) writes the same bytes as a one-machine run."""

from conftest import SAMPLE, run_cli


def _corpus(folder):
    folder.mkdir()
    base = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    for i in range(5):
        (folder / f"story{i}.txt").write_text("\n\n".join(base[i:i + 6]).replace("Kim", f"Kim ({i})"), encoding="utf-8")
    import json

    lines = [json.dumps({"id": f"row{i}", "text": f"Row {i} of the corpus. It has two sentences."}) for i in range(7)]
    (folder / "extra.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ray_run_equals_local_run(models, tmp_path):
    corpus = _corpus(tmp_path / "in")
    inputs = [str(corpus / "*.txt"), str(corpus / "extra.jsonl")]
    local = run_cli("translate", *inputs, "--to", "ko,zh", "--out", str(tmp_path / "local"), "--rows",
                    str(tmp_path / "local-rows"), "--no-cache")
    assert local.returncode == 0, local.stderr.decode()
    ray = run_cli("translate", *inputs, "--to", "ko,zh", "--out", str(tmp_path / "ray"), "--rows",
                  str(tmp_path / "ray-rows"), "--no-cache", "--ray", "--ray-workers", "2")
    assert ray.returncode == 0, ray.stderr.decode()
    assert "translated 12 documents" in ray.stderr.decode()
    expected = _files(tmp_path / "local")
    assert len(expected) == 12 * 3 + 1  # JSON + two .txt per document, and the manifest
    assert _files(tmp_path / "ray") == expected
    assert _files(tmp_path / "ray-rows") == _files(tmp_path / "local-rows")
    # a rerun on Ray resumes: every document is skipped by the actors, nothing is rewritten
    again = run_cli("translate", *inputs, "--to", "ko,zh", "--out", str(tmp_path / "ray"), "--rows",
                    str(tmp_path / "ray-rows"), "--no-cache", "--ray", "--ray-workers", "2")
    assert again.returncode == 0, again.stderr.decode()
    assert "resumed: 12 of 12 documents" in again.stderr.decode()
    assert _files(tmp_path / "ray") == expected


def test_ray_bad_records_are_one_line_each_and_ray_stays_quiet(models, tmp_path):
    """Issue 18.1 under --ray (no tracebacks) and 17.14 (-q lets no Ray log line through); the
    local cluster's token file is private (18.8)."""
    import json
    import os
    import stat

    path = tmp_path / "bad.jsonl"
    records = ([{"id": f"d{i}", "text": f"Document {i} is short. It has a second sentence."} for i in range(3)]
               + [{"id": "s\udcff", "text": "A lone surrogate in the id. Fine."},
                  {"id": "t1", "text": "A lone surrogate \udcff in the text. Fine."}])
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    token = tmp_path / "ray-token"
    proc = run_cli("translate", str(path), "--to", "ko", "--rows", str(tmp_path / "rows"), "--no-cache", "-q",
                   "--ray", "--ray-workers", "1", env={"RAY_AUTH_TOKEN_PATH": str(token)})
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    lines = [ln for ln in err.splitlines() if not ln.startswith("wrote ")]
    assert len(lines) == 2 and all(ln.startswith("error: bad.jsonl line ") and "lone surrogate" in ln
                                   for ln in lines), err
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
    from workbench.corpus_output import iter_rows

    assert sorted({r["doc"] for r in iter_rows(tmp_path / "rows")}) == ["d0", "d1", "d2"]


def test_joining_a_cluster_without_token_authentication_is_refused(monkeypatch):
    import pytest

    from workbench.distributed import check_security
    from workbench.errors import ClusterError

    monkeypatch.delenv("PARALLAX_RAY_INSECURE", raising=False)
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    with pytest.raises(ClusterError, match="token authentication is off"):
        check_security("10.0.0.5:6379")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(ClusterError, match="RAY_AUTH_MODE=disabled"):
        check_security("local")
    monkeypatch.setenv("PARALLAX_RAY_INSECURE", "1")  # the explicit opt-out
    check_security("10.0.0.5:6379")
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.delenv("PARALLAX_RAY_INSECURE")
    check_security("10.0.0.5:6379")


def test_a_killed_ray_worker_loses_no_document(models, tmp_path):
    """Issue 15.6: kill -9 the translating worker mid-run; the run finishes (Ray restarts the actor)
    or stops with one line, and a rerun completes it; the rows equal a one-machine run's."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT
    from workbench.reaper import descendants

    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": " ".join(
        f"Document {i} sentence {k} is here." for k in range(12))}) + "\n" for i in range(300)), encoding="utf-8")
    args = ["translate", str(path), "--from", "en", "--to", "ko", "--no-cache", "-q"]
    local = run_cli(*args, "--rows", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr.decode()
    rows = tmp_path / "ray"
    proc = subprocess.Popen([sys.executable, "-m", "workbench", *args, "--rows", str(rows), "--ray", "--ray-workers",
                             "1"], env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, cwd=ROOT)
    killed = None
    deadline = time.monotonic() + 240
    while proc.poll() is None and killed is None and time.monotonic() < deadline:
        manifest = rows / "manifest.jsonl"
        if manifest.exists() and manifest.read_bytes().count(b"\n") >= 10:
            for pid in descendants(proc.pid):  # (reaper.py's: /proc, below the driver only)
                try:
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read()
                except OSError:
                    continue
                if b"ray::Translator" in cmd:  # the translating actor (its process title)
                    os.kill(pid, signal.SIGKILL)
                    killed = pid
                    break
        time.sleep(0.2)
    _, err = proc.communicate(timeout=300)
    assert killed is not None, "the worker was not found running"
    err = err.decode()
    assert "Traceback" not in err and "internal error" not in err, err
    if proc.returncode != 0:
        assert [ln for ln in err.splitlines() if ln.startswith("error:")][0].startswith("error: the Ray run stopped")
        again = run_cli(*args, "--rows", str(rows))
        assert again.returncode == 0, again.stderr.decode()
    assert (rows / "rows-00000.jsonl").read_bytes() == (tmp_path / "local" / "rows-00000.jsonl").read_bytes()


def _alive(noted):
    from workbench.reaper import _stat

    return {pid for pid, start in noted.items() if (st := _stat(pid)) is not None and st[1] == start}


def test_the_reaper_kills_what_a_killed_driver_left_and_nothing_else(tmp_path):
    """reaper.py on its own (no Ray): below a killed driver, the processes under its children
    that carry the marker (Ray's) are killed, however detached; the driver's other children, and
    a process whose pid is not the noted one, are left alone."""
    import subprocess
    import sys
    import time

    from workbench.reaper import descendants, reap

    head = "import subprocess, time; subprocess.Popen(['sleep', '300'], start_new_session=True); time.sleep(300)"
    driver = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time\n"
                               f"subprocess.Popen([sys.executable, '-c', {head!r}, 'MARKER'])\n"
                               "subprocess.Popen(['sleep', '301'])\ntime.sleep(300)"])
    try:
        deadline = time.monotonic() + 30
        while len(noted := descendants(driver.pid, "MARKER")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        others = {pid: start for pid, start in descendants(driver.pid).items() if pid not in noted}
        assert len(noted) == 2 and len(others) == 1  # the head and its agent; another child
    finally:
        driver.kill()
        driver.wait()
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        assert _alive(noted) and _alive(others)  # they outlive the driver
        assert reap({**noted, bystander.pid: -1}) == 2  # (a pid whose start time differs: not ours)
        deadline = time.monotonic() + 30
        while _alive(noted) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(noted) and _alive(others) and bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
        reap(others)


def test_a_killed_driver_leaves_no_ray_process_behind(models, tmp_path):
    """Issue 18 item 8: after kill -9 of the driver of a local cluster, Ray's dashboard and
    runtime-env agents lived on for a minute (reporting the raylet's death to a dead GCS), the
    runtime-env agent listening on the machine's address. Now every process of the run is gone
    within seconds (measured: 0.2 s)."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT
    from workbench.reaper import descendants

    corpus = tmp_path / "big.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"a{i}", "text": f"Article {i} opens here. A second sentence."}) + "\n"
                              for i in range(3000)), encoding="utf-8")
    manifest = tmp_path / "rows" / "manifest.jsonl"
    driver = subprocess.Popen([sys.executable, "-m", "workbench", "translate", str(corpus), "--to", "ko", "--rows",
                               str(tmp_path / "rows"), "--no-cache", "-q", "--ray", "--ray-workers", "1"],
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while driver.poll() is None and not (manifest.exists() and manifest.read_text().count("\n") >= 2) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        noted = descendants(driver.pid)
        names = {open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0].decode() for pid in noted}
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    assert "ray::RuntimeEnvAgent" in names and "ray::DashboardAgent" in names, names  # the run was under way
    deadline = time.monotonic() + 30  # Ray alone: 60 s
    while _alive(noted) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(noted)


LISTENERS = r'''
import os, sys
from contextlib import ExitStack
from workbench.distributed import connect

def listening():
    """(address, pid) of every TCP socket listening in this process or its descendants."""
    inodes = {}
    for name in ("tcp", "tcp6"):
        for line in open(f"/proc/net/{name}").read().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A":  # LISTEN
                host = bytes.fromhex(f[1].split(":")[0])
                words = [host[i:i + 4][::-1] for i in range(0, len(host), 4)]  # little-endian 32-bit words
                inodes[f[9]] = b"".join(words)
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(pid)] = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except OSError:
            pass
    mine = {os.getpid()}
    while True:
        more = {p for p, pp in parents.items() if pp in mine} - mine
        if not more:
            break
        mine |= more
    found = []
    for pid in mine:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                found.append((inodes[link[8:-1]].hex(), pid))
    return found

with ExitStack() as stack:
    connect("local", 1, stack)
    import ray
    ray.get(ray.remote(lambda: 1).remote())  # a worker process is up and listening too
    for address, pid in listening():
        print(address, pid)
'''


def test_a_local_ray_cluster_listens_on_loopback_only(tmp_path):
    """Issue 15.6: every port of the local cluster (GCS, raylet, object manager, the driver's and
    workers' core workers) is bound to 127.0.0.1 (or ::ffff:127.0.0.1), none to 0.0.0.0 or the
    machine's address. Read from /proc/net/tcp{,6} for this process tree while the cluster runs."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_AUTH_TOKEN_PATH": str(tmp_path / "token")}
    env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    proc = subprocess.run([sys.executable, "-c", LISTENERS], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    assert len(found) >= 4, proc.stdout  # GCS, raylet (2), driver, worker
    loopback = {"7f000001", "0" * 20 + "ffff" + "7f000001", "0" * 31 + "1"}  # 127.0.0.1, ::ffff:127.0.0.1, ::1
    assert all(address in loopback for address, _pid in found), found
