"""Argos Translate packages run directly with CTranslate2: all segments of a batch in one translate_batch call.

argostranslate's own translate() splits paragraphs, runs a sentence splitter that downloads a model, and calls
CTranslate2 once per paragraph. We split sentences ourselves and use only its package metadata and tokenizer.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Sequence

from ..data import CLOSE, MARKER_PARTS_RE, OPEN, SPAN_OPEN, span_close, span_open
from ..errors import EngineError

PIVOT = "en"
# Placeholder form the NMT models see; recovered tolerantly (spaces the tokenizer may insert, lost brackets).
_PLACEHOLDER_OUT = re.compile(r"⟦\s*(\d+)\s*⟧")
BEAM_SIZE = 4
MAX_BATCH_TOKENS = 4096

_lock = threading.Lock()
_threads = os.cpu_count() or 1


def set_threads(n: int) -> None:
    """CTranslate2 threads per model: the machine's cores, shared out when several processes translate."""
    global _threads
    _threads = max(1, n)
    forget_packages()

_translators: dict[str, object] = {}
_packages_cache: list | None = None


def forget_packages() -> None:
    """Drop cached package lists and loaded models (after install or remove)."""
    global _packages_cache
    with _lock:
        _packages_cache = None
        _translators.clear()


def _packages() -> list:
    global _packages_cache
    with _lock:
        if _packages_cache is None:
            import argostranslate.package as package

            from .. import models

            try:
                _packages_cache = [package.Package(m.path) for m in models.installed()]
            except (OSError, ValueError) as exc:
                raise EngineError(f"cannot read the installed Argos packages: {exc}") from None
        return _packages_cache


def _direct(packages: list, src: str, tgt: str):
    for pkg in packages:
        if (pkg.from_code, pkg.to_code) == (src, tgt):
            return pkg
    return None


def route(packages: list, src: str, tgt: str) -> list | None:
    """Packages to chain for src->tgt: one direct package, or two through English."""
    direct = _direct(packages, src, tgt)
    if direct is not None:
        return [direct]
    if PIVOT not in (src, tgt):
        first, second = _direct(packages, src, PIVOT), _direct(packages, PIVOT, tgt)
        if first is not None and second is not None:
            return [first, second]
    return None


def _translator(pkg):
    key = str(pkg.package_path)
    with _lock:
        translator = _translators.get(key)
        if translator is None:
            import ctranslate2

            try:
                translator = ctranslate2.Translator(
                    str(pkg.package_path / "model"), device="cpu", inter_threads=1, intra_threads=_threads
                )
            except (RuntimeError, ValueError) as exc:
                raise EngineError(f"cannot load Argos model {pkg.package_path}: {exc}") from None
            _translators[key] = translator
        return translator


# argostranslate's SentencePiece decoding turns every "_" into a space: underscores travel as a placeholder of
# their own, which comes back as "⟦ ⟧".
_UNDERSCORE_IN, _UNDERSCORE_OUT = "⟦_⟧", re.compile(r"⟦[\s_]*⟧")


def _apart(text: str, spans_apart: bool = True) -> tuple[str, dict[int, tuple[int, int]]]:
    """The text as the model sees it: points as placeholders, underscores protected, and (spans_apart) spans taken
    out, with the character range each span covered in it; else spans as a placeholder at each end."""
    out: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    opened: dict[int, int] = {}
    pos = 0
    for m in MARKER_PARTS_RE.finditer(text + f"{OPEN}0{CLOSE}"):
        out.append(text[pos : m.start()].replace("_", _UNDERSCORE_IN))
        pos = m.end()
        if m.start() >= len(text):
            break
        kind, n = m.group(1), int(m.group(2))
        if kind == OPEN or not spans_apart:
            out.append(f" ⟦{n}⟧ ")
        elif kind == SPAN_OPEN:
            opened[n] = len("".join(out))
        elif n in opened:
            spans[n] = (opened.pop(n), len("".join(out)))
    joined = "".join(out)
    end = len(joined)
    spans.update({n: (start, end) for n, start in opened.items()})  # never closed: to the end
    lead = len(joined) - len(joined.lstrip())
    stripped = joined.strip()
    return stripped, {n: (min(max(0, a - lead), len(stripped)), min(max(0, b - lead), len(stripped)))
                      for n, (a, b) in spans.items()}


