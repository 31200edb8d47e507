"""`translate ... --ray [ADDRESS]`: the same run on a Ray cluster (install requirements-ray.txt).

The driver runs the same workflow object as a one-machine run (`batch.BatchRun`): the same corpus
reader, admission, output names and resume checks, so only inputs that need translating leave it.
They go, with their bytes, in batches of BATCH_DOCUMENTS to a pool of translator actors (each
holds one CTranslate2 translator per package, loaded once, and reads and translates with the same
`Item.read` and `Engine.stream` as a local run); the driver takes the results back in input order
and writes them with the same writers: the outputs are the same bytes as a one-machine run.

Models reach the actors through the package folder named in ARGOS_PACKAGES_DIR (a shared folder
on a cluster, the local one on one machine); an actor that finds a pair missing installs it from
the .argosmodel files in the project's models/ folder when it starts.
"""

from __future__ import annotations

import os
import logging
import secrets
import subprocess
import sys
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Iterator, Sequence

from .batch import BatchRun, Pending
from .corpus import Corpus, Item
from .engine import AlignedDocument, DecodeOptions
from .errors import ClusterError, MissingDependency
from .models import archives_in, default_models_dir

BATCH_DOCUMENTS = 16  # documents per actor call: big enough for full translate_batch chunks
AUTH_MODE = "RAY_AUTH_MODE"
INSECURE = "PARALLAX_RAY_INSECURE"  # "1": run on a cluster without token authentication anyway
# Ray's node address is 127.0.0.1 when this is "0" (its switch for single-machine Windows/macOS use),
# and its servers then listen on loopback only; otherwise on every interface, whatever address is given
LOCAL_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
PACKAGE_ROOT = Path(__file__).resolve().parent


def _ray():
    try:
        import ray
    except ImportError:
        raise MissingDependency("ray", "requirements-ray.txt") from None
    return ray


def _token_path() -> Path:
    return Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")


def private_token() -> Path:
    """The token a local cluster is started with, readable by its owner only (Ray writes it 0644).
    Made here (as Ray makes it: 256 random bits) when there is none yet."""
    path = _token_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path


def check_security(address: str) -> None:
    """Anyone who reaches a Ray cluster's ports can run code on it (CVE-2023-48022) unless token
    authentication is on. A local cluster listens on loopback only (see `loopback_only`) and
    starts with a token anyway (other users of the machine reach loopback too); joining a cluster
    needs RAY_AUTH_MODE=token, unless PARALLAX_RAY_INSECURE=1 says the network is trusted."""
    mode = os.environ.get(AUTH_MODE, "").lower()
    if os.environ.get(INSECURE) == "1":
        return
    if address == "local":
        if mode == "disabled":
            raise ClusterError(f"{AUTH_MODE}=disabled would start a Ray cluster that runs code for anyone who "
                               f"reaches its ports; unset it, or set {INSECURE}=1 on a trusted network")
        os.environ[AUTH_MODE] = "token"
        if not os.environ.get("RAY_AUTH_TOKEN"):
            private_token()
        return
    if mode != "token":
        raise ClusterError(f"Ray cluster {address}: token authentication is off on this side ({AUTH_MODE} is "
                           f"{mode or 'not set'}); a cluster without it runs code for anyone who reaches its ports. "
                           f"Start the cluster with {AUTH_MODE}=token and set it here too (with the cluster's token "
                           f"in ~/.ray/auth_token or RAY_AUTH_TOKEN), or set {INSECURE}=1 on a trusted network")


def loopback_only(stack: ExitStack | None) -> None:
    """Make the local cluster's GCS, raylet and workers listen on 127.0.0.1 only. Ray reads the
    switch into a constant when it is imported, so both are set (and put back when `stack`
    closes: a cluster joined later in this process must be reachable from its other machines)."""
    from ray._private import ray_constants

    before = os.environ.get(LOCAL_ONLY), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[LOCAL_ONLY] = "0"  # for the processes Ray starts
    ray_constants.ENABLE_RAY_CLUSTER = False  # for this one

    def restore() -> None:
        if before[0] is None:
            os.environ.pop(LOCAL_ONLY, None)
        else:
            os.environ[LOCAL_ONLY] = before[0]
        ray_constants.ENABLE_RAY_CLUSTER = before[1]

    if stack is not None:
        stack.callback(restore)


