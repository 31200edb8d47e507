"""Issue 11, the input/output/cache half: each numbered case as a test, then fuzzing.

4  outputs never replace what is not a regular file, write through symlinks, honour the umask,
   and clean the .part files a killed run left
7  a damaged cache is moved aside and the run goes on
8  mixed encodings are not silently corrupted; UTF-16 without BOM is read
9  bombs and endless inputs are refused early (docx, HTML, devices, FIFOs, stdin) and the
   segmenter stays linear on one long unpunctuated line (the glob loop is tested with expand_inputs)
10 output problems are one line, found before any translation work

Nothing here touches a system file: FIFOs, sockets, symlinks and folders are made in tmp_path.
"""

from __future__ import annotations

import errno
import io
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from workbench import cli, documents, export, segment
from workbench.cache import TranslationCache, cache_key
from workbench.errors import BadInput, OutputError
from workbench.testing.hostile import docx_bomb

ENGLISH = "The two leaders met on Sunday in the capital. They agreed to meet again next month.\n"


def one_line(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode().splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0] and "internal error" not in lines[0]
    return lines[0]


# ---------------------------------------------------------------- 4: outputs


def special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.csv"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    sock.close()  # the socket file stays
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    return {"a FIFO": fifo, "a socket": sock_path, "a folder": folder}


def test_write_atomic_refuses_fifo_socket_and_folder_and_leaves_them_as_they_are(tmp_path):
    for what, path in special_files(tmp_path).items():
        before = path.lstat().st_mode
        with pytest.raises(OutputError, match=f"{path.name}: is {what}"):
            export.write_atomic(path, "data")
        with pytest.raises(OutputError, match=f"is {what}"):
            export.check_writable(path)
        assert path.lstat().st_mode == before  # not turned into a regular file
    assert not list(tmp_path.glob(".*.part"))


def test_write_atomic_refuses_a_device_node(tmp_path):
    node = tmp_path / "null.csv"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # our own node for /dev/null's device
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD); the FIFO and socket cases run everywhere")
    with pytest.raises(OutputError, match="null.csv: is a device"):
        export.write_atomic(node, "data")
    assert stat.S_ISCHR(node.lstat().st_mode)


def test_symlink_is_written_through_to_its_target(tmp_path):
    target = tmp_path / "real" / "result.csv"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    export.write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "real" / "created.csv")
    export.write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "real" / "created.csv").read_text() == "made"


