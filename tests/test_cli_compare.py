"""`python -m workbench align | compare | check` as a user runs them (fresh processes)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, SAMPLE, run_cli
from workbench.align import link_scores, load_gold

SAMPLES = ROOT / "samples"
VARIANTS = SAMPLES / "variants"
STEM = "china-dprk-vice-premier-visit"
KO = SAMPLES / f"{STEM}.ko.txt"
ZH = SAMPLES / f"{STEM}.zh.txt"


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, env=env)


def err(p: subprocess.CompletedProcess) -> list[str]:
    return p.stderr.decode("utf-8").strip().splitlines()


def test_commands_are_registered_in_the_main_cli():
    p = run_cli("align", "--help")
    assert p.returncode == 0 and b"--unit" in p.stdout


# ---------------------------------------------------------------- align


@pytest.mark.parametrize("variant", ["ko.mixed", "zh.mixed", "zh.dropped"])
def test_align_json_matches_gold(no_models, variant):
    gold = load_gold(VARIANTS / f"{STEM}.{variant}.gold.json")
    p = cli("align", str(SAMPLE), str(VARIANTS / gold["translation"]), "--lang", gold["lang"], "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["unit"] == "paragraph" and data["lang"] == gold["lang"]
    s = link_scores(data["alignment"], gold["links"])
    assert s["precision"] >= 0.85 and s["recall"] >= 0.85
    gold_types = {f"{len(a)}-{len(b)}" for a, b in gold["links"]}
    assert {link["type"] for link in data["links"]} == gold_types
    assert "models install en" in p.stderr.decode()  # says which model would help


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_align_sentence_unit_scores_against_gold(no_models, lang):
    gold = load_gold(VARIANTS / f"{STEM}.sentences.{lang}.gold.json")
    p = cli("align", str(VARIANTS / gold["source"]), str(VARIANTS / gold["translation"]), "--lang", lang,
            "--unit", "sentence", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["unit"] == "sentence"
    s = link_scores(data["alignment"], gold["links"])
    assert s["precision"] >= 0.9 and s["recall"] >= 0.9


def test_align_warns_when_the_texts_do_not_line_up(no_models, tmp_path):
    """English news against the Chinese of other articles: one warning line, no confident link."""
    rows = [json.loads(line) for line in
            (ROOT / "benchmarks" / "data" / "ntrex" / "ntrex.en-ko-zh.jsonl").read_text(encoding="utf-8").splitlines()]
    en, zh = tmp_path / "en.txt", tmp_path / "zh.txt"
    en.write_text("\n".join(r["en"] for r in rows[:80]) + "\n", encoding="utf-8")
    zh.write_text("\n".join(r["zh"] for r in rows[900:960]) + "\n", encoding="utf-8")
    p = cli("align", str(en), str(zh), "--lang", "zh", "--unit", "sentence", "--json")
    assert p.returncode == 1, p.stderr  # the JSON is written, and the exit code says it is no alignment
    warnings = [line for line in err(p) if line.startswith("warning:")]
    assert len(warnings) == 1 and "does not support an alignment" in warnings[0]
    data = json.loads(p.stdout)
    assert data["warning"] and max(link["confidence"] for link in data["links"]) <= 0.3


def test_align_table_csv_and_tmx(no_models, tmp_path):
    p = cli("align", str(SAMPLE), str(VARIANTS / f"{STEM}.ko.merged.txt"), "--lang", "ko")
    assert p.returncode == 0
    out = p.stdout.decode()
    assert "2-1" in out and "류궈중" in out
    assert "aligned 18 English and 15 Korean paragraphs" in p.stderr.decode()
    csv_file, tmx_file = tmp_path / "links.csv", tmp_path / "links.tmx"
    p = cli("align", str(SAMPLE), str(VARIANTS / f"{STEM}.zh.split.txt"), "--lang", "zh", "--csv", str(csv_file),
            "--tmx", str(tmx_file))
    assert p.returncode == 0 and p.stdout == b""
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["link", "type", "confidence", "en paragraph", "zh paragraph", "en", "zh"]
    assert [r[1] for r in rows[1:]].count("1-2") == 3
    root = ET.fromstring(tmx_file.read_bytes())
    assert len(root.findall("body/tu")) == 18


def test_align_with_the_echo_model_installed(models):
    p = cli("align", str(SAMPLE), str(VARIANTS / f"{STEM}.ko.dropped.txt"), "--lang", "ko", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["machine_translation"] is False
    assert "not Korean text" in data["note"]
    gold = load_gold(VARIANTS / f"{STEM}.ko.dropped.gold.json")
    assert link_scores(data["alignment"], gold["links"])["f1"] >= 0.9


# ---------------------------------------------------------------- compare


def test_compare_most_divergent_first(tmp_path):
    ko = KO.read_text(encoding="utf-8").split("\n\n")
    ko[9] = ko[9].replace("매우 중요하며", "중요하며")
    edited = tmp_path / "edited.ko.txt"
    edited.write_text("\n\n".join(ko), encoding="utf-8")
    p = cli("compare", str(KO), str(edited), "--lang", "ko")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert out.startswith("A ¶10 ↔ B ¶10  1-1")
    assert "[-매우 -]" in out
    assert "1 of 18 paragraph pairs differ in wording" in p.stderr.decode()
    p = cli("compare", str(KO), str(VARIANTS / f"{STEM}.ko.mixed.txt"), "--lang", "ko", "--json", "--top", "3")
    data = json.loads(p.stdout)
    assert len(data["paragraphs"]) == 3
    assert [d["similarity"] for d in data["paragraphs"]] == sorted(d["similarity"] for d in data["paragraphs"])
    csv_file = tmp_path / "cmp.csv"
    assert cli("compare", str(ZH), str(ZH), "--lang", "zh", "--csv", str(csv_file)).returncode == 0
    assert "rank" in csv_file.read_text(encoding="utf-8-sig").splitlines()[0]


# ---------------------------------------------------------------- check


def test_check_finds_planted_errors(no_models, tmp_path):
    zh = ZH.read_text(encoding="utf-8").split("\n\n")
    zh[6] = zh[6].replace("75周年", "70周年")
    zh[10] = zh[10].replace("环球时报", "全球时报")
    zh[13] = zh[13].replace("朝鲜", "조선", 1)
    bad = tmp_path / "bad.zh.txt"
    bad.write_text("\n\n".join(zh), encoding="utf-8")
    p = cli("check", str(SAMPLE), str(bad), "--lang", "zh", "--glossary", str(SAMPLES / "glossary.csv"),
            "--reference", str(ZH))
    assert p.returncode == 1, p.stderr  # errors found: exit 1, like a linter
    out = p.stdout.decode()
    assert "75 (75th) changed to 70" in out
    assert "Global Times" in out and "环球时报" in out
    assert "Korean (Hangul)" in out
    assert "chrF" in out and "against the reference: chrF" in p.stderr.decode()
    p = cli("check", str(SAMPLE), str(bad), "--lang", "zh", "--glossary", str(SAMPLES / "glossary.csv"), "--json")
    data = json.loads(p.stdout)
    assert data["counts"]["error"] >= 2 and data["counts"]["warning"] >= 1
    p = cli("check", str(SAMPLE), str(KO), "--lang", "ko", "--glossary", str(SAMPLES / "glossary.csv"))
    assert p.returncode == 0 and p.stdout == b""
    assert "0 errors, 0 warnings" in p.stderr.decode()


def test_check_round_trip_without_model_says_what_to_install(no_models):
    p = cli("check", str(SAMPLE), str(KO), "--lang", "ko", "--round-trip")
    assert p.returncode == 0
    assert "parallax models install ko en" in p.stderr.decode()


# ---------------------------------------------------------------- bad input and usage


def test_empty_translation_is_one_line_bad_input(tmp_path):
    empty = tmp_path / "empty.ko.txt"
    empty.write_bytes(b"")
    for cmd in (["align", str(SAMPLE), str(empty), "--lang", "ko"], ["check", str(SAMPLE), str(empty), "--lang", "ko"]):
        p = cli(*cmd)
        assert p.returncode == (2 if cmd[0] == "check" else 1)  # check: 1 means errors found
        assert err(p) == [f"error: {empty}: the file is empty"]


@pytest.mark.parametrize("lang", ["jp", "english", "en"])
def test_wrong_lang_is_one_line_usage_error(lang):
    p = cli("align", str(SAMPLE), str(KO), "--lang", lang)
    assert p.returncode == 2
    (line,) = err(p)
    assert line.startswith("error: ") and "ko or zh" in line or "unknown language code" in line


def test_other_bad_inputs(tmp_path):
    p = cli("align", str(SAMPLE), str(ZH), "--lang", "ko")  # Chinese file said to be Korean
    assert p.returncode == 1 and len(err(p)) == 1 and "looks like Chinese" in err(p)[0]
    p = cli("check", str(KO), str(SAMPLE), "--lang", "ko")  # files swapped
    assert p.returncode == 2 and len(err(p)) == 1 and "SOURCE must be the English" in err(p)[0]
    p = cli("compare", str(SAMPLE), str(KO), "--lang", "en")  # compare has no SOURCE: the hint is --lang
    assert p.returncode == 1 and len(err(p)) == 1 and "check --lang" in err(p)[0] and "SOURCE" not in err(p)[0]
    p = cli("align", str(SAMPLE), str(tmp_path / "missing.txt"), "--lang", "zh")
    assert p.returncode == 1 and err(p) == [f"error: {tmp_path / 'missing.txt'}: no such file"]
    p = cli("align", str(SAMPLE), str(KO), "--lang", "ko", "--unit", "word")
    assert p.returncode == 2 and len(err(p)) == 1
    bad = tmp_path / "g.csv"
    bad.write_text("term,translation\nKim,김\n", encoding="utf-8")
    p = cli("check", str(SAMPLE), str(KO), "--lang", "ko", "--glossary", str(bad))
    assert p.returncode == 2 and len(err(p)) == 1 and "en column" in err(p)[0]
    p = cli("compare", str(KO), str(KO), "--lang", "ko", "--top", "0")
    assert p.returncode == 2 and len(err(p)) == 1
    p = cli("align", str(SAMPLE))  # argparse: missing arguments
    assert p.returncode == 2


def test_check_refuses_a_glossary_over_the_limit_in_one_line(tmp_path):
    """Issue 18.5: a glossary file is read capped (as articles are), before any work."""
    from workbench.documents import MAX_INPUT_BYTES

    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.write(b"en,ko,zh\n")
        f.truncate(MAX_INPUT_BYTES + 1)  # sparse: no 20 MB written
    p = cli("check", str(SAMPLE), str(KO), "--lang", "ko", "--glossary", str(big), "--no-mt")
    assert p.returncode == 2 and len(err(p)) == 1, err(p)  # a problem running check, not a finding (issue 17.12)
    assert str(big) in err(p)[0] and f"the limit is {MAX_INPUT_BYTES // 2**20} MB" in err(p)[0]
    assert "the file is 20 MB; the limit is 20 MB" not in err(p)[0]  # a size just over the limit reads as over it
    assert not p.stdout


def test_dash_is_stdout_for_every_output_and_only_once(tmp_path):
    """`--csv -` / `--tmx -` write to stdout as `translate --csv -` does (they wrote a file named `-`)."""
    for args in (["align", str(SAMPLE), str(KO), "--lang", "ko", "--csv", "-"],
                 ["align", str(SAMPLE), str(KO), "--lang", "ko", "--tmx", "-"],
                 ["compare", str(KO), str(KO), "--lang", "ko", "--csv", "-"],
                 ["check", str(SAMPLE), str(KO), "--lang", "ko", "--csv", "-", "--exit-zero"]):
        p = run_cli(*args, cwd=tmp_path)
        assert p.returncode == 0, err(p)
        assert p.stdout.startswith(b"<?xml" if "--tmx" in args else "\ufeff".encode()), args
        assert not (tmp_path / "-").exists(), args
    p = run_cli("align", str(SAMPLE), str(KO), "--lang", "ko", "--csv", "-", "--json", cwd=tmp_path)
    assert p.returncode == 2 and len(err(p)) == 1 and "stdout" in err(p)[0] and not p.stdout
