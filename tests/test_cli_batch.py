"""`translate` on a corpus as a user runs it: streamed, resumable, row shards, export."""

import json
import os
import signal
import subprocess
import sys
import time

from conftest import ROOT, run_cli


def _jsonl(path, n, start=0):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"id": f"a{i:05d}", "text": f"Article {i} opens here. It has a second sentence.\n\n"
                                                           f"A closing paragraph {i}."}) + "\n")
    return path


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_corpus_to_rows_documents_and_csv_agree(models, tmp_path):
    corpus = _jsonl(tmp_path / "news.jsonl", 40)
    r = run_cli("translate", str(corpus), "--to", "ko,zh", "--rows", str(tmp_path / "rows"), "--out",
                str(tmp_path / "docs"), "--csv", str(tmp_path / "direct.csv"), "--by", "sentence",
                "--batch-sentences", "16")
    assert r.returncode == 0, r.stderr.decode()
    err = r.stderr.decode()
    assert "translated 40 documents (120 sentences)" in err and "sentences/s" in err  # the summary line
    e = run_cli("export", str(tmp_path / "rows"), "--csv", str(tmp_path / "from-rows.csv"), "--by", "sentence")
    assert e.returncode == 0, e.stderr.decode()
    assert (tmp_path / "from-rows.csv").read_bytes() == (tmp_path / "direct.csv").read_bytes()
    rows = [json.loads(line) for line in (tmp_path / "rows" / "rows-00000.jsonl").read_text().splitlines()]
    for i in (0, 17, 39):
        doc = json.loads((tmp_path / "docs" / f"a{i:05d}.json").read_text())["documents"][0]
        mine = [r for r in rows if r["doc"] == f"a{i:05d}"]
        sentences = [(p["index"] + 1, s["text"]) for p in doc["paragraphs"]
                     for s in p["translations"]["zh"]["sentences"]]
        assert [(r["paragraph"], r["zh"]) for r in mine] == sentences


