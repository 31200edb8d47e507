"""workbench.parquet: Parquet rows in bounded memory. The page decoder is checked against pyarrow
on files pyarrow writes (every codec, both page versions, dictionary or plain, nulls), then on
hostile files: a huge cell, damaged pages, a page header that lies. Files are built here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench import parquet

ROOT = Path(__file__).resolve().parent.parent
CODECS = ["NONE", "SNAPPY", "GZIP", "ZSTD", "BROTLI", "LZ4"]


def _table(n: int = 300, size: int = 40) -> pa.Table:
    ids = [f"r{i}" if i % 17 else None for i in range(n)]
    texts = [None if i % 23 == 5 else ("Row %d: naïve café, 한국어, 中文. " % i) * (1 + (i * 7) % size) for i in range(n)]
    texts[3] = texts[4] = "the same text"  # dictionary entries shared by rows
    return pa.table({"id": ids, "text": texts, "n": list(range(n))})


def _read(path: Path, cap: int = 2**20, columns=("id", "text")) -> tuple[list, list[str]]:
    problems: list[str] = []
    rows = list(parquet.records(path, list(columns), "text", problems.append, cap=cap))
    return rows, problems


def _expected(table: pa.Table, columns=("id", "text")) -> list:
    return list(enumerate(table.select(list(columns)).to_pylist(), 1))


@pytest.fixture
def own_decoder(monkeypatch):
    """Every row group through this module's decoder, none through pyarrow."""
    monkeypatch.setattr(parquet, "PYARROW_PAGE_BYTES", 0)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("dictionary", [True, False])
def test_the_page_decoder_reads_what_pyarrow_writes(own_decoder, tmp_path, codec, version, dictionary):
    table = _table()
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, compression=codec, data_page_version=version, use_dictionary=dictionary,
                   row_group_size=120, data_page_size=4096)
    assert _read(path) == (_expected(table), [])


@pytest.mark.parametrize("codec", CODECS)
def test_pages_over_the_cap_are_streamed_and_a_value_over_it_skipped(monkeypatch, tmp_path, codec):
    """With no slack every page larger than the cap is decoded in pieces (the path a 400 MB cell takes)."""
    monkeypatch.setattr(parquet, "PAGE_SLACK", 0)
    table = _table(200, size=400)  # values up to ~20 KB
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, compression=codec, row_group_size=200, data_page_size=2**20)
    cap = 12_000
    rows, problems = _read(path, cap=cap)
    expected = [(n, r) for n, r in _expected(table) if r["text"] is None or len(r["text"].encode()) <= cap]
    assert rows == expected
    over = [n for n, r in _expected(table) if r["text"] is not None and len(r["text"].encode()) > cap]
    assert over and problems == [f"t.parquet row {n}: its text is larger than 0 MB; skipped" for n in over]


def test_required_and_binary_columns_and_a_numeric_id(own_decoder, tmp_path):
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("text", pa.string(), nullable=False),
                        pa.field("raw", pa.binary())])
    table = pa.table({"id": list(range(50)), "text": [f"Text {i}." for i in range(50)],
                      "raw": [bytes([i]) * i for i in range(50)]}, schema=schema)
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=20)
    assert _read(path, columns=("id", "text", "raw")) == (_expected(table, ("id", "text", "raw")), [])


def _huge_cell_file(path: Path, mb: int, codec: str = "SNAPPY") -> None:
    texts = [f"Row {i} is fine." for i in range(2000)]
    texts[1000] = "x" * (mb * 2**20)
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(2000)], "text": texts}), path, compression=codec)


