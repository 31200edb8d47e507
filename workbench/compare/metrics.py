"""Reference metrics (chrF, BLEU with a tokenizer fit for the language) and the round trip
(back-translation to English compared with the original)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence

from ..align import GlossaryTerm, align_texts
from ..errors import MissingModel, install_hint
from .diff import Op, diff_texts, similarity

DRIFT_CHRF = 30.0  # a back-translation scoring below this chrF against the English is flagged
DRIFT_BELOW_MEDIAN = 20.0  # ... and so is one this far below the document's median


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
    from ..engine import join_sentences
    from ..segment import split_sentences

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
