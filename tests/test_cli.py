"""The CLI end to end, as a user runs it, on the tiny real Argos packages."""

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from conftest import SAMPLE, run_cli
from workbench import cli
from workbench.documents import read_file
from workbench.engine import Engine

STEM = "china-dprk-vice-premier-visit"


def test_translate_sample_to_json_text_and_csv(models, tmp_path):
    out, csv_path = tmp_path / "out", tmp_path / "aligned.csv"
    r = run_cli("translate", str(SAMPLE), "--to", "ko,zh", "--out", str(out), "--csv", str(csv_path))
    assert r.returncode == 0, r.stderr
    doc = read_file(SAMPLE)
    data = json.loads((out / f"{STEM}.json").read_text(encoding="utf-8"))
    (d,) = data["documents"]
    assert len(d["paragraphs"]) == len(doc.paragraphs)
    for p, src in zip(d["paragraphs"], doc.paragraphs):
        assert p["text"] == src.text  # every English paragraph verbatim
        assert p["sentences"] == list(src.sentences)
        for lang in ("ko", "zh"):
            assert [s["text"] for s in p["translations"][lang]["sentences"]] == list(src.sentences)
    ko_text = (out / f"{STEM}.ko.txt").read_text(encoding="utf-8")
    assert ko_text.split("\n\n")[4].strip() == doc.paragraphs[4].text
    df = pd.read_csv(csv_path, encoding="utf-8-sig", keep_default_na=False)
    assert list(df.columns) == ["document", "paragraph", "kind", "en", "ko", "zh"]
    assert len(df) == len(doc.paragraphs)
    assert list(df.en) == [p.text for p in doc.paragraphs]
    assert list(df.kind[:4]) == ["title", "meta", "caption", "caption"]
    assert not list(out.glob("*.part")) and not list(out.glob(".*"))


def test_csv_by_sentence(models, tmp_path):
    csv_path = tmp_path / "s.csv"
    r = run_cli("translate", str(SAMPLE), "--to", "zh", "--csv", str(csv_path), "--by", "sentence")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(csv_path, encoding="utf-8-sig", keep_default_na=False)
    doc = read_file(SAMPLE)
    assert len(df) == doc.sentence_count
    assert list(df.en) == doc.sentences and list(df.zh) == doc.sentences


def test_stdin_to_json_keeps_stdout_clean(models):
    text = "The two sides met on Sunday. They agreed to talk again.\n\nA second paragraph follows."
    r = run_cli("translate", "-", "--to", "zh", "--json", stdin=text.encode())
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    (d,) = data["documents"]
    assert [p["translations"]["zh"]["text"] for p in d["paragraphs"]] == [
        "The two sides met on Sunday.They agreed to talk again.", "A second paragraph follows."]


def test_plain_output_lists_aligned_paragraphs(models):
    r = run_cli("translate", "-", "--to", "ko", stdin=b"The meeting ended early on Sunday evening.")
    assert r.returncode == 0
    assert "ko: The meeting ended early on Sunday evening." in r.stdout.decode()


@pytest.mark.parametrize("args,stdin,code,message", [
    (["translate", "nothing-*.txt"], None, 1, "no file matches"),
    (["translate", "-", "--to", "k0"], b"Hello there, this is English text.", 2, "unknown language code"),
    (["translate", "-"], "김정은 위원장이 중국 대표단을 만났다.".encode(), 1, "looks like Korean"),
    (["translate", "-"], b"", 1, "empty"),
    (["translate", "-"], b"\x00\x01\x02binary", 1, "binary"),
    (["translate", "--bogus"], None, 2, "usage"),
    (["translate", "-", "--batch-sentences", "0"], b"Hello.", 2, "positive"),
])
def test_bad_inputs_give_one_line_and_exit_code(models, args, stdin, code, message, tmp_path):
    r = run_cli(*args, stdin=stdin, cwd=tmp_path)
    assert r.returncode == code
    err = r.stderr.decode()
    assert message in err
    assert "Traceback" not in err


def test_missing_model_is_one_line(no_models):
    r = run_cli("translate", str(SAMPLE), "--to", "ko")
    assert r.returncode == 1
    lines = r.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "en→ko" in lines[0] and "parallax models install en ko" in lines[0]


def test_one_bad_file_does_not_stop_the_batch(models, tmp_path):
    (tmp_path / "good.txt").write_text("The leaders met on Sunday in the capital.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    r = run_cli("translate", str(tmp_path / "*.txt"), "--to", "ko", "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert "bad.txt" in r.stderr.decode() and "binary" in r.stderr.decode()
    assert (tmp_path / "out" / "good.json").exists()


def make_articles(folder, n=3):
    folder.mkdir()
    base = SAMPLE.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"article{i}.txt").write_text(base.replace("Kim Jong-un", f"Kim Jong-un ({i})"), encoding="utf-8")
    return folder