def test_a_huge_cell_costs_time_not_memory(tmp_path):
    """Issue 15.4: a 150 MB cell (in the dictionary page pyarrow writes, with 1,023 good rows that
    share it) is skipped by its length; the other rows are kept. Peak RSS is measured in a fresh
    process: pyarrow alone holds such a page about five times over (over 700 MB here)."""
    path = tmp_path / "huge.parquet"
    _huge_cell_file(path, 150)
    code = ("import sys; from pathlib import Path; from workbench import parquet\n"
            "problems = []\n"
            "n = sum(1 for _ in parquet.records(Path(sys.argv[1]), ['id', 'text'], 'text', problems.append))\n"
            # VmHWM, not ru_maxrss: that one starts from the forking parent's peak
            "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "print(n, problems, int(peak.split()[1]) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split(" ", 1)
    rows, rest = int(out[0]), out[1]
    problems, peak_mb = rest.rsplit(" ", 1)
    assert rows == 1999
    assert problems == "['huge.parquet row 1001: its text is larger than 20 MB; skipped']"
    assert int(peak_mb) < 300, f"peak RSS {peak_mb} MB for a 150 MB cell"


def _flip(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def _text_chunk(path: Path, group: int = 0):
    meta = pq.ParquetFile(path).metadata.row_group(group)
    return next(meta.column(c) for c in range(meta.num_columns) if meta.column(c).path_in_schema == "text")


def test_a_garbage_page_header_refuses_its_row_group_and_the_run_goes_on(tmp_path):
    table = _table(300)
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=100, use_dictionary=False)
    chunk = _text_chunk(path, 1)
    _flip(path, chunk.data_page_offset, b"\xff" * 16)
    rows, problems = _read(path)
    assert [n for n, _ in rows] == list(range(1, 101)) + list(range(201, 301))
    assert len(problems) == 1 and problems[0].startswith("t.parquet rows 101-200: ") and problems[0].endswith("; skipped")


def test_damaged_compressed_data_in_a_large_page_refuses_that_page_once(monkeypatch, tmp_path):
    monkeypatch.setattr(parquet, "PAGE_SLACK", 0)
    table = _table(200, size=400)
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, compression="ZSTD", use_dictionary=False, row_group_size=200, data_page_size=2**20)
    chunk = _text_chunk(path)
    pages = list(parquet.pages(open(path, "rb"), chunk.data_page_offset,
                               chunk.data_page_offset + chunk.total_compressed_size, chunk.num_values))
    assert len(pages) == 1
    _flip(path, pages[0].start + pages[0].compressed // 2, os.urandom(64))
    rows, problems = _read(path, cap=2**20)
    assert len(problems) == 1 and problems[0].startswith("t.parquet row") and "; skipped" in problems[0]
    assert all(r["text"] == table["text"][n - 1].as_py() for n, r in rows)


def test_dictionary_entries_past_the_budget_are_refused_by_row(monkeypatch, tmp_path):
    monkeypatch.setattr(parquet, "PAGE_SLACK", 0)
    monkeypatch.setattr(parquet, "DICTIONARY_BYTES", 0)  # the budget is then the cap
    table = pa.table({"id": [f"r{i}" for i in range(10)], "text": [f"{i}" * 5000 for i in range(10)]})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, compression="SNAPPY", row_group_size=10)
    rows, problems = _read(path, cap=12_000)
    assert [n for n, _ in rows] == [1, 2]  # two entries of 5,000 (+ 8) fit in 12,000; the third does not
    assert problems == [f"t.parquet row {n}: its text is past the first 0 MB of a Parquet dictionary page; skipped"
                        for n in range(3, 11)]


def test_a_row_group_of_large_articles_is_read_whole_by_the_page_decoder(tmp_path):
    """1,200 articles of 20 KB: pyarrow's first dictionary page holds 1,024 of them (20 MB, over
    PYARROW_PAGE_BYTES), so this module decodes the group; every row comes back as pyarrow reads it."""
    table = pa.table({"id": [f"r{i}" for i in range(1200)], "text": [f"word{i} " * 2500 for i in range(1200)]})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1200)
    with open(path, "rb") as f:
        chunk = _text_chunk(path)
        start = chunk.dictionary_page_offset
        assert max(p.uncompressed for p in parquet.pages(f, start, start + chunk.total_compressed_size,
                                                         chunk.num_values)) > parquet.PYARROW_PAGE_BYTES
    assert _read(path, cap=parquet.MAX_INPUT_BYTES) == (_expected(table), [])


