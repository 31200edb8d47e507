"""What new users tripped over in the CLI in their first week (issue 17 items 7-9, 11-13, 15),
as a user runs it: fresh `python -m workbench` processes. The app and packaging items are in
tests/test_app*.py, tests/test_app_server.py and tests/test_install.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from conftest import ROOT, SAMPLE, run_cli
from workbench.documents import read_file

SAMPLES = ROOT / "samples"
STEM = "china-dprk-vice-premier-visit"
KO = SAMPLES / f"{STEM}.ko.txt"
MIXED = SAMPLES / "variants" / f"{STEM}.ko.mixed.txt"
NTREX = ROOT / "benchmarks" / "data" / "ntrex" / "ntrex.en-ko-zh.jsonl"


def lines(p: subprocess.CompletedProcess) -> list[str]:
    return p.stderr.decode("utf-8").strip().splitlines()


def unrelated_pair(tmp_path):
    """English news against the Korean of other NTREX articles."""
    rows = [json.loads(line) for line in NTREX.read_text(encoding="utf-8").splitlines()]
    en, ko = tmp_path / "en.txt", tmp_path / "ko.txt"
    en.write_text("\n\n".join(r["en"] for r in rows[:40]) + "\n", encoding="utf-8")
    ko.write_text("\n\n".join(r["ko"] for r in rows[900:940]) + "\n", encoding="utf-8")
    return en, ko


# ---------------------------------------------------------------- 7. TMX and unsupported alignments


def test_tmx_is_refused_and_the_exit_code_is_1_when_the_texts_do_not_line_up(no_models, tmp_path):
    en, ko = unrelated_pair(tmp_path)
    tmx = tmp_path / "out.tmx"
    p = run_cli("align", str(en), str(ko), "--lang", "ko", "--tmx", str(tmx))
    assert p.returncode == 1
    assert not tmx.exists()  # a CAT tool would import every unit as a good match
    assert any(line.startswith("warning: the data does not support an alignment") for line in lines(p))
    assert any(line.startswith("error: no TMX written") for line in lines(p))


def test_tmx_leaves_out_links_below_the_threshold_and_says_so(no_models, tmp_path):
    p = run_cli("align", str(SAMPLE), str(MIXED), "--lang", "ko", "--json")
    assert p.returncode == 0, p.stderr
    links = [l for l in json.loads(p.stdout)["links"] if l["source_text"] and l["target_text"]]
    floor = sorted(l["confidence"] for l in links)[len(links) // 2]  # about half fall below
    below = sum(l["confidence"] < floor for l in links)
    assert below > 0
    tmx = tmp_path / "out.tmx"
    p = run_cli("align", str(SAMPLE), str(MIXED), "--lang", "ko", "--tmx", str(tmx), "--tmx-min-confidence", str(floor))
    assert p.returncode == 0, p.stderr
    assert len(ET.fromstring(tmx.read_bytes()).findall("body/tu")) == len(links) - below
    assert f"note: {below} link{'s' if below != 1 else ''} below confidence {floor:g} left out of the TMX" in p.stderr.decode()
    p = run_cli("align", str(SAMPLE), str(MIXED), "--lang", "ko", "--tmx", "-", "--tmx-min-confidence", "1.5")
    assert p.returncode == 2 and b"from 0 to 1" in p.stderr


# ---------------------------------------------------------------- 8. align --unit sentence splits sentences


def test_align_by_sentence_splits_paragraph_files_into_sentences_as_the_app_does(no_models):
    p = run_cli("align", str(SAMPLE), str(KO), "--lang", "ko", "--unit", "sentence", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    en, ko = read_file(SAMPLE), read_file(KO, "ko")
    assert len({i for l in data["links"] for i in l["src"]}) == en.sentence_count > len(en.paragraphs)
    assert len({j for l in data["links"] for j in l["tgt"]}) == ko.sentence_count > len(ko.paragraphs)
    assert f"aligned {en.sentence_count} English and {ko.sentence_count} Korean sentences" in p.stderr.decode()
    assert sum(l["type"] == "1-1" for l in data["links"]) >= 0.9 * en.sentence_count  # the reference is 1-1


# ---------------------------------------------------------------- 9. -q and a closed pipe


def test_quiet_prints_no_wrote_lines(models, tmp_path):
    p = run_cli("translate", str(SAMPLE), "--to", "ko", "--out", str(tmp_path / "out"), "--csv",
                str(tmp_path / "a.csv"), "-q")
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    p = run_cli("translate", str(SAMPLE), "--to", "ko", "--out", str(tmp_path / "out"), "-q")  # resumed
    assert p.returncode == 0 and lines(p) == [f"resumed: 1 of 1 documents were already done in {tmp_path / 'out'}"]


def _head(args: list[str], nbytes: int = 200) -> tuple[int, bytes]:
    """`parallax ARGS | head -c N`: read a little, close the pipe, return (exit code, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    proc.stdout.read(nbytes)
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=300), err


