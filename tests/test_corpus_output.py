"""Row shards, the manifest and the streamed CSV export, against the per-document outputs."""

import json

import pytest

from conftest import SAMPLE
from workbench.corpus_output import Manifest, RowShards, iter_rows, rows_to_csv
from workbench.documents import from_text, read_file
from workbench.engine import Engine
from workbench.export import csv_bytes, rows


@pytest.fixture
def aligned(models):
    docs = [read_file(SAMPLE)] + [
        from_text(f"Short note {i}. =SUM(A1) is not a formula here.\n\nSecond paragraph {i}.", f"note{i}.txt")
        for i in range(4)]
    return Engine().translate_documents(docs, ["ko", "zh"])


@pytest.mark.parametrize("by", ["paragraph", "sentence"])
@pytest.mark.parametrize("raw", [False, True])
def test_csv_from_rows_equals_csv_from_documents(aligned, tmp_path, by, raw):
    shards = RowShards(tmp_path / "rows", shard_rows=20)  # small shards: several, a document never split
    for i, ad in enumerate(aligned):
        shards.write(ad, f"digest{i}")
    shards.close()
    assert len(list((tmp_path / "rows").glob("rows-*.jsonl"))) > 1
    n = rows_to_csv(tmp_path / "rows", tmp_path / "out.csv", by, raw=raw)
    expected = csv_bytes(aligned, by, raw=raw)
    assert (tmp_path / "out.csv").read_bytes() == expected
    assert n == len(rows(aligned, by)[1])


def test_rows_hold_every_sentence_with_scores(aligned, tmp_path):
    shards = RowShards(tmp_path / "rows")
    for ad in aligned:
        shards.write(ad, None)
    shards.close()
    rows = list(iter_rows(tmp_path / "rows"))
    assert len(rows) == sum(ad.document.sentence_count for ad in aligned)
    first = rows[0]
    assert first["doc"] == aligned[0].document.name and first["paragraph"] == 1 and first["sentence"] == 1
    assert first["en"] == first["ko"] == first["zh"] == aligned[0].document.paragraphs[0].sentences[0]
    assert set(first["scores"]) == {"ko", "zh"} and first["scores"]["ko"] <= 0
    assert first["paragraph_text"] == aligned[0].document.paragraphs[0].text


def test_a_killed_writer_leaves_only_finished_documents(aligned, tmp_path):
    """Rows written after the last manifest line (a run killed mid-document) are cut off on reopen."""
    folder = tmp_path / "rows"
    shards = RowShards(folder)
    shards.write(aligned[1], "d1")
    shards.close()
    clean = (folder / "rows-00000.jsonl").read_bytes()
    with open(folder / "rows-00000.jsonl", "ab") as f:
        f.write(b'{"doc": "half-written", "paragraph": 1')  # the kill came mid-write
    with open(folder / "manifest.jsonl", "ab") as f:
        f.write(b'{"id": "half')
    assert [r["doc"] for r in iter_rows(folder)] == ["note0.txt"] * aligned[1].document.sentence_count
    reopened = RowShards(folder)
    assert (folder / "rows-00000.jsonl").read_bytes() == clean
    assert reopened.manifest.finished("note0.txt", "d1", ["ko", "zh"])
    assert not reopened.manifest.finished("note0.txt", "other input", ["ko", "zh"])
    assert not reopened.manifest.finished("note0.txt", "d1", ["ko", "ja"])
    reopened.write(aligned[2], "d2")
    reopened.close()
    assert [json.loads(line)["id"] for line in (folder / "manifest.jsonl").read_text().splitlines()] == [
        "note0.txt", "note1.txt"]


def test_manifest_force_forgets(tmp_path):
    m = Manifest(tmp_path)
    m.add("a.txt", "x", ["ko"])
    m.close()
    assert Manifest(tmp_path).finished("a.txt", "x", ["ko"])
    again = Manifest(tmp_path)
    again.reset()
    again.close()
    assert not Manifest(tmp_path).finished("a.txt", "x", ["ko"])


# ---------------------------------------------------------------- the models in the stamp (issue 16 item 4)


def test_a_document_made_by_other_models_is_not_finished(tmp_path):
    """The stamp held only the input digest and the targets: a document made by a model since
    replaced counted as finished, whatever model the rerun would use."""
    m = Manifest(tmp_path)
    m.add("a.txt", "x", ["ko", "zh"], {"ko": "k1", "zh": "z1"})
    m.close()
    again = Manifest(tmp_path)
    assert again.finished("a.txt", "x", ["ko", "zh"], {"ko": "k1", "zh": "z1"})
    assert again.finished("a.txt", "x", ["zh"], {"ko": "k2", "zh": "z1"})  # only zh asked for: ko's model is moot
    assert not again.finished("a.txt", "x", ["ko", "zh"], {"ko": "k2", "zh": "z1"})
    assert not again.finished("a.txt", "y", ["ko"], {"ko": "k1"})
    again.close()
    entry = json.loads((tmp_path / "manifest.jsonl").read_text())
    assert entry["models"] == {"ko": "k1", "zh": "z1"}


def test_a_manifest_from_before_the_models_were_stamped_still_resumes(tmp_path):
    """An entry without "models" (written before they were recorded) counts as finished with any
    models: upgrading does not translate a whole corpus again."""
    (tmp_path / "manifest.jsonl").write_text(json.dumps({"id": "a.txt", "digest": "x", "targets": ["ko"]}) + "\n")
    m = Manifest(tmp_path)
    assert m.finished("a.txt", "x", ["ko"], {"ko": "anything"})
    assert not m.finished("a.txt", "x", ["ko", "zh"], {"ko": "anything", "zh": "z"})
    m.close()


def test_damaged_models_in_a_manifest_line_are_reported(tmp_path):
    lines = [{"id": "a.txt", "digest": "x", "targets": ["ko"], "models": ["k1"]},
             {"id": "b.txt", "digest": "x", "targets": ["ko"], "models": {"ko": "k1,zh=z"}}]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))
    seen = []
    m = Manifest(tmp_path, report=seen.append)
    assert not m.finished("a.txt", "x", ["ko"], {"ko": "k1"}) and not m.finished("b.txt", "x", ["ko"])
    m.close()
    assert len(seen) == 2 and all("the models are not" in line for line in seen)