@pytest.mark.parametrize("path_taken", ["pyarrow", "own"])
def test_a_string_cell_that_is_not_utf8_is_one_line(monkeypatch, tmp_path, path_taken):
    """Parquet says string columns are UTF-8 but nothing checks it when writing (a damaged or
    hand-made file): the row is one line, the others are read (pyarrow alone raises)."""
    if path_taken == "own":
        monkeypatch.setattr(parquet, "PYARROW_PAGE_BYTES", 0)
    raw = pa.array([b"Fine.", b"caf\xe9 in Latin-1", b"Also fine."], pa.binary()).view(pa.string())
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": raw}), path)
    with pytest.raises(UnicodeDecodeError):
        pq.read_table(path).to_pylist()
    rows, problems = _read(path)
    assert rows == [(1, {"id": "a", "text": "Fine."}), (3, {"id": "c", "text": "Also fine."})]
    assert problems == ["t.parquet row 2: its text is not valid UTF-8 (a damaged file?); skipped"]


def test_a_file_that_is_not_parquet_is_one_line_and_the_other_inputs_are_read(tmp_path):
    from workbench.corpus import Corpus

    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"id": ["a"], "text": ["Fine text."]}), good)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-20])  # the footer cut off: a copy that stopped early
    problems: list[str] = []
    items = list(Corpus([str(cut), str(good)], problem=problems.append, report=problems.append))
    assert [i.name for i in items] == ["a"]
    assert len(problems) == 1 and problems[0].startswith(f"{cut}: not a Parquet file, or a damaged one (")


@pytest.mark.parametrize("route", ["pyarrow", "own", "streamed"])
def test_random_damage_is_problem_lines_never_an_exception(monkeypatch, tmp_path, route):
    """Bytes flipped at random in the pages (not the footer) of files in every codec: each read
    ends, every row is either returned or inside a problem line."""
    import random

    if route != "pyarrow":
        monkeypatch.setattr(parquet, "PYARROW_PAGE_BYTES", 0)
    if route == "streamed":
        monkeypatch.setattr(parquet, "PAGE_SLACK", 0)
    rng = random.Random(route)
    table = _table(120)
    for codec in CODECS:
        path = tmp_path / f"{codec}.parquet"
        pq.write_table(table, path, compression=codec, row_group_size=40, data_page_size=2048,
                       use_dictionary=rng.random() < 0.5, data_page_version=rng.choice(["1.0", "2.0"]))
        data = path.read_bytes()
        pages_end = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
        for _ in range(40):
            damaged = bytearray(data)
            for _ in range(rng.choice([1, 2, 8])):
                damaged[rng.randrange(4, pages_end)] = rng.randrange(256)
            path.write_bytes(bytes(damaged))
            rows, problems = _read(path, cap=3000 if route == "streamed" else 2**20)
            assert len(rows) <= 120 and all(p.endswith("; skipped") for p in problems)


def test_a_dictionary_of_millions_of_empty_entries_holds_only_its_budget(monkeypatch, tmp_path):
    """Each entry costs a slot even when short: the budget counts 8 bytes a slot plus its length, so
    a page of 2,000 short entries under a 4 KB budget holds the first few hundred, and each row
    pointing past them is one line."""
    monkeypatch.setattr(parquet, "PYARROW_PAGE_BYTES", 0)
    monkeypatch.setattr(parquet, "PAGE_SLACK", 0)
    monkeypatch.setattr(parquet, "DICTIONARY_BYTES", 0)
    texts = [("x" * (i % 3)) + str(i) for i in range(2000)]  # 2,000 distinct short entries
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": texts}), path, row_group_size=2000, dictionary_pagesize_limit=2**20)
    rows, problems = _read(path, cap=4096, columns=("text",))
    kept = [n for n, _ in rows]
    assert kept and len(kept) < 2000 and kept == list(range(1, len(kept) + 1))
    assert len(problems) == 2000 - len(kept) and all("past the first 0 MB of a Parquet dictionary" in p for p in problems)
