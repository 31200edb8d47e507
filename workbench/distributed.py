"""`translate ... --ray [ADDRESS]`: the same run on a Ray cluster (install requirements-ray.txt).

Ray Data reads the inputs (files with `read_binary_files`, JSONL with `read_text`, CSV and
Parquet with their readers), an actor pool translates batches of documents (each actor holds one
CTranslate2 translator per package, loaded once, and runs the same `Engine.stream` as a local
run), and the driver receives finished documents in input order and writes them with the same
writers (`batch.BatchRun`): the outputs are the same bytes as a one-machine run.

Models reach the actors through the package folder named in ARGOS_PACKAGES_DIR (a shared folder
on a cluster, the local one on one machine); an actor that finds a pair missing installs it from
the .argosmodel files in the project's models/ folder when it starts.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Iterator, Sequence

import logging
import secrets

from .batch import BatchRun
from .corpus import ID_FIELDS, TEXT_FIELDS, Corpus, is_corpus_file, record_problem, shown
from .engine import AlignedDocument, DecodeOptions
from .errors import ClusterError, UsageError

BATCH_DOCUMENTS = 16  # documents per actor call: big enough for full translate_batch chunks
AUTH_MODE = "RAY_AUTH_MODE"
INSECURE = "PARALLAX_RAY_INSECURE"  # "1": run on a cluster without token authentication anyway
PACKAGE_ROOT = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_ROOT.parent / "models"


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise UsageError("--ray needs Ray: pip install -r requirements-ray.txt") from None
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
    """Ray's servers (GCS, raylets, workers) listen on every network interface, whatever node
    address is given (Ray 2.60 replaces 127.0.0.1 by the machine's address), and anyone who
    reaches them can run code (CVE-2023-48022) unless token authentication is on. So a local
    cluster always starts with a token, and joining a cluster needs RAY_AUTH_MODE=token, unless
    PARALLAX_RAY_INSECURE=1 says the network is trusted."""
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


def connect(address: str, workers: int | None) -> bool:
    """Start a local cluster (`local`), or join one (`auto` or host:port), with the package folder,
    the cache location and this code shipped to every worker."""
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
    if address == "local":
        # one logical CPU more than the actors hold, so Ray Data's read tasks can always run
        ray.init(num_cpus=(workers or os.cpu_count() or 1) + 1, runtime_env=runtime_env, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    else:
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False, configure_logging=False)
    return True


class TranslateBatch:
    """A Ray Data actor: reads a batch of inputs into Documents and translates them with its own
    Engine (translators load once, at the first batch, and stay for the actor's life)."""

    def __init__(self, targets: Sequence[str], source: str | None, options: dict, device: str,
                 use_cache: bool, done: list[dict[str, str]], archives: Sequence[str]) -> None:
        from .cache import TranslationCache
        from .engine import Engine, ThreadOptions
        from .errors import MissingModel

        self.targets = list(targets)
        self.source = source
        self.use_cache = use_cache
        self.done = done
        self.cache = TranslationCache() if use_cache else None
        threads = ThreadOptions.for_device(device)
        if threads.device == "cpu":  # one CPU per actor: the pool, not threads, uses the cores
            threads = replace(threads, inter_threads=1, intra_threads=1)
        self.engine = Engine(self.cache, DecodeOptions(**options), threads)
        try:
            self.engine.check_routes([source or "en"], self.targets)
        except MissingModel:
            from .models import install_archive

            for a in archives:  # a node without the shared package folder installs the same files
                install_archive(a)
            self.engine.check_routes([source or "en"], self.targets)

    def _finished(self, name: str, digest: str | None) -> bool:
        from .corpus_output import stamp_matches

        return bool(self.done) and all(stamp_matches(stamps.get(name), digest, self.targets) for stamps in self.done)

    def __call__(self, batch: dict) -> dict:
        from .batch import item_digest
        from .corpus import Item
        from .errors import BadInput

        names = [str(n) for n in batch["name"]]
        out: dict[str, list] = {"name": names, "digest": [], "status": [], "message": [], "result": []}
        docs, where = [], {}
        for i, name in enumerate(names):
            error = str(batch["error"][i] or "")
            data = batch["data"][i]
            item = Item(name, data=bytes(data) if data is not None and len(data) else None,
                        text=None if batch["text"][i] is None else str(batch["text"][i]), origin=str(batch["origin"][i]))
            digest = None if error else item_digest(item)
            out["digest"].append(digest or "")
            out["result"].append("")
            if error:
                out["status"].append("error")
                out["message"].append(error)
                continue
            if self._finished(name, digest):
                out["status"].append("skipped")
                out["message"].append("")
                continue
            try:
                doc = item.read(self.source, self.cache)
            except BadInput as exc:
                out["status"].append("error")
                out["message"].append(str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - one record must not end the run (nor print a traceback)
                out["status"].append("error")
                out["message"].append(f"{item.origin or name}: cannot be read ({exc.__class__.__name__}: {exc})"[:500])
                continue
            if doc.name in where:  # the driver reports the second of two same-named inputs
                out["status"].append("duplicate")
                out["message"].append("")
                continue
            out["status"].append("ok")
            out["message"].append("")
            where[doc.name] = i
            docs.append(doc)
        for ad in self.engine.stream(docs, self.targets, use_cache=self.use_cache):
            out["result"][where[ad.document.name]] = json.dumps(ad.to_dict(), ensure_ascii=False)
        return out


# ---------------------------------------------------------------- reading with Ray Data


def _uniform(name: str, origin: str, text=None, data: bytes | None = None, error: str = "") -> dict:
    return {"name": name, "origin": origin, "text": text, "data": data or b"", "error": error}


def _files_dataset(paths: list[str]):
    ray = _ray()

    def to_items(batch: dict) -> dict:
        rows = [_uniform(Path(p).name, p, data=b) for p, b in zip(batch["path"], batch["bytes"])]
        return {k: [r[k] for r in rows] for k in ("name", "origin", "text", "data", "error")}

    ds = ray.data.read_binary_files(paths, include_paths=True)
    return ds.map_batches(to_items, batch_format="numpy")


def _corpus_dataset(path: Path, id_field: str | None, text_field: str | None):
    """One corpus file as a dataset of uniform rows; each row needs an id (a row number is not
    known to a distributed reader)."""
    ray = _ray()
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        names = pq.ParquetFile(path).schema_arrow.names
        ds = ray.data.read_parquet(str(path))
        header = dict.fromkeys(names)
    elif suffix == ".csv":
        import pyarrow as pa
        from pyarrow import csv as pacsv

        with open(path, encoding="utf-8-sig", newline="") as f:
            import csv

            header = dict.fromkeys(next(csv.reader(f), []))
        types = {c: pa.string() for c in header}
        ds = ray.data.read_csv(str(path), convert_options=pacsv.ConvertOptions(column_types=types))
    else:
        ds = ray.data.read_text(str(path), drop_empty_lines=True)
        with open(path, encoding="utf-8-sig") as f:
            first = next((ln for ln in f if ln.strip()), "{}")
        try:
            header = json.loads(first)
        except ValueError:
            header = {}
    from .corpus import pick_field

    text_col = text_field or pick_field(header if isinstance(header, dict) else {}, TEXT_FIELDS, "text", path,
                                        "--text-field")
    id_col = id_field or next((f for f in ID_FIELDS if f in header), None)
    if id_col is None:
        raise UsageError(f"{path}: --ray needs an id column in corpus files; name it with --id-field")
    jsonl = suffix not in (".parquet", ".csv")

    def to_items(batch: dict) -> dict:
        rows = []
        if jsonl:
            for line in batch["text"]:
                try:
                    rec = json.loads(line)
                except ValueError:
                    rows.append(_uniform("", path.name, error=f"{path.name}: a line is not valid JSON"))
                    continue
                rows.append(_record(rec if isinstance(rec, dict) else {}, path, id_col, text_col))
        else:
            cols = list(batch)
            for i in range(len(batch[cols[0]])):
                rows.append(_record({c: batch[c][i] for c in cols}, path, id_col, text_col))
        return {k: [r[k] for r in rows] for k in ("name", "origin", "text", "data", "error")}

    return ds.map_batches(to_items, batch_format="numpy")


def _record(rec: dict, path: Path, id_col: str, text_col: str) -> dict:
    raw_id, text = rec.get(id_col), rec.get(text_col)
    if hasattr(raw_id, "item"):
        raw_id = raw_id.item()  # numpy scalar from a typed column
    name = "" if raw_id is None else str(raw_id)
    origin = f"{path.name} (id {shown(name)})"
    if not name:
        return _uniform("", origin, error=f"{path.name}: a row has no id in column {id_col!r}")
    if not isinstance(text, str):
        return _uniform(name, origin, error=f"{origin}: no text in column {text_col!r}")
    why = record_problem(name, text)
    if why:
        return _uniform("", origin, error=f"{origin}: {why}; skipped")
    return _uniform(name, origin, text=text)


def build_datasets(corpus: Corpus) -> list:
    """The inputs as Ray datasets of uniform rows: one per run of plain files and one per corpus
    file, in the order a local run reads them (they are translated one after the other, since a
    union of datasets does not keep their order)."""
    parts, files = [], []
    for src in corpus.sources():
        if src == "-":
            raise UsageError("--ray reads files and corpus files, not stdin")
        if is_corpus_file(src):
            if files:
                parts.append(_files_dataset(files))
                files = []
            parts.append(_corpus_dataset(Path(src), corpus.id_field, corpus.text_field))
        else:
            files.append(os.path.abspath(src))
    if files:
        parts.append(_files_dataset(files))
    return parts


def translate_on_ray(run: BatchRun, corpus: Corpus, address: str, source: str | None, targets: Sequence[str],
                     options: DecodeOptions, use_cache: bool = True, device: str = "auto",
                     workers: int | None = None) -> None:
    """Translate `corpus` on Ray and hand each finished document, in input order, to `run`."""
    with ray_stderr_hidden():
        started = connect(address, workers)
        ray = _ray()
        try:
            _translate(ray, run, corpus, source, targets, options, use_cache, device, workers)
        except ray.exceptions.RayError as exc:
            raise ClusterError(f"the Ray run stopped: {_first_line(exc)}; the finished documents are kept, "
                               "run the same command again to resume") from None
        finally:
            if started:
                ray.shutdown()


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
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # the driver writes in input order, as a local run does
    ctx.enable_progress_bars = False
    size = workers or max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)  # one CPU left for reading
    gpu = device == "cuda"  # an actor per GPU; with auto, actors use a GPU where their node has one
    done = [] if run.outputs.force else [dict(m.done) for m in run._manifests()]
    archives = [str(p) for p in sorted(MODELS_DIR.glob("*.argosmodel"))] if MODELS_DIR.is_dir() else []
    kwargs = dict(targets=list(targets), source=source, options=asdict(options), device=device,
                  use_cache=use_cache, done=done, archives=archives)
    for ds in build_datasets(corpus):
        translated = ds.map_batches(TranslateBatch, batch_size=BATCH_DOCUMENTS, batch_format="numpy",
                                    compute=ray.data.ActorPoolStrategy(size=size), num_cpus=1,
                                    num_gpus=1 if gpu else 0, fn_constructor_kwargs=kwargs)
        for row in translated.iter_rows():
            _receive(run, row)


def _receive(run: BatchRun, row: dict) -> None:
    """One translated (or skipped, or failed) input back on the driver, in input order."""
    name, status = str(row["name"]), str(row["status"])
    if status == "error":
        run.counts.failed += 1
        run.problem(str(row["message"]))
        return
    if not run.admit(name, name) or status == "duplicate":
        return
    digest = str(row["digest"]) or None
    if status == "skipped":
        if not run.skip(name):
            run.problem(f"{name}: finished earlier but its result cannot be read back; rerun with --force")
        return
    run.expect(name, digest)
    run.finish(AlignedDocument.from_dict(json.loads(row["result"])))
