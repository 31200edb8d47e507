"""Smoke tests for benchmarks/throughput.py and benchmarks/tune.py: a tiny model, tiny inputs.

They check that the measurement functions run and return sane structures (and that every path
translates the same sentences into the same output); they never assert anything about speed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TEST_ENV

BENCH = ROOT / "benchmarks"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCH))  # tune.py imports throughput from its own folder
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def T():
    return _load("throughput")


def test_synthetic_inputs_are_distinct_and_sized(T):
    text = T.synthetic_article(30)
    info = T.describe_input("30", text)
    assert info["paragraphs"] == 30
    assert info["sentences"] == info["unique_sentences"] >= 30
    assert T.synthetic_article(30) == text  # deterministic
    sample = T.describe_input("sample", T.input_text("sample"))
    assert sample["sentences"] > 10 and sample["paragraphs"] > 10


def test_arguments(T):
    quick = T.config_from_args(T.parse_args(["--quick"]))
    assert quick.sizes == T.QUICK_SIZES and quick.repeats == 2
    full = T.config_from_args(T.parse_args([]))
    assert full.sizes == ("sample", "10", "100", "1000") and full.model["num_layers"] == 6
    assert full.model["vocab_size"] == 16000 and full.model["quantization"] == "int8"
    custom = T.config_from_args(T.parse_args(["--sizes", "sample,7", "--repeats", "4", "--paths", "raw,engine"]))
    assert custom.sizes == ("sample", "7") and custom.repeats == 4 and custom.paths == ("engine", "raw")
    with pytest.raises(SystemExit):
        T.config_from_args(T.parse_args(["--sizes", "lots"]))
    with pytest.raises(SystemExit):
        T.config_from_args(T.parse_args(["--paths", "fast"]))


def test_measurement_functions_in_process(T, models, tmp_path):
    """All four paths on a tiny input with the tests' tiny package: same sentences, same output."""
    text = T.synthetic_article(4)
    n = T.describe_input("4", text)["sentences"]

    engine = T.load_engine()
    assert engine["load_s"] >= 0 and engine["settings"]["beam_size"] == 4
    cache = tmp_path / "bench-cache.sqlite"
    cold = T.measure_engine(engine, text, cache)
    assert cold["sentences"] == cold["translated"] == n and cold["cached"] == 0
    assert cold["target_tokens"] > 0 and 0 <= cold["first_chunk_s"] <= cold["seconds"]
    assert cold["chunks"] >= 1 and cold["cpu_seconds"] >= 0
    warm = T.measure_engine(engine, text, cache)
    assert warm["cached"] == n and warm["digest"] == cold["digest"]
    uncached = T.measure_engine(engine, text, None)
    assert uncached["cached"] == 0 and uncached["digest"] == cold["digest"]

    raw = T.measure_raw(T.load_raw(), text)
    assert raw["sentences"] == n and raw["digest"] == cold["digest"]
    assert raw["target_tokens"] == cold["target_tokens"] and raw["source_tokens"] > 0

    argos = T.load_argos(models["ko"].path)
    assert argos["settings"]["max_batch_size"] > 0
    a = T.measure_argos(argos, text)
    assert a["sentences"] == n and a["seconds"] > 0
    assert a["paragraph_digest"] == cold["paragraph_digest"]
    pooled = T.measure_argos(argos, text, pool=2)  # path a': paragraphs handed out by two threads
    assert pooled["paragraph_digest"] == cold["paragraph_digest"]


def test_argos_sentencizer_patch_does_not_leak(T, models):
    from argostranslate import translate as argos_translate

    before = argos_translate.MiniSBDSentencizer
    T.load_argos(models["ko"].path)
    assert argos_translate.MiniSBDSentencizer is before


def test_peak_rss_reader(T):
    mem = T.PeakRSS()
    mem.reset()
    assert mem.peak_kb() > 0
    assert mem.method


def test_whole_benchmark_with_workers(T, tmp_path, monkeypatch):
    """run_benchmark end to end (worker processes, tiny model, 3 paragraphs), then the report."""
    from argostranslate import settings

    home = tmp_path / "bench-home"
    env = T.isolated_env(home)
    # the parent installs the benchmark package: into `home`, never the session's package folder
    monkeypatch.setattr(settings, "package_dirs", [Path(env["ARGOS_PACKAGES_DIR"])])
    monkeypatch.setattr(settings, "package_data_dir", Path(env["ARGOS_PACKAGES_DIR"]))
    config = T.Config(sizes=("3",), repeats=1, paths=("engine", "raw", "warm"), model=dict(T.TINY_MODEL))
    results = T.run_benchmark(config, home, env, quiet=True)

    assert results["cpu_count"] and results["inputs"][0]["paragraphs"] == 3
    assert {t["path"] for t in results["trials"]} == {"engine", "raw", "warm"}
    for t in results["trials"]:
        assert t["seconds"] > 0 and t["peak_rss_kb"] > 0
    assert set(results["setup"]) == {"engine", "raw", "warm"}
    assert all(s["load_s"] >= 0 for s in results["setup"].values())
    assert not list((home / "cache").glob("bench-*"))  # cold-cache files are removed

    summary = T.summarize(results)
    row = summary["rows"]["3"]
    assert set(row["paths"]) == {"engine", "raw", "warm"}
    assert row["checks"] == {"b==c": True, "b==d": True}
    assert row["ratios"]["b/c"] > 0 and row["ratios"]["b/d"] > 0
    assert row["paths"]["warm"]["cached"] == row["input"]["sentences"]
    assert row["target_tokens"] > 0
    for p in row["paths"].values():
        assert p["sentences_per_s"] > 0 and p["tokens_per_s"] > 0 and p["peak_rss_mib"] > 0
    assert all({"target", "met", "detail"} <= set(t) for t in summary["targets"])

    report = T.format_report(results, summary)
    assert "os.cpu_count()" in report and "b engine" in report and "targets" in report
    # the session's own package folder still holds the tests' package, not the benchmark's
    assert Path(TEST_ENV["ARGOS_PACKAGES_DIR"]).is_dir()


def test_tune_runs_a_configuration(models):
    tune = _load("tune")
    from workbench.engine import load_tokenizer

    pkg = models["ko"]
    trial = tune.Trial("threads", "inter 1 intra 1", 1, 1, 256, "tokens")
    raw = tune.run_raw(pkg, load_tokenizer(pkg), ["A short sentence.", "Another one here."], trial)
    assert raw["seconds"] > 0 and raw["peak_rss_mib"] > 0
    chunked = tune.Trial("chunks", "chunks", 1, 1, 256, "tokens", chunk_sentences=2, first_chunk_sentences=1)
    T = _load("throughput")
    eng = tune.run_engine(pkg, T.synthetic_article(2), chunked)
    assert eng["seconds"] > 0 and eng["first_chunk_s"] <= eng["seconds"]
    rows = tune.run_stage("t", [trial], 1, lambda t: tune.run_raw(pkg, load_tokenizer(pkg), ["One."], t), 1,
                          lambda msg: None)
    assert rows[0]["sentences_per_s"] > 0 and tune.best(rows) is rows[0]
    assert tune.format_rows("title", rows)[0] == "title"