def test_a_closed_pipe_ends_the_output_quietly(models, tmp_path):
    corpus = tmp_path / "news.jsonl"
    text = SAMPLE.read_text(encoding="utf-8")
    corpus.write_text("".join(json.dumps({"id": f"doc{i}", "text": text}) + "\n" for i in range(40)), encoding="utf-8")
    rows = tmp_path / "rows"
    p = run_cli("translate", str(corpus), "--to", "ko,zh", "--rows", str(rows), "-q")
    assert p.returncode == 0, p.stderr
    full = run_cli("export", str(rows), "--csv", "-", "--by", "sentence")
    assert full.returncode == 0 and len(full.stdout) > 1 << 18  # far more than a pipe holds (64 KiB)
    code, err = _head(["export", str(rows), "--csv", "-", "--by", "sentence"])
    assert (code, err) == (0, b"")
    code, err = _head(["translate", str(corpus), "--to", "ko", "--csv", "-", "--by", "sentence", "-q"])
    assert (code, err) == (0, b"")


# ---------------------------------------------------------------- 12. check: 1 for findings, 2 for problems


def test_check_exits_2_when_it_cannot_run_and_1_for_findings(no_models, tmp_path):
    p = run_cli("check", str(SAMPLE), str(tmp_path / "missing.ko.txt"), "--lang", "ko")
    assert p.returncode == 2 and len(lines(p)) == 1 and lines(p)[0].startswith("error:")
    p = run_cli("check", str(SAMPLE), str(KO), "--lang", "ko", "--glossary", str(tmp_path / "missing.csv"))
    assert p.returncode == 2
    p = run_cli("check", str(SAMPLE), str(KO), "--lang", "xx")
    assert p.returncode == 2
    bad = tmp_path / "bad.ko.txt"
    bad.write_text(KO.read_text(encoding="utf-8").replace("75", "57"), encoding="utf-8")
    p = run_cli("check", str(SAMPLE), str(bad), "--lang", "ko")
    assert p.returncode == 1, p.stderr  # errors found
    p = run_cli("align", str(SAMPLE), str(tmp_path / "missing.ko.txt"), "--lang", "ko")
    assert p.returncode == 1  # other commands keep 1 for a bad input


# ---------------------------------------------------------------- 11. a missing pivot names the missing leg


def test_a_missing_pivot_names_the_leg_to_install(models):
    """ko→zh goes through English: with en→zh installed, only ko→en is missing, and the Argos
    index has that package (it has no ko→zh one)."""
    p = run_cli("translate", "-", "--from", "ko", "--to", "zh", stdin=KO.read_bytes())
    assert p.returncode == 1
    (line,) = lines(p)
    assert "ko→en" in line and "parallax models install ko en" in line
    assert "models install ko zh" not in line


# ---------------------------------------------------------------- 13. short English is not refused


