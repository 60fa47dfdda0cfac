"""Argos Translate packages run directly with CTranslate2: all segments of a batch in one translate_batch call.

argostranslate's own translate() splits paragraphs, runs a sentence splitter that downloads a model, and calls
CTranslate2 once per paragraph. We split sentences ourselves and use only its package metadata and tokenizer.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Sequence

from ..data import CLOSE, MARKER_PARTS_RE, MARKER_RE, OPEN
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
_UNDERSCORE_IN, _UNDERSCORE_OUT = "⟦_⟧", re.compile(r"⟦\s*⟧")


def _encode(text: str) -> str:
    # A span's open and close markers share a number: the model sees the same placeholder twice.
    text = text.replace("_", _UNDERSCORE_IN)
    return MARKER_RE.sub(lambda m: f" ⟦{m.group(1)}⟧ ", text).strip()


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
        current = [_encode(t) for t in texts]
        if not current:
            return []
        for pkg in packages[:-1]:
            current = [hyps[0] for hyps in translate_with_package(pkg, current)]
        last = translate_with_package(packages[-1], current, n)
        return [[_decode(h, source) for h in hyps] for hyps, source in zip(last, texts)]
