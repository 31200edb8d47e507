"""Issues 15 and 18: corpus inputs and output folders under hostile conditions (two runs at once,
a damaged manifest, a full disk, huge or malformed records, an edited input, shards lost behind a
manifest that says done). Every hostile file is built here, at test time."""

from __future__ import annotations

import errno
import json
import tracemalloc

import pytest

from conftest import run_cli
from workbench import corpus as corpus_mod
from workbench.corpus import Corpus
from workbench.corpus_output import Manifest, RowShards, iter_rows
from workbench.documents import from_text
from workbench.engine import Engine
from workbench.errors import OutputError, UsageError


def _docs(n: int, prefix: str = "d") -> list[dict]:
    return [{"id": f"{prefix}{i}", "text": f"Document {i} is short. It has a second sentence {i}."} for i in range(n)]


def _jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def _items(path, problems, reports=None, **kw):
    return list(Corpus([str(path)], problem=problems.append, report=(reports if reports is not None else []).append,
                       **kw))


@pytest.fixture
def aligned(models):
    docs = [from_text(f"Short note {i}. It is about the capital.\n\nSecond paragraph {i}.", f"note{i}")
            for i in range(4)]
    return Engine().translate_documents(docs, ["ko"])


# ---------------------------------------------------------------- 15.1 one run per output folder


def test_a_second_writer_of_an_output_folder_is_refused_until_the_first_ends(tmp_path):
    first = Manifest(tmp_path / "rows", rows=True)
    with pytest.raises(OutputError, match=r"rows: another run \(process \d+\) is writing to this folder"):
        Manifest(tmp_path / "rows", rows=True)
    with pytest.raises(OutputError, match="another run"):
        RowShards(tmp_path / "rows")
    first.close()
    assert not (tmp_path / "rows" / ".parallax-run.lock").exists()  # nothing left behind
    RowShards(tmp_path / "rows").close()


def test_cli_second_run_into_a_busy_folder_is_one_line_and_writes_nothing(models, tmp_path):
    corpus = _jsonl(tmp_path / "c.jsonl", _docs(3))
    holder = Manifest(tmp_path / "rows", rows=True)  # a run in progress
    try:
        proc = run_cli("translate", corpus, "--to", "ko", "--rows", str(tmp_path / "rows"), "-q")
    finally:
        holder.close()
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "another run" in err and "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert not list((tmp_path / "rows").glob("rows-*.jsonl"))


# ---------------------------------------------------------------- 15.2 damaged manifest


def test_damaged_manifest_lines_are_reported_once_and_their_documents_redone(aligned, tmp_path):
    folder = tmp_path / "rows"
    shards = RowShards(folder)
    for i, ad in enumerate(aligned):
        shards.write(ad, f"digest{i}")
    shards.close()
    lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    e1, e2 = json.loads(lines[1]), json.loads(lines[2])
    e1["end"] = "abc"  # a wrong type where a number belongs
    e2["id"] = [e2["id"]]  # a list where a string belongs
    lines[1], lines[2] = json.dumps(e1), json.dumps(e2)
    lines[3] = lines[3][:25]  # truncated: garbage, yet followed by a newline
    lines.append('{"id": "note9", "digest": "x", "targets": ["ko"], "shard": "rows-00000.jsonl", "end": 10}')
    lines.append("\x00\x01 garbage")
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    reports: list[str] = []
    reopened = RowShards(folder, report=reports.append)
    damaged = [r for r in reports if "manifest.jsonl line" in r]
    assert [r.split(": damaged")[0] for r in damaged] == [f"{folder / 'manifest.jsonl'} line {n}" for n in (2, 3, 4, 6)]
    assert reopened.manifest.finished("note0", "digest0", ["ko"])
    for i in (1, 3):  # damaged lines never count as finished
        assert not reopened.manifest.finished(f"note{i}", f"digest{i}", ["ko"])
    assert not reopened.manifest.finished("note9", "x", ["ko"])  # its "rows" are another document's
    assert any("rows-00000.jsonl: the rows of 1 finished document" in r for r in reports)
    reopened.close()
    again: list[str] = []
    RowShards(folder, report=again.append).close()
    assert again == []  # reported once: the manifest was rewritten without those lines
    assert [r["doc"] for r in iter_rows(folder)] == ["note0"] * aligned[0].document.sentence_count


