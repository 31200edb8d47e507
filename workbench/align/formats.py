"""What an alignment is and how it is written and read: links, the `Alignment` result, its JSON,
CSV and TMX exports, and the input files around it (sentence files, glossaries, gold links)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal, Sequence

from ..errors import BadInput
from ..languages import tmx_tag

Unit = Literal["paragraph", "sentence"]
# every link type the search can produce, in the order reports list them
LINK_TYPES = ("1-1", "1-2", "2-1", "1-3", "3-1", "2-2", "1-0", "0-1")


@dataclass(frozen=True)
class Link:
    """Source unit indices, target unit indices (0-based, consecutive), type and confidence."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    type: str
    confidence: float

    def pair(self) -> list[list[int]]:
        """The [src indices, tgt indices] form used by the gold files and --json."""
        return [list(self.src), list(self.tgt)]


def make_link(src: Iterable[int], tgt: Iterable[int], confidence: float = 1.0) -> Link:
    s, t = tuple(src), tuple(tgt)
    return Link(s, t, f"{len(s)}-{len(t)}", float(confidence))


def check_links(links: Sequence[Link], n_source: int, n_target: int,
                types: Sequence[str] | None = LINK_TYPES) -> None:
    """Raise AssertionError unless the links cover both sides exactly once, in order (and have
    one of `types`; None allows any "a-b", as paragraph links derived from sentences may)."""
    si = [i for link in links for i in link.src]
    ti = [j for link in links for j in link.tgt]
    assert si == list(range(n_source)), f"source indices {si}"
    assert ti == list(range(n_target)), f"target indices {ti}"
    for link in links:
        assert link.type == f"{len(link.src)}-{len(link.tgt)}", link
        assert types is None or link.type in types, link
        assert 0.0 <= link.confidence <= 1.0, link



@dataclass(frozen=True)
class GlossaryTerm:
    """One row of a glossary: the English term and, per language, the accepted renderings."""

    en: str
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=True)

    def pattern(self) -> re.Pattern:
        return re.compile(r"(?<![\w])" + re.escape(self.en) + r"(?![\w])", re.IGNORECASE)



UNSUPPORTED = "the data does not support an alignment"  # how Alignment.warning starts when nothing lines up
TMX_MIN_CONFIDENCE = 0.5  # links below it are left out of a TMX (the app and the CLI's default)