def _encode(text: str, spans_apart: bool = False) -> str:
    # Without spans_apart, a span's open and close markers share a number: the model sees the same placeholder
    # twice. With it, spans are put back by attention (see _place_spans).
    return _apart(text, spans_apart)[0]


def _proto(processor, text: str):
    try:
        return processor.encode(text, return_type="proto")
    except TypeError:  # sentencepiece before 0.2.1
        return processor.encode(text, out_type="immutable_proto")


def _can_align(pkg) -> bool:
    """Packages whose tokenizer tells where its pieces are in the text (SentencePiece; not BPE)."""
    return callable(getattr(pkg.tokenizer, "lazy_processor", None))


def _place_spans(pkg, sources: Sequence[str], results: list[list[str]]) -> list[list[str]]:
    """Each hypothesis with its source's spans put back, on the target pieces the model's attention aligns with the
    span's source pieces (one forced-decoding pass of CTranslate2 with return_attention)."""
    from . import align

    processor = pkg.tokenizer.lazy_processor()
    jobs = []
    for i, source in enumerate(sources):
        encoded, spans = _apart(source)
        if not spans:
            continue
        src = _proto(processor, encoded)
        for j, hyp in enumerate(results[i]):
            tgt = _proto(processor, hyp)
            if len(tgt.pieces):
                jobs.append((i, j, spans, src, tgt))
    if not jobs:
        return results
    prefix = [pkg.target_prefix] if pkg.target_prefix else []
    targets = [prefix + [p.piece for p in tgt.pieces] for *_, tgt in jobs]
    attention = _translator(pkg).translate_batch(
        [[p.piece for p in src.pieces] for _, _, _, src, _ in jobs], target_prefix=targets, return_attention=True,
        beam_size=1, max_decoding_length=max(len(t) for t in targets) + 1, max_batch_size=MAX_BATCH_TOKENS,
        batch_type="tokens")
    out = [list(hyps) for hyps in results]
    for (i, j, spans, src, tgt), result, target in zip(jobs, attention, targets):
        rows = result.attention[0][len(prefix) : len(target)]
        source_pieces = align.pieces([p.surface for p in src.pieces])
        surfaces = [p.surface for p in tgt.pieces]
        ranges = align.place_spans(spans, source_pieces, len(surfaces), rows)
        aligned = align.aligned_source(rows, len(source_pieces))
        opens: dict[int, list[str]] = {}
        closes: dict[int, list[str]] = {}
        inner: dict[tuple[int, int], list[str]] = {}
        # outer spans open first and close last
        for n, (first, last) in sorted(ranges.items(), key=lambda kv: (kv[1][0], -kv[1][1], kv[0])):
            k = align.inner_offset(source_pieces, surfaces, aligned, first, spans[n][0])
            (inner.setdefault((first, k), []) if k is not None else opens.setdefault(first, [])).append(span_open(n))
        for n, (first, last) in sorted(ranges.items(), key=lambda kv: (kv[1][1], -kv[1][0], -kv[0])):
            k = align.inner_offset(source_pieces, surfaces, aligned, last, spans[n][1])
            (inner.setdefault((last, k), []) if k is not None else closes.setdefault(last, [])).append(span_close(n))
        out[i][j] = align.write(surfaces, opens, closes, inner)
    return out