def test_short_documents_are_taken_as_english_and_the_summary_says_how_many(models, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-short.txt").write_text("Document number 12 ends here.\n", encoding="utf-8")  # reads as Dutch
    (docs / "b-article.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (docs / "c-french.txt").write_text("Le gouvernement a annoncé mardi une nouvelle réforme des retraites, qui "
                                       "sera présentée au parlement avant la fin du mois.\n", encoding="utf-8")
    p = run_cli("translate", str(docs), "--to", "ko", "--out", str(tmp_path / "out"))
    assert p.returncode == 1  # the French one is long enough to tell, and is refused
    assert (tmp_path / "out" / "a-short.ko.txt").exists() and (tmp_path / "out" / "b-article.ko.txt").exists()
    errors = [line for line in lines(p) if line.startswith("error:")]
    assert len(errors) == 1 and "c-french.txt" in errors[0] and "French" in errors[0]
    (summary,) = [line for line in lines(p) if line.startswith("translated ")]
    assert "1 too short to identify, taken as English" in summary


def test_detection_is_reliable_only_with_enough_latin_letters():
    from workbench.langid import MIN_LATIN_LETTERS, detect_language

    assert not detect_language("Document number 12 ends here.").reliable
    assert detect_language("Document number 12 ends here. " * 3).scripts.letters >= MIN_LATIN_LETTERS
    assert detect_language(KO.read_text(encoding="utf-8")[:12]).reliable  # a script share is enough


# ---------------------------------------------------------------- 15. wording


def test_models_list_columns_line_up(models):
    p = run_cli("models", "list")
    assert p.returncode == 0, p.stderr
    rows = [line for line in p.stdout.decode().splitlines() if line.startswith("en→")]
    assert len(rows) == 2 and {"Korean", "Chinese"} <= set(" ".join(rows).split())
    paths = {line.index(str(models[lang].path)) for line, lang in zip(sorted(rows), ("ko", "zh"))}
    assert len(paths) == 1  # the path column starts at the same place on every line
    assert len({line.index("English") for line in rows}) == 1


def test_check_summary_and_number_messages_read_naturally(no_models, tmp_path):
    bad = tmp_path / "bad.ko.txt"
    text = KO.read_text(encoding="utf-8")
    assert text.count("1953") == 1
    bad.write_text(text.replace("1953", ""), encoding="utf-8")  # one number dropped: exactly one error
    p = run_cli("check", str(SAMPLE), str(bad), "--lang", "ko", "--json")
    assert p.returncode == 1, p.stderr
    summary = [line for line in lines(p) if " in " in line and "link" in line][-1]
    assert summary.startswith("1 error, ") and "errors" not in summary.split(",")[0]
    messages = [i["message"] for r in json.loads(p.stdout)["rows"] for i in r["issues"] if i["kind"] == "number"]
    assert messages == ["1953 is missing"]  # not "1953 (1953) is missing"


def test_json_and_rows_carry_the_confidence_the_app_shows_beside_the_raw_score(models, tmp_path):
    from workbench.app.render import confidence_label
    from workbench.engine import SentenceTranslation

    p = run_cli("translate", str(SAMPLE), "--to", "ko", "--json", "--rows", str(tmp_path / "rows"), "-q")
    assert p.returncode == 0, p.stderr
    sentence = json.loads(p.stdout)["documents"][0]["paragraphs"][0]["translations"]["ko"]["sentences"][0]
    assert sentence["score"] <= 0 and 0 <= sentence["confidence"] <= 1
    same = SentenceTranslation(sentence["text"], sentence["score"], sentence["tokens"], sentence["via"])
    assert sentence["confidence"] == same.confidence
    assert f"confidence {sentence['confidence']:.2f}" in confidence_label(same)  # the app's tooltip
    row = json.loads((tmp_path / "rows" / "rows-00000.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert row["scores"]["ko"] == sentence["score"] and row["confidences"]["ko"] == sentence["confidence"]