@dataclass(frozen=True)
class Alignment:
    """The result of aligning two documents: links between their units (paragraphs or sentences)."""

    links: tuple[Link, ...]
    source: tuple[str, ...]  # the units' texts, in order
    target: tuple[str, ...]
    lang: str
    unit: Unit = "paragraph"
    mt_used: bool = False
    note: str = ""  # how it was aligned, e.g. why machine translation was not used
    paragraph_links: tuple[Link, ...] = ()  # for unit="sentence": the paragraph links the sentence links imply
    src_lang: str = "en"
    warning: str = ""  # one line when the data does not support an alignment (shown by the CLI and the app)
    signals: tuple[str, ...] = ()  # the signals that scored the links, e.g. ("length", "anchors", "lexicon")

    def pairs(self) -> list[list[list[int]]]:
        return [link.pair() for link in self.links]

    def texts(self, link: Link) -> tuple[str, str]:
        """The joined source and target text of one link."""
        from ..engine import join_sentences

        return (join_sentences([self.source[i] for i in link.src], self.src_lang),
                join_sentences([self.target[j] for j in link.tgt], self.lang))

    def rows(self) -> list[dict]:
        """One dict per link: what a table (the app's, the CSV) shows."""
        out = []
        for k, link in enumerate(self.links):
            s, t = self.texts(link)
            out.append({"link": k + 1, "type": link.type, "confidence": link.confidence,
                        "src": list(link.src), "tgt": list(link.tgt), "en": s, self.lang: t})
        return out

    def counts(self) -> dict[str, int]:
        c = Counter(link.type for link in self.links)
        return {t: c.get(t, 0) for t in LINK_TYPES}

    def to_dict(self) -> dict:
        return {
            "format": "parallax-alignment", "version": 1, "lang": self.lang, "unit": self.unit,
            "machine_translation": self.mt_used, "note": self.note, "warning": self.warning,
            "signals": list(self.signals),
            "counts": self.counts(),
            "alignment": self.pairs(),
            "links": [{"src": list(l.src), "tgt": list(l.tgt), "type": l.type, "confidence": l.confidence,
                       "source_text": self.texts(l)[0], "target_text": self.texts(l)[1]} for l in self.links],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self, raw: bool = False) -> str:
        """RFC 4180 CSV, one row per link; indices 1-based for people; cells neutralised."""
        from ..export import csv_text

        label = "paragraph" if self.unit == "paragraph" else "sentence"
        header = ["link", "type", "confidence", f"en {label}", f"{self.lang} {label}", "en", self.lang]
        return csv_text(header, ([r["link"], r["type"], f"{r['confidence']:.3f}", _span(r["src"]), _span(r["tgt"]),
                                  r["en"], r[self.lang]] for r in self.rows()), raw)

    def csv_bytes(self, raw: bool = False) -> bytes:
        return self.to_csv(raw).encode("utf-8-sig")

    @property
    def unsupported(self) -> bool:
        """The texts do not support an alignment at all (unrelated files, a wrong language)."""
        return self.warning.startswith(UNSUPPORTED)

    def tmx_links(self, min_confidence: float = TMX_MIN_CONFIDENCE) -> tuple[list[Link], int]:
        """(the links a TMX holds: text on both sides and at least `min_confidence`, the number of
        two-sided links left out below it). A CAT tool imports every unit as a good match, and a
        TMX has no place for a confidence, so doubtful links stay out."""
        paired = [l for l in self.links if l.src and l.tgt]
        kept = [l for l in paired if l.confidence >= min_confidence]
        return kept, len(paired) - len(kept)

    def to_tmx(self, min_confidence: float = TMX_MIN_CONFIDENCE) -> str:
        """TMX 1.4 for CAT tools: one translation unit per link of `tmx_links`."""
        return to_tmx([self.texts(l) for l in self.tmx_links(min_confidence)[0]],
                      self.src_lang, self.lang, segtype="sentence" if self.unit == "sentence" else "paragraph")


def _span(idx: Sequence[int]) -> str:
    if not idx:
        return ""
    return str(idx[0] + 1) if len(idx) == 1 else f"{idx[0] + 1}-{idx[-1] + 1}"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_XML_BAD.sub("", text), {'"': "&quot;"})


def to_tmx(pairs: Sequence[tuple[str, str]], src_lang: str, tgt_lang: str, segtype: str = "paragraph") -> str:
    from .. import __version__

    sl, tl = tmx_tag(src_lang), tmx_tag(tgt_lang)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<tmx version="1.4">',
             f'  <header creationtool="Parallax" creationtoolversion="{_xml(str(__version__))}" '
             f'datatype="plaintext" segtype="{segtype}" adminlang="en" srclang="{sl}" o-tmf="Parallax"/>',
             "  <body>"]
    for s, t in pairs:
        lines += ["    <tu>", f'      <tuv xml:lang="{sl}"><seg>{_xml(s)}</seg></tuv>',
                  f'      <tuv xml:lang="{tl}"><seg>{_xml(t)}</seg></tuv>', "    </tu>"]
    lines += ["  </body>", "</tmx>", ""]
    return "\n".join(lines)


