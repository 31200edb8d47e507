"""Parquet corpus files read in bounded memory, whatever a cell holds.

pyarrow decodes a whole data page before a row's length can be checked, so one 400 MB cell costs
gigabytes. Here the page headers are read first (a few bytes each, at the offsets the footer
gives): a row group whose pages are all small goes to pyarrow in batches; one with a large page is
decoded here, page by page, and a value over the text cap is skipped by its length, never held.
Pages up to the cap (plus PAGE_SLACK) are decompressed whole; larger ones are streamed: gzip, zstd
and brotli by Arrow's stream decompressors, Snappy and LZ4 blocks by the small decoders below
(back references reach at most 64 KB, so a window is enough; tens of MB/s).
"""

from __future__ import annotations

import io
import itertools
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

from .documents import MAX_INPUT_BYTES
from .errors import BadInput

# pyarrow holds a page about five times over while decoding it (compressed, decompressed, the
# Arrow array and its growth): row groups whose pages are all this small (and under the text cap,
# so no value in them is over it) go to pyarrow
PYARROW_PAGE_BYTES = 16 * 2**20
# larger pages are decompressed here in one piece up to the text cap plus this; beyond, in pieces
PAGE_SLACK = 2**20
# a dictionary page is held (rows point into it); pyarrow's hold up to 1,024 values past its 1 MB
# dictionary limit, so 1,024 articles of 128 KB. Entries past this are refused, naming their rows.
DICTIONARY_BYTES = 128 * 2**20
MAX_HEADER_BYTES = 2**20  # a page header's Thrift struct, statistics included (binary fields are skipped)
CHUNK = 2**20  # bytes read at a time when skipping or streaming
BATCH_BYTES = 16 * 2**20  # text per pyarrow batch, as the row group's sizes say (rows: 1 to 1024)

# Thrift compact protocol field types
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)
# Parquet page types and encodings
DATA_PAGE, INDEX_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = range(4)
PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY = 0, 2, 8
STREAMED_CODECS = {"UNCOMPRESSED": None, "GZIP": "gzip", "ZSTD": "zstd", "BROTLI": "brotli"}
# pyarrow names the LZ4 block codec (Parquet's LZ4_RAW) "LZ4"; Hadoop's framed LZ4 is "LZ4_HADOOP"
WHOLE_CODECS = {"SNAPPY": "snappy", "LZ4": "lz4_raw", "LZ4_RAW": "lz4_raw"}
ARROW_CODECS = {**STREAMED_CODECS, **WHOLE_CODECS}  # Parquet's codec names -> pyarrow.decompress's


class Unreadable(Exception):
    """A column chunk this reader cannot decode (the message says why); its rows are refused."""


@dataclass(frozen=True)
class Page:
    kind: int  # DATA_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 (index pages are passed over)
    start: int  # file offset of the page's (compressed) body
    compressed: int
    uncompressed: int
    values: int  # values (rows, for a flat column) in the page
    encoding: int
    levels: tuple[int, int] = (0, 0)  # v2: repetition and definition level bytes (not compressed)
    compressed_body: bool = True  # v2 may store its values uncompressed


