import io

import pandas as pd
import pytest

from workbench.documents import build_document
from workbench.engine import AlignedDocument, SentenceTranslation
from workbench.errors import OutputError
from workbench.export import csv_bytes, from_json, neutralise, to_json, to_text, write_atomic


def fake_aligned(paragraphs: list[list[str]], translate=lambda s, lang: f"{lang}:{s}") -> AlignedDocument:
    """An aligned document without a model: export logic does not care who translated."""
    texts = [" ".join(p) for p in paragraphs]
    doc = build_document(texts, "doc.txt", "en")
    tr = {lang: tuple(tuple(SentenceTranslation(translate(s, lang), -0.1, 3, "test") for s in p.sentences)
                      for p in doc.paragraphs) for lang in ("ko", "zh")}
    return AlignedDocument(doc, tr)


TRICKY = [["Title, with comma"], ['He said "yes", then left.', "Second sentence."],
          ["=SUM(A1:A2) is a formula."], ["-5 degrees, +3 later."], ["@handle wrote this."],
          ["A cell with a\nnewline inside."]]


def test_csv_round_trips_through_pandas_with_bom_and_neutralised_cells():
    doc = fake_aligned(TRICKY)
    data = csv_bytes([doc])
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert list(df.columns) == ["document", "paragraph", "kind", "en", "ko", "zh"]
    assert len(df) == len(doc.document.paragraphs)
    for row, p in zip(df.itertuples(), doc.document.paragraphs):
        assert row.en == neutralise(p.text)
        assert row.paragraph == p.index + 1
    assert df.en[2] == "'=SUM(A1:A2) is a formula."
    assert df.en[3] == "'-5 degrees, +3 later."
    assert df.en[4] == "'@handle wrote this."
    assert df.en[1] == 'He said "yes", then left. Second sentence.'


def test_raw_csv_keeps_formulas_and_by_sentence_has_one_row_per_sentence():
    doc = fake_aligned(TRICKY)
    raw = pd.read_csv(io.BytesIO(csv_bytes([doc], raw=True)), encoding="utf-8-sig", keep_default_na=False)
    assert raw.en[2] == "=SUM(A1:A2) is a formula."
    by_s = pd.read_csv(io.BytesIO(csv_bytes([doc], by="sentence")), encoding="utf-8-sig", keep_default_na=False)
    assert list(by_s.columns) == ["document", "paragraph", "sentence", "kind", "en", "ko", "zh"]
    assert len(by_s) == doc.document.sentence_count
    assert list(by_s.ko[1:3]) == ['ko:He said "yes", then left.', "ko:Second sentence."]
    assert list(by_s.sentence[1:3]) == [1, 2]


def test_chinese_paragraphs_join_without_spaces():
    doc = fake_aligned([["One.", "Two."]], translate=lambda s, lang: {"One.": "一。", "Two.": "二。"}[s] if lang == "zh" else s)
    assert doc.paragraph_translation("zh", 0) == "一。二。"
    assert to_text(doc, "zh") == "一。二。\n"
    assert doc.paragraph_translation("ko", 0) == "One. Two."


def test_json_is_lossless():
    doc = fake_aligned(TRICKY)
    (back,) = from_json(to_json([doc]))
    assert back.document.paragraphs == doc.document.paragraphs
    assert [[t.text for t in p] for p in back.translations["zh"]] == [[t.text for t in p] for p in doc.translations["zh"]]


def test_write_atomic_leaves_old_file_on_failure(tmp_path, monkeypatch):
    import os

    target = tmp_path / "out.txt"
    write_atomic(target, "complete")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError, match="no space left"):
        write_atomic(target, "new content that never lands")
    assert target.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