def read_sentence_file(path: str | Path) -> list[list[str]]:
    """A file with one sentence per line and blank lines between paragraphs."""
    from ..documents import decode_bytes, read_capped

    text, _ = decode_bytes(read_capped(path), str(path))
    paragraphs = [[ln.strip() for ln in block.split("\n") if ln.strip()]
                  for block in re.split(r"\n[ \t\f\v]*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise BadInput(f"{path}: has no sentences")
    return paragraphs


def glossary_from_bytes(data: bytes, name: str = "glossary.csv") -> list[GlossaryTerm]:
    """A glossary from an uploaded file's bytes (UTF-8 with or without BOM, or another encoding),
    at most MAX_INPUT_BYTES as a glossary file read from disk (`load_glossary`)."""
    from ..documents import MAX_INPUT_BYTES, decode_bytes

    if len(data) > MAX_INPUT_BYTES:
        raise BadInput(f"{name}: the glossary is {len(data) / 2**20:.1f} MB; the limit is "
                       f"{MAX_INPUT_BYTES // 2**20} MB, split it")
    text, _ = decode_bytes(data, name)
    return parse_glossary(text, name)


def load_glossary(path: str | Path) -> list[GlossaryTerm]:
    """A CSV glossary with an `en` column and `ko` / `zh` columns; a cell may list alternatives
    separated by `|` (e.g. "김정은|김 위원장"). Rows without English are skipped."""
    from ..documents import decode_bytes, read_capped

    text, _ = decode_bytes(read_capped(path), str(path))
    return parse_glossary(text, str(path))


def parse_glossary(text: str, name: str = "glossary") -> list[GlossaryTerm]:
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        fields = {(f or "").strip().lower(): f for f in (reader.fieldnames or [])}
        if "en" not in fields or not ({"ko", "zh"} & set(fields)):
            raise BadInput(f"{name}: a glossary needs a header row with an en column and ko and/or zh columns")
        terms = []
        for row in reader:
            en = (row.get(fields["en"]) or "").strip()
            if not en:
                continue
            targets = {}
            for lang in ("ko", "zh"):
                if lang in fields:
                    alts = tuple(a.strip() for a in (row.get(fields[lang]) or "").split("|") if a.strip())
                    if alts:
                        targets[lang] = alts
            terms.append(GlossaryTerm(en, targets))
    except csv.Error as exc:
        raise BadInput(f"{name}: not a readable CSV file ({exc})") from None
    return terms


def load_gold(path: str | Path) -> dict:
    """A gold alignment file: {"source", "translation", "lang", "unit", "links": [[src], [tgt]]...}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def link_scores(predicted: Iterable, gold: Iterable) -> dict[str, float]:
    """Precision, recall and F1 of predicted links against gold links (exact match of both
    index lists; omitted/added links count too). Links may be `Link`s or [src, tgt] pairs."""
    def key(l) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if isinstance(l, Link):
            return l.src, l.tgt
        return tuple(l[0]), tuple(l[1])

    p = {key(l) for l in predicted}
    g = {key(l) for l in gold}
    hit = len(p & g)
    precision = hit / len(p) if p else 1.0
    recall = hit / len(g) if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def strict_lax_scores(predicted: Iterable, gold: Iterable) -> dict[str, float]:
    """Bertalign's (and vecalign's) scores: precision, recall and F1 over the links that have
    text on both sides (1-0 and 0-1 links are left out of both sets).

    strict: a predicted link counts only if it equals a gold link exactly;
    lax: a predicted link counts if some gold link shares at least one source and one target
    unit with it (recall likewise, gold links against predicted ones)."""
    def pairs(links: Iterable) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        out = []
        for l in links:
            s, t = (l.src, l.tgt) if isinstance(l, Link) else (tuple(l[0]), tuple(l[1]))
            if s and t:
                out.append((tuple(s), tuple(t)))
        return out

    p, g = pairs(predicted), pairs(gold)
    gs = set(g)
    hit = sum(1 for x in p if x in gs)

    def f(prec: float, rec: float) -> float:
        return 2 * prec * rec / (prec + rec) if prec + rec else 0.0

    sp = hit / len(p) if p else 0.0
    sr = hit / len(g) if g else 0.0

    def overlaps(a, others_by_src) -> bool:
        for s in a[0]:
            for o in others_by_src.get(s, ()):
                if set(a[1]) & set(o[1]):
                    return True
        return False

    def index(links):
        by: dict[int, list] = {}
        for l in links:
            for s in l[0]:
                by.setdefault(s, []).append(l)
        return by

    gi, pi = index(g), index(p)
    lp = sum(1 for x in p if overlaps(x, gi)) / len(p) if p else 0.0
    lr = sum(1 for x in g if overlaps(x, pi)) / len(g) if g else 0.0
    return {"strict_p": sp, "strict_r": sr, "strict_f1": f(sp, sr), "lax_p": lp, "lax_r": lr, "lax_f1": f(lp, lr)}