class _Thrift:
    """Just enough of the Thrift compact protocol to read a PageHeader from a file without
    trusting it: binary fields are skipped by seeking, and the header's size is capped."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.start = f.tell()
        self.buf = b""
        self.pos = 0

    def used(self) -> int:
        return self.f.tell() - len(self.buf) + self.pos - self.start

    def byte(self) -> int:
        if self.pos >= len(self.buf):
            if self.used() > MAX_HEADER_BYTES:
                raise Unreadable(f"a page header is over {MAX_HEADER_BYTES // 2**20} MB")
            self.buf, self.pos = self.f.read(4096), 0
            if not self.buf:
                raise Unreadable("the file ends inside a page header")
        self.pos += 1
        return self.buf[self.pos - 1]

    def skip_bytes(self, n: int) -> None:
        held = len(self.buf) - self.pos
        if n <= held:
            self.pos += n
            return
        self.f.seek(n - held, io.SEEK_CUR)
        self.buf, self.pos = b"", 0

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise Unreadable("a page header has a malformed number")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int, depth: int) -> object:
        if depth > 16:
            raise Unreadable("a page header is nested too deeply")
        if kind in (_TRUE, _FALSE):
            return kind == _TRUE
        if kind == _BYTE:
            return self.byte()
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            self.skip_bytes(8)
            return None
        if kind == _BINARY:
            self.skip_bytes(self.varint())
            return None
        if kind in (_LIST, _SET):
            head = self.byte()
            size, inner = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            for _ in range(size):
                self.byte() if inner in (_TRUE, _FALSE) else self.value(inner, depth + 1)
            return None
        if kind == _MAP:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.value(types >> 4, depth + 1)
                    self.value(types & 0x0F, depth + 1)
            return None
        if kind == _STRUCT:
            return self.struct(depth + 1)
        raise Unreadable(f"a page header has an unknown field type {kind}")

    def struct(self, depth: int = 0) -> dict[int, object]:
        fields: dict[int, object] = {}
        last = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == _STOP:
                return fields
            delta = head >> 4
            last = last + delta if delta else self.zigzag()
            fields[last] = self.value(kind, depth)

    def finish(self) -> int:
        """The file offset just after the struct read (the page body's start)."""
        return self.f.tell() - len(self.buf) + self.pos


def _int(fields: dict[int, object], key: int, what: str) -> int:
    v = fields.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise Unreadable(f"a page header has no valid {what}")
    return v


def pages(f: IO[bytes], start: int, end: int, num_values: int) -> Iterator[Page]:
    """The pages of one column chunk (file bytes start..end), read from their headers only, one at
    a time (a hostile file may hold millions of empty pages)."""
    pos, seen = start, 0
    while pos < end and seen < num_values:
        f.seek(pos)
        t = _Thrift(f)
        head = t.struct()
        body = t.finish()
        kind = _int(head, 1, "page type")
        uncompressed, compressed = _int(head, 2, "size"), _int(head, 3, "size")
        pos = body + compressed
        if pos > end:
            raise Unreadable("a page runs past the end of its column chunk")
        if kind == DATA_PAGE and isinstance(head.get(5), dict):
            sub = head[5]
            page = Page(kind, body, compressed, uncompressed, _int(sub, 1, "value count"), _int(sub, 2, "encoding"))
        elif kind == DATA_PAGE_V2 and isinstance(head.get(8), dict):
            sub = head[8]
            levels = (_int(sub, 6, "level size"), _int(sub, 5, "level size"))
            if sum(levels) > min(compressed, uncompressed):
                raise Unreadable("a page's levels are larger than the page")
            page = Page(kind, body, compressed, uncompressed, _int(sub, 1, "value count"), _int(sub, 4, "encoding"),
                        levels, sub.get(7) is not False)
        elif kind == DICTIONARY_PAGE and isinstance(head.get(7), dict):
            sub = head[7]
            page = Page(kind, body, compressed, uncompressed, _int(sub, 1, "value count"), _int(sub, 2, "encoding"))
        elif kind == INDEX_PAGE:
            continue
        else:
            raise Unreadable(f"a page of unknown type {kind}")
        if kind != DICTIONARY_PAGE:
            seen += page.values
        yield page


# --- page bodies: read in pieces, whatever their codec ------------------------------------------


class _Body:
    """A page's bytes as a stream: `read` exactly n bytes, `skip` n without keeping them."""

    def take(self, n: int) -> bytes:  # at most n bytes; b"" at the end
        raise NotImplementedError

    def read(self, n: int) -> bytes:
        parts, left = [], n
        while left:
            piece = self.take(left)
            if not piece:
                raise Unreadable("a page ends early")
            parts.append(piece)
            left -= len(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def rest(self) -> bytes:
        """All that is left (a page of dictionary indices, no larger than the cap plus PAGE_SLACK)."""
        parts = []
        while piece := self.take(CHUNK):
            parts.append(piece)
        return b"".join(parts)

    def skip(self, n: int) -> None:
        while n:
            piece = self.take(min(n, CHUNK))
            if not piece:
                raise Unreadable("a page ends early")
            n -= len(piece)


class _Bytes(_Body):
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = memoryview(data), 0

    def take(self, n: int) -> bytes:
        piece = self.data[self.pos:self.pos + n]
        self.pos += len(piece)
        return bytes(piece)

    def skip(self, n: int) -> None:
        if self.pos + n > len(self.data):
            raise Unreadable("a page ends early")
        self.pos += n


class _Range(_Body):
    """Bytes start..start+size of the file, read as asked."""

    def __init__(self, f: IO[bytes], start: int, size: int) -> None:
        self.f, self.pos, self.left = f, start, size

    def take(self, n: int) -> bytes:
        self.f.seek(self.pos)
        piece = self.f.read(min(n, self.left))
        self.pos += len(piece)
        self.left -= len(piece)
        return piece

    def skip(self, n: int) -> None:
        if n > self.left:
            raise Unreadable("a page ends early")
        self.pos += n
        self.left -= n


class _Arrow(_Body):
    """gzip, zstd and brotli pages through Arrow's streaming decompressors."""

    def __init__(self, f: IO[bytes], start: int, size: int, size_out: int, codec: str) -> None:
        import pyarrow as pa

        self.stream = pa.CompressedInputStream(pa.PythonFile(_RangeFile(f, start, size), mode="r"), codec)
        self.left = size_out  # a stream that inflates past the page's size is a bomb, not a page

    def take(self, n: int) -> bytes:
        try:
            piece = self.stream.read(min(n, CHUNK, self.left + 1))
        except (OSError, ValueError) as exc:  # ArrowInvalid / ArrowIOError: corrupt data
            raise Unreadable(f"its compressed data is damaged ({exc})") from None
        self.left -= len(piece)
        if self.left < 0:
            raise Unreadable("its compressed data inflates past the page's size")
        return piece


class _RangeFile(io.RawIOBase):
    """A read-only file of bytes start..start+size of another, for Arrow's stream readers."""

    def __init__(self, f: IO[bytes], start: int, size: int) -> None:
        self.body = _Range(f, start, size)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        piece = self.body.take(len(b))
        b[:len(piece)] = piece
        return len(piece)


WINDOW = 2**20  # output kept for back references (Snappy and LZ4 encoders reach back at most 64 KB)


def _repeat(out: bytearray, offset: int, n: int) -> None:
    """A back reference: append the n bytes that start `offset` back (overlapping: a repeated pattern)."""
    start = len(out) - offset
    if offset >= n:
        out += out[start:start + n]
    else:
        out += (out[start:] * (n // offset + 1))[:n]


class _Blocks(_Body):
    """Snappy or LZ4 block data decoded in pieces: both are literals and back-references into the
    output, so keeping the last WINDOW bytes is enough, and a huge value costs time, not memory."""

    def __init__(self, f: IO[bytes], start: int, size: int, size_out: int) -> None:
        self.src = _Range(f, start, size)
        self.inbuf, self.ipos = b"", 0
        self.out = bytearray()  # the window, then output not yet taken
        self.given = 0  # bytes of self.out already handed out (they stay for back references)
        self.produced = 0
        self.size_out = size_out
        self.lit = self.left = self.offset = 0  # literal bytes / back-reference bytes still to produce

    # compressed input
    def _byte(self) -> int:
        if not self._more():
            raise Unreadable("its compressed data ends early")
        self.ipos += 1
        return self.inbuf[self.ipos - 1]

    def _bytes(self, n: int) -> bytes:
        held = self.inbuf[self.ipos:self.ipos + n]
        self.ipos += len(held)
        if len(held) == n:
            return held
        rest = self.src.read(n - len(held))
        return held + rest

    def _little(self, n: int) -> int:
        return int.from_bytes(self._bytes(n), "little")

    # output: a literal or a back reference is produced CHUNK bytes at a time (an LZ4 match or a
    # Snappy literal can be hundreds of megabytes long)
    def _literal(self, n: int) -> None:
        if self.produced + n > self.size_out:
            raise Unreadable("its compressed data is damaged (more output than the page says)")
        self.lit = n

    def _match(self, offset: int, n: int) -> None:
        if offset <= 0 or offset > len(self.out) or self.produced + n > self.size_out:
            raise Unreadable("its compressed data is damaged (a bad back reference)")
        self.offset, self.left = offset, n

    def _fill(self) -> bool:
        """Up to CHUNK more bytes of output; False at the end of the data."""
        if self.lit:
            piece = self._bytes(min(self.lit, CHUNK))
            self.out += piece
            self.lit -= len(piece)
            self.produced += len(piece)
            return True
        if self.left:
            n = min(self.left, CHUNK)
            _repeat(self.out, self.offset, n)
            self.left -= n
            self.produced += n
            return True
        return self._element()

    def _element(self) -> bool:
        """Read the next literal or back reference; False at the end of the data."""
        raise NotImplementedError

    def _more(self) -> bool:
        if self.ipos >= len(self.inbuf):
            self.inbuf, self.ipos = self.src.take(CHUNK), 0
        return bool(self.inbuf)

    def take(self, n: int) -> bytes:
        want = min(n, CHUNK)
        while len(self.out) - self.given < want and self._fill():
            pass
        piece = bytes(self.out[self.given:self.given + n])
        self.given += len(piece)
        if self.given > 2 * WINDOW:  # forget what no back reference can reach
            del self.out[:self.given - WINDOW]
            self.given = WINDOW
        return piece


class _Snappy(_Blocks):
    def __init__(self, f: IO[bytes], start: int, size: int, size_out: int) -> None:
        super().__init__(f, start, size, size_out)
        shift = length = 0
        while True:
            b = self._byte()
            length |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
            if shift > 35:
                raise Unreadable("its Snappy data is damaged")
        if length != size_out:
            raise Unreadable("its Snappy data does not match the page's size")

    def _element(self) -> bool:
        if not self._more():
            return False
        if self._run():
            return True
        tag = self._byte()
        kind = tag & 3
        if kind == 0:
            n = tag >> 2
            if n >= 60:
                n = self._little(n - 59)
            self._literal(n + 1)
        elif kind == 1:
            self._match(((tag >> 5) << 8) | self._byte(), ((tag >> 2) & 7) + 4)
        else:
            self._match(self._little(2 if kind == 2 else 4), (tag >> 2) + 1)
        return True


    def _run(self) -> int:
        """Short literals and 1- or 2-byte-offset copies, decoded in one loop while the input
        buffer holds them whole: the common elements, at several times the speed of `_element`."""
        buf, i, out = self.inbuf, self.ipos, self.out
        end, made = len(buf) - 64, 0
        while i < end and made < CHUNK:
            tag = buf[i]
            kind = tag & 3
            if kind == 0:
                n = (tag >> 2) + 1
                if n > 60:
                    break
                out += buf[i + 1:i + 1 + n]
                i += 1 + n
            else:
                if kind == 1:
                    n, offset = ((tag >> 2) & 7) + 4, ((tag >> 5) << 8) | buf[i + 1]
                    i += 2
                elif kind == 2:
                    n, offset = (tag >> 2) + 1, buf[i + 1] | (buf[i + 2] << 8)
                    i += 3
                else:
                    break
                if offset <= 0 or offset > len(out):
                    raise Unreadable("its compressed data is damaged (a bad back reference)")
                _repeat(out, offset, n)
            made += n
        self.ipos = i
        self.produced += made
        if self.produced > self.size_out:
            raise Unreadable("its compressed data is damaged (more output than the page says)")
        return made


class _Lz4(_Blocks):
    """LZ4 block format: a sequence is a literal run then a match; the last one has no match."""

    def __init__(self, f: IO[bytes], start: int, size: int, size_out: int) -> None:
        super().__init__(f, start, size, size_out)
        self.token = -1  # the current sequence's token while its literal is produced

    def _length(self, n: int) -> int:
        if n == 15:
            while (b := self._byte()) == 255:
                n += 255
            n += b
        return n

    def _element(self) -> bool:
        if self.token >= 0:  # the literal is done: its match follows unless the data ends here
            token, self.token = self.token, -1
            if self.produced < self.size_out:
                offset = self._little(2)
                self._match(offset, self._length(token & 15) + 4)
                return True
        if not self._more():
            return False
        self.token = self._byte()
        self._literal(self._length(self.token >> 4))
        return True


def _body(f: IO[bytes], start: int, size: int, size_out: int, codec: str, whole: int) -> _Body:
    """A page body (or the values part of a v2 page) as a stream; small ones are decompressed whole."""
    if codec == "UNCOMPRESSED":
        if size != size_out:
            raise Unreadable("an uncompressed page's sizes disagree")
        return _Range(f, start, size)
    if max(size, size_out) <= whole and codec in ARROW_CODECS:
        import pyarrow as pa

        data = _Range(f, start, size).read(size)
        try:
            return _Bytes(pa.decompress(data, decompressed_size=size_out,
                                        codec=ARROW_CODECS[codec], asbytes=True))
        except (OSError, ValueError) as exc:
            raise Unreadable(f"its {codec} data is damaged ({exc})") from None
    if codec in STREAMED_CODECS:
        return _Arrow(f, start, size, size_out, STREAMED_CODECS[codec])
    if codec == "SNAPPY":
        return _Snappy(f, start, size, size_out)
    if codec in ("LZ4", "LZ4_RAW"):
        return _Lz4(f, start, size, size_out)
    raise Unreadable(f"a {size_out // 2**20} MB page compressed with {codec} cannot be read in pieces")
# --- values of one flat BYTE_ARRAY column -------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A value that is not read: over the cap (skipped by its length), or not valid UTF-8."""

    why: str  # "is larger than 20 MB"


@dataclass(frozen=True)
class Refused:
    """A row whose page could not be read; `why` is said once for the page's rows."""

    why: str
    rows: int  # rows in that page


def _hybrid(data: bytes, width: int, count: int) -> Iterator[int]:
    """Parquet's RLE / bit-packed hybrid: `count` values of `width` bits (levels, dictionary
    indices), decoded as they are used (a run of a million nulls is a few bytes)."""
    import numpy as np

    if not 0 <= width <= 32:
        raise Unreadable(f"a page has a bit width of {width}")
    weights = np.left_shift(np.uint64(1), np.arange(width, dtype=np.uint64))
    pos, size, left = 0, len(data), count
    while left > 0:
        shift = header = 0
        while True:
            if pos >= size or shift > 63:
                raise Unreadable("a page's levels or indices end early")
            b = data[pos]
            pos += 1
            header |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if not header & 1:  # a run of one value
            n = min(header >> 1, left)
            value = int.from_bytes(data[pos:pos + (width + 7) // 8], "little")
            pos += (width + 7) // 8
            yield from itertools.repeat(value, n)
            left -= n
            continue
        groups = header >> 1  # bit-packed groups of 8 values, unpacked 8,192 groups at a time
        while groups and left > 0:
            k = min(groups, 8192, (left + 7) // 8)
            if width == 0:
                values: list[int] = [0] * (8 * k)
            else:
                if pos + k * width > size:
                    raise Unreadable("a page's levels or indices end early")
                bits = np.unpackbits(np.frombuffer(data, np.uint8, count=k * width, offset=pos), bitorder="little")
                values = (bits.reshape(8 * k, width).astype(np.uint64) @ weights).tolist()
            pos += k * width
            groups -= k
            yield from values[:left]
            left -= min(left, 8 * k)
        if groups:  # the rest of the last run is padding
            pos += groups * width


class _Column:
    """The values of one flat BYTE_ARRAY column chunk, row by row: str/bytes, None, Skipped or Refused."""

    def __init__(self, name: str, f: IO[bytes], chunk: Iterator[Page], codec: str, max_def: int, text: bool,
                 cap: int) -> None:
        self.name, self.f, self.chunk, self.codec, self.max_def, self.text = name, f, chunk, codec, max_def, text
        self.cap, self.whole = cap, cap + PAGE_SLACK
        self.dictionary: list[object] = []  # the entries held (up to DICTIONARY_BYTES)
        self.declared = 0  # the entries the dictionary page has
        self.no_dictionary = "it has no dictionary page"  # why dictionary-encoded pages cannot be read

    def rows(self) -> Iterator[object]:
        """Every row's value; a page that cannot be read refuses its rows (and a header that cannot,
        the rest of the chunk's: `_exactly` pads them)."""
        while True:
            try:
                page = next(self.chunk, None)
            except Unreadable:
                return
            if page is None:
                return
            done = 0
            try:
                for value in self._page(page):
                    yield value
                    done += 1
            except Unreadable as exc:
                if page.kind == DICTIONARY_PAGE:
                    self.dictionary, self.no_dictionary = [], f"its dictionary page cannot be read: {exc}"
                    continue
                refused = Refused(f"column {self.name!r}: {exc}", page.values - done)
                for _ in range(page.values - done):
                    yield refused

    def _value(self, raw: bytes) -> object:
        return _utf8(raw) if self.text else raw

    def _indexed(self, data: bytes) -> Iterator[object]:
        """Dictionary entries by index: the indices' bit width, then the indices."""
        dictionary = self.dictionary
        past = Skipped(f"is past the first {_mb(DICTIONARY_BYTES)} of a Parquet dictionary page")
        for i in _hybrid(data[1:], data[0] if data else 0, 2**62):
            if i < len(dictionary):
                yield dictionary[i]
            elif i < self.declared:
                yield past
            else:
                raise Unreadable("it refers to a dictionary entry that does not exist")

    def _plain(self, body: _Body, count: int = 2**62) -> Iterator[object]:
        """PLAIN byte arrays (`count`, or as many as asked for); one over the cap is skipped unread."""
        for _ in range(count):
            size = struct.unpack("<I", body.read(4))[0]
            if size > self.cap:
                body.skip(size)
                yield Skipped(f"is larger than {_mb(self.cap)}")
            else:
                yield self._value(body.read(size))

    def _dictionary(self, body: _Body, count: int) -> None:
        """Hold the entries up to DICTIONARY_BYTES (a slot costs 8 bytes: millions of empty
        entries count too); rows pointing past them are skipped, naming the row."""
        self.dictionary, self.declared, self.no_dictionary = [], count, ""
        budget = max(self.whole, DICTIONARY_BYTES)
        for value in self._plain(body, count):
            budget -= 8 + (len(value) if isinstance(value, (str, bytes)) else 0)
            if budget < 0:
                return
            self.dictionary.append(value)

    def _page(self, page: Page) -> Iterator[object]:
        if page.kind == DICTIONARY_PAGE:
            if page.encoding not in (PLAIN, PLAIN_DICTIONARY):
                raise Unreadable(f"its dictionary is in Parquet encoding {page.encoding}")
            self._dictionary(_body(self.f, page.start, page.compressed, page.uncompressed, self.codec, self.whole),
                             page.values)
            return
        if page.kind == DATA_PAGE_V2:
            rep, size = page.levels
            if size > min(2 * page.values + 64, self.whole):
                raise Unreadable("its definition levels are larger than its values allow")
            defs = _Range(self.f, page.start + rep, size).read(size)
            body = _body(self.f, page.start + rep + size, page.compressed - rep - size, page.uncompressed - rep - size,
                         self.codec if page.compressed_body else "UNCOMPRESSED", self.whole)
        else:
            body = _body(self.f, page.start, page.compressed, page.uncompressed, self.codec, self.whole)
            defs = b""
            if self.max_def:
                size = struct.unpack("<I", body.read(4))[0]
                if size > min(2 * page.values + 64, self.whole):
                    raise Unreadable("its definition levels are larger than its values allow")
                defs = body.read(size)
        present = _hybrid(defs, 1, page.values) if self.max_def else itertools.repeat(1, page.values)
        if page.encoding == PLAIN:
            values = self._plain(body)
        elif page.encoding in (PLAIN_DICTIONARY, RLE_DICTIONARY):
            if self.no_dictionary:
                raise Unreadable(self.no_dictionary)
            if page.uncompressed > self.whole:
                raise Unreadable(f"a page of dictionary indices is over {self.whole // 2**20} MB")
            values = self._indexed(body.rest())
        else:
            raise Unreadable(f"its values are in Parquet encoding {page.encoding}, which is not read in pieces")
        for here in present:
            yield next(values, None) if here else None  # (values raise Unreadable before they run out)


# --- row groups ---------------------------------------------------------------------------------


def _chunk_pages(f: IO[bytes], column) -> Iterator[Page]:  # column: pyarrow ColumnChunkMetaData
    start = column.dictionary_page_offset if column.has_dictionary_page else column.data_page_offset
    if start is None or start < 0 or column.total_compressed_size < 0:
        raise Unreadable("its column metadata has no valid page offset")
    return pages(f, start, start + column.total_compressed_size, column.num_values)


def _largest_page(f: IO[bytes], column) -> int:
    """The largest page of a column chunk, compressed or not (its headers read, none kept)."""
    return max((max(p.uncompressed, p.compressed) for p in _chunk_pages(f, column)), default=0)


def open_file(path: Path):  # -> pyarrow.parquet.ParquetFile
    """The file with its footer read; BadInput when it is not Parquet or its footer is damaged."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path, buffer_size=2**20, pre_buffer=False)
    except pa.ArrowException as exc:  # ArrowInvalid; an OSError (cannot be opened) is the caller's
        raise BadInput(f"{path}: not a Parquet file, or a damaged one ({exc})") from None


def records(path: Path, columns: list[str], text: str, problem: Callable[[str], None],
            cap: int = MAX_INPUT_BYTES, pf=None) -> Iterator[tuple[int, dict]]:
    """(row number from 1, {column: value}) for the named top-level columns. A value over `cap`
    bytes, or a page that cannot be read, is one `problem` line naming the row(s), never an error."""
    pf = pf or open_file(path)  # (the caller may have it open already, to pick the columns)
    meta, schema = pf.metadata, pf.schema
    leaves: dict[str, list[int]] = {}
    for i in range(len(schema)):
        leaves.setdefault(schema.column(i).path.split(".")[0], []).append(i)
    done = 0
    with open(path, "rb") as f:
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            first, last = done + 1, done + group.num_rows
            done = last
            largest: dict[str, int] = {}
            for name in columns:
                try:
                    largest[name] = max(_largest_page(f, group.column(i)) for i in leaves[name])
                except Unreadable as exc:
                    problem(f"{path.name} {_rows(first, last)}: column {name!r}: {exc}; skipped")
                    break
            if len(largest) < len(columns):
                continue
            # pages this small cannot hold a value over the cap, and pyarrow's copies of them stay small
            if max(largest.values(), default=0) <= min(PYARROW_PAGE_BYTES, cap):
                rows = _arrow_rows(pf, g, columns)
            else:
                rows = _own_rows(f, pf, g, largest, leaves, cap)
            yield from _checked(path, rows, first, last, text, problem)


def _arrow_rows(pf, g: int, columns: list[str]) -> Iterator[dict]:  # pf: pyarrow ParquetFile
    """One row group through pyarrow, in batches of about BATCH_BYTES (a huge group is streamed)."""
    group = pf.metadata.row_group(g)
    size = sum(group.column(c).total_uncompressed_size for c in range(group.num_columns)
               if group.column(c).path_in_schema.split(".")[0] in columns)
    batch = max(1, min(1024, BATCH_BYTES * group.num_rows // max(1, size)))
    for b in pf.iter_batches(batch_size=batch, row_groups=[g], columns=columns):
        yield from _pylist(b)


def _utf8(raw: bytes | None) -> object:
    try:
        return None if raw is None else raw.decode("utf-8")
    except UnicodeDecodeError:
        return Skipped("is not valid UTF-8 (a damaged file?)")


def _pylist(batch) -> list[dict]:  # batch: a pyarrow RecordBatch
    """The batch's rows; a string cell that is not UTF-8 (pyarrow does not check) is Skipped."""
    import pyarrow as pa

    try:
        return batch.to_pylist()
    except UnicodeDecodeError:
        columns = {}
        for name, column in zip(batch.schema.names, batch.columns):
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                columns[name] = [_utf8(v) for v in column.cast(pa.large_binary()).to_pylist()]
            else:
                columns[name] = column.to_pylist()
        return [dict(zip(columns, row)) for row in zip(*columns.values())]


def _own_rows(f: IO[bytes], pf, g: int, largest: dict[str, int], leaves: dict[str, list[int]],
              cap: int) -> Iterator[dict]:
    """One row group with a large page: flat text and binary columns are decoded here, others (an
    integer id) by pyarrow if their pages are small; a column neither can read refuses its rows."""
    import pyarrow as pa

    group = pf.metadata.row_group(g)
    columns: dict[str, Iterator[object]] = {}
    for name, size in largest.items():
        leaf = pf.schema.column(leaves[name][0])
        kind = pf.schema_arrow.field(name).type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        if (len(leaves[name]) == 1 and leaf.physical_type == "BYTE_ARRAY" and leaf.max_repetition_level == 0
                and leaf.max_definition_level <= 1 and (text or pa.types.is_binary(kind) or pa.types.is_large_binary(kind))):
            chunk = group.column(leaves[name][0])
            columns[name] = _Column(name, f, _chunk_pages(f, chunk), chunk.compression, leaf.max_definition_level,
                                    text, cap).rows()
        elif size <= cap + PAGE_SLACK:
            columns[name] = _arrow_column(pf, g, name)
        else:
            columns[name] = itertools.repeat(Refused(f"column {name!r} ({kind}) has a page over "
                                                     f"{_mb(cap + PAGE_SLACK)}", group.num_rows))
    names, values = list(columns), [_exactly(name, v, group.num_rows) for name, v in columns.items()]
    for row in zip(*values):
        yield dict(zip(names, row))


def _arrow_column(pf, g: int, name: str) -> Iterator[object]:
    for batch in pf.iter_batches(batch_size=1024, row_groups=[g], columns=[name]):
        for rec in _pylist(batch):
            yield rec[name]


def _exactly(name: str, values: Iterator[object], count: int) -> Iterator[object]:
    """`count` values: a column that ends early refuses the rows it lacks."""
    got = 0
    for got, value in enumerate(itertools.islice(values, count), 1):
        yield value
    if got < count:
        yield from itertools.repeat(Refused(f"column {name!r} has fewer values than its row group says", count - got),
                                    count - got)


def _rows(first: int, last: int) -> str:
    return f"row {first:,}" if first == last else f"rows {first:,}-{last:,}"


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _checked(path: Path, rows: Iterator[dict], first: int, last: int, text: str,
             problem: Callable[[str], None]) -> Iterator[tuple[int, dict]]:
    """Number the rows; say each skipped value once (a refused page once, for all its rows)."""
    import pyarrow as pa

    n = first - 1
    said: Refused | None = None
    try:
        for rec in rows:
            n += 1
            bad = next(((k, v) for k, v in rec.items() if isinstance(v, (Skipped, Refused))), None)
            if bad is None:
                yield n, rec
                continue
            name, value = bad
            if isinstance(value, Refused):
                if value is not said:
                    said = value
                    problem(f"{path.name} {_rows(n, min(last, n + value.rows - 1))}: {value.why}; skipped")
                continue
            what = "its text" if name == text else f"its {name!r}"
            problem(f"{path.name} row {n}: {what} {value.why}; skipped")
    except (OSError, pa.ArrowException) as exc:  # pyarrow on a damaged page
        if n < last:
            problem(f"{path.name} {_rows(n + 1, last)}: cannot be read ({exc}); skipped")
