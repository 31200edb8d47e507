"""Glossary matching in time near-linear in the text, whatever the glossary's size.

Testing every term against every paragraph (one regular expression per term) made a 19 MB
glossary cost minutes per document. `GlossaryIndex` reads the glossary once into hash tables and
then scans each text once:

* English terms are found where the term's regular expression (`GlossaryTerm.pattern`: the term,
  case-insensitive, not inside a word) would find them. The text is case-folded the way the `re`
  module compares characters under IGNORECASE, so a term matches at position i exactly when the
  folded text from i equals the folded term and neither neighbour is a word character; only
  word-boundary spans whose length some term has are looked up.
* Renderings (Korean, Chinese) are found as plain substrings, as `str.count` does: at each
  position, only the lengths of the renderings that start with that character are looked up.

Counts are of non-overlapping occurrences, leftmost first, as `re.findall` and `str.count` give
them, so results are those of the per-term loops (tests/test_glossary_index.py compares them on
random input). Terms that cannot be indexed that way (an empty English term) are matched by
their pattern, one by one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from .formats import GlossaryTerm

try:  # how `re` compares characters under IGNORECASE (re/_compiler.py): lowercase, then equivalences
    from re._casefix import _EXTRA_CASES as _RE_EQUIVALENT
    from _sre import unicode_tolower as _re_tolower
except ImportError:  # another Python: plain lowercase (exact for every character but a few Greek ones)
    _RE_EQUIVALENT = {}

    def _re_tolower(cp: int) -> int:
        low = chr(cp).lower()
        return ord(low) if len(low) == 1 else cp


class _Fold(dict):
    """str.translate table: a character -> the one `re` treats as equal to it ignoring case
    (one character for one, so positions in the folded text are those of the text)."""

    def __missing__(self, cp: int) -> int:
        low = _re_tolower(cp)
        low = min((low, *_RE_EQUIVALENT.get(low, ())))
        self[cp] = low
        return low


_FOLD = _Fold()
_NOT_WORD = re.compile(r"\W")  # \w as the terms' patterns read it


def fold(text: str) -> str:
    """`text` with every character replaced by the representative of its IGNORECASE class."""
    return text.translate(_FOLD)


def _non_overlapping(starts: list[int], width: int) -> int:
    """How many of the occurrences at `starts` (ascending) `re.findall`/`str.count` would count."""
    n, free = 0, -1
    for s in starts:
        if s >= free:
            n += 1
            free = s + width
    return n


class GlossaryIndex(Sequence[GlossaryTerm]):
    """A glossary read once for fast matching; it is also the sequence of its terms, so it goes
    wherever a glossary does (build it once per document pair: `GlossaryIndex.of(glossary)`).

    `lookups` counts hash-table probes, the work done per text (for tests and benchmarks)."""

    def __init__(self, terms: Sequence[GlossaryTerm]) -> None:
        self.terms: tuple[GlossaryTerm, ...] = tuple(terms)
        self.lookups = 0
        english = [t.en for t in self.terms]
        folded = fold("".join(english))  # one call for the whole glossary: positions are kept
        keys, self._slow = [], []  # _slow: terms matched by their pattern
        at = 0
        for i, en in enumerate(english):
            if en:
                keys.append((folded[at:at + len(en)], i))
            else:
                self._slow.append(i)
            at += len(en)
        self._en = _Table(keys)  # folded English term -> the terms
        self._en_lengths = self._en.lengths_by_first()
        self._en_length_sets = {ch: frozenset(ls) for ch, ls in self._en_lengths.items()}
        self._max_en = max((m for ls in self._en_lengths.values() for m in ls), default=0)
        self._targets: dict[str, tuple[_Table, dict[str, tuple[int, ...]]]] = {}

    @classmethod
    def of(cls, glossary: Sequence[GlossaryTerm]) -> "GlossaryIndex":
        """`glossary` itself when it is already an index, else its index."""
        return glossary if isinstance(glossary, GlossaryIndex) else cls(glossary)

    # Sequence[GlossaryTerm]
    def __len__(self) -> int:
        return len(self.terms)

    @overload
    def __getitem__(self, i: int) -> GlossaryTerm: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[GlossaryTerm]: ...
    def __getitem__(self, i):
        return self.terms[i]

    def __iter__(self) -> Iterator[GlossaryTerm]:
        return iter(self.terms)

    def english_counts(self, text: str) -> dict[int, int]:
        """Term index -> occurrences of the term in English `text`, as `len(term.pattern().findall(text))`
        (terms that do not occur are left out), in glossary order."""
        found: dict[str, list[int]] = {}
        if self._en:
            folded = fold(text)
            n = len(text)
            non_word = [m.start() for m in _NOT_WORD.finditer(text)]
            ends = non_word + [n]  # a match may end here: no word character follows
            end_set = set(ends)
            starts = [0] + [p + 1 for p in non_word if p + 1 < n]  # no word character precedes
            for i in starts:
                if i >= n:
                    break
                lengths = self._en_lengths.get(folded[i])
                if lengths is None:
                    continue
                length_set = self._en_length_sets[folded[i]]
                lo = bisect_right(ends, i)
                hi = bisect_right(ends, i + self._max_en, lo)
                if hi - lo <= len(lengths):  # fewer boundaries ahead than term lengths: try those
                    spans = (j - i for j in ends[lo:hi])
                    candidates = [m for m in spans if m in length_set]
                else:
                    candidates = [m for m in lengths if i + m in end_set]
                for m in candidates:
                    self.lookups += 1
                    if folded[i:i + m] in self._en:
                        found.setdefault(folded[i:i + m], []).append(i)
        counts = {}
        for key, starts_of_key in found.items():
            hits = _non_overlapping(starts_of_key, len(key))
            for ti in self._en.indices(key):
                counts[ti] = hits
        for ti in self._slow:
            hits = len(self.terms[ti].pattern().findall(text))
            if hits:
                counts[ti] = hits
        return dict(sorted(counts.items()))

    def target_counts(self, text: str, lang: str) -> dict[int, int]:
        """Term index -> occurrences in `text` of the term's most frequent `lang` rendering, as
        `max(text.count(alt) for alt in term.targets[lang])`, in glossary order."""
        table, lengths_by_first = self._target_table(lang)
        found: dict[str, list[int]] = {}
        for i, ch in enumerate(text):
            lengths = lengths_by_first.get(ch)
            if lengths is None:
                continue
            for m in lengths:
                self.lookups += 1
                piece = text[i:i + m]
                if piece in table:
                    found.setdefault(piece, []).append(i)
        counts: dict[int, int] = {}
        for alt, starts in found.items():
            hits = _non_overlapping(starts, len(alt))
            for ti in table.indices(alt):
                if hits > counts.get(ti, 0):
                    counts[ti] = hits
        return dict(sorted(counts.items()))

    def _target_table(self, lang: str) -> tuple[_Table, dict[str, tuple[int, ...]]]:
        if lang not in self._targets:
            keys = []
            for i, term in enumerate(self.terms):
                alts = term.targets.get(lang)
                if alts:
                    keys.extend((alt, i) for alt in (alts if len(alts) == 1 else dict.fromkeys(alts)) if alt)
            table = _Table(keys)
            self._targets[lang] = (table, table.lengths_by_first())
        return self._targets[lang]

    def missing_renderings(self, en: str, version: str, lang: str) -> list[GlossaryTerm]:
        """Terms found in `en` with `lang` renderings, none of which is in `version` (glossary
        order): only the terms found in the English are looked for in the translation."""
        out = []
        for ti in self.english_counts(en):
            term = self.terms[ti]
            wanted = term.targets.get(lang)
            if wanted and not any(w in version for w in wanted):
                out.append(term)
        return out


class _Table(dict):
    """key -> the index of the first term with it; `indices(key)` gives all of them (most keys
    belong to one term: no list is made for those)."""

    def __init__(self, keys: Iterable[tuple[str, int]]) -> None:
        super().__init__()
        self._more: dict[str, list[int]] = {}
        for key, i in keys:
            first = self.setdefault(key, i)
            if first != i:
                self._more.setdefault(key, [first]).append(i)

    def indices(self, key: str) -> list[int]:
        return self._more.get(key) or [self[key]]

    def lengths_by_first(self) -> dict[str, tuple[int, ...]]:
        """First character -> the sorted lengths of the keys that start with it."""
        by_first: dict[str, list[int]] = {}
        for ch, m in {(key[0], len(key)) for key in self}:
            by_first.setdefault(ch, []).append(m)
        return {ch: tuple(sorted(ls)) for ch, ls in by_first.items()}
