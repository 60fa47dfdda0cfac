"""Build a tiny but *real* Argos Translate package for offline tests.

``build_argos_package`` writes an ``.argosmodel`` zip holding a SentencePiece
model trained in-process and a CTranslate2 Transformer whose weights are set by
hand so that it translates piece by piece from a dictionary.  The package
installs with ``argostranslate.package.install_from_path`` and runs through the
real ``SentencePieceTokenizer`` + ``ctranslate2.Translator`` path; nothing is
downloaded and nothing is trained except the (tiny) SentencePiece model.

Behaviour of the resulting model:

* Tokenisation: SentencePiece unigram, ``identity`` normalisation (case and
  accents kept, no NFKC), digits split.  Every dictionary key/value and
  alternative is a user-defined piece ``"▁" + word``, so ``"the"`` at the start
  of a word is always the single piece ``"▁the"``.  All single characters
  (ASCII, digits, punctuation, common Latin accents, ``«»“”‘’–—…``, ``⟦ ⟧`` and
  every character of the inputs) are pieces, so ``⟦12⟧`` is
  ``["▁⟦", "1", "2", "⟧"]`` and unseen words fall apart into known pieces.
* Output piece i = best(source piece i), then ``</s>`` (the source gets
  ``</s>`` appended, ``add_source_eos``).  ``best`` is the dictionary applied to
  word-initial pieces (``"▁the" -> "▁la"``) and the identity for every other
  piece, so unknown words, punctuation, digits, placeholders are copied.
  Pieces that are not in the vocabulary (e.g. Cyrillic letters) become
  ``<unk>`` and are restored by ``replace_unknowns=True``.
* Guard: a dictionary piece immediately followed by a piece continuing the
  word (no ``▁``, starts with a letter or digit) is copied, not translated:
  unseen ``"theory"`` = ``["▁the", "o", "r", "y"]`` stays ``"theory"``, while
  ``"the,"`` becomes ``"la,"``.
* Scores: the best piece has logit ``LOGIT``, an alternative ``LOGIT - ALT_GAP``,
  everything else 0.  With ``beam_size >= 2, num_hypotheses=2`` the second
  hypothesis has exactly one alternative swapped in (if a sentence holds
  several alternatives they cost the same, so which one is a tie).  Without
  alternatives the second hypothesis is the best one plus one junk piece
  appended (score far lower, ~ -LOGIT before length normalisation).
* Not translated: a dictionary word glued to a preceding character
  (``"(the"``, ``"bathe"``: no ``▁the`` piece there) or followed by a letter
  or digit (the guard).  Argos' ``decode`` turns ``_`` into spaces, so words
  may not contain ``_``.
* Variants: ``max_positions`` sets the rows of the learned position tables
  (CTranslate2 refuses longer inputs and outputs); ``target_prefix`` adds that
  piece to the vocabulary and the metadata, and shifts the decoder by one
  step, so the forced prefix is followed by the word-for-word translation;
  ``tokenizer="bpe"`` writes ``bpe.model`` (subword-nmt codes that build every
  dictionary word from its characters, Moses tokenisation as argostranslate's
  ``BPETokenizer`` does) instead of ``sentencepiece.model``; ``quantization``
  saves the weights as float16, int8, ...
* Size: the zip is tens of KB, the extracted model ~7 MB for a handful of words;
  d_model grows with the vocabulary (~180 characters + every distinct
  dictionary word), the model roughly with its square (400 entries -> ~100 MB).

How the weights work (d_model = a few hundred):

* Residual stream = one-hot(piece) | 2-dim "next piece continues the word" flag
  | position code | next-position code | guard units.  Position i is coded
  as three one-hots (i // 121, i // 11 % 11, i % 11): an exact match scores 3,
  any other position at most 2.  All LayerNorms get gamma/beta that undo the
  normalisation (every stream holds a fixed number of ones).
* Encoder (1 layer): self-attention zeroed; its FFN replaces the position code
  of the source ``</s>`` by a constant scoring 2.5 against every query, so
  decoder steps past the end of the source attend to ``</s>`` and stop.
* Decoder (1 layer): embeddings and self-attention zeroed.  Cross-attention:
  heads 0..H-2 attend to source position i and each copies a slice of the
  piece one-hot (head 0 is the alignment head used by ``replace_unknowns``);
  head H-1 attends to position i + 1 and copies its flag.  The FFN fires the
  guard, and the output projection maps one-hot + guard to logits.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import string
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.converters import Converter
from ctranslate2.specs import TransformerSpec

__all__ = ["build_argos_package", "repack_argosmodel", "argos_reference", "argos_env", "MAX_POSITIONS", "LOGIT",
           "ALT_GAP"]

#: Rows of the learned position tables: a source may have up to MAX_POSITIONS - 1
#: pieces plus ``</s>``.  Translator's default ``max_input_length=1024`` truncates
#: longer sources to fit; with ``max_input_length=0`` CTranslate2 raises "No
#: position encodings are defined for positions >= 1024".
MAX_POSITIONS = 1024
#: Logit of the best target piece (non-chosen pieces get 0).
LOGIT = 20.0
#: How much lower than ``LOGIT`` an alternative's logit is.
ALT_GAP = 2.0

_SP = "\u2581"  # SentencePiece word-boundary marker "▁"
_POS_BASE = 11  # position i -> one-hot(i // 121) + one-hot(i // 11 % 11) + one-hot(i % 11)
_POS_PARTS = 3
_EOS_KEY_SCORE = 2.5  # between a partial (<= 2) and an exact (3) position match
_ATTN_MARGIN = 60.0  # attention logit per matching position part
_HEAD_DIM = 64
_LN_EPS = 1e-6
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_EXTRA_CHARS = (
    string.ascii_letters
    + string.digits
    + string.punctuation
    + "áéíóúýàèìòùâêîôûäëïöüÿãõñçåæøœßÁÉÍÓÚÝÀÈÌÒÙÂÊÎÔÛÄËÏÖÜÃÕÑÇÅÆØŒ"
    + "¿¡«»‹›“”„‘’‚–—…·°§€£¥©®™"
    + "⟦⟧"
)


def build_argos_package(
    dest: Path,
    from_code: str,
    to_code: str,
    dictionary: dict[str, str],
    alternatives: dict[str, str] | None = None,
    *,
    corpus: list[str] | None = None,
    package_version: str = "1.0",
    from_name: str = "",
    to_name: str = "",
    max_positions: int = MAX_POSITIONS,
    target_prefix: str = "",
    tokenizer: str = "sentencepiece",
    quantization: str | None = None,
    extra_metadata: dict | None = None,
) -> Path:
    """Write dest/translate-<from>_<to>-<version>.argosmodel and return its path.

    ``<version>`` has its dots replaced by underscores (``"1.0"`` -> ``1_0``, as
    in the official index); the zip holds a single folder of that same name
    with metadata.json, sentencepiece.model, model/ and README.md.

    dictionary:   {source_word: target_word}; case-sensitive single words (no
                  whitespace, no ``_`` or ``▁``), applied where the word starts
                  a whitespace-separated token (``"the"``, ``"the,"``,
                  ``"the⟦1⟧"``, not ``"(the"`` or ``"bathe"``).
    alternatives: {source_word: second_best_target_word}.  The source word need
                  not be in ``dictionary`` (its best output is then itself).
    corpus:       extra SentencePiece training lines (their words are only
                  copied; frequent ones tend to become whole pieces).
    extra_metadata: keys added to (or replacing) metadata.json's.
    """
    dest = Path(dest)
    alternatives = dict(alternatives or {})
    corpus = [line for line in (corpus or []) if line.strip()]
    if not from_code or not to_code:
        raise ValueError("from_code and to_code must be non-empty")
    for label, mapping in (("dictionary", dictionary), ("alternatives", alternatives)):
        for key, value in mapping.items():
            for word in (key, value):
                if (
                    not isinstance(word, str)
                    or not word
                    or any(c.isspace() for c in word)
                    or _SP in word
                    or "_" in word
                ):
                    raise ValueError(
                        f"{label} entry {key!r}: {value!r}: words must be non-empty, "
                        "without whitespace, '_' or '▁'"
                    )
    for key, value in alternatives.items():
        if dictionary.get(key, key) == value:
            raise ValueError(f"alternative for {key!r} equals its best translation {value!r}")

    if tokenizer not in ("sentencepiece", "bpe"):
        raise ValueError(f"tokenizer must be 'sentencepiece' or 'bpe', not {tokenizer!r}")
    if target_prefix and (any(c.isspace() for c in target_prefix) or _SP in target_prefix):
        raise ValueError("target_prefix must be one piece, without whitespace or '▁'")

    special_words = sorted(
        set(dictionary) | set(dictionary.values()) | set(alternatives) | set(alternatives.values())
    )
    if tokenizer == "bpe":
        tokenizer_file = "bpe.model"
        tokenizer_data, pieces = _bpe_codes(special_words, corpus, from_code)
        word_piece = {w: w for w in special_words}
        continues_word = [False] * len(pieces)  # BPE marks the *preceding* piece (@@): no guard needed
    else:
        tokenizer_file = "sentencepiece.model"
        tokenizer_data = _train_sentencepiece(special_words, corpus, [target_prefix] if target_prefix else [])
        sp = spm.SentencePieceProcessor(model_proto=tokenizer_data)
        for word in special_words:
            got = sp.encode(word, out_type=str)
            if got != [_SP + word]:  # cannot happen with user_defined_symbols, but be loud
                raise RuntimeError(f"SentencePiece did not keep {word!r} as a single piece: {got}")
        pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        word_piece = {w: _SP + w for w in special_words}
        continues_word = [
            not (sp.is_control(i) or sp.is_unknown(i)) and not p.startswith(_SP) and p[:1].isalnum()
            for i, p in enumerate(pieces)
        ]
    if target_prefix and target_prefix not in pieces:
        pieces.append(target_prefix)
        continues_word.append(False)

    piece_id = {p: i for i, p in enumerate(pieces)}
    best = list(range(len(pieces)))
    for key, value in dictionary.items():
        best[piece_id[word_piece[key]]] = piece_id[word_piece[value]]
    alt = {piece_id[word_piece[k]]: piece_id[word_piece[v]] for k, v in alternatives.items()}
    spec = _build_spec(pieces, best, alt, continues_word, max_positions, shift=1 if target_prefix else 0)

    name = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    metadata = {
        "package_version": package_version,
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": from_name,
        "to_code": to_code,
        "to_name": to_name,
        "type": "translate",
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    metadata.update(extra_metadata or {})
    readme = (
        f"# {name}\n\nSynthetic word-by-word test model ({from_code} -> {to_code}) "
        "built by tests/argos_fixture.py.\n\n"
        + "".join(f"- {k} -> {v}\n" for k, v in sorted(dictionary.items()))
        + "".join(f"- {k} -> {v} (alternative)\n" for k, v in sorted(alternatives.items()))
    )

    dest.mkdir(parents=True, exist_ok=True)
    return write_argosmodel(dest / f"{name}.argosmodel", name, metadata, tokenizer_data, readme, spec, quantization,
                            tokenizer_file=tokenizer_file)


def write_argosmodel(out_path: Path, name: str, metadata: dict, sp_model: bytes, readme: str, spec: TransformerSpec,
                     quantization: str | None = None, *, tokenizer_file: str = "sentencepiece.model") -> Path:
    """Zip a package folder `name/` (metadata.json, the tokenizer, README.md, model/) reproducibly."""
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        _SpecConverter(spec).convert(str(model_dir), quantization=quantization, force=True)
        files = {
            "metadata.json": json.dumps(metadata, indent=2, ensure_ascii=False).encode() + b"\n",
            tokenizer_file: sp_model,
            "README.md": readme.encode(),
        }
        for path in sorted(model_dir.iterdir()):
            files[f"model/{path.name}"] = path.read_bytes()
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for folder in (f"{name}/", f"{name}/model/"):
            info = zipfile.ZipInfo(folder, _ZIP_DATE)
            info.external_attr = (0o40755 << 16) | 0x10
            zf.writestr(info, b"")
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{rel}", _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[rel])
    return out_path


class _SpecConverter(Converter):
    """Feeds a ready-made spec through CTranslate2's validate/optimize/save path."""

    def __init__(self, spec: TransformerSpec):
        self._spec = spec

    def _load(self):
        return self._spec


