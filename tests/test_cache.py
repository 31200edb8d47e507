from conftest import SAMPLE
from workbench import documents, segment
from workbench.cache import TranslationCache, cache_key
from workbench.documents import read_file


def test_translations_round_trip_and_count_hits(cache):
    k = cache_key("pkg-1", "beam=4", "Hello.")
    assert cache.get_many([k]) == {}
    cache.put_many([(k, "안녕.", -0.5, 3)])
    assert cache.get_many([k, cache_key("pkg-2", "beam=4", "Hello.")]) == {k: ("안녕.", -0.5, 3)}
    assert (cache.hits, cache.misses) == (1, 2)
    assert len(cache) == 1


def test_cache_survives_reopening(tmp_path):
    path = tmp_path / "c.sqlite"
    c = TranslationCache(path)
    c.put_many([("k", "v", None, None)])
    c.close()
    assert TranslationCache(path).get_many(["k"]) == {"k": ("v", None, None)}


def test_sentence_splits_are_kept_and_reused(cache, monkeypatch):
    first = read_file(SAMPLE, memo=cache)
    calls = []
    monkeypatch.setattr(documents.build, "split_sentences", lambda t, lang: calls.append(t) or segment.split_sentences(t, lang))
    again = read_file(SAMPLE, memo=cache)
    assert again.paragraphs == first.paragraphs
    assert calls == []  # every paragraph's split came from the cache
    monkeypatch.setattr(documents.build, "SEGMENTER_VERSION", "another-splitter")
    read_file(SAMPLE, memo=cache)
    assert len(calls) == len({p.text for p in first.paragraphs})  # a new splitter version splits afresh


def test_clear_empties_both_tables(cache):
    read_file(SAMPLE, memo=cache)
    cache.put_many([("k", "v", None, None)])
    cache.clear()
    assert len(cache) == 0
    assert cache.get_segments([SAMPLE.read_text().splitlines()[0]], "en", segment.VERSION) == {}