def test_interrupted_batch_resumes_and_matches_a_clean_run(models, tmp_path, monkeypatch, capsys):
    arts = make_articles(tmp_path / "in")
    out = tmp_path / "out"
    calls = {"n": 0}
    per_doc = read_file(arts / "article0.txt").sentence_count
    stop_at = -(-per_doc // 10) + 1  # the batch after the one that completes the first article
    original = Engine._run_ctranslate2

    def flaky(self, pkg, sentences):
        calls["n"] += 1
        if calls["n"] == stop_at:
            raise KeyboardInterrupt
        return original(self, pkg, sentences)

    monkeypatch.setattr(Engine, "_run_ctranslate2", flaky)
    args = ["translate", str(arts), "--to", "ko", "--out", str(out), "--batch-sentences", "10", "--no-cache"]
    assert cli.main(args) == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["article0.json", "article0.ko.txt", "manifest.jsonl"]  # complete or absent, never half-written
    json.loads((out / "article0.json").read_text(encoding="utf-8"))

    monkeypatch.setattr(Engine, "_run_ctranslate2", original)
    assert cli.main(args) == 0
    assert "resumed: 1 of 3 documents were already done" in capsys.readouterr().err
    clean = tmp_path / "clean"
    assert cli.main(["translate", str(arts), "--to", "ko", "--out", str(clean), "--no-cache"]) == 0
    for name in sorted(p.name for p in clean.iterdir()):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


# ---------------------------------------------------------------- issue 8: the first hour


def test_help_names_the_parallax_command():
    r = run_cli("--help")
    assert r.returncode == 0 and r.stdout.decode().startswith("usage: parallax ")


def test_language_names_people_type(models):
    r = run_cli("translate", "-", "--to", "kr,Chinese", "--json", stdin=b"The leaders met on Sunday in the capital.")
    assert r.returncode == 0, r.stderr
    (doc,) = json.loads(r.stdout)["documents"]
    assert set(doc["paragraphs"][0]["translations"]) == {"ko", "zh"}


def test_translating_into_the_source_language_is_a_usage_error(models):
    r = run_cli("translate", "-", "--to", "english", stdin=b"The leaders met on Sunday in the capital.")
    assert r.returncode == 2 and not r.stdout
    assert r.stderr.decode().strip() == "error: the input is already English (en); choose another language with --to"
    both = run_cli("translate", "-", "--to", "en,ko", "--json", stdin=b"The leaders met on Sunday in the capital.")
    assert both.returncode == 0  # English is dropped, Korean stays
    (doc,) = json.loads(both.stdout)["documents"]
    assert set(doc["paragraphs"][0]["translations"]) == {"ko"}


def test_unknown_language_exits_2_with_a_suggestion(models):
    r = run_cli("translate", "-", "--to", "koraen", stdin=b"The leaders met on Sunday in the capital.")
    assert r.returncode == 2
    assert r.stderr.decode().strip() == "error: unknown language code 'koraen'; did you mean ko (Korean)?"


def test_all_missing_models_in_one_message_with_one_command(no_models):
    r = run_cli("translate", str(SAMPLE), "--to", "korean,zh-CN")
    assert r.returncode == 1
    (line,) = r.stderr.decode().strip().splitlines()
    assert "en→ko" in line and "en→zh" in line
    assert "parallax models install en ko zh " in line


def test_stdin_is_called_stdin_and_not_english_suggests_from(models):
    r = run_cli("translate", "-", stdin="김정은 위원장이 중국 대표단을 만났다.".encode())
    assert r.returncode == 1
    err = r.stderr.decode()
    assert err.startswith("error: stdin: looks like Korean (ko)") and "stdin.txt" not in err
    assert "(--from ko)" in err


def test_failed_json_run_prints_nothing_on_stdout(models):
    for data in (b"", b"   \n", "김정은 위원장이 말했다.".encode()):
        r = run_cli("translate", "-", "--json", stdin=data)
        assert r.returncode == 1 and r.stdout == b"", data
        assert "stdin" in r.stderr.decode()


def test_csv_dash_is_stdout(models, tmp_path):
    r = run_cli("translate", str(SAMPLE), "--to", "ko", "--csv", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "-").exists()
    assert r.stdout.startswith(b"\xef\xbb\xbf")  # the same bytes as the file would hold
    table = pd.read_csv(io.BytesIO(r.stdout), encoding="utf-8-sig")
    assert len(table) == len(read_file(SAMPLE).paragraphs) and "ko" in table.columns
    r = run_cli("translate", str(SAMPLE), "--to", "ko", "--csv", "-", "--json", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == b""


def test_check_exits_1_on_errors_like_a_linter(no_models, tmp_path):
    samples = SAMPLE.parent
    zh = (samples / f"{STEM}.zh.txt").read_text(encoding="utf-8").replace("75周年", "70周年")
    bad = tmp_path / "bad.zh.txt"
    bad.write_text(zh, encoding="utf-8")
    r = run_cli("check", str(SAMPLE), str(bad), "--lang", "zh")
    assert r.returncode == 1 and "changed to 70" in r.stdout.decode()
    assert run_cli("check", str(SAMPLE), str(bad), "--lang", "zh", "--exit-zero").returncode == 0
    assert run_cli("check", str(SAMPLE), str(samples / f"{STEM}.zh.txt"), "--lang", "zh").returncode == 0


def test_a_python_without_the_dependencies_says_how_to_set_up(tmp_path):
    """`python3 -m workbench ...` outside the venv: one line naming the missing package and the
    command to use, not an internal error."""
    code = ("import sys\n"
            "class Missing:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'argostranslate':\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, Missing())\n"
            "from workbench.cli import main\n"
            "sys.exit(main(['models', 'list']))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(SAMPLE.parent.parent)})
    assert r.returncode == 1
    (line,) = r.stderr.decode().strip().splitlines()
    assert line.startswith("error: argostranslate is not installed for ") and ".venv/bin/parallax" in line
    assert "internal error" not in line