def _decode(text: str, source: str) -> str:
    """Placeholders back to markers of the kind the source had: for a span, the first is its open, the second
    its close. The tokenizer pads placeholders with spaces: where the source had a marker against a character,
    the padding on that side goes."""
    kinds: dict[int, list[str]] = {}
    for m in MARKER_PARTS_RE.finditer(source):
        kinds.setdefault(int(m.group(2)), []).append(m.group(1))
    seen: dict[int, int] = {}

    def back(m: re.Match[str]) -> str:
        n = int(m.group(1))
        i = seen.get(n, 0)
        seen[n] = i + 1
        order = kinds.get(n, [OPEN])
        return f"{order[min(i, len(order) - 1)]}{n}{CLOSE}"

    text = _UNDERSCORE_OUT.sub("_", _PLACEHOLDER_OUT.sub(back, text))
    for m in MARKER_PARTS_RE.finditer(source):
        token = re.escape(m.group(0))
        if m.start() > 0 and not source[m.start() - 1].isspace():
            text = re.sub(f"\\s+({token})", r"\1", text)
        if m.end() < len(source) and not source[m.end()].isspace():
            text = re.sub(f"({token})\\s+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def translate_with_package(pkg, texts: Sequence[str], num_hypotheses: int = 1) -> list[list[str]]:
    """Hypotheses for each text, best first, from one batched CTranslate2 call."""
    tokenized = [pkg.tokenizer.encode(t) for t in texts]
    prefix = [[pkg.target_prefix]] * len(tokenized) if pkg.target_prefix else None
    results = _translator(pkg).translate_batch(
        tokenized,
        target_prefix=prefix,
        replace_unknowns=True,
        max_batch_size=MAX_BATCH_TOKENS,
        batch_type="tokens",
        beam_size=max(BEAM_SIZE, num_hypotheses),
        num_hypotheses=num_hypotheses,
        length_penalty=0.2,
    )
    out = []
    for result in results:
        hyps = []
        for tokens in result.hypotheses:
            value = pkg.tokenizer.decode(tokens)
            if pkg.target_prefix and value.startswith(pkg.target_prefix):
                value = value[len(pkg.target_prefix) :]
            hyps.append(value.strip())
        out.append(hyps)
    return out


class ArgosEngine:
    """Installed Argos packages; or, given `package_paths`, exactly those unpacked package folders."""

    name = "argos"

    def __init__(self, package_paths: Sequence[os.PathLike] | None = None) -> None:
        self._own = None
        if package_paths is not None:
            import argostranslate.package as package

            self._own = [package.Package(os.fspath(p)) for p in package_paths]

    def packages(self) -> list:
        return self._own if self._own is not None else _packages()

    def pairs(self) -> set[tuple[str, str]]:
        direct = {(p.from_code, p.to_code) for p in self.packages()}
        into = {a for a, b in direct if b == PIVOT}
        out_of = {b for a, b in direct if a == PIVOT}
        return direct | {(a, b) for a in into for b in out_of if a != b}

    def supports(self, src: str, tgt: str) -> bool:
        return route(self.packages(), src, tgt) is not None

    def identity(self, src: str, tgt: str) -> str:
        packages = route(self.packages(), src, tgt) or []
        names = [f"{p.package_path.name} {p.package_version}".strip() for p in packages]
        return "argos " + (" + ".join(names) if names else f"(no {src}-{tgt} package)")

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return [hyps[0] for hyps in self.hypotheses(texts, src, tgt, 1)]

    def hypotheses(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[str]]:
        """n-best translations of each text (through English: the best pivot, then n-best of the last hop)."""
        packages = route(self.packages(), src, tgt)
        if packages is None:
            raise EngineError(f"no Argos package for {src}->{tgt} is installed")
        if not texts:
            return []
        current = list(texts)  # with markers, in the source language of the next hop
        for k, pkg in enumerate(packages):
            apart = _can_align(pkg)
            results = translate_with_package(pkg, [_encode(t, apart) for t in current], n if k == len(packages) - 1 else 1)
            if apart:
                results = _place_spans(pkg, current, results)
            decoded = [[_decode(h, source) for h in hyps] for hyps, source in zip(results, current)]
            current = [hyps[0] for hyps in decoded]
        return decoded
