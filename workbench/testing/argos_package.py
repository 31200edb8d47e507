"""Build tiny but real Argos Translate packages whose model echoes its input.

The package produced by :func:`build_argos_package` is a genuine ``.argosmodel``
zip (``metadata.json``, ``sentencepiece.model``, a CTranslate2 ``model/``
directory, ``README.md``) that argostranslate installs and loads like any other
package.  The CTranslate2 model is a standard ``TransformerSpec`` (pre-norm,
learned position table) whose weights are handcrafted with numpy so that it
**copies the source token sequence and then emits ``</s>``**.  Tests can thus
check that every output sentence came from the right source sentence, and a
benchmark can build the same thing at a realistic size (e.g. 6 layers,
d_model 512, 8 heads, ffn 2048, vocab 16000, int8) because every layer still
does its full amount of work.

How the copy works (``d`` = d_model, ``hd`` = d / num_heads):

* Residual layout: ``[token code (m dims) | position block (4K dims) | zeros]``.
  Each vocabulary id has a balanced random +-1 code of length ``m`` (mean 0).
  The position block holds ``cos(p w_k), sin(p w_k)`` for K random frequencies
  and their negatives, so every residual vector has mean 0 and a norm that
  only depends on which blocks are filled: every LayerNorm (gamma 1, beta 0)
  is then a known, constant scaling.
* Embeddings are not scaled by sqrt(d) (``scale_embeddings = False``); the
  learned position table is set explicitly.  The decoder's token embeddings
  are zero: the decoder only needs to know *where* it is.
* Every encoder/decoder sub-layer has random query/key/value and FFN input
  weights (so the compute is realistic) but a zero output projection, so the
  residual stream passes through unchanged -- except the cross-attention of
  the **last** decoder layer (CTranslate2's default alignment layer, used by
  ``replace_unknowns``).  There every head's query reads the decoder position
  ``t - offset`` and its key the source position ``p``; the dot product
  ``sum_k cos((t - offset - p) w_k)`` peaks sharply at ``p = t - offset`` and is
  scaled so the softmax is a hard argmax.  The values read the source token
  code (each head carries a slice of it) and the output projection writes it
  into the decoder's (empty) token block.
* The output projection scores every vocabulary entry by the dot product of
  its code with the copied code, scaled so the copied token wins by a wide
  log-probability margin.
* ``config.json`` sets ``add_source_eos``, so CTranslate2 appends ``</s>`` to
  every source; at the step after the last source token the decoder copies
  that ``</s>`` and stops.  ``offset`` is 0 normally (decoder position 0 is
  the start token ``<s>`` and predicts source token 0) and 1 when the package
  has a ``target_prefix`` (the forced prefix token occupies one position).

Unknown pieces (characters absent from the sentencepiece training text) map
to ``<unk>``; the model copies ``<unk>`` and CTranslate2's
``replace_unknowns=True`` puts the original source piece back, because the
alignment head attends exactly to the source position it copies.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from ..languages import language_name

__all__ = ["train_sentencepiece", "build_copy_model", "build_argos_package", "archive_members", "write_zip"]

# Margins, in logits, between the right choice and the best wrong one.
_ATTENTION_MARGIN = 40.0
_OUTPUT_MARGIN = 40.0


# ---------------------------------------------------------------------------
# sentencepiece


def train_sentencepiece(
    texts: list[str],
    out_dir: Path,
    vocab_size: int = 400,
    *,
    user_defined_symbols: list[str] | tuple[str, ...] = (),
    model_type: str = "unigram",
) -> Path:
    """Train a sentencepiece model on ``texts`` and return the ``.model`` path.

    Trains in-process with ``character_coverage=1.0`` and
    ``hard_vocab_limit=False`` (a small corpus yields fewer pieces than asked
    for), one thread, no input sampling: the result is deterministic.  When
    the trained model has fewer than ``vocab_size`` pieces, it is padded with
    pieces of type UNUSED (``<unused_N>``): they count in the vocabulary (and
    so in the model's embedding / output-projection size) but the tokenizer
    never produces them.  ``user_defined_symbols`` (e.g. a target prefix such
    as ``"__ko__"``) are always kept whole by the tokenizer.
    """
    import sentencepiece as spm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [line.strip() for text in texts for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("no text to train sentencepiece on")

    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=proto,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        byte_fallback=False,
        user_defined_symbols=list(user_defined_symbols),
        input_sentence_size=0,
        shuffle_input_sentence=False,
        num_threads=1,
        minloglevel=2,
    )
    data = proto.getvalue()

    sp = spm.SentencePieceProcessor(model_proto=data)
    if sp.get_piece_size() < vocab_size:
        data = _pad_sentencepiece(data, vocab_size)

    path = out_dir / "sentencepiece.model"
    path.write_bytes(data)
    return path


def _pad_sentencepiece(data: bytes, vocab_size: int) -> bytes:
    from sentencepiece import sentencepiece_model_pb2 as sp_pb2

    model = sp_pb2.ModelProto()
    model.ParseFromString(data)
    existing = {piece.piece for piece in model.pieces}
    min_score = min((piece.score for piece in model.pieces), default=0.0)
    n = 0
    while len(model.pieces) < vocab_size:
        name = f"<unused_{n}>"
        n += 1
        if name in existing:
            continue
        piece = model.pieces.add()
        piece.piece = name
        piece.score = min_score - 10.0
        piece.type = sp_pb2.ModelProto.SentencePiece.UNUSED
    return model.SerializeToString()


def _sentencepiece_vocabulary(sp_model: Path) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(sp_model))
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    # CTranslate2 looks the special tokens up by name.
    for token in ("<unk>", "<s>", "</s>"):
        if token not in vocab:
            raise ValueError(f"sentencepiece model lacks {token!r}")
    if len(set(vocab)) != len(vocab):
        raise ValueError("sentencepiece model has duplicate pieces")
    return vocab


# ---------------------------------------------------------------------------
# the copy model


def _balanced_codes(vocab_size: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Random +-1 codes with exactly m/2 of each sign (row mean 0)."""
    base = np.concatenate([np.ones(m // 2), -np.ones(m // 2)]).astype(np.float32)
    keys = rng.random((vocab_size, m))
    return base[np.argsort(keys, axis=1)]


def _max_cross_correlation(codes: np.ndarray, chunk: int = 2048) -> float:
    """Largest code_i . code_j over i != j, or a bound that holds with probability 1 - 1e-9.

    Exact (integer values in float32) for small vocabularies.  For large ones (16000 x 448 is
    ~1e11 multiply-adds, seconds of CPU) Hoeffding's bound for the (hypergeometric) agreement
    count of two random balanced codes, union-bounded over all pairs, is used instead.
    """
    n, m = codes.shape
    if n * n * m > 4e9:
        bound = math.sqrt(2 * m * math.log(n * n / 1e-9))
        if bound < m - 2:
            return bound
    worst = -math.inf
    for start in range(0, n, chunk):
        block = codes[start : start + chunk] @ codes.T
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = -math.inf
        worst = max(worst, float(block.max()))
    return worst


def _position_frequencies(
    num_freqs: int, max_positions: int, rng: np.random.Generator, tries: int = 64
) -> tuple[np.ndarray, float]:
    """Pick K frequencies in (0, pi) maximising the peak margin

    margin = K - max_{0 < delta < max_positions} sum_k cos(delta * w_k).
    """
    deltas = np.arange(1, max_positions, dtype=np.float64)
    best, best_margin = None, -math.inf
    for _ in range(tries):
        freqs = rng.uniform(0.05 * math.pi, 0.95 * math.pi, size=num_freqs)
        side = np.cos(np.outer(deltas, freqs)).sum(axis=1)
        margin = num_freqs - (side.max() if len(side) else 0.0)
        if margin > best_margin:
            best, best_margin = freqs, margin
    return best, float(best_margin)


def _position_table(freqs: np.ndarray, max_positions: int) -> np.ndarray:
    angles = np.outer(np.arange(max_positions, dtype=np.float64), freqs)
    half = np.concatenate([np.cos(angles), np.sin(angles)], axis=1)
    return np.concatenate([half, -half], axis=1)  # [P, 4K], every row mean 0


def _shift_matrix(freqs: np.ndarray, offset: int) -> np.ndarray:
    """[2K, 2K] matrix R with R @ [cos(t w), sin(t w)] = [cos((t-o) w), sin((t-o) w)]."""
    k = len(freqs)
    c, s = np.cos(offset * freqs), np.sin(offset * freqs)
    r = np.zeros((2 * k, 2 * k))
    idx = np.arange(k)
    r[idx, idx] = c
    r[idx, k + idx] = s
    r[k + idx, idx] = -s
    r[k + idx, k + idx] = c
    return r


def build_copy_model(
    sp_model: Path,
    out_dir: Path,
    *,
    num_layers: int = 1,
    d_model: int | None = None,
    num_heads: int = 1,
    ffn_dim: int | None = None,
    max_positions: int = 512,
    quantization: str | None = None,
    seed: int = 0,
    decoder_position_offset: int = 0,
    swap: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write a CTranslate2 Transformer that copies its source, then emits ``</s>``.

    The vocabulary (shared by source and target) is the sentencepiece model's
    list of pieces.  ``d_model`` defaults to ``max(128, 32 * num_heads)``,
    ``ffn_dim`` to ``4 * d_model``.  ``quantization`` (e.g. ``"int8"``) is
    applied with ``spec.optimize`` so the weights are stored quantized.
    ``decoder_position_offset`` is the number of forced target-prefix tokens
    that precede the copy (1 for packages with a ``target_prefix``).
    Sources must be shorter than ``max_positions`` tokens (``</s>`` included).
    ``swap``: pairs of pieces (a, b) the model writes for each other (a for b, b for a) instead
    of copying them: the output projection of a scores b's code, so the model is as real as the
    echo one but writes, say, Hangul for English words. Returns ``out_dir``.
    """
    from ctranslate2.specs import transformer_spec

    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    vocab = _sentencepiece_vocabulary(Path(sp_model))
    n_vocab = len(vocab)

    if d_model is None:
        d_model = max(128, 32 * num_heads)
    if ffn_dim is None:
        ffn_dim = 4 * d_model
    if num_layers < 1:
        raise ValueError("num_layers must be >= 1")
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    d = d_model
    hd = d // num_heads
    n_freqs = min(16, hd // 2)
    if n_freqs < 8:
        raise ValueError(f"head dimension {hd} too small: need at least 16")
    m = d - 4 * n_freqs  # token code length
    m -= m % 2
    if m < 32:
        raise ValueError(f"d_model {d} too small: need at least {32 + 4 * n_freqs}")
    pos_lo = m  # position block occupies [m, m + 4K)
    n_pos = 4 * n_freqs

    # --- position encodings ------------------------------------------------
    freqs, pos_margin = _position_frequencies(n_freqs, max_positions, rng)
    if pos_margin < 2.0:
        raise ValueError(f"position codes too ambiguous (margin {pos_margin:.2f})")
    positions = np.zeros((max_positions, d), dtype=np.float32)
    positions[:, pos_lo : pos_lo + n_pos] = _position_table(freqs, max_positions)

    # --- token codes ---------------------------------------------------------
    codes = _balanced_codes(n_vocab, m, rng)
    code_margin = m - _max_cross_correlation(codes)
    if code_margin <= 0:
        raise ValueError("token codes collide; use a larger d_model")

    # LayerNorm (gamma 1, beta 0) of a mean-0 vector x is x / sqrt(|x|^2 / d).
    def ln_scale(sq_norm: float) -> float:
        return 1.0 / math.sqrt(sq_norm / d)

    enc_scale = ln_scale(m + 2 * n_freqs)  # encoder output: [code, pos]
    dec_scale = ln_scale(2 * n_freqs)  # decoder before the copy: [0, pos]
    out_scale = ln_scale(m + 2 * n_freqs)  # decoder after the copy: [code, pos]

    # Attention scores: beta * sum_k cos(delta w_k) * dec_scale * enc_scale / sqrt(hd)
    beta = _ATTENTION_MARGIN / pos_margin * math.sqrt(hd) / (dec_scale * enc_scale)
    # Output logits: alpha * out_scale * code_j . code_src
    alpha = _OUTPUT_MARGIN / (code_margin * out_scale)

    def rand(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) / math.sqrt(cols)).astype(np.float32)

    def zeros(*shape: int) -> np.ndarray:
        return np.zeros(shape, dtype=np.float32)

    def set_ln(ln) -> None:
        ln.gamma = np.ones(d, dtype=np.float32)
        ln.beta = zeros(d)

    def set_linear(linear, weight: np.ndarray) -> None:
        linear.weight = np.ascontiguousarray(weight, dtype=np.float32)
        linear.bias = zeros(weight.shape[0])

    def set_passthrough_ffn(ffn) -> None:
        set_ln(ffn.layer_norm)
        set_linear(ffn.linear_0, rand(ffn_dim, d))
        set_linear(ffn.linear_1, zeros(d, ffn_dim))

    def set_passthrough_self_attention(att) -> None:
        set_ln(att.layer_norm)
        set_linear(att.linear[0], rand(3 * d, d))
        set_linear(att.linear[1], zeros(d, d))

    encoder = transformer_spec.TransformerEncoderSpec(num_layers, num_heads)
    decoder = transformer_spec.TransformerDecoderSpec(num_layers, num_heads)
    spec = transformer_spec.TransformerSpec(encoder, decoder)

    # --- encoder: embeddings [code, 0], every layer passes through ----------
    enc_emb = zeros(n_vocab, d)
    enc_emb[:, :m] = codes
    encoder.embeddings[0].weight = enc_emb
    encoder.scale_embeddings = False
    encoder.position_encodings.encodings = positions
    set_ln(encoder.layer_norm)
    for layer in encoder.layer:
        set_passthrough_self_attention(layer.self_attention)
        set_passthrough_ffn(layer.ffn)

    # --- decoder: zero token embeddings, copy in the last cross-attention ----
    decoder.embeddings.weight = zeros(n_vocab, d)
    decoder.scale_embeddings = False
    decoder.position_encodings.encodings = positions
    set_ln(decoder.layer_norm)
    for i, layer in enumerate(decoder.layer):
        set_passthrough_self_attention(layer.self_attention)
        set_passthrough_ffn(layer.ffn)
        att = layer.attention
        set_ln(att.layer_norm)
        if i < num_layers - 1:
            set_linear(att.linear[0], rand(d, d))
            set_linear(att.linear[1], rand(2 * d, d))
            set_linear(att.linear[2], zeros(d, d))
            continue
        # query: decoder position t -> position t - offset; key: source position.
        shift = _shift_matrix(freqs, decoder_position_offset)
        q = np.zeros((d, d))
        kv = np.zeros((2 * d, d))
        for h in range(num_heads):
            rows = slice(h * hd, h * hd + 2 * n_freqs)
            q[rows, pos_lo : pos_lo + 2 * n_freqs] = beta * shift
            kv[rows, pos_lo : pos_lo + 2 * n_freqs] = np.eye(2 * n_freqs)
        # values: the source code (head h carries dims [h*hd, (h+1)*hd) of it).
        kv[d + np.arange(m), np.arange(m)] = 1.0
        out = np.zeros((d, d))
        out[np.arange(m), np.arange(m)] = 1.0 / enc_scale
        set_linear(att.linear[0], q)
        set_linear(att.linear[1], kv)
        set_linear(att.linear[2], out)

    projection = zeros(n_vocab, d)
    projection[:, :m] = alpha * codes
    index = {piece: i for i, piece in enumerate(vocab)}
    for a, b in swap:
        projection[[index[a], index[b]], :m] = alpha * codes[[index[b], index[a]]]
    set_linear(decoder.projection, projection)

    spec.config.add_source_eos = True
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization=quantization)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))
    return out_dir


# ---------------------------------------------------------------------------
# the Argos package


def build_argos_package(
    out_file: Path,
    *,
    from_code: str = "en",
    to_code: str = "ko",
    texts: list[str],
    package_version: str = "0.1",
    target_prefix: str = "",
    vocab_size: int = 400,
    writes: Sequence[str] = (),
    **model_kwargs,
) -> Path:
    """Write an ``.argosmodel`` zip with an echo model; returns ``out_file``.

    Layout: ``translate-{from}_{to}-{version}/`` holding ``metadata.json``,
    ``sentencepiece.model`` (trained on ``texts``), ``model/`` (the CTranslate2
    copy model, see :func:`build_copy_model`, which receives ``model_kwargs``)
    and ``README.md``.  With a ``target_prefix``, the prefix is a
    user-defined sentencepiece symbol and a vocabulary entry, and the model
    starts copying after it.

    ``writes``: texts in the language the model should write (e.g. Korean). The
    tokenizer learns their pieces too, and each piece only ``texts`` use is
    swapped with one only ``writes`` use (the most frequent first, as far as
    they go), so the model turns English words into words of ``writes``: a
    model whose output is in another script, for the install's script check.
    """
    out_file = Path(out_file)
    name = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        root.mkdir()
        sp_model = train_sentencepiece(
            [*texts, *writes],
            root,
            vocab_size,
            user_defined_symbols=[target_prefix] if target_prefix else (),
        )
        model_kwargs.setdefault(
            "decoder_position_offset", 1 if target_prefix else 0
        )
        if writes:
            model_kwargs["swap"] = _swap_pairs(sp_model, texts, writes)
        build_copy_model(sp_model, root / "model", **model_kwargs)

        metadata = {
            "package_version": package_version,
            "argos_version": "1.9",
            "from_code": from_code,
            "from_name": language_name(from_code),
            "to_code": to_code,
            "to_name": language_name(to_code),
            "type": "translate",
        }
        if target_prefix:
            metadata["target_prefix"] = target_prefix
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        (root / "README.md").write_text(
            f"# Echo model {from_code} -> {to_code}\n\n"
            "Test package built by workbench.testing.argos_package: its "
            "CTranslate2 model copies the source sentence unchanged.\n"
        )

        out_file.parent.mkdir(parents=True, exist_ok=True)
        partial = out_file.with_name(out_file.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for path in sorted(root.rglob("*")):
                zf.write(path, path.relative_to(tmp).as_posix())
        shutil.move(str(partial), out_file)
    return out_file


def _swap_pairs(sp_model: Path, texts: Sequence[str], writes: Sequence[str]) -> list[tuple[str, str]]:
    """Pieces only `texts` use paired with pieces only `writes` use, most frequent first."""
    from collections import Counter

    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(sp_model))

    def pieces(lines: Sequence[str]) -> Counter:
        return Counter(p for line in lines for p in sp.encode(line, out_type=str))

    ours, theirs = pieces(texts), pieces(writes)
    mine = sorted((p for p in ours if p not in theirs), key=lambda p: (-ours[p], p))
    other = sorted((p for p in theirs if p not in ours), key=lambda p: (-theirs[p], p))
    return list(zip(mine, other))


# ---------------------------------------------------------------------------
# hostile archives (for the install's refusal tests)


def archive_members(path: Path) -> list[tuple[str, bytes]]:
    """Every member of a (small) zip as (name, data), to rebuild it with changes."""
    with zipfile.ZipFile(path) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


_ZEROS_MB = bytes(1 << 20)


def _zeros_stream(size: int) -> tuple[bytes, int]:
    """(raw deflate stream, CRC-32) of `size` zero bytes, without compressing them all: one
    megabyte compressed with a full flush (no reference across it) is repeated, then closed."""
    unit = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = unit.compress(_ZEROS_MB) + unit.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, len(_ZEROS_MB))
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(bytes(rest)) + tail.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(whole):
        crc = zlib.crc32(_ZEROS_MB, crc)
    return one * whole + end, zlib.crc32(bytes(rest), crc)


def write_zip(out_file: Path, members: list[tuple[str, bytes | int]]) -> Path:
    """A deflated zip written by hand, where a member given as an int is that many zero bytes
    (a 2 GB member costs ~1 s and 2 MB). Sizes must stay under 4 GiB per member (no ZIP64)."""
    out_file = Path(out_file)
    central = []
    with open(out_file, "wb") as f:
        for name, content in members:
            raw = name.encode("utf-8")
            if isinstance(content, int):
                data, crc = _zeros_stream(content)
                size = content
            else:
                c = zlib.compressobj(1, zlib.DEFLATED, -15)
                data = c.compress(content) + c.flush()
                crc, size = zlib.crc32(content), len(content)
            offset = f.tell()
            head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(data), size,
                               len(raw), 0)
            f.write(head + raw + data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0x800, 8, 0, 0x21, crc,
                                       len(data), size, len(raw), 0, 0, 0, 0, 0o100644 << 16, offset) + raw)
        start = f.tell()
        directory = b"".join(central)
        f.write(directory)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))
    return out_file