def test_killed_run_resumes_and_matches_a_clean_run(models, tmp_path):
    corpus = _jsonl(tmp_path / "big.jsonl", 600)
    args = [str(corpus), "--to", "ko", "--rows", str(tmp_path / "rows"), "--out", str(tmp_path / "docs"),
            "--batch-sentences", "8", "--no-cache", "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "translate", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = tmp_path / "rows" / "manifest.jsonl"
    try:
        while proc.poll() is None and (not manifest.exists() or manifest.read_text().count("\n") < 20):
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    done = manifest.read_text().count("\n")
    assert 20 <= done < 600, "the run must be killed midway"
    r = run_cli("translate", *args)
    assert r.returncode == 0, r.stderr.decode()
    skipped = int(r.stderr.decode().split("resumed: ")[1].split(" of 600 documents")[0])
    assert done - 1 <= skipped <= done  # finished in both output folders (the kill may fall between them)
    clean = run_cli("translate", str(corpus), "--to", "ko", "--rows", str(tmp_path / "clean-rows"), "--out",
                    str(tmp_path / "clean-docs"), "--batch-sentences", "8", "--no-cache", "-q")
    assert clean.returncode == 0
    assert _files(tmp_path / "rows") == _files(tmp_path / "clean-rows")
    assert _files(tmp_path / "docs") == _files(tmp_path / "clean-docs")


def test_folder_run_reports_skips_and_continues(models, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.txt").write_text("The first report is short. It ends here.", encoding="utf-8")
    (folder / "scan.odt").write_bytes(b"PK\x03\x04")
    r = run_cli("translate", str(folder), "--to", "ko", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr.decode()
    err = r.stderr.decode()
    assert "scan.odt" in err and "unsupported file type .odt" in err
    assert (tmp_path / "out" / "one.json").exists()


def test_device_option(models, tmp_path):
    ok = run_cli("translate", "-", "--to", "ko", "--device", "cpu", stdin=b"The device option works on a CPU.")
    assert ok.returncode == 0 and "ko: The device option works on a CPU." in ok.stdout.decode()
    import ctranslate2

    if ctranslate2.get_cuda_device_count() == 0:
        bad = run_cli("translate", "-", "--to", "ko", "--device", "cuda", stdin=b"No GPU here.")
        assert bad.returncode == 2
        assert "no CUDA GPU" in bad.stderr.decode() and "Traceback" not in bad.stderr.decode()
    auto = run_cli("translate", "-", "--to", "ko", "--device", "auto", stdin=b"Auto picks what exists.")
    assert auto.returncode == 0


def test_rerun_with_csv_does_not_duplicate_rows(models, tmp_path):
    """--rows plus --csv: the rerun needs every document for the CSV, so finished ones are
    translated again (from the cache), but their rows are not appended twice."""
    corpus = _jsonl(tmp_path / "c.jsonl", 6)
    args = ["translate", str(corpus), "--to", "ko", "--rows", str(tmp_path / "rows"), "--csv", str(tmp_path / "a.csv")]
    assert run_cli(*args).returncode == 0
    first = _files(tmp_path / "rows")
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr.decode()
    assert _files(tmp_path / "rows") == first
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 6 * 2 and all(ln.startswith("a0000") for ln in lines[1:])  # every document, once


def test_export_checks_its_csv_like_translate_does(tmp_path):
    """`export --csv` on a folder is one `error:` line and exit 1 (it was an internal error), and
    `--csv -` is reported as stdout, as `translate` does."""
    row = {"doc": "a", "paragraph": 1, "sentence": 1, "kind": "body", "source": "en", "en": "Hi.", "ko": "Hi.",
           "scores": {"ko": 0.0}, "paragraph_text": "Hi."}
    (tmp_path / "rows.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    r = run_cli("export", str(tmp_path / "rows.jsonl"), "--csv", str(tmp_path / "folder"))
    err = r.stderr.decode()
    assert r.returncode == 1 and err.startswith("error:") and err.count("\n") == 1, err
    assert "internal error" not in err and list((tmp_path / "folder").iterdir()) == []
    s = run_cli("export", str(tmp_path / "rows.jsonl"), "--csv", "-")
    assert s.returncode == 0 and s.stdout.decode("utf-8-sig").startswith("document,paragraph,kind,en,ko")
    assert "wrote the CSV to stdout" in s.stderr.decode()
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    t = run_cli("export", str(tmp_path / "rows.jsonl"), "--csv", str(tmp_path / "link.csv"))
    assert t.returncode == 0 and (tmp_path / "link.csv").is_symlink()  # written through, as translate does
    assert (tmp_path / "real.csv").read_bytes() == s.stdout


def test_bad_corpus_rows_count_as_failed_in_the_summary(models, tmp_path):
    """Every `error:` line about an input is one failed document in the summary line."""
    corpus = _jsonl(tmp_path / "news.jsonl", 3)
    with open(corpus, "a", encoding="utf-8") as f:
        f.write("not json\n" + json.dumps({"id": "x"}) + "\n" + json.dumps({"id": "y", "text": ""}) + "\n")
    r = run_cli("translate", str(corpus), "--to", "ko", "--rows", str(tmp_path / "rows"))
    err = r.stderr.decode()
    assert r.returncode == 1 and err.count("error:") == 3, err
    assert "translated 3 documents (9 sentences)" in err and ", 3 failed" in err, err


def test_same_names_in_different_folders_mirror_the_folders(models, tmp_path):
    """Was test_inputs_with_the_same_base_name_are_one_failure_each: `a/x.txt` and `b/x.md` were
    refused ("rename one"); now outputs mirror the input folders (issue 14 item 7), so a saved
    site of */index.html translates, and a rerun resumes both under the same names."""
    for sub, ext in (("a", "txt"), ("b", "md")):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / f"x.{ext}").write_text(f"The minister visited Pyongyang on Monday ({sub}).\n")
    r = run_cli("translate", str(tmp_path / "in"), "--to", "ko", "--out", str(tmp_path / "out"))
    err = r.stderr.decode()
    assert r.returncode == 0 and "error:" not in err and "translated 2 documents" in err, err
    out = tmp_path / "out"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "a/x.json", "a/x.ko.txt", "b/x.json", "b/x.ko.txt", "manifest.jsonl"]
    assert "(a)" in (out / "a" / "x.ko.txt").read_text() and "(b)" in (out / "b" / "x.ko.txt").read_text()
    assert json.loads((out / "b" / "x.json").read_text())["documents"][0]["name"] == "b/x.md"
    again = run_cli("translate", str(tmp_path / "in"), "--to", "ko", "--out", str(out))
    assert again.returncode == 0 and "resumed: 2 of 2" in again.stderr.decode(), again.stderr.decode()


def test_inputs_that_would_write_the_same_files_are_refused_never_overwritten(models, tmp_path):
    """`story.en.txt` and `story.txt` both wrote story.*: exit 0, one article silently gone. Now the
    second is one error line, counted, and the first one's files are intact; a later run with
    the other file alone does not overwrite them either."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.en.txt").write_text("The minister visited Pyongyang on Monday.\n")
    (folder / "story.txt").write_text("A different article about the harvest.\n")
    out = tmp_path / "out"
    r = run_cli("translate", str(folder), "--to", "ko", "--out", str(out))
    err = r.stderr.decode()
    assert r.returncode == 1 and err.count("error:") == 1 and "story.txt" in err and "rename one" in err, err
    assert "translated 1 document" in err and ", 1 failed" in err, err
    assert "Pyongyang" in (out / "story.ko.txt").read_text()
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "story.txt").write_text("A different article about the harvest.\n")
    r2 = run_cli("translate", str(alone / "story.txt"), "--to", "ko", "--out", str(out))
    err2 = r2.stderr.decode()
    assert r2.returncode == 1 and "already holds the result for story.en.txt" in err2, err2
    assert "Pyongyang" in (out / "story.ko.txt").read_text()  # nothing overwritten
    for case in ("Story.txt", "STORY.md"):  # a case-insensitive file system would mix these up
        (folder / case).write_text("Another article.\n")
    r3 = run_cli("translate", str(folder), "--to", "ko", "--out", str(tmp_path / "out3"))
    assert r3.returncode == 1 and r3.stderr.decode().count("error:") == 3, r3.stderr.decode()


def test_ids_become_portable_file_names_and_keep_the_id_inside(models, tmp_path):
    """Issue 15 item 5: ids with newlines, leading dots, `..`, slashes, NUL or 300 bytes wrote
    files such as `a\nb.json` and `...json`; now every name is portable, inside --out, and the
    JSON keeps the original id. A rerun resumes them all."""
    ids = ["a\nb", ".hidden", "..", "...", "x/../../evil", "nul\x00id", "-rf", "é" * 150, "plain"]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": f"Article {n} opens here."}) + "\n"
                              for n, i in enumerate(ids)), encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("translate", str(corpus), "--to", "ko", "--out", str(out))
    assert r.returncode == 0, r.stderr.decode()
    files = [p for p in out.rglob("*") if p.is_file() and p.name != "manifest.jsonl"]
    assert len(files) == 2 * len(ids) and all(p.parent == out for p in files)
    for p in files:
        assert not p.name.startswith((".", "-")) and not any(ord(c) < 32 or c in "/\\:" for c in p.name), p.name
        assert len(p.name.encode()) <= 255 - len("..0123456789abcdef.part")
    names = {json.loads(p.read_text(encoding="utf-8"))["documents"][0]["name"] for p in files if p.suffix == ".json"}
    assert names == set(ids)
    assert not (tmp_path / "evil.json").exists()
    again = run_cli("translate", str(corpus), "--to", "ko", "--out", str(out))
    assert again.returncode == 0 and f"resumed: {len(ids)} of {len(ids)}" in again.stderr.decode()


def test_out_and_rows_folders_do_not_mix(models, tmp_path):
    """A folder used as --out and later as --rows: the rows are written (the --out manifest said
    'already done'); one run with both in one folder, or `-` as a folder, is a usage error."""
    src = tmp_path / "a.txt"
    src.write_text("The minister visited Pyongyang on Monday. He met the leaders.\n")
    folder = tmp_path / "res"
    assert run_cli("translate", str(src), "--to", "ko", "--out", str(folder)).returncode == 0
    r = run_cli("translate", str(src), "--to", "ko", "--rows", str(folder))
    assert r.returncode == 0 and "already done" not in r.stderr.decode(), r.stderr.decode()
    assert (folder / "rows-00000.jsonl").read_text().count("\n") == 2
    again = run_cli("translate", str(src), "--to", "ko", "--out", str(folder))  # both resume now
    assert again.returncode == 0 and "1 already done" in again.stderr.decode()
    for args in (["--out", str(tmp_path / "x"), "--rows", str(tmp_path / "x")], ["--out", "-"], ["--rows", "-"]):
        u = run_cli("translate", str(src), "--to", "ko", *args, cwd=tmp_path)
        assert u.returncode == 2 and u.stderr.decode().count("\n") == 1, (args, u.stderr.decode())
        assert not (tmp_path / "x").exists() and not (tmp_path / "-").exists()


def test_a_rerun_after_a_model_was_replaced_translates_its_documents_again(no_models, package_files, tmp_path):
    """The manifests stamped only the input and the targets: after `en→ko` was re-installed with
    another model, a rerun skipped every document and kept what the old model wrote. Now the
    documents are translated again (the other target's outputs included, as one document), a
    rerun with the same models still skips, and a manifest from before the models were stamped
    still resumes."""
    from conftest import ROOT, sample_texts
    from workbench.models import install_archive
    from workbench.testing.argos_package import build_argos_package

    for lang in ("ko", "zh"):
        install_archive(package_files[lang])
    corpus = _jsonl(tmp_path / "news.jsonl", 6)
    out, rows = tmp_path / "docs", tmp_path / "rows"
    args = [str(corpus), "--to", "ko,zh", "--out", str(out), "--rows", str(rows)]

    first = run_cli("translate", *args)
    assert first.returncode == 0, first.stderr.decode()
    old_ko = (out / "a00000.ko.txt").read_text(encoding="utf-8")
    again = run_cli("translate", *args)
    assert "resumed: 6 of 6 documents were already done" in again.stderr.decode()

    hangul = ROOT / "samples" / "china-dprk-vice-premier-visit.ko.txt"
    other = build_argos_package(tmp_path / "other" / "translate-en_ko-0_1.argosmodel", to_code="ko",
                                texts=sample_texts(), writes=hangul.read_text(encoding="utf-8").splitlines())
    install_archive(other)  # the same pair, version and folder; another model
    redo = run_cli("translate", *args)
    assert redo.returncode == 0, redo.stderr.decode()
    assert "resumed" not in redo.stderr.decode()
    assert "wrote 6 documents" in redo.stderr.decode()
    assert (out / "a00000.ko.txt").read_text(encoding="utf-8") != old_ko
    shard_docs = [json.loads(line)["doc"] for line in (rows / "rows-00000.jsonl").read_text().splitlines()]
    assert len(shard_docs) == 6 * 3  # the old rows were replaced, not appended to
    assert "resumed: 6 of 6" in run_cli("translate", *args).stderr.decode()

    for manifest in (out / "manifest.jsonl", rows / "manifest.jsonl"):  # as written before the stamps
        entries = [json.loads(line) for line in manifest.read_text().splitlines()]
        assert all(set(e["models"]) == {"ko", "zh"} for e in entries)
        manifest.write_text("".join(json.dumps({k: v for k, v in e.items() if k != "models"}) + "\n"
                                    for e in entries))
    assert "resumed: 6 of 6" in run_cli("translate", *args).stderr.decode()