def quiet_ray() -> None:
    """Ray's own log lines (token notices, Ray Data's plans and progress) stay out of the user's
    terminal; its errors still reach the run as exceptions."""
    for name in ("ray", "ray.data", "ray._private", "ray.util"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")


@contextmanager
def ray_stderr_hidden() -> Iterator[None]:
    """Ray's C++ core writes its log lines to file descriptor 2 directly (no Python logger to
    silence): point that at /dev/null for the run, with Python's sys.stderr, where the run's own
    messages go, kept on the real stderr. Ray's logs stay in its session folder."""
    sys.stderr.flush()
    saved = os.dup(2)
    old = sys.stderr
    sys.stderr = open(saved, "w", buffering=1, encoding=getattr(old, "encoding", None) or "utf-8",
                      errors="backslashreplace")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        sys.stderr.close()
        sys.stderr = old


def reaper(stack: ExitStack, ray) -> None:
    """Have a watcher (reaper.py) end the local cluster's processes if this process is killed:
    Ray's agents otherwise outlive a killed driver by a minute, one listening on the machine's
    address. Closed after `ray.shutdown` (when `stack` closes). Linux only (it reads /proc)."""
    if not sys.platform.startswith("linux"):
        return
    ray_folder = os.path.abspath(os.path.dirname(ray.__file__))  # as Ray names its programs (services.RAY_PATH)
    watcher = subprocess.Popen([sys.executable, "-I", str(PACKAGE_ROOT / "reaper.py"), str(os.getpid()), ray_folder],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # a Ctrl-C for the run is not one for the watcher

    def close() -> None:
        watcher.stdin.close()  # what Ray has not stopped by now is reaped
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()

    stack.callback(close)


def connect(address: str, workers: int | None, stack: ExitStack | None = None) -> bool:
    """Start a local cluster (`local`), or join one (`auto` or host:port), with the package folder,
    the cache location and this code shipped to every worker. With `stack`, a cluster started
    here is shut down when it closes (its processes reaped even if this process is killed)."""
    check_security(address)  # before Ray is imported: it reads RAY_AUTH_MODE once
    ray = _ray()
    quiet_ray()  # after Ray Data's import, which sets its loggers' levels
    from .models import install_dir

    env = {"ARGOS_PACKAGES_DIR": str(install_dir())}
    for var in ("PARALLAX_CACHE", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "ARGOS_DEVICE_TYPE",
                "PARALLAX_COMPUTE_TYPE"):
        if var in os.environ:
            env[var] = os.environ[var]
    runtime_env = {"env_vars": env, "py_modules": [str(PACKAGE_ROOT)]}
    if ray.is_initialized():
        return False
    if stack is not None:
        if address == "local":
            reaper(stack, ray)
        stack.callback(ray.shutdown)  # (callbacks run last first: the shutdown, then the reaper)
    if address == "local":
        loopback_only(stack)
        # one logical CPU more than the actors hold, so Ray Data's read tasks can always run
        ray.init(num_cpus=(workers or os.cpu_count() or 1) + 1, runtime_env=runtime_env, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
        node = ray.util.get_node_ip_address()
        if node not in LOOPBACK and os.environ.get(INSECURE) != "1":
            ray.shutdown()
            raise ClusterError(f"the local Ray cluster would listen on {node}, not on loopback only; "
                               f"set {INSECURE}=1 to run it anyway on a trusted network")
    else:
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False, configure_logging=False)
    return True


class Translator:
    """A Ray actor: reads inputs into Documents and translates them with its own Engine
    (translators load once, at the first batch, and stay for the actor's life)."""

    def __init__(self, targets: Sequence[str], source: str | None, options: DecodeOptions, device: str,
                 use_cache: bool, archives: Sequence[str]) -> None:
        from .cache import TranslationCache
        from .engine import Engine, ThreadOptions
        from .errors import MissingModel

        self.targets = list(targets)
        self.source = source
        self.use_cache = use_cache
        self.cache = TranslationCache() if use_cache else None
        threads = ThreadOptions.for_device(device)
        if threads.device == "cpu":  # one CPU per actor: the pool, not threads, uses the cores
            threads = replace(threads, inter_threads=1, intra_threads=1)
        self.engine = Engine(self.cache, options, threads)
        try:
            self.engine.check_routes([source or "en"], self.targets)
        except MissingModel:
            from .models import install_archive

            for a in archives:  # a node without the shared package folder installs the same files
                install_archive(a)
            self.engine.check_routes([source or "en"], self.targets)

    def translate(self, items: list[Item]) -> list[tuple[str, object, list[str]]]:
        """Per item, in order: ("ok", the aligned document as a dict, reading warnings) or
        ("error", the one-line message, [])."""
        from .errors import BadInput

        out: list[tuple[str, object, list[str]]] = []
        docs = []
        for item in items:
            try:
                doc = item.read(self.source, self.cache)
            except BadInput as exc:
                out.append(("error", exc, []))
                continue
            except Exception as exc:  # noqa: BLE001 - one record must not end the run (nor print a traceback)
                out.append(("error", f"{item.origin or item.name}: cannot be read ({exc.__class__.__name__}: {exc})"[:500], []))
                continue
            docs.append(replace(doc, name=item.name))
            out.append(("ok", None, doc.warnings))
        done = iter(self.engine.stream(docs, self.targets, use_cache=self.use_cache))
        return [(status, next(done).to_dict() if status == "ok" else value, warnings)
                for status, value, warnings in out]


def _batches(pending: Iterator[Pending], size: int) -> Iterator[list[Pending]]:
    while batch := list(islice(pending, size)):
        yield batch


def translate_on_ray(run: BatchRun, corpus: Corpus, address: str, source: str | None, targets: Sequence[str],
                     options: DecodeOptions, use_cache: bool = True, device: str = "auto",
                     workers: int | None = None) -> None:
    """Translate `corpus` on Ray and hand each finished document, in input order, to `run`."""
    with ray_stderr_hidden(), ExitStack() as cluster:
        connect(address, workers, cluster)
        ray = _ray()
        try:
            _translate(ray, run, corpus, source, targets, options, use_cache, device, workers)
        except ray.exceptions.RayError as exc:
            raise ClusterError(f"the Ray run stopped: {_first_line(exc)}; the finished documents are kept, "
                               "run the same command again to resume") from None


def _first_line(exc: BaseException) -> str:
    """What a Ray error says, in one line (Ray's messages carry the remote traceback)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException) and str(cause).strip():
        exc = cause
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and not ln.startswith((" ", "Traceback"))]
    text = lines[-1] if lines else exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:300]


def _translate(ray, run: BatchRun, corpus: Corpus, source: str | None, targets: Sequence[str],
               options: DecodeOptions, use_cache: bool, device: str, workers: int | None) -> None:
    size = workers or max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)  # one CPU left for the driver
    gpu = device == "cuda"  # an actor per GPU; with auto, actors use a GPU where their node has one
    models_dir = default_models_dir()
    archives = [str(p) for p in archives_in(models_dir)] if models_dir.is_dir() else []
    # a killed actor process is restarted and its batch retried (translating is idempotent)
    actor = ray.remote(num_cpus=1, num_gpus=1 if gpu else 0, max_restarts=3, max_task_retries=3)(Translator)
    pool = [actor.remote(list(targets), source, options, device, use_cache, archives) for _ in range(size)]
    in_flight: deque = deque()  # (batch, result ref), oldest first: results are taken in input order
    for n, batch in enumerate(_batches(run.pending(corpus, load=True), BATCH_DOCUMENTS)):
        if len(in_flight) >= 2 * size:  # bounded: the corpus streams through, never held whole
            _receive(run, *in_flight.popleft(), ray)
        in_flight.append((batch, pool[n % size].translate.remote([p.item for p in batch])))
    while in_flight:
        _receive(run, *in_flight.popleft(), ray)


def _receive(run: BatchRun, batch: list[Pending], ref, ray) -> None:
    """One batch back on the driver, in input order: written, or one problem line per failed input."""
    for pending, (status, value, warnings) in zip(batch, ray.get(ref)):
        if status == "error":
            run.failed(value)
            continue
        if run.warn is not None:
            for warning in warnings:
                run.warn(warning)
        run.expect(pending)
        run.finish(AlignedDocument.from_dict(value))
