"""A full-size Argos Translate package (en->es) with random weights, for timing, built offline in a minute.

Shape of a real Argos model (OpenNMT-py "transformer base", as argos-train converts it): 6 encoder and 6 decoder
layers, d_model 512, 8 heads, FFN 2048, ReLU, pre-norm with final layer norms, sinusoidal positions, one
SentencePiece vocabulary (8,000 pieces) whose embeddings are shared by source, target and output projection (all
but its ``</s>`` row, below); weights saved int8-quantised, as CTranslate2 models for CPU usually are
(``quantization=None`` keeps float32). The SentencePiece model is trained on the corpus text (both
sides of the NTREX en-es politics set plus the news articles), so tokenisation and sequence lengths are those of
a real package.

Weights are random (numpy, fixed seed): linear and embedding weights ~ N(0, 0.02), biases 0, layer norm gamma 1 and
beta 0. Such a model never learns to stop, and a plain bias on ``</s>`` does not bound it well (random decoders
fall into loops whose state never changes: below a threshold they never stop, above it they stop at once). So the
``</s>`` row of the output projection reads the decoder's position from the sinusoidal code carried by the
residual stream (EOS_GAIN), and its bias (EOS_BIAS) sets where the ``</s>`` logit overtakes the others: outputs end
after 16-26 pieces (mean ~20) on the benchmark's segments. CTranslate2's default ``max_decoding_length`` (256) is
kept, so every engine decodes under the same bound. The translations are noise; the model only costs what a real
one of this shape does per token.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import sentencepiece as spm
from argos_fixture import write_argosmodel  # tests/ is on sys.path (bench/batch_benchmark.py)
from ctranslate2.specs import TransformerSpec

LAYERS = 6
D_MODEL = 512
HEADS = 8
FFN = 2048
VOCAB_SIZE = 8000
SEED = 1234
STD = 0.02
#: Output-projection bias and position gain of </s>, tuned by hand: outputs of 16-26 pieces, mean ~20, on the
#: benchmark's segments (batch_benchmark.py reports the measured lengths). Bias 0 gives ~19, -4 gives ~25.
EOS_BIAS = -1.0
EOS_GAIN = 20.0
EOS_FREQUENCIES = (0.03, 0.05)  # position rates whose sin/cos the </s> row reads
MAX_POSITIONS = 1024  # rows of the position table: CTranslate2 truncates sources to 1024 pieces by default


def corpus_lines(shared: Path) -> list[str]:
    """Both sides of ntrex_politics_en-es.tsv and the body lines of the news articles."""
    lines: list[str] = []
    tsv = shared / "corpus" / "parallel" / "ntrex_politics_en-es.tsv"
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lines.extend(part.strip() for part in line.split("\t") if part.strip())
    for txt in sorted((shared / "corpus" / "news").glob("*.txt")):
        lines.extend(l.strip() for l in txt.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#"))
    return lines


def train_sentencepiece(lines: list[str], vocab_size: int = VOCAB_SIZE) -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="bpe",  # unigram stops at ~6,250 pieces on this corpus; BPE reaches 8,000
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # the corpus may not hold 8,000 pieces' worth of text
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=2,
        minloglevel=2,
    )
    return model.getvalue()


def sinusoids(length: int, d: int) -> np.ndarray:
    """OpenNMT-py's position table: sin in even, cos in odd dimensions, rates 10000^(-2i/d)."""
    table = np.zeros((length, d), np.float32)
    rates = np.exp(-np.log(10000.0) * np.arange(0, d, 2) / d)
    angles = np.arange(length)[:, None] * rates[None, :]
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles)
    return table


def build_spec(pieces: list[str], eos_bias: float = EOS_BIAS, eos_gain: float = None, seed: int = SEED) -> TransformerSpec:
    eos_gain = EOS_GAIN if eos_gain is None else eos_gain
    rng = np.random.default_rng(seed)
    f32 = np.float32
    d, vocab = D_MODEL, len(pieces)

    def w(rows: int, cols: int) -> np.ndarray:
        return rng.normal(0.0, STD, size=(rows, cols)).astype(f32)

    def ln(spec) -> None:
        spec.gamma = np.ones(d, f32)
        spec.beta = np.zeros(d, f32)

    def linear(spec, rows: int, cols: int) -> None:
        spec.weight = w(rows, cols)
        spec.bias = np.zeros(rows, f32)

    spec = TransformerSpec.from_config((LAYERS, LAYERS), num_heads=HEADS)  # pre-norm, final norms, ReLU
    enc, dec = spec.encoder, spec.decoder
    shared = w(vocab, d)  # one embedding matrix: encoder, decoder and output projection (saved once)
    enc.embeddings[0].weight = shared
    dec.embeddings.weight = shared
    positions = sinusoids(MAX_POSITIONS, d)  # OpenNMT-py's table, as its converter saves it
    enc.position_encodings.encodings = positions
    dec.position_encodings.encodings = positions
    for layer in enc.layer:
        ln(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        ln(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, FFN, d)
        linear(layer.ffn.linear_1, d, FFN)
    ln(enc.layer_norm)
    for layer in dec.layer:
        ln(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        ln(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)
        linear(layer.attention.linear[1], 2 * d, d)
        linear(layer.attention.linear[2], d, d)
        ln(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, FFN, d)
        linear(layer.ffn.linear_1, d, FFN)
    ln(dec.layer_norm)
    # Output projection tied to the embeddings, except the row of </s>: it reads the decoder's own position
    # (sin(w t) - cos(w t) of the frequencies w in EOS_FREQUENCIES, which rise over the first ~40 steps and survive
    # the random layers through the residual stream), so the </s> logit climbs step by step and beam search stops
    # after a bounded, steady number of steps; eos_bias sets where.
    eos = pieces.index("</s>")
    projection = shared.copy()
    rates = np.exp(-np.log(10000.0) * np.arange(0, d, 2) / d)
    chosen = np.where((rates >= EOS_FREQUENCIES[0]) & (rates <= EOS_FREQUENCIES[1]))[0]
    row = np.zeros(d, f32)
    row[2 * chosen] = 1.0  # sin
    row[2 * chosen + 1] = -1.0  # cos
    projection[eos] = row * (eos_gain / len(chosen))
    dec.projection.weight = projection
    bias = np.zeros(vocab, f32)
    bias[eos] = eos_bias
    dec.projection.bias = bias
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    return spec


def build_package(dest: Path, shared: Path, *, eos_bias: float = EOS_BIAS, quantization: str | None = "int8",
                  sp_model: bytes | None = None) -> Path:
    """Write dest/translate-en_es-1_0.argosmodel (metadata.json, sentencepiece.model, model/, README.md)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if sp_model is None:
        sp_model = train_sentencepiece(corpus_lines(shared))
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    spec = build_spec(pieces, eos_bias)
    name = "translate-en_es-1_0"
    metadata = {"package_version": "1.0", "argos_version": "1.0", "from_code": "en", "from_name": "English",
                "to_code": "es", "to_name": "Spanish", "type": "translate"}
    readme = (f"# {name}\n\nRandom-weight transformer-base model for benchmarks (bench/realistic_model.py): "
              f"{LAYERS}+{LAYERS} layers, d_model {D_MODEL}, {HEADS} heads, FFN {FFN}, vocabulary {len(pieces)}, "
              f"</s> bias {eos_bias}, {quantization or 'float32'} weights. Its output is noise.\n")
    return write_argosmodel(dest / f"{name}.argosmodel", name, metadata, sp_model, readme, spec, quantization)