def test_symlink_to_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.csv"
    link.symlink_to(fifo)
    with pytest.raises(OutputError, match="is a FIFO .*the symlink points to"):
        export.write_atomic(link, "x")
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_outputs_follow_the_umask_and_replaced_ones_keep_their_mode(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        fresh = export.write_atomic(tmp_path / "new.txt", "x")
        kept = tmp_path / "kept.txt"
        kept.write_text("old")
        kept.chmod(0o640)
        export.write_atomic(kept, "new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == mode
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "new"


def test_stale_part_files_are_cleaned_by_the_next_write(tmp_path):
    old_time = time.time() - 3600
    stale = tmp_path / ".result.csv.0123456789abcdef.part"  # what a killed run leaves
    fresh = tmp_path / ".result.csv.fedcba9876543210.part"  # a concurrent writer's, just made
    locked = tmp_path / ".other.csv.00112233445566ff.part"  # old but held by a live writer
    not_ours = [tmp_path / "notes.part", tmp_path / ".hidden.part", tmp_path / ".x.csv.XYZ.part"]
    for p in (stale, fresh, locked, *not_ours):
        p.write_text("partial")
    for p in (stale, locked, *not_ours):
        os.utime(p, (old_time, old_time))
    import fcntl

    holder = open(locked, "rb")
    fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
    try:
        export.write_atomic(tmp_path / "result.csv", "done")
    finally:
        holder.close()
    assert not stale.exists()
    assert fresh.exists() and locked.exists() and all(p.exists() for p in not_ours)
    assert (tmp_path / "result.csv").read_text() == "done"


def test_full_disk_is_one_line_and_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("previous complete output")
    real_write = os.write
    calls = []

    def write_then_enospc(fd, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data[:10]))  # a short write first, as a nearly full disk does

    monkeypatch.setattr(os, "write", write_then_enospc)
    with pytest.raises(OutputError, match=r"out.csv: cannot be written \(no space left on the device\)"):
        export.write_atomic(target, "x" * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "previous complete output"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_full_disk_in_a_cli_export_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(ENGLISH)
    b.write_text(ENGLISH.replace("Sunday", "Monday"))

    def enospc(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", enospc)
    rc = cli.main(["compare", str(a), str(b), "--lang", "en", "--csv", str(tmp_path / "diff.csv")])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert rc == 1
    assert "error: " in err and "no space left on the device" in err and "internal error" not in err
    assert not (tmp_path / "diff.csv").exists() and not list(tmp_path.glob(".*.part"))


# ---------------------------------------------------------------- 10: output checks come first


@pytest.mark.parametrize("case", ["csv-folder", "out-file", "rows-file", "csv-under-a-file", "csv-fifo", "tmx-folder"])
def test_unusable_outputs_are_one_line_before_any_work(no_models, tmp_path, case):
    """No model is installed: a run that got as far as translating would fail on that instead."""
    src = tmp_path / "in.txt"
    src.write_text(ENGLISH)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    args, expected = {
        "csv-folder": (["translate", str(src), "--csv", str(tmp_path)], "is a folder, not a file"),
        "out-file": (["translate", str(src), "--out", str(a_file)], "is a file, not a folder; --out needs"),
        "rows-file": (["translate", str(src), "--rows", str(a_file)], "is a file, not a folder; --rows needs"),
        "csv-under-a-file": (["translate", str(src), "--csv", str(a_file / "sub" / "x.csv")], "is a file, not a folder"),
        "csv-fifo": (["translate", str(src), "--csv", str(fifo)], "is a FIFO"),
        "tmx-folder": (["align", str(src), str(src), "--lang", "ko", "--tmx", str(tmp_path)], "is a folder"),
    }[case]
    cache_file = tmp_path / "cache.sqlite"
    r = run_cli(*args, env={"PARALLAX_CACHE": str(cache_file)})
    assert r.returncode == 1
    assert expected in one_line(r.stderr)
    assert not cache_file.exists()  # failed before even opening the cache
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_read_only_folder_is_found_by_the_preflight(tmp_path, monkeypatch):
    real_open = os.open

    def refuse_creates(path, flags, mode=0o777, **kw):
        if flags & os.O_CREAT and Path(path).parent == tmp_path / "ro":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, mode, **kw)

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(os, "open", refuse_creates)
    with pytest.raises(OutputError, match=r"out.csv: cannot be written: permission denied"):
        export.check_writable(tmp_path / "ro" / "out.csv")
    with pytest.raises(OutputError, match="permission denied"):
        export.check_outputs([None], out_dir=tmp_path / "ro")
    with pytest.raises(OutputError, match=r"cannot be written \(in .*ro\): permission denied"):
        export.check_writable(tmp_path / "ro" / "new" / "deeper" / "out.csv")  # missing parents: their parent decides
    export.check_writable(tmp_path / "fine" / "out.csv")  # a missing folder under a writable one is fine


# ---------------------------------------------------------------- 7: cache


def damaged_cache_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.sqlite"
    c = TranslationCache(good)
    c.put_many([(cache_key("p", "o", f"sentence {i}" * 20), "번역 " * 50, -0.1, 5) for i in range(3000)])
    c.close()
    data = good.read_bytes()
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(os.urandom(64 * 1024))
    return {"truncated": truncated, "garbage": garbage}


@pytest.mark.parametrize("kind", ["truncated", "garbage"])
def test_damaged_cache_is_moved_aside_and_replaced(tmp_path, kind, caplog):
    path = damaged_cache_files(tmp_path)[kind]
    original = path.read_bytes()
    c = TranslationCache(path)
    (warning,) = c.warnings
    assert str(path) in warning and "damaged" in warning and ".corrupt-" in warning
    aside = list(tmp_path.glob(f"{path.name}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == original  # kept for a look, never deleted
    c.put_many([("k", "v", None, None)])
    assert c.get_many(["k"]) == {"k": ("v", None, None)}
    c.close()
    assert TranslationCache(path).warnings == []  # the fresh one is healthy
    assert any(str(path) in r.getMessage() for r in caplog.records)


class FailingDB:
    """A connection whose queries fail the way a file damaged (or locked) during a run fails."""

    def __init__(self, real: sqlite3.Connection, error: sqlite3.Error) -> None:
        self.real, self.error = real, error

    def execute(self, *a, **k):
        raise self.error

    executemany = execute

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        self.real.close()


def test_cache_damaged_during_a_run_recovers_at_the_first_error(tmp_path):
    c = TranslationCache(tmp_path / "c.sqlite")
    c._db = FailingDB(c._db, sqlite3.DatabaseError("database disk image is malformed"))
    assert c.get_many(["k"]) == {}  # a miss, not a failure
    assert list(tmp_path.glob("c.sqlite.corrupt-*"))
    c.put_many([("k", "v", None, None)])
    assert c.get_many(["k"]) == {"k": ("v", None, None)}
    assert len(c.warnings) == 1


def test_cache_write_failure_is_a_warning_and_translations_are_kept(models, tmp_path):
    from workbench.engine import Engine

    c = TranslationCache(tmp_path / "c.sqlite")
    c._db = FailingDB(c._db, sqlite3.OperationalError("database is locked"))
    out = Engine(cache=c).translate_sentences(["The leaders met on Sunday."], "en", "ko")
    assert len(out) == 1 and out[0].text
    assert any("could not save" in w for w in c.warnings)
    assert not list(tmp_path.glob("*.corrupt-*"))  # a busy file is not moved aside


def test_cli_translates_with_a_garbage_cache_and_names_the_file(models, tmp_path):
    cache_file = tmp_path / "cache.sqlite"
    cache_file.write_bytes(b"this is not a database" * 100)
    src = tmp_path / "in.txt"
    src.write_text(ENGLISH)
    r = run_cli("translate", str(src), "--to", "ko", "--json", "-q", env={"PARALLAX_CACHE": str(cache_file)})
    assert r.returncode == 0, r.stderr.decode()
    line = one_line(r.stderr)
    assert line.startswith("warning: ") and str(cache_file) in line
    assert b'"ko"' in r.stdout


# ---------------------------------------------------------------- 8: encodings


MIXED = ("Kim Jong-un (김정은) met the delegation on Sunday.\n".encode()
         + "The café served crème brûlée to the visitors.\n".encode("latin-1")
         + "Officials in Seoul (서울) said nothing.\n".encode()
         + "Prices rose 5 € on Monday.\n".encode("cp1252"))


def test_mixed_encodings_keep_utf8_and_name_the_other_lines(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(MIXED)
    doc = documents.read_file(path)
    text = doc.text
    assert "김정은" in text and "서울" in text
    assert "café" in text and "crème brûlée" in text and "5 €" in text
    assert doc.encoding == "utf-8"
    (warning,) = doc.warnings
    assert "lines 2, 4 are not UTF-8" in warning and "mixed.txt" in warning


def test_cli_prints_the_encoding_warning(models, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(MIXED)
    r = run_cli("translate", str(path), "--to", "ko", "--json", "-q", "--no-cache")
    assert r.returncode == 0
    assert "warning: " in r.stderr.decode() and "lines 2, 4 are not UTF-8" in r.stderr.decode()


def test_a_file_in_another_encoding_is_still_detected_whole():
    data = ("기자회견에서 정부는 새로운 정책을 발표했다. 김정은 위원장은 회의에 참석했다.\n" * 20).encode("euc-kr")
    text, encoding, warnings = documents.decode_text(data, "ko.txt")
    assert "김정은" in text and encoding.lower().replace("_", "-") in ("euc-kr", "cp949", "johab", "uhc") and not warnings


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_not_called_binary(tmp_path, codec):
    path = tmp_path / "u16.txt"
    path.write_bytes((ENGLISH + "Kim Jong-un (김정은) was there.\n").encode(codec))
    doc = documents.read_file(path)
    assert "김정은" in doc.text and doc.encoding == codec


# ---------------------------------------------------------------- 9: resource exhaustion


def test_docx_bomb_is_refused_from_the_declared_sizes():
    data = docx_bomb(64)
    assert len(data) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(BadInput, match=r"word/document.xml would be 6[34] MB uncompressed.*zip bomb"):
            documents.read_bytes(data, "bomb.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # nothing was inflated


def test_html_over_its_cap_is_refused(monkeypatch):
    monkeypatch.setattr(documents.limits, "MAX_HTML_BYTES", 1 << 20)
    page = b"<html><body>" + b"<p>The leaders met.</p>" * 60_000 + b"</body></html>"
    with pytest.raises(BadInput, match="page.html: the page is 1 MB of HTML; the limit is 1 MB"):
        documents.read_bytes(page, "page.html")


def run_limited(*args: str, stdin: bytes | None = None, limit_gb: int = 3) -> subprocess.CompletedProcess:
    """The CLI with its address space capped, so that a build that reads without a cap fails
    with MemoryError instead of taking the shared machine's memory."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_gb << 30, limit_gb << 30))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "workbench", *args], input=stdin, capture_output=True,
                          env=env, cwd=ROOT, timeout=300, preexec_fn=cap)


def test_dev_zero_as_input_is_refused_by_type(models):
    r = run_limited("translate", "/dev/zero", "--to", "ko")
    assert r.returncode == 1
    assert "/dev/zero: is a character device, not a file" in one_line(r.stderr)


def test_fifo_as_input_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "in.txt"
    os.mkfifo(fifo)

    def unblock() -> None:  # only a build that opened the FIFO is waiting for a writer
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:
                time.sleep(0.1)

    threading.Thread(target=unblock, daemon=True).start()
    with pytest.raises(BadInput, match=r"in.txt: is a FIFO \(named pipe\), not a file"):
        documents.read_file(fifo)


class Endless(io.RawIOBase):
    """An endless readable stream of text that counts what was read from it."""

    def __init__(self) -> None:
        self.read_total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        b[:] = (b"The leaders met. " * (len(b) // 17 + 1))[: len(b)]
        self.read_total += len(b)
        return len(b)


def test_stdin_is_read_with_the_cap_and_named_stdin():
    stream = Endless()
    with pytest.raises(BadInput, match=r"^stdin: more than 20 MB"):
        documents.read_stream(io.BufferedReader(stream), "stdin")
    assert stream.read_total <= documents.MAX_INPUT_BYTES + 2 * (1 << 20)


def test_cli_stdin_over_the_cap_and_empty_stdin_name_stdin(models):
    big = run_limited("translate", "-", "--to", "ko", stdin=b"The leaders met. " * 1_300_000)
    assert big.returncode == 1 and one_line(big.stderr).startswith("error: stdin: more than 20 MB")
    empty = run_cli("translate", "-", "--to", "ko", stdin=b"")
    line = one_line(empty.stderr)
    assert empty.returncode == 1 and line.startswith("error: stdin: ") and "stdin.txt" not in line


def test_files_are_read_with_the_cap_not_their_reported_size(tmp_path, monkeypatch):
    """A file that grows after it was looked at (or reports no size, like /proc) is still capped."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"The leaders met. " * 1000)
    monkeypatch.setattr(documents.limits, "MAX_INPUT_BYTES", 4096)
    with pytest.raises(BadInput, match="limit"):
        documents.read_file(path)
    with open(path, "rb") as f:
        with pytest.raises(BadInput, match="more than"):
            documents.read_limited(f, "growing.txt", 4096)


def test_one_long_unpunctuated_line_never_reaches_pysbd_whole(monkeypatch):
    """The issue's quadratic case (2 MB, no sentence punctuation): pySBD only ever sees a window;
    every sentence is an exact substring, in order, of at most MAX_SENTENCE_CHARS."""
    words = "the of and to in a is that for it as was with be by on not he this are or his from at".split()
    line = " ".join(words[i * 7 % len(words)] for i in range(420_000))[:2_000_000]
    seen: list[int] = []
    real = segment._pysbd_sentences

    def watched(text: str) -> list[str]:
        seen.append(len(text))
        return [text] if len(text) > 50_000 else real(text)  # an unwindowed build is not left running for minutes

    monkeypatch.setattr(segment, "_pysbd_sentences", watched)
    segment._spans.cache_clear()
    spans = segment.sentence_spans(line + ". And a real sentence.", "en")
    assert max(seen, default=0) <= 10_000  # a window, never the whole line
    pos = 0
    for a, b in spans:
        assert a >= pos and not line[pos:a].strip() and b - a <= segment.MAX_SENTENCE_CHARS
        pos = b


# ---------------------------------------------------------------- fuzzing


SUFFIXES = st.sampled_from(["a.txt", "a.md", "a.html", "a.docx", "a.pdf", "a"])
FUZZ = settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])


def valid_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Leaders meet", 1)
    d.add_paragraph("The two leaders met on Sunday in the capital. They talked.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


_SEEDS: dict[str, bytes] = {}


def seed(kind: str) -> bytes:
    if not _SEEDS:
        from test_documents import article_pdf

        _SEEDS.update({"a.pdf": article_pdf(), "a.docx": valid_docx(), "a.html": b"<h1>Hi</h1><p>The leaders met.</p>",
                       "a.txt": ENGLISH.encode(), "a.md": b"# Title\n\n" + ENGLISH.encode(), "a": ENGLISH.encode()})
    return _SEEDS[kind]


@FUZZ
@given(name=SUFFIXES, data=st.binary(max_size=4000))
def test_fuzz_read_bytes_random_bytes_only_bad_input(name, data):
    try:
        doc = documents.read_bytes(data, name, lang="en")
    except BadInput:
        return
    assert doc.paragraphs and all(p.sentences for p in doc.paragraphs)


@FUZZ
@given(name=SUFFIXES, edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)),
                                      min_size=1, max_size=6), cut=st.floats(0.05, 1))
def test_fuzz_read_bytes_damaged_real_files_only_bad_input(name, edits, cut):
    data = bytearray(seed(name))
    for where, junk in edits:
        i = int(where * len(data))
        data[i:i + len(junk)] = junk
    data = bytes(data[: max(1, int(len(data) * cut))])
    try:
        documents.read_bytes(data, name, lang="en")
    except BadInput:
        pass


@FUZZ
@given(text=st.text(max_size=3000))
def test_fuzz_from_text_only_bad_input(text):
    try:
        documents.from_text(text, "pasted text", lang="en")
    except BadInput:
        pass


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=2500),
                      st.text(alphabet=st.sampled_from(list("ab .!?\n。！？\"'”)(U.S;:,—가")), max_size=6000)),
       lang=st.sampled_from(["en", "ko", "zh", "ja", "fr"]))
def test_fuzz_segment_contract(text, lang):
    spans = segment.sentence_spans(text, lang)
    pos = 0
    for a, b in spans:
        piece = text[a:b]
        assert piece and piece == piece.strip() and len(piece) <= segment.MAX_SENTENCE_CHARS
        assert a >= pos and not text[pos:a].strip()
        pos = b
    assert not text[pos:].strip()


def test_a_long_run_of_combining_marks_is_cut_not_a_recursion_error():
    text = "a" + "\u0301" * 5000
    pieces = segment.split_sentences(text, "zh")
    assert "".join(pieces) == text and max(map(len, pieces)) <= segment.MAX_SENTENCE_CHARS
