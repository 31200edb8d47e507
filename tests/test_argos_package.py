"""The echo-model Argos package builder (workbench.testing.argos_package).

Its model must copy every source sentence token for token, under Argos's own decoding settings
(beam 4, length penalty 0.2, replace_unknowns), so that engine tests can tell which source
sentence each output came from.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from workbench.testing.argos_package import build_argos_package, build_copy_model, train_sentencepiece

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "china-dprk-vice-premier-visit.en.txt"

# Argos's decoding settings (argostranslate.translate.apply_packaged_translation).
ARGOS_DECODING = dict(beam_size=4, length_penalty=0.2, replace_unknowns=True, return_scores=True)

UNSEEN = [
    "Zebras quietly juggle 987654321 purple xylophones before breakfast.",
    "Quokka yelps: 4096 vs 1234, maybe 0.5% or 77?",
    "Naïve café owners pay €42 for 日本語 lessons — résumé attached!",
]


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def sample_sentences() -> list[str]:
    """The article cut crudely on '. ' (line by line, so paragraphs never merge)."""
    out = []
    for line in sample_text().splitlines():
        out += [s.strip() for s in line.split(". ") if s.strip()]
    return out


def random_sentence(sp, min_tokens: int, seed: int, max_tokens: int = 250) -> str:
    """Words drawn from the article until the sentence has at least min_tokens pieces.

    CTranslate2 stops decoding at 256 tokens by default (max_decoding_length), as Argos leaves it.
    """
    words = sample_text().split()
    rnd = random.Random(seed)
    out: list[str] = []
    while len(sp.encode(" ".join(out))) < min_tokens:
        out.append(rnd.choice(words))
    sentence = " ".join(out)
    assert min_tokens <= len(sp.encode(sentence)) <= max_tokens
    return sentence


def load_sp(path: Path):
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_file=str(path))


def translate(model_dir: Path, sp, sentences: list[str], *, compute_type: str = "default",
              target_prefix: str | None = None) -> tuple[list[list[str]], list[list[str]], list]:
    import ctranslate2

    tokens = [sp.encode(s, out_type=str) for s in sentences]
    translator = ctranslate2.Translator(str(model_dir), compute_type=compute_type)
    kwargs = {"target_prefix": [[target_prefix]] * len(tokens)} if target_prefix else {}
    results = translator.translate_batch(tokens, **ARGOS_DECODING, **kwargs)
    return tokens, [r.hypotheses[0] for r in results], results


def assert_copies(sp, sentences, tokens, hypotheses, results, *, prefix: str | None = None):
    assert len(hypotheses) == len(sentences)
    for sentence, src, hyp, result in zip(sentences, tokens, hypotheses, results):
        if prefix is not None:
            assert hyp[:1] == [prefix], (sentence, hyp[:3])
            hyp = hyp[1:]
        assert hyp == src, f"{sentence!r}: {src} -> {hyp}"
        # The text as the engine would get it back: sentencepiece-normalised source.
        # decode_pieces keeps the surface of unknown pieces (replace_unknowns puts them back),
        # sp.decode(ids) would turn them into ' ⁇ '.
        assert sp.decode_pieces(hyp) == sp.decode_pieces(sp.encode(sentence, out_type=str))
        if sp.unk_id() not in sp.encode(sentence):
            assert sp.decode_pieces(hyp) == sp.decode(sp.encode(sentence))
        assert result.scores[0] > -1e-3  # the copy is certain


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Default sizes, sentencepiece + model built from the sample article."""
    import ctranslate2.specs  # noqa: F401  (its import, ~2 s with torch, is not build time)

    out = tmp_path_factory.mktemp("echo-small")
    start = time.perf_counter()
    sp_path = train_sentencepiece([sample_text()], out)
    model = build_copy_model(sp_path, out / "model")
    elapsed = time.perf_counter() - start
    print(f"\nsmall echo model built in {elapsed:.2f}s")
    assert elapsed < 5
    return sp_path, model


def test_copies_every_sample_sentence(small):
    sp_path, model = small
    sp = load_sp(sp_path)
    sentences = sample_sentences()
    assert len(sentences) > 10
    assert_copies(sp, sentences, *translate(model, sp, sentences))


def test_copies_one_token_and_long_sentences(small):
    sp_path, model = small
    sp = load_sp(sp_path)
    one_token = [s for s in ["China", ".", "Kim", "the"] if len(sp.encode(s)) == 1]
    assert one_token
    sentences = one_token + [random_sentence(sp, 120, seed=1), random_sentence(sp, 240, seed=2)]
    assert_copies(sp, sentences, *translate(model, sp, sentences))


def test_copies_unseen_words_digits_and_unknown_characters(small):
    sp_path, model = small
    sp = load_sp(sp_path)
    ids = [sp.encode(s) for s in UNSEEN]
    assert any(sp.unk_id() in i for i in ids)  # '€', '日本語', ... are not in the training text
    assert_copies(sp, UNSEEN, *translate(model, sp, UNSEEN))


def test_int8_compute_on_a_float_model(small):
    sp_path, model = small
    sp = load_sp(sp_path)
    sentences = sample_sentences()[:6] + UNSEEN
    assert_copies(sp, sentences, *translate(model, sp, sentences, compute_type="int8"))


def test_multilayer_multihead_int8_model(tmp_path):
    sp_path = train_sentencepiece([sample_text()], tmp_path)
    model = build_copy_model(sp_path, tmp_path / "model", num_layers=3, d_model=256, num_heads=4,
                             ffn_dim=512, quantization="int8", seed=7)
    config = json.loads((model / "config.json").read_text())
    assert config["add_source_eos"] is True
    sp = load_sp(sp_path)
    sentences = sample_sentences()[:8] + UNSEEN + [random_sentence(sp, 200, seed=3)]
    assert_copies(sp, sentences, *translate(model, sp, sentences))


