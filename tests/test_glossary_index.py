"""Issue 18.5: glossary matching is near-linear in text + glossary, with the results of the per-term loops.

The references below are the loops the index replaced (signals._raw_keys and checks.check_glossary
before it): one regular expression per term per paragraph, one str.count per rendering."""

from __future__ import annotations

import random
import re

import _sre
import pytest
from conftest import ROOT, SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.align import Alignment, GlossaryIndex, GlossaryTerm, align_texts, make_link
from workbench.align.glossary import fold
from workbench.compare import check_alignment, check_glossary
from workbench.documents import read_file

KO_SAMPLE = ROOT / "samples" / f"{SAMPLE.name[: -len('.en.txt')]}.ko.txt"

# characters where case-insensitive matching is unusual: long s, Kelvin sign, dotted/dotless i,
# micro sign, Greek sigmas and iota forms, sharp s, word joiners and boundaries
TRICKY = "aAsSſkKKiIİıµμΣσς\u0345ιιßẞ_-. '’0123é Éñ\n김정은金正恩"


def reference_english(text: str, term: GlossaryTerm) -> int:
    return len(term.pattern().findall(text))


def reference_target(text: str, term: GlossaryTerm, lang: str) -> int:
    return max((text.count(alt) for alt in term.targets.get(lang, ()) if alt), default=0)


def reference_check(en: str, version: str, lang: str, glossary) -> list[str]:
    out = []
    for term in glossary:
        wanted = term.targets.get(lang)
        if not wanted or not term.pattern().search(en):
            continue
        if not any(w in version for w in wanted):
            out.append(f"“{term.en}” should be rendered as “{' | '.join(wanted)}”")
    return out


tricky_text = st.text(alphabet=TRICKY, max_size=40)
any_text = st.text(max_size=30)


@st.composite
def glossary_and_texts(draw, text=tricky_text):
    en = draw(text)
    ko = draw(text)
    terms = []
    for _ in range(draw(st.integers(0, 8))):
        if en and draw(st.booleans()):  # a piece of the text, so that there are hits
            a = draw(st.integers(0, len(en) - 1))
            word = en[a:a + draw(st.integers(1, 8))]
        else:
            word = draw(st.text(alphabet=TRICKY, max_size=6))
        word = word.strip() if draw(st.booleans()) else word
        alts = tuple(draw(st.lists(st.one_of(st.text(alphabet=TRICKY, max_size=4),
                                             st.just(ko[:3]), st.just(ko[1:2])), max_size=3)))
        terms.append(GlossaryTerm(word, {"ko": alts} if alts else {}))
    return terms, en, ko


def _check(terms, en, ko):
    index = GlossaryIndex(terms)
    want_en = {i: n for i, t in enumerate(terms) if (n := reference_english(en, t))}
    assert index.english_counts(en) == want_en
    want_ko = {i: n for i, t in enumerate(terms) if (n := reference_target(ko, t, "ko"))}
    assert index.target_counts(ko, "ko") == want_ko
    assert [i.message for i in check_glossary(en, ko, "ko", index)] == reference_check(en, ko, "ko", terms)


@settings(max_examples=400, deadline=None)
@given(glossary_and_texts())
def test_index_counts_equal_the_per_term_loops(case):
    _check(*case)


@settings(max_examples=200, deadline=None)
@given(glossary_and_texts(any_text))
def test_index_counts_equal_the_per_term_loops_on_any_characters(case):
    _check(*case)


@pytest.mark.parametrize("term, text, hits", [
    ("Kim Jong-un", "kim jong-un met KIM JONG-UN; Kim Jong-una is not him", 2),
    ("US", "us, US and the ſ-less Uſ", 3),  # ſ is s to `re` ignoring case
    ("C++", "C++ and C++x and (C++)", 2),
    ("aa", "aaaa aa", 1),  # the first 'aaaa' is one word
    (".NET", "a.NET .NET", 1),
])
def test_known_matches(term, text, hits):
    t = GlossaryTerm(term, {})
    assert GlossaryIndex([t]).english_counts(text) == ({0: hits} if hits else {})
    assert reference_english(text, t) == hits


@settings(max_examples=300, deadline=None)
@given(st.characters(), st.characters())
def test_fold_is_how_re_compares_characters(a, b):
    same = re.fullmatch(re.escape(a), b, re.IGNORECASE) is not None
    assert same == (fold(a) == fold(b)), (a, b)


def test_every_lowercase_of_a_character_is_cased():
    """The fold assumes what re/_compiler.py relies on: a character that another one lowercases to
    is compared ignoring case too (an uncased one would match only itself)."""
    odd = [cp for cp in range(0x110000) if _sre.unicode_tolower(cp) != cp
           and not _sre.unicode_iscased(_sre.unicode_tolower(cp))]
    assert odd == []


def test_align_keys_are_unchanged_by_the_index():
    """The alignment with the sample glossary given as a list and as an index is the same."""
    from workbench.align import load_glossary

    terms = load_glossary(ROOT / "samples" / "glossary.csv")
    en = [p.text for p in read_file(SAMPLE).paragraphs]
    ko = [p.text for p in read_file(KO_SAMPLE, "ko").paragraphs]
    assert align_texts(en, ko, "ko", glossary=terms) == align_texts(en, ko, "ko", glossary=GlossaryIndex(terms))


def _big_glossary(words: list[str], ko: str, n: int, seed: int = 7) -> list[GlossaryTerm]:
    rng = random.Random(seed)
    return [GlossaryTerm(" ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + ("" if k % 3 else f" {k}"),
                         {"ko": ("".join(rng.choice(ko) for _ in range(rng.randint(2, 5))),)})
            for k in range(n)]


def test_a_large_glossary_costs_lookups_per_character_not_per_term(monkeypatch):
    """100,000 terms against the sample article: no term is tried paragraph by paragraph (its
    pattern is never compiled) and the hash-table probes stay within a few per character."""
    en_doc = read_file(SAMPLE)
    ko_doc = read_file(KO_SAMPLE, "ko")
    en = [p.text for p in en_doc.paragraphs]
    ko = [p.text for p in ko_doc.paragraphs]
    terms = _big_glossary(re.findall(r"[A-Za-z]+", en_doc.text), "".join(ko), 100_000)
    compiled = []

    def counted(self):
        compiled.append(self.en)
        if len(compiled) > 1000:
            raise AssertionError("a pattern per term per paragraph: the glossary is not indexed")
        return re.compile(r"(?<![\w])" + re.escape(self.en) + r"(?![\w])", re.IGNORECASE)

    monkeypatch.setattr(GlossaryTerm, "pattern", counted)
    index = GlossaryIndex(terms)
    alignment = Alignment(tuple(make_link(range(i, i + 1), range(i, i + 1)) for i in range(min(len(en), len(ko)))),
                          tuple(en), tuple(ko), "ko")
    report = check_alignment(alignment, index)
    assert compiled == []
    chars = sum(map(len, en[: len(alignment.links)])) + sum(map(len, ko[: len(alignment.links)]))
    assert index.lookups <= 2 * chars, (index.lookups, chars)
    assert any(i.kind == "glossary" for r in report.rows for i in r.issues)
