"""Issue 16's one-way layers and one model identity, and issue 18 item 7 (the install's script check).

- The import graph of workbench/ (every import, function-local ones included) has no cycle, and no
  module imports one from a layer above its own.
- A warm run stats model.bin once per package scan, however many sentences it translates.
- An archive labelled en→zh whose model writes Hangul is refused; the installed en→zh is kept.
"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

import pytest

from conftest import ROOT, sample_texts
from workbench.documents import from_text
from workbench.engine import POOL, Engine
from workbench.errors import BadPackage, MissingModel
from workbench.models import find_package, install_archive
from workbench.testing.argos_package import build_argos_package

PACKAGE = ROOT / "workbench"

# Lowest first. A module may import its own layer and the ones before it, never one after it.
# (messages and naming: the cli helper's modules, which import nothing of the workbench.)
LAYERS: list[set[str]] = [
    {"errors", "languages", "messages", "naming", "protect", "locking", "reaper", "testing"},  # facts, words, small tools
    {"packages", "segment", "langid", "cache"},  # the package store, splitting, identification, cache
    {"documents", "parquet", "corpus"},  # reading
    {"engine"},  # translating
    {"models", "align", "export", "corpus_output"},  # installs (store + engine), aligning, writing
    {"compare", "batch"},  # comparing, the batch workflow
    {"distributed"},  # the workflow on Ray
    {"run"},  # the run layer: here or on Ray
    {"cli", "__main__"},  # the front ends
    {"app"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """workbench module -> the workbench modules it imports (anywhere in its code)."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                # `from . import limits` is the submodule (its package runs first, but that is
                # no dependency); `from .model import Document` is the module
                mods = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in files else mod for a in node.names]
            else:
                continue
            for mod in mods:
                while mod and mod not in files:
                    mod = mod.rpartition(".")[0]
                if mod and mod != name and mod.startswith("workbench"):
                    targets.add(mod)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return next(i for i, names in enumerate(LAYERS) if top in names)


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_no_module_imports_a_layer_above_its_own():
    graph = import_graph()
    assert {m.split(".")[1] for m in graph if "." in m} <= set().union(*LAYERS), "a new module needs a layer"
    upward = sorted(f"{a} -> {b}" for a, targets in graph.items() if "." in a
                    for b in targets if "." in b and layer(b) > layer(a))
    assert upward == []


def test_the_package_store_knows_nothing_of_the_engine():
    assert not any(t.startswith(("workbench.engine", "workbench.models")) for t in import_graph()["workbench.packages"])


def test_a_cycle_or_an_upward_import_is_found(tmp_path):
    """The checks above would see a loop (as models <-> engine was) and an upward import."""
    graph = {"workbench.packages": {"workbench.engine"}, "workbench.engine": {"workbench.packages"}}
    assert cycles(graph) == [["workbench.engine", "workbench.packages"]]
    assert layer("workbench.engine") > layer("workbench.packages")


# ---------------------------------------------------------------- one stat() per package per run


def stats_of_model_files(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = os.stat

    def counting(path, *args, **kwargs):
        if str(path).endswith(os.path.join("model", "model.bin")):
            seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting)
    return seen


@pytest.mark.parametrize("sentences", [30, 300])
def test_a_warm_run_stats_each_model_file_once(models, cache, monkeypatch, sentences):
    """A warm 300-sentence run made 301 stat() calls on model.bin (one per sentence's cache key)."""
    lines = (sample_texts() * 20)[:sentences]
    doc = from_text("\n\n".join(f"{i}. {line}" for i, line in enumerate(lines)), "many.txt")
    engine = Engine(cache=cache)
    engine.translate_documents([doc], ["ko", "zh"])  # warm: translators loaded, cache filled
    seen = stats_of_model_files(monkeypatch)
    done = engine.translate_documents([doc], ["ko", "zh"])
    assert done[0].complete and cache.hits >= doc.sentence_count
    assert sorted(seen) == sorted(str(p.path / "model" / "model.bin") for p in models.values())