# ---------------------------------------------------------------- 15.3 disk full


def test_disk_full_while_writing_rows_is_one_line_and_the_rest_resumes(models, tmp_path, monkeypatch, capsys):
    from workbench import cli, corpus_output

    corpus = _jsonl(tmp_path / "c.jsonl", _docs(6))
    rows = tmp_path / "rows"
    real_open = open
    writes = []

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            writes.append(len(data))
            if len(writes) > 2:
                self.f.write(data[:7])  # part of a block reached the disk
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

    def fake_open(path, mode="r", *a, **kw):
        f = real_open(path, mode, *a, **kw)
        return Full(f) if str(path).endswith(".jsonl") and "rows-" in str(path) else f

    monkeypatch.setattr(corpus_output, "open", fake_open, raising=False)
    rc = cli.main(["translate", corpus, "--to", "ko", "--rows", str(rows), "-q", "--no-cache"])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert rc == 1 and "internal error" not in err, err
    assert f"error: {rows}: cannot write rows (no space left on the device); the 2 finished documents are kept" in err
    assert [r["doc"] for r in iter_rows(rows)] == ["d0", "d0", "d1", "d1"]
    rc = cli.main(["translate", corpus, "--to", "ko", "--rows", str(rows), "-q", "--no-cache"])
    assert rc == 0
    clean = tmp_path / "clean"
    assert cli.main(["translate", corpus, "--to", "ko", "--rows", str(clean), "-q", "--no-cache"]) == 0
    assert (rows / "rows-00000.jsonl").read_bytes() == (clean / "rows-00000.jsonl").read_bytes()


# ---------------------------------------------------------------- 15.4 huge records, bounded memory


@pytest.fixture
def small_caps(monkeypatch):
    """A 1 MB text cap (2 MB per record) so the hostile files stay small; the code paths are the same."""
    monkeypatch.setattr(corpus_mod, "MAX_INPUT_BYTES", 2**20)
    monkeypatch.setattr(corpus_mod, "MAX_RECORD_BYTES", 2 * 2**20, raising=False)


def test_an_overlong_jsonl_line_is_refused_without_being_read_whole(small_caps, tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(_docs(1)[0]) + "\n")
        f.write('{"id": "huge", "text": "' + "word " * 6_000_000 + '"}\n')  # a 30 MB line
        f.write(json.dumps(_docs(2)[1]) + "\n")
    problems: list[str] = []
    tracemalloc.start()
    items = _items(path, problems)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [i.name for i in items] == ["d0", "d1"]
    assert len(problems) == 1 and problems[0].startswith("big.jsonl line 2: longer than 2 MB")
    assert peak < 8 * 2**20  # the 30 MB line was never held


def test_an_oversized_csv_cell_is_one_line_naming_the_row_and_the_run_goes_on(small_caps, tmp_path):
    path = tmp_path / "big.csv"
    huge = "para " * 700_000  # 3.5 MB
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,text\n")
        f.write("a,First row. Fine.\n")
        f.write(f'b,"{huge}\n\n""quoted"" and multi-line {huge}"\n')  # over the cap, inside quotes
        f.write("c,Third row. Fine.\n")
        f.write(f"d,{huge}\n")  # over the cap, one physical line
        f.write("e,Last row. Fine.\n")
    problems: list[str] = []
    tracemalloc.start()
    items = _items(path, problems)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [i.name for i in items] == ["a", "c", "e"]
    assert [p.split(":")[0] for p in problems] == ["big.csv row 2", "big.csv row 4"]
    assert all("larger than 2 MB" in p for p in problems)
    assert peak < 12 * 2**20


