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
from dataclasses import asdict, replace
from pathlib import Path
from typing import Sequence

from .batch import BatchRun
from .corpus import ID_FIELDS, TEXT_FIELDS, Corpus, is_corpus_file
from .engine import AlignedDocument, DecodeOptions
from .errors import UsageError
from .models import archives_in, default_models_dir

BATCH_DOCUMENTS = 16  # documents per actor call: big enough for full translate_batch chunks
PACKAGE_ROOT = Path(__file__).resolve().parent


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise UsageError("--ray needs Ray: pip install -r requirements-ray.txt") from None
    return ray


def connect(address: str, workers: int | None) -> bool:
    """Start a local cluster (`local`), or join one (`auto` or host:port), with the package folder,
    the cache location and this code shipped to every worker."""
    ray = _ray()
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
    origin = f"{path.name} (id {name})"
    if not name:
        return _uniform("", origin, error=f"{path.name}: a row has no id in column {id_col!r}")
    if not isinstance(text, str):
        return _uniform(name, origin, error=f"{origin}: no text in column {text_col!r}")
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
    ray = _ray()
    started = connect(address, workers)
    try:
        _translate(ray, run, corpus, source, targets, options, use_cache, device, workers)
    finally:
        if started:
            ray.shutdown()


def _translate(ray, run: BatchRun, corpus: Corpus, source: str | None, targets: Sequence[str],
               options: DecodeOptions, use_cache: bool, device: str, workers: int | None) -> None:
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # the driver writes in input order, as a local run does
    ctx.enable_progress_bars = False
    size = workers or max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)  # one CPU left for reading
    gpu = device == "cuda"  # an actor per GPU; with auto, actors use a GPU where their node has one
    done = [] if run.outputs.force else [dict(m.done) for m in run._manifests()]
    models_dir = default_models_dir()
    archives = [str(p) for p in archives_in(models_dir)] if models_dir.is_dir() else []
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
