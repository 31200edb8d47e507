"""Lazy corpus inputs: globs and folders (bounded, loop-safe, skips reported), stdin, and
JSONL/CSV/Parquet corpora with id and text columns."""

import io
import json
import os

import pytest

from workbench.cli.common import cli_message
from workbench.corpus import Corpus, iter_glob
from workbench.documents import MAX_INPUT_BYTES
from workbench.errors import UsageError


def _tree(root):
    (root / "a" / "b").mkdir(parents=True)
    (root / "top.txt").write_text("Top.", encoding="utf-8")
    (root / "a" / "mid.md").write_text("Middle.", encoding="utf-8")
    (root / "a" / "b" / "deep.txt").write_text("Deep.", encoding="utf-8")
    (root / "a" / "b" / "scan.odt").write_bytes(b"PK\x03\x04 not really")
    (root / "a" / "b" / "rows.jsonl").write_text("{}\n", encoding="utf-8")
    (root / ".hidden.txt").write_text("Hidden.", encoding="utf-8")
    os.symlink("../..", root / "a" / "b" / "loop")  # a folder that contains itself
    os.symlink(str(root), root / "a" / "up")
    return root


def test_glob_over_a_symlink_loop_ends_and_lists_each_file_once(tmp_path):
    root = _tree(tmp_path / "t")
    notes = []
    found = [p.relative_to(root).as_posix() for p in iter_glob(str(root / "**" / "*.txt"), notes.append)]
    assert found == ["top.txt", "a/b/deep.txt"]
    assert any("loop" in n and "a loop" in n for n in notes)
    corpus = Corpus([str(root / "**" / "*.txt"), str(root / "*.txt")])  # overlapping patterns: once each
    # names are paths below the pattern's fixed start, so outputs mirror the folders (issue 14 item 7)
    assert [i.name for i in corpus] == ["top.txt", "a/b/deep.txt"]


def test_folder_reports_what_it_skips_and_why(tmp_path):
    root = _tree(tmp_path / "t")
    (root / "out").mkdir()
    (root / "out" / "old.ko.txt").write_text("출력", encoding="utf-8")
    notes, problems = [], []
    items = list(Corpus([str(root)], report=notes.append, problem=problems.append, exclude=[root / "out"]))
    # not hidden, not the output folder; named by their path below the folder given (issue 14 item 7)
    assert sorted(i.name for i in items) == ["a/b/deep.txt", "a/mid.md", "top.txt"]
    assert any("scan.odt" in n and "unsupported file type .odt" in n for n in notes)
    assert any("rows.jsonl" in n and "corpus file" in n for n in notes)
    assert not problems
    empty = tmp_path / "empty"
    empty.mkdir()
    assert list(Corpus([str(empty)], problem=problems.append)) == []
    assert problems and "folder has no files to translate" in problems[0]


def test_output_folder_given_as_input_says_so(tmp_path):
    """`translate docs/ --out docs/`: the files are there but excluded as outputs; say that, not
    "folder has no files to translate"."""
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "sub" / "a.txt").write_text("An article.\n")
    for given in (tmp_path / "docs", tmp_path / "docs" / "sub"):
        problems = []
        assert list(Corpus([str(given)], problem=problems.append, exclude=[tmp_path / "docs"])) == []
        assert len(problems) == 1 and "output folder of this run" in str(problems[0]), problems
        assert problems[0].setting == "outputs" and "--out / --rows" in cli_message(problems[0])


def test_glob_without_matches_is_a_problem(tmp_path):
    problems = []
    assert list(Corpus([str(tmp_path / "nothing-*.txt")], problem=problems.append)) == []
    assert problems == [f"{tmp_path / 'nothing-*.txt'}: no file matches this pattern"]


def test_jsonl_rows_default_columns_and_bad_lines(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join([json.dumps({"id": 7, "text": "Seven."}), "not json",
                               json.dumps({"id": "x", "body": "no text column"}), "",
                               json.dumps({"id": "y", "text": "Why."})]) + "\n", encoding="utf-8")
    problems = []
    corpus = Corpus([str(path)], problem=problems.append)
    items = list(corpus)
    assert [(i.name, i.text) for i in items] == [("7", "Seven."), ("y", "Why.")]
    assert problems == ["news.jsonl line 2: not valid JSON", "news.jsonl line 3: no text in column 'text'"]
    assert items[0].origin == "news.jsonl line 1 (id 7)"
    assert corpus.count() == 4  # non-blank lines, counted without parsing


def test_csv_and_parquet_with_named_columns(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"key": ["a1", "a2"], "story": ["First article.", "Second, with \"quotes\",\nand a newline."]})
    frame.to_csv(tmp_path / "c.csv", index=False)
    frame.to_parquet(tmp_path / "c.parquet")
    for name in ("c.csv", "c.parquet"):
        corpus = Corpus([str(tmp_path / name)], id_field="key", text_field="story")
        assert [(i.name, i.text) for i in corpus] == list(zip(frame.key, frame.story)), name
        assert corpus.count() == 2
    with pytest.raises(UsageError, match="no text column") as err:  # the library names the setting, the CLI its flag
        list(Corpus([str(tmp_path / "c.csv")]))  # no column called text, body, content...
    assert err.value.setting == "text_field" and "--text-field" in cli_message(err.value)
    for name in ("c.csv", "c.parquet"):  # a misnamed column: one usage error, not one error per row
        for fields in ({"id_field": "kye", "text_field": "story"}, {"id_field": "key", "text_field": "stroy"}):
            with pytest.raises(UsageError, match=r"no column '(kye|stroy)' .*columns: key, story") as err:
                list(Corpus([str(tmp_path / name)], **fields))
            flag = "--id-field" if fields["id_field"] == "kye" else "--text-field"
            assert cli_message(err.value).endswith(f"({flag})")


def test_rows_without_an_id_are_numbered(tmp_path):
    (tmp_path / "plain.jsonl").write_text(json.dumps({"text": "One."}) + "\n" + json.dumps({"text": "Two."}) + "\n")
    assert [i.name for i in Corpus([str(tmp_path / "plain.jsonl")])] == ["plain-1", "plain-2"]


def test_stdin_is_read_up_to_the_limit_only():
    big = io.BytesIO(b"a" * (MAX_INPUT_BYTES + 4096))
    (item,) = list(Corpus(["-"], stdin=big))
    assert len(item.data) == MAX_INPUT_BYTES + 1  # enough to say "too large", never the whole stream
    assert big.read(1) == b"a"
