"""What the engine takes and returns: decoding options, one sentence's translation, and a
document aligned sentence by sentence with its translations (frozen, JSON-serialisable)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..cache import cache_key
from ..documents import Document, Paragraph
from ..languages import joins_without_spaces
from ..packages import PackageInfo

# (target language, sentences done, sentences total) for progress bars
ProgressFn = Callable[[str, int, int], None]

def join_sentences(sentences: Sequence[str], lang: str) -> str:
    return ("" if joins_without_spaces(lang) else " ").join(s for s in sentences if s)


@dataclass(frozen=True)
class DecodeOptions:
    """Argos's settings (beam 4, length penalty 0.2, replace unknowns) plus batching knobs."""

    beam_size: int = 4
    length_penalty: float = 0.2
    replace_unknowns: bool = True
    max_decoding_length: int = 256
    max_batch_size: int = 512  # tokens per batch when batch_type == "tokens" (benchmarks/tune.py)
    batch_type: str = "tokens"
    chunk_sentences: int = 256  # sentences per translate_batch call; results stream per chunk
    first_chunk_sentences: int = 32  # a small first chunk so the first paragraphs show early

    @property
    def key(self) -> str:
        """Only the options that change the output go into the cache key."""
        return f"beam={self.beam_size};lp={self.length_penalty};unk={self.replace_unknowns};max={self.max_decoding_length}"


@dataclass(frozen=True)
class Signature:
    """Everything that decides what a package makes of a sentence, in one line (sacrebleu's
    Signature as the model): the package's identity (pair, version, folder, and its model file as
    the scan found it: a re-install is another signature) and the decoding settings that change
    the output. The translation cache keys on it, the translator pool compares its package
    identity, and the output manifests stamp it per target (`chain_id`); taken once per package and chunk, so a run
    costs one stat() of model.bin per package scan, never one per sentence."""

    package: str  # PackageInfo.identity
    decoding: str  # DecodeOptions.key

    @classmethod
    def of(cls, pkg: PackageInfo, options: DecodeOptions) -> "Signature":
        return cls(pkg.identity, options.key)

    def cache_key(self, sentence: str) -> str:
        return cache_key(self.package, self.decoding, sentence)

    @classmethod
    def chain_id(cls, chain: Sequence[PackageInfo], options: DecodeOptions) -> str:
        """The models that translate into one target language, in 16 hex digits: the signature of
        every package along its chain (direct, or through English). The output folders' manifests
        stamp it per target, so a document made by a model since replaced is not taken as done."""
        text = " + ".join(str(cls.of(pkg, options)) for pkg in chain)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def __str__(self) -> str:
        return f"{self.package}|{self.decoding}"


@dataclass(frozen=True)
class SentenceTranslation:
    text: str
    # CTranslate2's length-normalised log-probability, <= 0 (summed over a pivot chain): "score" in
    # JSON and rows; `confidence` turns it into the [0, 1] number the app shows
    score: float | None
    tokens: int | None  # target tokens, to turn the score into a per-token confidence
    via: str  # the package chain, e.g. "en→ko 1.1" or "ko→en 1.1 + en→zh 1.9"
    cached: bool = False

    @property
    def confidence(self) -> float | None:
        """Geometric-mean token probability in [0, 1]; None when unknown."""
        if self.score is None or not self.tokens:
            return None
        # CTranslate2 divides the summed log-prob by length**length_penalty (0.2); undo it and
        # average per token. Approximate for pivot chains (scores add), still monotone.
        n = max(self.tokens, 1)
        return math.exp(self.score * (n ** 0.2) / n)


@dataclass(frozen=True)
class AlignedDocument:
    """A source document and, per target language, one translation per source sentence."""

    document: Document
    translations: dict[str, tuple[tuple[SentenceTranslation, ...], ...]] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return list(self.translations)

    def paragraph_translation(self, lang: str, index: int) -> str:
        return join_sentences([t.text for t in self.translations[lang][index]], lang)

    def to_dict(self) -> dict:
        doc = self.document
        return {
            "name": doc.name,
            "source_lang": doc.lang,
            "targets": self.targets,
            "paragraphs": [
                {
                    "index": p.index,
                    "kind": p.kind,
                    "text": p.text,
                    "sentences": list(p.sentences),
                    "translations": {
                        lang: {
                            "text": self.paragraph_translation(lang, p.index),
                            "sentences": [
                                {"text": t.text, "score": t.score, "confidence": t.confidence, "tokens": t.tokens,
                                 "via": t.via}
                                for t in self.translations[lang][p.index]
                            ],
                        }
                        for lang in self.targets
                    },
                }
                for p in doc.paragraphs
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "AlignedDocument":
        paragraphs = tuple(
            Paragraph(p["index"], p["kind"], p["text"], tuple(p["sentences"])) for p in data["paragraphs"]
        )
        doc = Document(name=data["name"], lang=data["source_lang"], paragraphs=paragraphs)
        translations = {
            lang: tuple(
                tuple(SentenceTranslation(s["text"], s["score"], s["tokens"], s["via"], cached=True)
                      for s in p["translations"][lang]["sentences"])
                for p in data["paragraphs"]
            )
            for lang in data["targets"]
        }
        return cls(doc, translations)

    @property
    def complete(self) -> bool:
        """Every source sentence has its translation in every target language."""
        return all(len(self.translations.get(lang, ())) == len(self.document.paragraphs)
                   and all(len(t) == len(p.sentences) for t, p in zip(self.translations[lang], self.document.paragraphs))
                   for lang in self.targets)
