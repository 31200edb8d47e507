"""The engine against tiny but real Argos packages whose model copies its input.

Because the model echoes, the translation of sentence i must equal sentence i: any mix-up of
order, paragraphs or documents shows up as a mismatch.
"""

import pytest

from conftest import SAMPLE, sample_texts
from workbench.documents import from_text, read_file
from workbench.engine import DecodeOptions, Engine
from workbench.errors import MissingModel
from workbench.messages import explain


def echo(pkg, sentence: str) -> str:
    """What the echo model returns for `sentence`: the text after sentencepiece normalisation."""
    from workbench.engine import decode_tokens, load_tokenizer

    tok = load_tokenizer(pkg)
    return decode_tokens(pkg, tok, tok.encode(sentence))


def test_every_sentence_translated_in_place(models, cache):
    doc = read_file(SAMPLE)
    (aligned,) = Engine(cache).translate_documents([doc], ["ko", "zh"])
    assert aligned.targets == ["ko", "zh"]
    for lang in ("ko", "zh"):
        paras = aligned.translations[lang]
        assert len(paras) == len(doc.paragraphs)
        for p, translated in zip(doc.paragraphs, paras):
            assert len(translated) == len(p.sentences)
            for src, t in zip(p.sentences, translated):
                assert t.text == echo(models[lang], src)
                assert t.text == src  # every character of the sample is in the model's vocabulary
                assert t.score is not None and t.score <= 0
                assert 0 < t.confidence <= 1
                assert t.via == models[lang].label


def test_matches_argostranslates_own_translation(models, monkeypatch):
    """Same model, same settings: per sentence, our output equals Argos's PackageTranslation."""
    from argostranslate import translate as argos_translate

    class OneSentence:
        def __init__(self, pkg):
            pass

        def split_sentences(self, text):
            return [text]

    monkeypatch.setattr(argos_translate, "MiniSBDSentencizer", OneSentence)
    argos_translate.get_installed_languages.cache_clear()
    engine = Engine()
    sentences = read_file(SAMPLE).sentences[:8] + ["Unseen words like Zyzzyva and 12345 appear here."]
    for lang in ("ko", "zh"):
        ours = engine.translate_sentences(sentences, "en", lang)
        argos = argos_translate.get_translation_from_codes("en", lang)
        for s, t in zip(sentences, ours):
            hyp = argos.hypotheses(s, num_hypotheses=1)[0]
            assert t.score == pytest.approx(hyp.score, abs=1e-4)
            if models[lang].target_prefix:
                # Argos decodes "__zh__" to spaces before trying to strip it, so it keeps
                # " zh  " in front; the words after it are ours.
                assert hyp.value.endswith(t.text) and not t.text.startswith(" ")
            else:
                assert t.text == hyp.value
    argos_translate.get_installed_languages.cache_clear()


def test_batch_of_documents_keeps_each_sentence_with_its_document(models):
    docs = [from_text(f"Document {i} begins here. It has a second sentence {i}.\n\nAnd a paragraph {i}.", f"d{i}")
            for i in range(5)]
    result = Engine().translate_documents(docs, ["ko"])
    for d, a in zip(docs, result):
        assert a.document is d
        assert [[t.text for t in p] for p in a.translations["ko"]] == [list(p.sentences) for p in d.paragraphs]


def test_cache_makes_the_second_run_hit(models, cache):
    doc = read_file(SAMPLE)
    engine = Engine(cache)
    first = engine.translate_documents([doc], ["ko"])[0]
    assert not any(t.cached for p in first.translations["ko"] for t in p)
    hits_before = cache.hits
    second = engine.translate_documents([doc], ["ko"])[0]
    assert all(t.cached for p in second.translations["ko"] for t in p)
    assert cache.hits - hits_before == len(set(doc.sentences))
    assert [t.text for p in second.translations["ko"] for t in p] == [t.text for p in first.translations["ko"] for t in p]
    third = engine.translate_documents([doc], ["ko"], use_cache=False)[0]
    assert not any(t.cached for p in third.translations["ko"] for t in p)


def test_cache_key_changes_with_decoding_options(models, cache):
    Engine(cache).translate_sentences(["A sentence to cache."], "en", "ko")
    other = Engine(cache, DecodeOptions(beam_size=2)).translate_sentences(["A sentence to cache."], "en", "ko")
    assert not other[0].cached


def test_duplicate_sentences_are_translated_once(models, monkeypatch):
    engine = Engine()
    seen = []
    original = Engine._run_ctranslate2

    def spy(self, pkg, sentences):
        seen.append(list(sentences))
        return original(self, pkg, sentences)

    monkeypatch.setattr(Engine, "_run_ctranslate2", spy)
    out = engine.translate_sentences(["Photo: IC", "Hello there.", "Photo: IC"], "en", "ko")
    assert [t.text for t in out] == ["Photo: IC", "Hello there.", "Photo: IC"]
    assert seen == [["Photo: IC", "Hello there."]]


