"""The check report: every check run on each link of an alignment of English and a version."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from ..align import Alignment, GlossaryIndex, GlossaryTerm, Link, align_texts
from .checks import Issue, check_glossary, check_numbers, check_script
from .metrics import RoundTrip, corpus_metrics, reference_texts, round_trip, round_trip_problem, sentence_metrics


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
        from ..align import _span
        from ..export import csv_text

        header = ["en paragraph", f"{self.lang} paragraph", "type", "confidence", "chrF", "BLEU",
                  "round-trip chrF", "severity", "kind", "issue", "en", self.lang]
        body = []
        for r in self.rows:
            m = r.metrics or {}
            rt = r.round_trip.chrf if r.round_trip else ""
            base = [_span(r.link.src), _span(r.link.tgt), r.link.type, f"{r.link.confidence:.3f}",
                    m.get("chrf", ""), m.get("bleu", ""), rt]
            for issue in r.issues or [None]:
                cells = [issue.severity, issue.kind, issue.message] if issue else ["", "", ""]
                body.append(base + cells + [r.en, r.version])
        return csv_text(header, body, raw)


def check_alignment(alignment: Alignment, glossary: Sequence[GlossaryTerm] = (),
                    reference: Sequence[str] | None = None, engine=None, with_round_trip: bool = False) -> CheckReport:
    """Run every check on an alignment (paragraph unit) of English and a version in one language."""
    lang = alignment.lang
    glossary = GlossaryIndex.of(glossary)  # once for all paragraphs
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
        from ..engine import join_sentences

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
    glossary = GlossaryIndex.of(glossary)
    links = align_texts(source, version, lang, glossary=glossary)
    alignment = Alignment(tuple(links), tuple(source), tuple(version), lang, "paragraph")
    return check_alignment(alignment, glossary, reference, engine, with_round_trip)


def check_documents(src_doc, version_doc, glossary: Sequence[GlossaryTerm] = (), reference_doc=None,
                    engine=None, with_round_trip: bool = False, lang: str | None = None) -> CheckReport:
    """`check_translation` on Documents; with an engine, its en→lang model helps the alignment."""
    from ..align import align_documents

    glossary = GlossaryIndex.of(glossary)
    alignment = align_documents(src_doc, version_doc, engine=engine, glossary=glossary, lang=lang)
    reference = [p.text for p in reference_doc.paragraphs] if reference_doc is not None else None
    return check_alignment(alignment, glossary, reference, engine, with_round_trip)