def repack_argosmodel(src: Path, dest: Path, change) -> Path:
    """Copy the archive ``src`` to ``dest`` member by member: ``change(name, data)`` returns the member to write
    instead, as ``(name, data)``, a list of them, or None to leave it out. For crafting bad packages."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = change(info.filename, zin.read(info))
            for name, data in [] if out is None else [out] if isinstance(out, tuple) else out:
                zout.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data)
    return dest


def _bpe_codes(words: list[str], corpus: list[str], lang: str) -> tuple[bytes, list[str]]:
    """subword-nmt 0.2 codes merging each word from its first character on, and every piece they can produce."""
    from sacremoses import MosesTokenizer

    tokenize = MosesTokenizer(lang).tokenize
    chars = sorted(set(_EXTRA_CHARS) | {c for line in corpus for c in "".join(tokenize(line))} | set("".join(words)))
    merges: list[tuple[str, str]] = []
    vocab = {c for c in chars} | {c + "@@" for c in chars}
    for word in words:
        for k in range(1, len(word)):
            merges.append((word[:k], word[k] + ("</w>" if k == len(word) - 1 else "")))
            vocab.add(word[: k + 1] + "@@")
        vocab.add(word)
    codes = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in dict.fromkeys(merges))
    return codes.encode(), ["<unk>", "<s>", "</s>"] + sorted(vocab)


def _train_sentencepiece(words: list[str], corpus: list[str], raw_pieces: list[str] = ()) -> bytes:
    """Train a small unigram model; ``words`` become user-defined ``▁word`` pieces, ``raw_pieces`` pieces as they
    are."""
    rng = random.Random(0)
    lines: list[str] = []
    if words:
        for _ in range(max(300, 10 * len(words))):
            lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(3, 8))))
    for _ in range(3):
        lines.extend(corpus)
    chars = sorted(set(_EXTRA_CHARS) | {c for line in lines for c in line if not c.isspace()})
    lines.append(" ".join(chars))
    lines.append("".join(chars))
    lines.append("⟦0⟧ ⟦1⟧ ⟦2⟧ ⟦10⟧ ⟦12⟧ (⟦3⟧) 0 1 2 3 4 5 6 7 8 9")
    longest = max(len(w) for line in lines for w in line.split())
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram",
        vocab_size=len(chars) + len(words) + 100,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="identity",
        split_digits=True,
        user_defined_symbols=[_SP + w for w in words] + list(raw_pieces),
        max_sentencepiece_length=max(16, longest + 1),
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _position_code(i: int, width: int) -> np.ndarray:
    """Three one-hots (i // B², i // B % B, i % B), the last two B wide, packed in ``width``."""
    code = np.zeros(width, dtype=np.float32)
    b = _POS_BASE
    code[i // (b * b)] = 1.0
    code[width - 2 * b + (i // b) % b] = 1.0
    code[width - b + i % b] = 1.0
    return code


def _identity_layer_norm(spec, d: int, ones: int) -> None:
    """gamma/beta undoing LayerNorm for inputs with exactly ``ones`` 1s and 0s elsewhere."""
    mean = ones / d
    std = math.sqrt(mean * (1.0 - mean) + _LN_EPS)
    spec.gamma = np.full(d, std, dtype=np.float32)
    spec.beta = np.full(d, mean, dtype=np.float32)


def _build_spec(
    pieces: list[str], best: list[int], alt: dict[int, int], continues_word: list[bool],
    max_positions: int = MAX_POSITIONS, shift: int = 0,
) -> TransformerSpec:
    """``shift``: decoder step t reads source position t - shift (a forced target prefix takes step 0)."""
    f32 = np.float32
    vocab = len(pieces)
    eos_id = pieces.index("</s>")
    # Position codes must cover decoder "next position" max_positions too.
    pos_width = max_positions // (_POS_BASE * _POS_BASE) + 1 + 2 * _POS_BASE
    guarded = sorted({s for s in range(vocab) if best[s] != s} | set(alt))
    hidden = max(1, len(guarded))

    # Residual layout: piece one-hot | flag [continues, not] | position | next position | guard
    off_tok, off_flag = 0, vocab
    off_pos = off_flag + 2
    off_next = off_pos + pos_width
    off_guard = off_next + pos_width
    head_dim = max(_HEAD_DIM, pos_width, 2)
    heads = max(2, -(-(off_guard + hidden) // head_dim), -(-vocab // head_dim) + 1)
    d = heads * head_dim
    copy_heads = heads - 1  # heads 0..H-2 copy the piece, head H-1 reads the next flag
    flag_head = heads - 1

    spec = TransformerSpec.from_config((1, 1), num_heads=heads, no_final_norm=True)
    spec.config.add_source_eos = True
    spec.config.layer_norm_epsilon = _LN_EPS
    enc, dec = spec.encoder, spec.decoder
    enc.scale_embeddings = False
    dec.scale_embeddings = False

    enc_emb = np.zeros((vocab, d), f32)
    for s in range(vocab):
        enc_emb[s, off_tok + s] = 1.0
        enc_emb[s, off_flag + (0 if continues_word[s] else 1)] = 1.0
    enc_pos = np.zeros((max_positions, d), f32)
    dec_pos = np.zeros((max_positions, d), f32)
    for i in range(max_positions):
        enc_pos[i, off_pos : off_pos + pos_width] = _position_code(i, pos_width)
        dec_pos[i, off_pos : off_pos + pos_width] = _position_code(max(0, i - shift), pos_width)
        dec_pos[i, off_next : off_next + pos_width] = _position_code(max(0, i - shift) + 1, pos_width)
    enc.embeddings[0].weight = enc_emb
    enc.position_encodings.encodings = enc_pos
    dec.embeddings.weight = np.zeros((vocab, d), f32)
    dec.position_encodings.encodings = dec_pos

    # Encoder layer (CTranslate2 needs one): self-attention zeroed; the FFN swaps the
    # position code of the source </s> for a constant scoring _EOS_KEY_SCORE.
    enc_ones = 2 + _POS_PARTS
    enc_layer = enc.layer[0]
    _identity_layer_norm(enc_layer.self_attention.layer_norm, d, enc_ones)
    enc_layer.self_attention.linear[0].weight = np.zeros((3 * d, d), f32)
    enc_layer.self_attention.linear[1].weight = np.zeros((d, d), f32)
    _identity_layer_norm(enc_layer.ffn.layer_norm, d, enc_ones)
    w_0 = np.zeros((pos_width + 1, d), f32)
    b_0 = np.full(pos_width + 1, -3.0, f32)
    w_1 = np.zeros((d, pos_width + 1), f32)
    for k in range(pos_width):  # unit k fires for </s> with position dim k set: clears it
        w_0[k, off_tok + eos_id] = 2.0
        w_0[k, off_pos + k] = 2.0
        w_1[off_pos + k, k] = -1.0
    w_0[pos_width, off_tok + eos_id] = 4.0  # fires for </s>: constant key
    w_1[off_pos : off_pos + pos_width, pos_width] = _EOS_KEY_SCORE / _POS_PARTS
    enc_layer.ffn.linear_0.weight = w_0
    enc_layer.ffn.linear_0.bias = b_0
    enc_layer.ffn.linear_1.weight = w_1

    layer = dec.layer[0]
    dec_ones = 2 * _POS_PARTS
    _identity_layer_norm(layer.self_attention.layer_norm, d, dec_ones)
    layer.self_attention.linear[0].weight = np.zeros((3 * d, d), f32)
    layer.self_attention.linear[1].weight = np.zeros((d, d), f32)

    # Cross-attention.
    _identity_layer_norm(layer.attention.layer_norm, d, dec_ones)
    scale = _ATTN_MARGIN * math.sqrt(head_dim)  # undo the 1/sqrt(head_dim) query scaling
    w_q = np.zeros((d, d), f32)
    w_kv = np.zeros((2 * d, d), f32)
    w_o = np.zeros((d, d), f32)
    for h in range(heads):
        query_src = off_next if h == flag_head else off_pos
        for r in range(pos_width):
            w_q[h * head_dim + r, query_src + r] = scale
            w_kv[h * head_dim + r, off_pos + r] = 1.0
    for s in range(vocab):
        col = (s // head_dim) * head_dim + s % head_dim  # head s // head_dim < copy_heads
        w_kv[d + col, off_tok + s] = 1.0
        w_o[off_tok + s, col] = 1.0
    assert vocab <= copy_heads * head_dim
    for k in range(2):
        col = flag_head * head_dim + k
        w_kv[d + col, off_flag + k] = 1.0
        w_o[off_flag + k, col] = 1.0
    layer.attention.linear[0].weight = w_q
    layer.attention.linear[1].weight = w_kv
    layer.attention.linear[2].weight = w_o

    # FFN guard: unit h fires when the piece is guarded[h] and the next piece continues the word.
    _identity_layer_norm(layer.ffn.layer_norm, d, dec_ones + 2)
    w_0 = np.zeros((hidden, d), f32)
    b_0 = np.zeros(hidden, f32)
    w_1 = np.zeros((d, hidden), f32)
    for h, s in enumerate(guarded):
        w_0[h, off_tok + s] = 2.0
        w_0[h, off_flag + 0] = 2.0
        b_0[h] = -3.0
        w_1[off_guard + h, h] = 1.0
    layer.ffn.linear_0.weight = w_0
    layer.ffn.linear_0.bias = b_0
    layer.ffn.linear_1.weight = w_1

    proj = np.zeros((vocab, d), f32)
    for s in range(vocab):
        proj[best[s], off_tok + s] = LOGIT
        if s in alt:
            proj[alt[s], off_tok + s] = LOGIT - ALT_GAP
    for h, s in enumerate(guarded):  # guard on: cancel the mapping, output the piece itself
        proj[:, off_guard + h] = -proj[:, off_tok + s]
        proj[s, off_guard + h] += LOGIT
    dec.projection.weight = proj

    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    return spec


# --- argostranslate itself, for comparisons ---------------------------------------------------------------------

_REFERENCE = r"""
import json, sys
from pathlib import Path

import argostranslate.package as package
import argostranslate.settings as settings
import argostranslate.translate as translate


class WholeText:
    # argostranslate's default splitter (MiniSBD) downloads a model on first use; every input here is one sentence.
    def split_sentences(self, text):
        return [text]


out = []
for n, group in enumerate(json.load(sys.stdin)):
    folder = Path(group["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    settings.package_data_dir = folder
    settings.package_dirs = [folder]
    for path in group["packages"]:
        package.install_from_path(Path(path))
    translate.installed_translates.clear()
    translate.get_installed_languages.cache_clear()
    translate.get_installed_languages()
    for slot in translate.installed_translates:
        slot.cached_translation.underlying.sentencizer = WholeText()
    results = []
    for src, tgt, text in group["texts"]:
        try:
            results.append({"text": translate.translate(text, src, tgt)})
        except Exception as exc:
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    compute = {slot.package_key: slot.cached_translation.underlying.translator.compute_type
               for slot in translate.installed_translates
               if slot.cached_translation.underlying.translator is not None}
    out.append({"results": results, "compute_types": compute})
print(json.dumps(out))
"""


def argos_reference(tmp: Path, groups: list[tuple[list[Path], list[tuple[str, str, str]]]]) -> list[dict]:
    """argostranslate.translate.translate on each (package files, [(src, tgt, text)]) group, each group installed
    alone into its own packages folder, in a fresh process with its own ARGOS_* and XDG folders. Returns per group
    {"results": [{"text": ...} or {"error": ...}], "compute_types": {"en-es": ...}}."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_")) and k != "SNAP"}
    env.update(ARGOS_PACKAGES_DIR=str(tmp / "packages"), ARGOS_DEVICE_TYPE="cpu", HOME=str(tmp / "home"),
               XDG_DATA_HOME=str(tmp / "data"), XDG_CONFIG_HOME=str(tmp / "config"), XDG_CACHE_HOME=str(tmp / "cache"))
    request = [{"folder": str(tmp / f"group-{i}"), "packages": [str(p) for p in files], "texts": texts}
               for i, (files, texts) in enumerate(groups)]
    proc = subprocess.run([sys.executable, "-c", _REFERENCE], input=json.dumps(request), capture_output=True,
                          text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"argostranslate reference run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def argos_env(home: Path, index: str = "http://127.0.0.1:9/") -> dict[str, str]:
    """Environment for a process with its own Argos packages folder and XDG folders under ``home``; the index is
    unreachable unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_")) and k != "SNAP"}
    env.update(ARGOS_PACKAGES_DIR=str(home / "packages"), ARGOS_PACKAGE_INDEX=index,
               XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"))
    return env
