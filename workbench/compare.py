"""Comparing translations: wording diffs, round trips, consistency checks and reference metrics.

* `compare_texts` / `compare_documents`: two versions in one language (two translators, a
  machine translation and its post-edit). Paragraphs are paired with the aligner (so a merged or
  missing paragraph does not shift every later pair), then diffed character by character for
  Chinese and Korean and word by word for English. Each pair gets a similarity in [0, 1];
  `most_divergent` sorts the pairs that differ most first. `diff_to_html` renders a diff with
  every piece escaped, for the app.
* `round_trip`: translate each version back to English with an installed KO→EN / ZH→EN model and
  compare with the original English (chrF and a word diff), flagging paragraphs whose meaning may
  have drifted. `round_trip_problem` says which package would enable it when missing.
* `check_translation` / `check_documents`: per linked paragraph, numbers and dates missing or
  changed (normalised across the languages, see `align.number_tokens` for what is and is not
  understood), glossary terms not rendered as the glossary says, the wrong script in a cell
  (stray English, Korean in the Chinese column, traditional characters in simplified Chinese),
  omitted and added paragraphs, and -- with a reference translation -- chrF and BLEU per
  paragraph and for the document (sacrebleu; BLEU tokenised with "zh" for Chinese and "char"
  for Korean).
* Exports: CSV (cells neutralised against formula injection) and JSON of comparisons and check
  reports; TMX of alignments is in `align`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .align import (Alignment, GlossaryTerm, Link, _align, align_texts, make_link, number_tokens)
from .errors import MissingModel
from .messages import install_hint

Op = tuple[str, str, str]  # (tag, text in a, text in b); tag: equal | replace | delete | insert

CJK_LANGS = {"ko", "zh", "zt", "ja"}
DRIFT_CHRF = 30.0  # a back-translation scoring below this chrF against the English is flagged
DRIFT_BELOW_MEDIAN = 20.0  # ... and so is one this far below the document's median


# ---------------------------------------------------------------- diffs

_EN_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|\s+|[^\w\s]")


def tokens(text: str, lang: str) -> list[str]:
    """Diff units: characters for Chinese, Korean and Japanese; words, spaces and punctuation
    marks otherwise."""
    if lang in CJK_LANGS:
        return list(text)
    return _EN_TOKEN.findall(text)


def _content(toks: Sequence[str]) -> list[str]:
    return [t for t in toks if not t.isspace()]


def similarity(a: str, b: str, lang: str) -> float:
    """1.0 for the same wording, 0.0 for nothing in common (Indel similarity on diff units,
    whitespace ignored)."""
    from rapidfuzz.distance import Indel

    ta, tb = _content(tokens(a, lang)), _content(tokens(b, lang))
    if not ta and not tb:
        return 1.0
    return float(Indel.normalized_similarity(ta, tb))


def diff_texts(a: str, b: str, lang: str) -> list[Op]:
    """The edit from `a` to `b` as (tag, a_text, b_text) pieces, in order.

    Substitutions ("replace", both texts set) are kept apart from pure insertions ("insert", a
    empty) and deletions ("delete", b empty). Tiny equal runs between two changes (one character
    in Chinese/Korean, a space in English) are folded into the change so a rewritten phrase reads
    as one substitution instead of confetti.
    """
    from rapidfuzz.distance import Levenshtein

    ta, tb = tokens(a, lang), tokens(b, lang)
    raw: list[list] = []
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(ta, tb):
        raw.append(["equal" if tag == "equal" else "change", ta[i1:i2], tb[j1:j2]])
    # fold tiny equal runs sandwiched between changes
    cjk = lang in CJK_LANGS
    for k in range(1, len(raw) - 1):
        tag, pa, pb = raw[k]
        if tag == "equal" and raw[k - 1][0] == "change" and raw[k + 1][0] == "change":
            text = "".join(pa)
            if (cjk and len(text) <= 1) or (not cjk and text.isspace()):
                raw[k][0] = "change"
    merged: list[list] = []
    for tag, pa, pb in raw:
        if merged and merged[-1][0] == tag:
            merged[-1][1] = merged[-1][1] + pa
            merged[-1][2] = merged[-1][2] + pb
        else:
            merged.append([tag, list(pa), list(pb)])
    out: list[Op] = []
    for tag, pa, pb in merged:
        sa, sb = "".join(pa), "".join(pb)
        if tag == "equal":
            out.append(("equal", sa, sb))
        elif sa and sb:
            out.append(("replace", sa, sb))
        elif sa:
            out.append(("delete", sa, ""))
        elif sb:
            out.append(("insert", "", sb))
    return out


def diff_counts(ops: Iterable[Op]) -> dict[str, int]:
    """How many substitutions, insertions and deletions a diff has (pieces, not characters)."""
    c = Counter(tag for tag, _, _ in ops if tag != "equal")
    return {"replace": c.get("replace", 0), "insert": c.get("insert", 0), "delete": c.get("delete", 0)}


DIFF_CSS = """
.pd-diff { line-height: 1.7; white-space: pre-wrap; }
.pd-diff del { background: #ffd7d5; color: #82071e; text-decoration: line-through; }
.pd-diff ins { background: #ccffd8; color: #055d20; text-decoration: none; }
.pd-diff del.pd-sub { background: #fff1c2; color: #6b4a00; }
.pd-diff ins.pd-sub { background: #dbeafe; color: #0a3069; }
"""


def diff_to_html(ops: Iterable[Op], side: str = "both") -> str:
    """The diff as HTML: <del> for deleted text, <ins> for inserted, class "pd-sub" on both halves
    of a substitution; every piece of text is escaped with html.escape. `side="a"` shows only the
    first version (what was removed or replaced marked), `side="b"` only the second. Style it with
    `DIFF_CSS` (classes pd-diff, pd-sub)."""
    parts = ['<span class="pd-diff">']
    for tag, a, b in ops:
        ea, eb = html.escape(a), html.escape(b)
        if tag == "equal":
            parts.append(ea if side != "b" else eb)
        elif tag == "replace":
            if side in ("both", "a"):
                parts.append(f'<del class="pd-sub">{ea}</del>')
            if side in ("both", "b"):
                parts.append(f'<ins class="pd-sub">{eb}</ins>')
        elif tag == "delete" and side in ("both", "a"):
            parts.append(f"<del>{ea}</del>")
        elif tag == "insert" and side in ("both", "b"):
            parts.append(f"<ins>{eb}</ins>")
    parts.append("</span>")
    return "".join(parts)


def diff_to_text(ops: Iterable[Op]) -> str:
    """The diff for a terminal: [-deleted-]{+inserted+}, a substitution as both."""
    out = []
    for tag, a, b in ops:
        if tag == "equal":
            out.append(a)
        else:
            if a:
                out.append(f"[-{a}-]")
            if b:
                out.append(f"{{+{b}+}}")
    return "".join(out)


# ---------------------------------------------------------------- comparing two versions


@dataclass(frozen=True)
class ParagraphDiff:
    """One linked pair of paragraphs of versions A and B (either side may be empty)."""

    link: Link  # src = paragraph indices in A, tgt = in B
    a: str
    b: str
    ops: tuple[Op, ...]
    similarity: float

    @property
    def type(self) -> str:
        return self.link.type

    @property
    def counts(self) -> dict[str, int]:
        return diff_counts(self.ops)

    def html(self, side: str = "both") -> str:
        return diff_to_html(self.ops, side)

    @property
    def differs(self) -> bool:
        """Whether the wording differs: a pair with a side missing always does; a merged or split
        pair with the same words does not (its paragraphs were only re-cut)."""
        return not (self.link.src and self.link.tgt) or self.similarity < 1.0

    def to_dict(self) -> dict:
        return {"a": list(self.link.src), "b": list(self.link.tgt), "type": self.type,
                "confidence": self.link.confidence, "similarity": round(self.similarity, 4),
                "changes": self.counts, "a_text": self.a, "b_text": self.b,
                "ops": [list(op) for op in self.ops]}


@dataclass(frozen=True)
class Comparison:
    lang: str
    diffs: tuple[ParagraphDiff, ...]  # in document order
    similarity: float  # whole-text similarity

    def most_divergent(self, top: int | None = None) -> list[ParagraphDiff]:
        return most_divergent(self.diffs, top)

    def changed(self) -> list[ParagraphDiff]:
        """The pairs whose wording differs, most divergent first: what a summary counts and lists."""
        return [d for d in self.most_divergent() if d.differs]

    def summary(self) -> str:
        """One line: how many pairs differ in wording, and how many were only re-cut."""
        changed = self.changed()
        recut = sum(1 for d in self.diffs if not d.differs and d.type != "1-1")
        line = f"{len(changed)} of {len(self.diffs)} paragraph pairs differ in wording"
        if recut:
            line += f"; {recut} more merged or split with the same wording"
        return line

    def to_dict(self) -> dict:
        return {"format": "parallax-comparison", "version": 1, "lang": self.lang,
                "similarity": round(self.similarity, 4),
                "paragraphs": [d.to_dict() for d in self.most_divergent()]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self, raw: bool = False) -> str:
        """One row per paragraph pair, most divergent first; 1-based paragraph numbers."""
        from .align import _span
        from .export import neutralise

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["rank", "a paragraph", "b paragraph", "type", "similarity", "substitutions", "insertions",
                    "deletions", "a", "b", "diff"])
        for rank, d in enumerate(self.most_divergent(), 1):
            c = d.counts
            cells = [d.a, d.b, diff_to_text(d.ops)]
            if not raw:
                cells = [neutralise(x) for x in cells]
            w.writerow([rank, _span(d.link.src), _span(d.link.tgt), d.type, f"{d.similarity:.3f}",
                        c["replace"], c["insert"], c["delete"], *cells])
        return buf.getvalue()


def most_divergent(diffs: Iterable[ParagraphDiff], top: int | None = None) -> list[ParagraphDiff]:
    """Least similar first (unpaired paragraphs, similarity 0, lead); ties keep document order."""
    out = sorted(diffs, key=lambda d: d.similarity)
    return out if top is None else out[:top]


def pair_versions(a: Sequence[str], b: Sequence[str], lang: str) -> list[Link]:
    """Pair the paragraphs of two versions in the same language with the aligner (same-language
    mode: length ratio 1, and version A standing in as the "machine translation", so wording
    similarity leads). Identical paragraph lists pair one to one."""
    if list(a) == list(b):
        return [make_link((i,), (i,)) for i in range(len(a))]
    links, _ = _align(a, b, lang, mt=a, src_lang=lang, same_language=True)
    return links


def compare_texts(a: Sequence[str], b: Sequence[str], lang: str) -> Comparison:
    """Diff two versions (lists of paragraphs) of a text in `lang`."""
    from .engine import join_sentences

    diffs = []
    for link in pair_versions(a, b, lang):
        ta = join_sentences([a[i] for i in link.src], lang)
        tb = join_sentences([b[j] for j in link.tgt], lang)
        ops = tuple(diff_texts(ta, tb, lang))
        diffs.append(ParagraphDiff(link, ta, tb, ops, similarity(ta, tb, lang) if ta and tb else 0.0))
    whole = similarity("\n".join(a), "\n".join(b), lang)
    return Comparison(lang, tuple(diffs), whole)


def compare_documents(a_doc, b_doc, lang: str | None = None) -> Comparison:
    return compare_texts([p.text for p in a_doc.paragraphs], [p.text for p in b_doc.paragraphs],
                         lang or a_doc.lang)


# ---------------------------------------------------------------- consistency checks


@dataclass(frozen=True)
class Issue:
    kind: str  # number | glossary | script | omitted | added | drift
    severity: str  # error | warning | note
    message: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "severity": self.severity, "message": self.message}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _describe(key: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "d":
        m, d = value.split("-")
        return f"date {int(m)}/{int(d)}"
    if kind == "m":
        return f"month {int(value)}"
    if kind == "wd":
        return _WEEKDAYS[int(value) - 1]
    if kind == "t":
        return f"time {value}"
    if kind == "day":
        return f"day {value}"
    return value


def check_numbers(en: str, version: str, lang: str) -> list[Issue]:
    """Numbers, dates, weekdays and times of the English that the version lacks or changes.

    A date in the English ("September 9") is satisfied by a bare day in the version ("9일");
    English number words ("three") excuse a digit in the version but are not required. Numbers
    the version adds are reported as notes.
    """
    src = [t for t in number_tokens(en, "en") if not t.soft]
    soft = {t.key for t in number_tokens(en, "en") if t.soft}
    ver = number_tokens(version, lang)
    need = Counter(t.key for t in src)
    have = Counter(t.key for t in ver)
    surface_en = {t.key: t.surface for t in src}
    surface_v = {t.key: t.surface for t in ver}
    missing = need - have
    extra = have - need
    # "September 9" = "9일"; a bare day in the version also reads as the number
    for key in list(missing):
        if key.startswith("d:"):
            day = f"day:{int(key.split('-')[1])}"
            while missing[key] and extra[day]:
                missing[key] -= 1
                extra[day] -= 1
        elif key.startswith("n:"):
            day = f"day:{key[2:]}"
            while missing[key] and extra[day]:
                missing[key] -= 1
                extra[day] -= 1
    missing += Counter()
    extra += Counter()
    for key in list(extra):
        # a number the English has words for ("three"), or one repeated that is already there
        if key in soft or key in need or (key.startswith("day:") and f"n:{key[4:]}" in soft | set(need)):
            del extra[key]
    issues: list[Issue] = []
    miss_list = sorted(missing.elements())
    extra_list = sorted(extra.elements())
    # pair a missing value with an extra one of the same kind: that is a changed number
    for key in list(miss_list):
        kind = key.split(":")[0]
        partner = next((x for x in extra_list if x.split(":")[0] == kind
                        or {kind, x.split(":")[0]} <= {"n", "day"}), None)
        if partner is not None:
            miss_list.remove(key)
            extra_list.remove(partner)
            issues.append(Issue("number", "error", f"{_describe(key)} ({surface_en.get(key, key)}) changed to "
                                                   f"{_describe(partner)} ({surface_v.get(partner, partner)})"))
    for key in miss_list:
        issues.append(Issue("number", "error", f"{_describe(key)} ({surface_en.get(key, key)}) is missing"))
    for key in extra_list:
        issues.append(Issue("number", "note", f"{_describe(key)} ({surface_v.get(key, key)}) is not in the English"))
    return issues


def check_glossary(en: str, version: str, lang: str, glossary: Sequence[GlossaryTerm]) -> list[Issue]:
    """Glossary terms in the English whose rendering (any of the alternatives) is not in the version."""
    issues = []
    for term in glossary:
        wanted = term.targets.get(lang)
        if not wanted or not term.pattern().search(en):
            continue
        if not any(w in version for w in wanted):
            issues.append(Issue("glossary", "warning", f"“{term.en}” should be rendered as “{' | '.join(wanted)}”"))
    return issues


_LATIN_WORDS = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_opencc = None


def _traditional_chars(text: str) -> list[str]:
    """Characters of `text` that OpenCC's traditional→simplified conversion changes."""
    global _opencc
    try:
        if _opencc is None:
            import opencc

            _opencc = opencc.OpenCC("t2s")
        converted = _opencc.convert(text)
    except Exception:  # OpenCC missing or broken: skip this check rather than fail the report
        return []
    if len(converted) == len(text):
        pairs = [(a, b) for a, b in zip(text, converted) if a != b]
    else:
        pairs = [(ch, _opencc.convert(ch)) for ch in dict.fromkeys(text)]
        pairs = [(a, b) for a, b in pairs if a != b]
    return [f"{a}→{b}" for a, b in dict.fromkeys(pairs)]


def check_script(text: str, lang: str) -> list[Issue]:
    """The cell is in the wrong script or mixes in another: stray English words (acronyms such as
    CPV are fine), Korean in the Chinese column, Chinese in the Korean one, Japanese kana, and
    traditional characters in (simplified) Chinese."""
    from .langid import script_counts

    issues: list[Issue] = []
    sc = script_counts(text)
    if not sc.letters:
        return issues
    words = [w for w in _LATIN_WORDS.findall(text) if not w.isupper() and len(w) > 1]
    if words:
        sev = "warning" if len(words) >= 3 or sc.share("latin") > 0.3 else "note"
        shown = " ".join(dict.fromkeys(words[:8]))
        issues.append(Issue("script", sev, f"English words left in the text: {shown}"))
    if lang == "zh":
        if sc.hangul:
            hangul = "".join(re.findall(r"[\uac00-\ud7a3\u3130-\u318f]+", text))[:20]
            issues.append(Issue("script", "error", f"Korean (Hangul) in the Chinese text: {hangul}"))
        trad = _traditional_chars(text)
        if trad:
            issues.append(Issue("script", "warning", f"traditional characters in simplified Chinese: {', '.join(trad[:10])}"))
    elif lang == "ko":
        if sc.han and sc.share("han") > 0.3:
            issues.append(Issue("script", "error", "mostly Chinese characters: this looks like Chinese, not Korean"))
        elif sc.han:
            han = "".join(dict.fromkeys(ch for ch in text if "\u4e00" <= ch <= "\u9fff"))[:10]
            issues.append(Issue("script", "note", f"Chinese characters (hanja) in the Korean text: {han}"))
    if sc.kana and lang != "ja":
        issues.append(Issue("script", "warning", "Japanese kana in the text"))
    return issues


# ---------------------------------------------------------------- reference metrics


def _bleu(lang: str, sentence: bool):
    from sacrebleu.metrics import BLEU

    tokenize = {"zh": "zh", "zt": "zh", "ko": "char", "ja": "char"}.get(lang, "13a")
    return BLEU(tokenize=tokenize, effective_order=sentence)


def sentence_metrics(hyp: str, ref: str, lang: str) -> dict[str, float]:
    """chrF and BLEU of one hypothesis against one reference (0-100)."""
    from sacrebleu.metrics import CHRF

    return {"chrf": round(CHRF().sentence_score(hyp, [ref]).score, 2),
            "bleu": round(_bleu(lang, True).sentence_score(hyp, [ref]).score, 2)}


def corpus_metrics(hyps: Sequence[str], refs: Sequence[str], lang: str) -> dict[str, float]:
    from sacrebleu.metrics import CHRF

    if not hyps:
        return {"chrf": 0.0, "bleu": 0.0}
    return {"chrf": round(CHRF().corpus_score(list(hyps), [list(refs)]).score, 2),
            "bleu": round(_bleu(lang, False).corpus_score(list(hyps), [list(refs)]).score, 2)}


def reference_texts(source: Sequence[str], reference: Sequence[str], lang: str,
                    glossary: Sequence[GlossaryTerm] = ()) -> list[list[int]]:
    """For each source paragraph, the reference paragraphs aligned to it."""
    per_src: list[list[int]] = [[] for _ in source]
    for link in align_texts(source, reference, lang, glossary=glossary):
        for i in link.src:
            per_src[i].extend(j for j in link.tgt if j not in per_src[i])
    return per_src


# ---------------------------------------------------------------- round trip


@dataclass(frozen=True)
class RoundTrip:
    english: str
    back: str  # the version translated back to English
    chrf: float
    similarity: float
    ops: tuple[Op, ...]
    drift: bool

    def to_dict(self) -> dict:
        return {"back_translation": self.back, "chrf": self.chrf, "similarity": round(self.similarity, 4),
                "drift": self.drift, "ops": [list(op) for op in self.ops]}


def round_trip_problem(engine, lang: str) -> str | None:
    """None when `lang`→English can be translated, else the one-line reason with the install
    command (errors.install_hint)."""
    if engine is None:
        return f"round trip needs a {lang}→en model: {install_hint(lang, 'en')}"
    try:
        engine.route(lang, "en")
    except MissingModel:
        return f"round trip needs a {lang}→en model, not installed; install it with: {install_hint(lang, 'en')}"
    return None


def back_translate(engine, paragraphs: Sequence[str], lang: str) -> list[str]:
    """Each paragraph translated to English sentence by sentence (MissingModel if no model)."""
    from .engine import join_sentences
    from .segment import split_sentences

    sents = [split_sentences(p, lang) or [p.strip()] for p in paragraphs]
    flat = [s for ss in sents for s in ss]
    done = engine.translate_sentences(flat, lang, "en") if flat else []
    out, k = [], 0
    for ss in sents:
        out.append(join_sentences([t.text for t in done[k:k + len(ss)]], "en"))
        k += len(ss)
    return out


def round_trip(english: Sequence[str], version: Sequence[str], lang: str, engine) -> list[RoundTrip]:
    """Back-translate each version paragraph and compare it with its English paragraph (the lists
    are pairs: english[k] goes with version[k]). A paragraph is flagged as drifted when its chrF
    is below DRIFT_CHRF or DRIFT_BELOW_MEDIAN under the document's median."""
    from sacrebleu.metrics import CHRF

    problem = round_trip_problem(engine, lang)
    if problem:
        raise MissingModel(lang, "en", "needed for the round-trip check")
    back = back_translate(engine, version, lang)
    chrf = CHRF()
    scores = [chrf.sentence_score(b, [e]).score for e, b in zip(english, back)]
    median = statistics.median(scores) if scores else 0.0
    out = []
    for e, b, s in zip(english, back, scores):
        drift = s < DRIFT_CHRF or s < median - DRIFT_BELOW_MEDIAN
        out.append(RoundTrip(e, b, round(s, 2), similarity(e, b, "en"), tuple(diff_texts(e, b, "en")), drift))
    return out


# ---------------------------------------------------------------- the check report


@dataclass
class CheckRow:
    link: Link
    en: str
    version: str
    issues: list[Issue] = field(default_factory=list)
    reference: str | None = None
    metrics: dict[str, float] | None = None  # chrf, bleu against the reference
    round_trip: RoundTrip | None = None

    def to_dict(self) -> dict:
        d = {"src": list(self.link.src), "tgt": list(self.link.tgt), "type": self.link.type,
             "confidence": self.link.confidence, "en": self.en, "version": self.version,
             "issues": [i.to_dict() for i in self.issues]}
        if self.reference is not None:
            d["reference"] = self.reference
        if self.metrics is not None:
            d["metrics"] = self.metrics
        if self.round_trip is not None:
            d["round_trip"] = self.round_trip.to_dict()
        return d


@dataclass
class CheckReport:
    lang: str
    alignment: Alignment
    rows: list[CheckRow]
    document_metrics: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def issues(self) -> list[tuple[CheckRow, Issue]]:
        return [(r, i) for r in self.rows for i in r.issues]

    def counts(self) -> dict[str, int]:
        c = Counter(i.severity for _, i in self.issues)
        return {s: c.get(s, 0) for s in ("error", "warning", "note")}

    def to_dict(self) -> dict:
        return {"format": "parallax-check", "version": 1, "lang": self.lang, "counts": self.counts(),
                "links": self.alignment.counts(), "document_metrics": self.document_metrics,
                "notes": self.notes, "rows": [r.to_dict() for r in self.rows]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self, raw: bool = False) -> str:
        """One row per issue (and one per clean link, so the table covers the whole text)."""
        from .align import _span
        from .export import neutralise

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["en paragraph", f"{self.lang} paragraph", "type", "confidence", "chrF", "BLEU",
                    "round-trip chrF", "severity", "kind", "issue", "en", self.lang])
        for r in self.rows:
            m = r.metrics or {}
            rt = r.round_trip.chrf if r.round_trip else ""
            base = [_span(r.link.src), _span(r.link.tgt), r.link.type, f"{r.link.confidence:.3f}",
                    m.get("chrf", ""), m.get("bleu", ""), rt]
            texts = [r.en, r.version] if raw else [neutralise(r.en), neutralise(r.version)]
            for issue in r.issues or [None]:
                cells = [issue.severity, issue.kind, issue.message] if issue else ["", "", ""]
                if not raw:
                    cells = [neutralise(c) for c in cells]
                w.writerow(base + cells + texts)
        return buf.getvalue()


def check_alignment(alignment: Alignment, glossary: Sequence[GlossaryTerm] = (),
                    reference: Sequence[str] | None = None, engine=None, with_round_trip: bool = False) -> CheckReport:
    """Run every check on an alignment (paragraph unit) of English and a version in one language."""
    lang = alignment.lang
    rows: list[CheckRow] = []
    notes = [alignment.note] if alignment.note else []
    for link in alignment.links:
        en, ver = alignment.texts(link)
        row = CheckRow(link, en, ver)
        if not link.tgt:
            row.issues.append(Issue("omitted", "error", "this English paragraph has no counterpart in the version "
                                                        f"(omitted? confidence {link.confidence:.2f})"))
        elif not link.src:
            row.issues.append(Issue("added", "warning", "this paragraph of the version has no English counterpart "
                                                        f"(added? confidence {link.confidence:.2f})"))
            row.issues += check_script(ver, lang)
        else:
            row.issues += check_numbers(en, ver, lang)
            row.issues += check_glossary(en, ver, lang, glossary)
            row.issues += check_script(ver, lang)
        rows.append(row)
    doc_metrics = None
    if reference is not None:
        from .engine import join_sentences

        per_src = reference_texts(alignment.source, reference, lang, glossary)
        hyps, refs = [], []
        for row in rows:
            idx = sorted({j for i in row.link.src for j in per_src[i]})
            if not row.link.src:
                # added text: it is in the version's output, with nothing to match in the reference
                hyps.append(row.version)
                refs.append("")
                continue
            if not idx:
                continue  # the reference has nothing for this English either
            row.reference = join_sentences([reference[j] for j in idx], lang)
            # an omitted paragraph is an empty hypothesis: the document score must go down
            row.metrics = sentence_metrics(row.version, row.reference, lang)
            hyps.append(row.version)
            refs.append(row.reference)
        doc_metrics = corpus_metrics(hyps, refs, lang)
    if with_round_trip:
        problem = round_trip_problem(engine, lang)
        if problem:
            notes.append(problem)
        else:
            paired = [r for r in rows if r.link.src and r.link.tgt]
            for r, rt in zip(paired, round_trip([r.en for r in paired], [r.version for r in paired], lang, engine)):
                r.round_trip = rt
                if rt.drift:
                    r.issues.append(Issue("drift", "warning", f"the back-translation differs from the English "
                                                              f"(chrF {rt.chrf:.0f}): the meaning may have drifted"))
    return CheckReport(lang, alignment, rows, doc_metrics, notes)


def check_translation(source: Sequence[str], version: Sequence[str], lang: str,
                      glossary: Sequence[GlossaryTerm] = (), reference: Sequence[str] | None = None,
                      engine=None, with_round_trip: bool = False) -> CheckReport:
    """Align `version` (paragraphs in `lang`) to the English `source`, then check each link."""
    links = align_texts(source, version, lang, glossary=glossary)
    alignment = Alignment(tuple(links), tuple(source), tuple(version), lang, "paragraph")
    return check_alignment(alignment, glossary, reference, engine, with_round_trip)


def check_documents(src_doc, version_doc, glossary: Sequence[GlossaryTerm] = (), reference_doc=None,
                    engine=None, with_round_trip: bool = False, lang: str | None = None) -> CheckReport:
    """`check_translation` on Documents; with an engine, its en→lang model helps the alignment."""
    from .align import align_documents

    alignment = align_documents(src_doc, version_doc, engine=engine, glossary=glossary, lang=lang)
    reference = [p.text for p in reference_doc.paragraphs] if reference_doc is not None else None
    return check_alignment(alignment, glossary, reference, engine, with_round_trip)