def test_a_cli_translate_run_stats_each_model_file_once(models, tmp_path, monkeypatch, capsys):
    """A CLI run scanned the packages twice (Job.check's route check, then the stream's own scan):
    two stat() calls on each model.bin per run."""
    from workbench import cli

    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text("\n\n".join(sample_texts()[:6]), encoding="utf-8")
    seen = stats_of_model_files(monkeypatch)
    assert cli.main(["translate", str(folder), "--to", "ko,zh", "--out", str(tmp_path / "out"), "-q"]) == 0
    assert sorted(seen) == sorted(str(p.path / "model" / "model.bin") for p in models.values())


def test_routes_are_checked_for_every_target_before_any_work(models):
    """A generator of source languages was spent on the first target: a missing model for the
    second one was only found mid-run."""
    with pytest.raises(MissingModel) as err:
        Engine().check_routes((lang for lang in ["en"]), ["ko", "ja"])
    assert "en→ja" in str(err.value)


# ---------------------------------------------------------------- 18.7: the output's script


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def sample(lang: str) -> list[str]:
    path = ROOT / "samples" / f"china-dprk-vice-premier-visit.{lang}.txt"
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@pytest.fixture(scope="session")
def writing_models(tmp_path_factory) -> dict[str, Path]:
    """Real CTranslate2 models labelled en→zh 0.1 that write Hangul, and Chinese."""
    out = tmp_path_factory.mktemp("writing")
    return {lang: build_argos_package(out / lang / "translate-en_zh-0_1.argosmodel", from_code="en", to_code="zh",
                                      texts=sample_texts(), writes=sample(lang))
            for lang in ("ko", "zh")}


def test_an_en_zh_model_that_writes_hangul_is_refused_and_the_installed_one_kept(no_models, package_files,
                                                                                  writing_models):
    pkg = install_archive(package_files["zh"])
    before = snapshot(pkg.path)
    with pytest.raises(BadPackage) as err:
        install_archive(writing_models["ko"])
    message = err.value.message
    assert "writes Korean (Hangul), not Chinese" in message and "installed package is kept" in message
    assert "\n" not in message
    now = find_package("en", "zh")
    assert now is not None and now.path == pkg.path and snapshot(pkg.path) == before
    sentence = sample_texts()[1]
    assert [t.text for t in Engine().translate_sentences([sentence], "en", "zh")] == [sentence]


def test_an_en_zh_model_that_writes_chinese_installs(no_models, writing_models):
    pkg = install_archive(writing_models["zh"])
    out = Engine().translate_sentences(["This is a test."], "en", "zh")[0].text
    assert pkg.pair == "en→zh" and out and all(not ("a" <= c.lower() <= "z") for c in out)


def test_reinstalls_leave_no_translator_behind_without_a_call_from_the_store(no_models, package_files):
    """The pool drops the replaced package's translator by identity (the store releases nothing)."""
    pkg = install_archive(package_files["ko"])
    Engine().translate_sentences(["One."], "en", "ko", use_cache=False)
    assert sum(1 for key in POOL._translators if key[0] == str(pkg.path)) == 1
    install_archive(package_files["ko"])
    assert sum(1 for key in POOL._translators if key[0] == str(pkg.path)) == 0


# ---------------------------------------------------------------- one CSV writer


def test_the_three_reports_neutralise_formula_cells_alike():
    """Alignment, Comparison and CheckReport CSVs go through export.csv_text, as the tables do."""
    import csv
    import io

    from workbench.align import Alignment, make_link
    from workbench.compare import check_alignment, compare_texts

    english = ["=HYPERLINK(1)", "+1 more", "@SUM(A1)", "-2 less"]
    version = ["=1+1", "+2", "@x", "-3"]
    alignment = Alignment(tuple(make_link((i,), (i,)) for i in range(4)), tuple(english), tuple(version), "ko",
                          "paragraph")
    reports = {"alignment": alignment, "comparison": compare_texts(english, version, "en"),
               "check": check_alignment(alignment)}
    for name, report in reports.items():
        cells = [c for row in csv.reader(io.StringIO(report.to_csv())) for c in row]
        raw = [c for row in csv.reader(io.StringIO(report.to_csv(raw=True))) for c in row]
        assert not any(c.startswith(("=", "+", "@", "-")) for c in cells), name
        assert any(c.startswith("=") for c in raw), name
