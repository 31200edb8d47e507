"""Protected spans (URLs, e-mail addresses, inline code, file paths) come back verbatim, through the
real CTranslate2 echo model: placeholders that survive decoding, and the fallback that translates
around the spans when a model loses a placeholder."""

from __future__ import annotations

import re

from workbench import protect
from workbench.documents import from_text
from workbench.engine import Engine

GUIDE = "Read the guide at https://example.org/docs/install.html before you start."
URL = "https://example.org/docs/install.html"


def spans(text: str) -> list[str]:
    return [text[a:b] for a, b in protect.find_spans(text)]


def test_find_spans_takes_urls_mail_code_and_paths_without_sentence_punctuation():
    assert spans(GUIDE) == [URL]
    assert spans("Write to help@example.com. Or open ./scripts/start.sh, then docs/install.md.") == [
        "help@example.com", "./scripts/start.sh", "docs/install.md"]
    assert spans("Call `pip install -r requirements.txt` (see https://en.wikipedia.org/wiki/Pip_(package_manager)).") == [
        "`pip install -r requirements.txt`", "https://en.wikipedia.org/wiki/Pip_(package_manager)"]
    assert spans(r"Logs go to C:\Users\me\parallax.log and /var/log/parallax/, see <https://x.org/a>.") == [
        r"C:\Users\me\parallax.log", "/var/log/parallax/", "https://x.org/a"]
    assert spans("Use `?` or `{:?}`, and `` `x` `` too.") == ["`?`", "`{:?}`", "`` `x` ``"]  # code without letters
    assert spans("Edit README.md or setup.py; clone github.com/argosopentech/argos-translate first.") == [
        "README.md", "setup.py", "github.com/argosopentech/argos-translate"]


def test_find_spans_leaves_ordinary_prose_alone():
    prose = ("The U.S. team, e.g. its coach, works 24/7 and/or at 60 km/h on 10/12/2023; he/she said "
             "so at 3:15 p.m. in St. Louis, a 3.5% rise.")
    assert spans(prose) == []


def test_mask_and_unmask_round_trip_and_detect_a_lost_placeholder():
    m = protect.mask(GUIDE)
    assert URL not in m.text and m.text.count("\ue000") == 1
    assert m.unmask("가이드 \ue000 를 읽으세요.") == f"가이드 {URL} 를 읽으세요."
    assert m.unmask("가이드를 읽으세요.") is None  # dropped
    assert m.unmask("\ue000 \ue000") is None  # doubled
    assert m.rebuild(["가이드를 읽으세요", "시작하기 전에."]) == f"가이드를 읽으세요 {URL} 시작하기 전에."


def _spy(monkeypatch, transform=lambda text: text):
    """Record what reaches the model and what it returns; `transform` plays a model that mangles."""
    calls: list[tuple[list[str], list[str]]] = []
    original = Engine._run_ctranslate2

    def run(self, pkg, sentences):
        out = original(self, pkg, sentences)
        out = [type(t)(transform(t.text), t.score, t.tokens, t.via, t.cached) for t in out]
        calls.append((list(sentences), [t.text for t in out]))
        return out

    monkeypatch.setattr(Engine, "_run_ctranslate2", run)
    return calls


def test_placeholders_survive_real_decoding_and_the_url_comes_back_in_korean_and_chinese(models, monkeypatch):
    calls = _spy(monkeypatch)
    doc = from_text(f"Install notes\n\n{GUIDE} Mail help@example.com if `parallax check` fails.", lang="en")
    (aligned,) = Engine().translate_documents([doc], ["ko", "zh"])
    sent = [s for batch, _ in calls for s in batch]
    assert not any(URL in s or "help@example.com" in s or "`" in s for s in sent)  # masked before the model
    assert any("\ue000" in out for _, outs in calls for out in outs)  # the placeholder came back decoded
    for lang in ("ko", "zh"):
        text = aligned.paragraph_translation(lang, 1)
        assert URL in text and "help@example.com" in text and "`parallax check`" in text


def test_a_model_that_drops_placeholders_and_mangles_urls_still_gives_them_back(models, monkeypatch):
    # a model that loses the placeholder and "translates" slashes and dots: what real models do to URLs
    calls = _spy(monkeypatch, lambda text: re.sub("[\ue000-\ue0ff]", "", text).replace("/", " / ").replace(".", "。"))
    out = Engine().translate_sentences([GUIDE], "en", "ko")
    assert URL in out[0].text
    assert out[0].text.startswith("Read the guide at " + URL + " before you start")
    pieces = calls[-1][0]
    assert pieces == ["Read the guide at ", " before you start."]  # translated around the span


def test_a_sentence_that_is_only_protected_spans_is_not_sent(models, monkeypatch):
    calls = _spy(monkeypatch)
    out = Engine().translate_sentences([URL, "(help@example.com)", "A plain sentence."], "en", "zh")
    assert [t.text for t in out[:2]] == [URL, "(help@example.com)"]
    assert [s for batch, _ in calls for s in batch] == ["A plain sentence."]


def test_text_holding_placeholder_characters_is_translated_around_its_spans(models, monkeypatch):
    calls = _spy(monkeypatch)
    odd = f"A private \ue001 character and {URL} here."
    (t,) = Engine().translate_sentences([odd], "en", "ko")
    assert URL in t.text and "\ue001" in t.text
    assert all(URL not in s for batch, _ in calls for s in batch)