def test_an_oversized_parquet_cell_is_refused_by_its_length_in_batches(small_caps, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "big.parquet"
    texts = ["A fine row. Yes."] * 3 + ["x" * (3 * 2**20)] + ["Another fine row. Yes."] * 3
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(7)], "text": texts}), path, row_group_size=7)
    problems: list[str] = []
    items = _items(path, problems)
    assert [i.name for i in items] == ["r0", "r1", "r2", "r4", "r5", "r6"]
    assert problems == ["big.parquet row 4: its text is larger than 1 MB; skipped"]


def test_a_single_huge_parquet_row_group_is_read_in_small_batches(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "one-group.parquet"
    n = 12_000  # one row group of 24 MB of text, in small pages (pyarrow reads it; see test_parquet for large pages)
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(n)], "text": [f"word{i} " * 250 for i in range(n)]}), path,
                   row_group_size=n)
    sizes = []
    real = pq.ParquetFile.iter_batches

    def spy(self, *a, **kw):
        for batch in real(self, *a, **kw):
            sizes.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    first = next(iter(Corpus([str(path)])))
    assert first.name == "r0"
    assert sizes and max(sizes) * 2_000 <= 16 * 2**20  # ~16 MB of text per batch, not the whole group


# ---------------------------------------------------------------- 18.1 one bad record


def test_bad_records_are_one_line_each_and_the_run_goes_on(models, tmp_path):
    records = _docs(2) + [{"id": "nul\x00id", "text": "A NUL in the id. Fine text."},
                          {"id": "x" * 300, "text": "A very long id. Fine text."},
                          {"id": "sur\udcffid", "text": "A lone surrogate in the id. Fine."},
                          {"id": "t1", "text": "A lone surrogate \udcff in the text. Fine."}] + _docs(4)[2:]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for option in ("--rows", "--out", "--csv"):
        target = tmp_path / option.strip("-")
        args = [str(target) + (".csv" if option == "--csv" else "")]
        proc = run_cli("translate", str(path), "--to", "ko", option, *args, "-q", "--no-cache")
        err = proc.stderr.decode()
        assert proc.returncode == 1, err
        assert "internal error" not in err and "Traceback" not in err, err
        lines = [ln for ln in err.strip().splitlines() if not ln.startswith("wrote ")]
        assert any("bad.jsonl line 5" in ln and "lone surrogate" in ln and "id" in ln for ln in lines), err
        assert any("bad.jsonl line 6" in ln and "lone surrogate" in ln and "text" in ln for ln in lines), err
        assert all(ln.startswith("error: ") for ln in lines), err
        if option == "--rows":
            docs = {r["doc"] for r in iter_rows(target)}
            assert {"d0", "d1", "d2", "d3"} <= docs