def test_results_stream_in_chunks_from_the_top(models):
    doc = read_file(SAMPLE)
    engine = Engine(options=DecodeOptions(first_chunk_sentences=3, chunk_sentences=10))
    snapshots = list(engine.iter_translate_documents([doc], ["ko"]))
    assert len(snapshots) == 1 + -(-(doc.sentence_count - 3) // 10)
    first = snapshots[0][1][0].translations["ko"]
    assert sum(len(p) for p in first) == 3
    assert len(first[0]) == len(doc.paragraphs[0].sentences)  # the top paragraphs fill first
    assert all(len(p) == 0 for p in first[4:])


def test_missing_model_names_the_pair_and_the_command(no_models):
    with pytest.raises(MissingModel) as err:
        Engine().translate_documents([read_file(SAMPLE)], ["ko"])
    assert "en→ko" in str(err.value) and err.value.pairs == [("en", "ko")]
    assert "parallax models install en ko" in explain(err.value)  # the command: the front ends' words


def test_pivot_through_english(models, tmp_path):
    """ko→zh with no direct package goes ko→en→zh and records the chain."""
    from workbench.models import install_archive, uninstall
    from workbench.testing.argos_package import build_argos_package

    korean = ["김정은 위원장이 중국 대표단을 만났다.", "양국은 협력을 강화하기로 했다."]
    path = build_argos_package(tmp_path / "translate-ko_en-0_1.argosmodel", from_code="ko", to_code="en",
                               texts=korean + sample_texts())
    pkg = install_archive(path)
    try:
        engine = Engine()
        assert [p.label for p in engine.route("ko", "zh")] == [pkg.label, models["zh"].label]
        out = engine.translate_sentences(korean, "ko", "zh")
        assert [t.text for t in out] == korean
        assert out[0].via == f"{pkg.label} + {models['zh'].label}"
        assert "zh" in engine.targets_for("ko")
        with pytest.raises(MissingModel, match="ko→fr"):
            engine.route("ko", "fr")
    finally:
        uninstall("ko", "en")


def _articles(n: int, start: int = 0) -> list:
    return [from_text(f"Report {i} opens here. The second sentence of report {i} follows.\n\nA closing line {i}.",
                      f"r{i}") for i in range(start, start + n)]


def test_stream_crosses_document_boundaries_and_keeps_order(models, monkeypatch):
    """A corpus many times the chunk size: chunks mix documents, documents come out whole, in order."""
    docs = _articles(40)
    calls = []
    original = Engine._run_ctranslate2

    def spy(self, pkg, sentences):
        calls.append(len(sentences))
        return original(self, pkg, sentences)

    monkeypatch.setattr(Engine, "_run_ctranslate2", spy)
    engine = Engine(options=DecodeOptions(first_chunk_sentences=5, chunk_sentences=16))
    out = list(engine.stream(iter(docs), ["ko", "zh"]))
    assert [a.document.name for a in out] == [d.name for d in docs]
    for d, a in zip(docs, out):
        assert a.complete and a.targets == ["ko", "zh"]
        for lang in ("ko", "zh"):
            assert [[t.text for t in p] for p in a.translations[lang]] == [list(p.sentences) for p in d.paragraphs]
    assert max(calls) <= 16 and sum(calls) == 2 * sum(d.sentence_count for d in docs)
    assert any(c == 16 for c in calls)  # full chunks: 16 is not a multiple of 3 sentences per document


def test_stream_reads_lazily_and_hands_out_documents_early(models):
    """The first document is out before the input generator is exhausted (no reading ahead)."""
    pulled = []

    def lazy():
        for d in _articles(60):
            pulled.append(d.name)
            yield d

    engine = Engine(options=DecodeOptions(first_chunk_sentences=4, chunk_sentences=12))
    stream = engine.stream(lazy(), ["ko"])
    first = next(stream)
    assert first.document.name == "r0" and first.complete
    assert len(pulled) < 10  # only what the first chunk needed
    rest = list(stream)
    assert len(rest) == 59 and len(pulled) == 60


def test_snapshots_rebuild_only_touched_documents(models):
    """iter_translate_documents over many documents: a document no chunk touched stays the same object."""
    docs = _articles(12)
    engine = Engine(options=DecodeOptions(first_chunk_sentences=3, chunk_sentences=6))
    previous = None
    for _lang, snap in engine.iter_translate_documents(docs, ["ko"]):
        if previous is not None:
            changed = [i for i, (a, b) in enumerate(zip(previous, snap)) if a is not b]
            assert 1 <= len(changed) <= 3  # a 6-sentence chunk spans at most three 3-sentence documents
        previous = snap
    assert all(a.complete for a in previous)


def test_reinstalls_do_not_pile_up_translators(models, package_files):
    """The pool keys translators by package folder: a re-install or a removal drops the old one."""
    from workbench.engine import POOL, release_translators
    from workbench.models import install_archive, uninstall

    release_translators()
    engine = Engine()
    try:
        for _ in range(4):
            install_archive(package_files["ko"])
            assert [t.text for t in engine.translate_sentences(["A fresh install."], "en", "ko")] == ["A fresh install."]
            assert POOL.live() == 1
        engine.translate_sentences(["Both pairs."], "en", "zh")
        assert POOL.live() == 2
        uninstall("en", "ko")
        engine.translate_sentences(["Only Chinese now."], "en", "zh")
        assert POOL.live() == 1  # the removed package's translator went with it
        assert release_translators(models["zh"].path) == 1 and POOL.live() == 0
    finally:
        install_archive(package_files["ko"])


def test_read_ahead_gives_the_same_documents_and_passes_errors_on(models):
    from workbench.errors import BadInput

    docs = _articles(30)
    engine = Engine(options=DecodeOptions(first_chunk_sentences=4, chunk_sentences=12))
    plain = [a.to_dict() for a in engine.stream(iter(docs), ["zh"])]
    ahead = [a.to_dict() for a in engine.stream(iter(docs), ["zh"], read_ahead=5)]
    assert ahead == plain

    def failing():
        yield from docs[:3]
        raise BadInput("broken input")

    with pytest.raises(BadInput, match="broken input"):
        list(engine.stream(failing(), ["zh"], read_ahead=2))


CODE = "```\n$ pip install parallax\n    def f(x):  return x.y()\n```"


def _kinds_document():
    from workbench.documents import build_document

    texts = ["Install it", "Run the installer first. It takes a minute.", "pip install parallax\n  --user",
             "A footnote that explains the term.", "Name", "Value", "<div align=\"center\">\n<img src=x.png>\n</div>"]
    kinds = ["title", "body", "code", "note", "cell", "cell", "code"]
    return build_document(texts, "kinds.md", "en", kinds)


def test_code_paragraphs_never_reach_the_model_and_come_back_verbatim(models, monkeypatch, cache):
    from workbench import export
    from workbench.corpus_output import document_rows
    from workbench.engine import AlignedDocument

    doc = _kinds_document()
    assert doc.paragraphs[2].sentences == ("pip install parallax\n  --user",)  # one unit, lines kept
    sent = []
    original = Engine._run_ctranslate2

    def spy(self, pkg, sentences):
        sent.extend(sentences)
        return original(self, pkg, sentences)

    monkeypatch.setattr(Engine, "_run_ctranslate2", spy)
    (aligned,) = Engine(cache).translate_documents([doc], ["ko", "zh"])
    assert not any("pip install" in s or "<div" in s for s in sent)
    assert "A footnote that explains the term." in sent and "Value" in sent  # notes and cells are translated
    for lang in ("ko", "zh"):
        for i in (2, 6):
            (t,) = aligned.translations[lang][i]
            assert t.text == doc.paragraphs[i].text and t.via == "verbatim"
        text = export.to_text(aligned, lang)
        assert "pip install parallax\n  --user" in text and '<div align="center">\n<img src=x.png>\n</div>' in text
    _, rows = export.rows([aligned])
    assert [r[2] for r in rows] == ["title", "body", "code", "note", "cell", "cell", "code"]
    assert rows[2][3:] == ["pip install parallax\n  --user"] * 3
    again = AlignedDocument.from_dict(aligned.to_dict())
    assert [p.kind for p in again.document.paragraphs] == [p.kind for p in doc.paragraphs]
    corpus_rows = list(document_rows(aligned))
    code_row = next(r for r in corpus_rows if r["kind"] == "code")
    assert code_row["ko"] == code_row["zh"] == code_row["en"] == "pip install parallax\n  --user"


def test_a_document_of_code_only_is_complete_without_a_model_call(models, monkeypatch):
    from workbench.documents import build_document

    doc = build_document(["x = 1", "y = 2"], "code.md", "en", ["code", "code"])
    monkeypatch.setattr(Engine, "_run_ctranslate2", lambda self, pkg, s: pytest.fail("the model was called"))
    (aligned,) = list(Engine().stream([doc], ["ko"]))
    assert aligned.complete and aligned.paragraph_translation("ko", 1) == "y = 2"