def test_build_is_deterministic(tmp_path):
    a = train_sentencepiece([sample_text()], tmp_path / "a")
    b = train_sentencepiece([sample_text()], tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    build_copy_model(a, tmp_path / "a" / "model")
    build_copy_model(b, tmp_path / "b" / "model")
    assert (tmp_path / "a/model/model.bin").read_bytes() == (tmp_path / "b/model/model.bin").read_bytes()


def test_sentencepiece_is_padded_to_the_requested_size(tmp_path):
    sp = load_sp(train_sentencepiece([sample_text()], tmp_path, vocab_size=3000))
    assert sp.get_piece_size() == 3000
    assert [sp.id_to_piece(i) for i in range(3)] == ["<unk>", "<s>", "</s>"]
    unused = [i for i in range(sp.get_piece_size()) if sp.is_unused(i)]
    assert unused  # the sample alone cannot fill 3000 pieces
    used = {i for s in sample_sentences() + UNSEEN for i in sp.encode(s)}
    assert not used & set(unused)


def test_package_layout(tmp_path):
    start = time.perf_counter()
    f = build_argos_package(tmp_path / "p.argosmodel", texts=[sample_text()], package_version="1.2")
    print(f"\npackage built in {time.perf_counter() - start:.2f}s")
    with zipfile.ZipFile(f) as zf:
        names = set(zf.namelist())
        top = "translate-en_ko-1_2/"
        for name in ("metadata.json", "sentencepiece.model", "README.md", "model/model.bin",
                     "model/config.json", "model/shared_vocabulary.json"):
            assert top + name in names
        assert all(n.startswith(top) for n in names)
        meta = json.loads(zf.read(top + "metadata.json"))
    assert meta == {"package_version": "1.2", "argos_version": "1.9", "from_code": "en",
                    "from_name": "English", "to_code": "ko", "to_name": "Korean", "type": "translate"}


def test_target_prefix_model_emits_prefix_then_copy(tmp_path):
    f = build_argos_package(tmp_path / "p.argosmodel", texts=[sample_text()], to_code="zh",
                            target_prefix="__zh__")
    with zipfile.ZipFile(f) as zf:
        zf.extractall(tmp_path / "x")
    root = tmp_path / "x" / "translate-en_zh-0_1"
    assert json.loads((root / "metadata.json").read_text())["target_prefix"] == "__zh__"
    sp = load_sp(root / "sentencepiece.model")
    assert sp.piece_to_id("__zh__") != sp.unk_id()
    sentences = sample_sentences()[:6] + UNSEEN + ["x"]
    assert_copies(sp, sentences, *translate(root / "model", sp, sentences, target_prefix="__zh__"),
                  prefix="__zh__")


def test_benchmark_size_int8_model_copies(tmp_path):
    """The realistic size a benchmark uses: 6+6 layers, d 512, 8 heads, ffn 2048, vocab 16000, int8."""
    start = time.perf_counter()
    sp_path = train_sentencepiece([sample_text()], tmp_path, vocab_size=16000)
    model = build_copy_model(sp_path, tmp_path / "model", num_layers=6, d_model=512, num_heads=8,
                             ffn_dim=2048, quantization="int8")
    print(f"\nbenchmark-size echo model built in {time.perf_counter() - start:.2f}s")
    sp = load_sp(sp_path)
    assert sp.get_piece_size() == 16000
    assert len(json.loads((model / "shared_vocabulary.json").read_text())) == 16000
    sentences = sample_sentences()[:3] + UNSEEN[2:]
    assert_copies(sp, sentences, *translate(model, sp, sentences))


# --- through argostranslate itself --------------------------------------------------------------

ARGOS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import argostranslate.package as package
    import argostranslate.translate as translate

    class WholeText:  # the default MiniSBD sentencizer would download a model
        def __init__(self, pkg):
            pass

        def split_sentences(self, text):
            return [text]

    translate.MiniSBDSentencizer = WholeText
    job = json.loads(sys.stdin.read())
    package.install_from_path(Path(job["file"]))
    installed = [(p.from_code, p.to_code, p.target_prefix, p.package_path.name)
                 for p in package.get_installed_packages()]
    translation = translate.get_translation_from_codes(job["from"], job["to"])
    out = [translation.hypotheses(s)[0].value for s in job["sentences"]]
    json.dump({"installed": installed, "out": out}, sys.stdout)
    """
)


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        "<2ko>",
        # A prefix with underscores ("__zh__") is not stripped by Argos 1.11 (its decoder turns
        # "_" into spaces first); tests/test_engine.py pins that down against our engine.
    ],
)
def test_installs_and_translates_through_argostranslate(tmp_path, prefix):
    f = build_argos_package(tmp_path / "p.argosmodel", texts=[sample_text()], target_prefix=prefix)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "ARGOS_PACKAGES_DIR": str(home / "packages"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "ARGOS_DEVICE_TYPE": "cpu",
        "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",
    }
    sentences = sample_sentences()[:5] + UNSEEN[:2]
    job = {"file": str(f), "from": "en", "to": "ko", "sentences": sentences}
    proc = subprocess.run([sys.executable, "-c", ARGOS_SCRIPT], input=json.dumps(job), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["installed"] == [["en", "ko", prefix, "translate-en_ko-0_1"]]
    sp = load_sp(home / "packages" / "translate-en_ko-0_1" / "sentencepiece.model")
    expected = [sp.decode_pieces(sp.encode(s, out_type=str)) for s in sentences]
    assert result["out"] == expected