def test_csv_cell_over_the_text_cap_keeps_the_rows_around_it(models, tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,text\na,First row is fine. Yes.\n")
        f.write('big,"' + "long words " * 2_000_000 + '"\n')  # 22 MB
        f.write("c,Last row is fine. Yes.\n")
    proc = run_cli("translate", str(path), "--to", "ko", "--rows", str(tmp_path / "rows"), "-q", "--no-cache")
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "internal error" not in err, err
    errors = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "big.csv row 2" in errors[0] and "20 MB" in errors[0], err
    assert [r["doc"] for r in iter_rows(tmp_path / "rows")] == ["a", "a", "c", "c"]


# ---------------------------------------------------------------- 18.2 edited input, 18.3 lost rows


def test_a_changed_document_replaces_its_rows(aligned, models, tmp_path):
    folder = tmp_path / "rows"
    shards = RowShards(folder)
    for i, ad in enumerate(aligned):
        shards.write(ad, f"digest{i}")
    shards.close()
    (edited,) = Engine().translate_documents([from_text("Edited note. New wording here.", "note1")], ["ko"])
    again = RowShards(folder)
    assert not again.manifest.finished("note1", "digest-new", ["ko"])
    again.write(edited, "digest-new")
    again.close()
    rows = list(iter_rows(folder))
    note1 = [r["en"] for r in rows if r["doc"] == "note1"]
    assert note1 == ["Edited note.", "New wording here."]  # once, the new wording only
    raw = (folder / "rows-00000.jsonl").read_text(encoding="utf-8")
    assert "Short note 1." not in raw and raw.count("\n") == len(rows)
    assert RowShards(folder).manifest.finished("note1", "digest-new", ["ko"])


def test_cli_rerun_after_an_edit_exports_the_document_once(models, tmp_path):
    records = _docs(4)
    path = tmp_path / "c.jsonl"
    _jsonl(path, records)
    rows = tmp_path / "rows"
    assert run_cli("translate", str(path), "--to", "ko", "--rows", str(rows), "-q", "--no-cache").returncode == 0
    records[1]["text"] = "Changed wording. Entirely new."
    _jsonl(path, records)
    assert run_cli("translate", str(path), "--to", "ko", "--rows", str(rows), "-q", "--no-cache").returncode == 0
    proc = run_cli("export", str(rows), "--csv", "-", "--by", "sentence")
    out = proc.stdout.decode("utf-8-sig")
    assert out.count("d1,") == 2 and "Changed wording." in out and "It has a second sentence 1." not in out
    assert sum(1 for _ in open(rows / "rows-00000.jsonl", "rb")) == 8  # the old rows are gone from the shard too


@pytest.mark.parametrize("damage", ["cut", "delete"])
def test_rows_lost_behind_a_finished_manifest_are_translated_again(models, tmp_path, damage):
    path = _jsonl(tmp_path / "c.jsonl", _docs(8))
    rows, clean = tmp_path / "rows", tmp_path / "clean"
    assert run_cli("translate", path, "--to", "ko", "--rows", str(clean), "-q", "--no-cache").returncode == 0
    assert run_cli("translate", path, "--to", "ko", "--rows", str(rows), "-q", "--no-cache").returncode == 0
    shard = rows / "rows-00000.jsonl"
    if damage == "cut":
        data = shard.read_bytes()
        shard.write_bytes(data[: len(data) // 2])
    else:
        shard.unlink()
    proc = run_cli("translate", path, "--to", "ko", "--rows", str(rows), "--no-cache")
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "missing or damaged" in err and "translated again" in err
    lost = 8 if damage == "delete" else 4
    assert f"translated {lost} documents" in err
    assert sorted(r["doc"] for r in iter_rows(rows)) == sorted(r["doc"] for r in iter_rows(clean))
    assert sum(1 for _ in open(shard, "rb")) == 16


# ---------------------------------------------------------------- 18.8, 17.10


def test_latin1_bytes_in_a_jsonl_corpus_warn_and_are_read_as_windows_1252(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "a", "text": "Caf\xe9 society. Fine."}\n' + json.dumps(_docs(1)[0]).encode() + b"\n")
    problems, reports = [], []
    items = _items(path, problems, reports)
    assert items[0].text == "Café society. Fine." and not problems
    assert reports == ["warning: latin.jsonl: line 1 is not UTF-8; read as Windows-1252 (Latin-1), check them"]


def test_a_misspelled_jsonl_field_is_one_usage_error(tmp_path):
    path = _jsonl(tmp_path / "c.jsonl", _docs(50))
    problems: list[str] = []
    from workbench.messages import explain

    # the library names the setting (issue 16: no CLI flags in library messages); the CLI's wording adds the flag
    with pytest.raises(UsageError, match=r"no field 'txt' for the text in its first 20 rows \(fields: id, text\)") as exc:
        _items(path, problems, text_field="txt")
    assert exc.value.setting == "text_field" and "--text-field" in explain(exc.value)
    with pytest.raises(UsageError) as exc:
        _items(path, problems, id_field="url")
    assert exc.value.setting == "id_field" and "--id-field" in explain(exc.value)
    assert problems == []
    # a field that only some rows lack is still one line per such row
    records = _docs(3)
    del records[1]["text"]
    records[1]["body"] = "x"
    assert len(_items(_jsonl(tmp_path / "d.jsonl", records), problems, text_field="text")) == 2
    assert len(problems) == 1
