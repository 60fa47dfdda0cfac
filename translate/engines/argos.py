"""Argos Translate packages run directly with CTranslate2: all segments of a batch in one translate_batch call.

argostranslate's own translate() splits paragraphs, runs a sentence splitter that downloads a model, and calls
CTranslate2 once per paragraph. We split sentences ourselves and use only its settings and tokenizers.
"""

from __future__ import annotations

import os
import re
import struct
import threading
import warnings
from pathlib import Path
from typing import Sequence

from .. import models
from ..data import CLOSE, MARKER_PARTS_RE, MARKER_RE, OPEN, SPAN_OPEN, span_close, span_open, strip_markers
from ..errors import EngineError, TranslateWarning

PIVOT = "en"
# Placeholder form the NMT models see; recovered tolerantly (spaces the tokenizer may insert, lost brackets).
_PLACEHOLDER_OUT = re.compile(r"⟦\s*(\d+)\s*⟧")
BEAM_SIZE = 4  # argostranslate's default; ARGOS_BEAM_SIZE overrides it
MAX_BATCH_TOKENS = 4096
# argos-train trains on segments of at most 150 tokens: longer inputs are translated in clause-sized parts.
SPLIT_TOKENS = 150
_POSITION_ERROR = re.compile(r"No position encodings are defined for positions >= (\d+)")
# Targets written without spaces between words: parts of a split segment are joined without one.
_NO_SPACE = {"ja", "zh", "zt", "th", "lo", "km", "my"}
_CONJUNCTIONS = {
    "en": "and but or because while whereas although though which who where when so yet",
    "es": "y e pero o u porque mientras aunque que donde cuando sino",
    "fr": "et mais ou car parce tandis qui que où quand donc lorsque",
    "de": "und aber oder denn weil während obwohl dass sondern wenn als",
    "pt": "e mas ou porque enquanto embora que onde quando",
    "it": "e ma o perché mentre sebbene che dove quando",
    "ca": "i però o perquè mentre encara que on quan",
    "ru": "и но а или потому хотя что который которые где когда",
    "uk": "і й та але а або бо хоча що який які де коли",
}

_lock = threading.RLock()


def available_cpus() -> int:
    """CPUs this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_threads = available_cpus()


def set_threads(n: int) -> None:
    """CTranslate2 threads per model when ARGOS_INTRA_THREADS is not set: the CPUs this process may use, shared
    out when several processes translate."""
    global _threads
    _threads = max(1, n)
    forget_packages()


_translators: dict[str, object] = {}
_load_errors: dict[str, str] = {}
_cache: tuple[int, list] | None = None


def forget_packages() -> None:
    """Drop cached package lists and loaded models."""
    global _cache
    with _lock:
        _cache = None
        _translators.clear()
        _load_errors.clear()


def _read_string(f) -> str:
    (size,) = struct.unpack("<H", f.read(2))
    return f.read(size)[:-1].decode("utf-8")


def position_rows(model_dir: Path) -> int | None:
    """Rows of the model's learned position tables (None: sinusoidal, no limit), read from model.bin's variable
    index as CTranslate2 writes it (binary versions 2 to 6)."""
    rows = []
    try:
        with open(model_dir / "model.bin", "rb") as f:
            (version,) = struct.unpack("<I", f.read(4))
            if not 2 <= version <= 6:
                return None
            _read_string(f)
            f.read(4)
            (count,) = struct.unpack("<I", f.read(4))
            for _ in range(count):
                name = _read_string(f)
                rank = f.read(1)[0]
                dims = struct.unpack(f"<{rank}I", f.read(4 * rank))
                if version >= 4:
                    f.read(1)
                    (size,) = struct.unpack("<I", f.read(4))
                else:
                    item = f.read(1)[0]
                    size = struct.unpack("<I", f.read(4))[0] * item
                if name.endswith("position_encodings/encodings") and rank == 2:
                    rows.append(dims[0])
                f.seek(size, os.SEEK_CUR)
    except (OSError, struct.error, IndexError, UnicodeDecodeError):
        return None  # CTranslate2's own error names the limit if there is one
    return min(rows) if rows else None


class ArgosPackage:
    """An installed package as the engine uses it: metadata, tokenizer, model folder and its length limit."""

    def __init__(self, model: models.InstalledModel):
        from argostranslate.tokenizer import BPETokenizer, SentencePieceTokenizer

        self.model = model
        self.package_path = model.path
        self.name = model.name
        self.from_code, self.to_code = model.from_code, model.to_code
        self.package_version = model.version
        self.target_prefix = model.target_prefix
        tokenizer = model.tokenizer
        if tokenizer.name == "bpe.model":
            self.tokenizer = BPETokenizer(tokenizer, model.from_code, model.to_code)
        else:
            self.tokenizer = SentencePieceTokenizer(tokenizer)
        self.positions = position_rows(model.path / "model")

    def budget(self) -> int:
        """Most source tokens one part may have: the training length, and what the position tables hold (the
        source's </s>, the target prefix and the decoder's last step need a row each)."""
        if self.positions is None:
            return SPLIT_TOKENS
        return max(1, min(SPLIT_TOKENS, self.positions - 2 - (1 if self.target_prefix else 0)))

    def __repr__(self) -> str:
        return f"ArgosPackage({self.name} {self.package_version})"


def _packages() -> list[ArgosPackage]:
    global _cache
    with _lock:
        if _cache is None or _cache[0] != models.generation():
            found = []
            for m in models.installed():
                try:
                    found.append(ArgosPackage(m))
                except (OSError, ValueError) as exc:
                    warnings.warn(f"skipping the Argos package {m.path}: {exc}", TranslateWarning, stacklevel=2)
            _cache = (models.generation(), found)
        return _cache[1]


def _direct(packages: list, src: str, tgt: str):
    """The newest package for src->tgt."""
    candidates = [p for p in packages if (p.from_code, p.to_code) == (src, tgt)]
    return max(candidates, key=lambda p: models.version_key(p.package_version), default=None)


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


def translator_options() -> dict:
    """CTranslate2 Translator options from argostranslate's settings (environment or its settings.json)."""
    settings = models.argos_settings()
    return dict(device=settings.device, compute_type=settings.compute_type, inter_threads=settings.inter_threads,
                intra_threads=settings.intra_threads or _threads)


def _translator(pkg: ArgosPackage):
    key = str(pkg.package_path)
    with _lock:
        translator = _translators.get(key)
        if translator is not None:
            return translator
        if key in _load_errors:
            raise EngineError(_load_errors[key])
        import ctranslate2

        options = translator_options()
        try:
            translator = ctranslate2.Translator(str(pkg.package_path / "model"), **options)
        except (RuntimeError, ValueError, OSError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _load_errors[key] = (f"cannot load the Argos model {pkg.package_path} on device {options['device']} "
                                 f"with compute type {options['compute_type']} (ARGOS_DEVICE_TYPE, "
                                 f"ARGOS_COMPUTE_TYPE): {reason}")
            raise EngineError(_load_errors[key]) from None
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


def _can_align(pkg, text: str) -> bool:
    """A text with spans, for a package whose tokenizer tells where its pieces are (SentencePiece; not BPE), short
    enough to be translated in one part (a longer one is split, and keeps its spans as placeholders)."""
    if SPAN_OPEN not in text or not callable(getattr(pkg.tokenizer, "lazy_processor", None)):
        return False
    budget = getattr(pkg, "budget", None)
    return budget is None or len(pkg.tokenizer.encode(_apart(text)[0])) <= budget()


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
    try:
        attention = _translator(pkg).translate_batch(
            [[p.piece for p in src.pieces] for _, _, _, src, _ in jobs], target_prefix=targets, return_attention=True,
            beam_size=1, max_decoding_length=max(len(t) for t in targets) + 1, max_batch_size=MAX_BATCH_TOKENS,
            batch_type="tokens")
    except (RuntimeError, ValueError):
        return results  # without its spans' markers, the pipeline translates such a segment run by run
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


def _decode(text: str, source: str = "") -> str:
    """Placeholders back to markers of the kind the source had (for a span, the first is its open, the second
    its close). The tokenizer pads placeholders with spaces: where the source had a marker against a character,
    the padding on that side goes. Nothing else changes (French spaces before ;:!?», non-breaking spaces)."""
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
    for m in MARKER_RE.finditer(source):
        token = re.escape(m.group(0))
        if m.start() > 0 and not source[m.start() - 1].isspace():
            text = re.sub(f" +({token})", r"\1", text)
        if m.end() < len(source) and not source[m.end()].isspace():
            text = re.sub(f"({token}) +", r"\1", text)
    return re.sub(r" {2,}", " ", text).strip()


# --- long segments -------------------------------------------------------------------------------------------


def _cut_points(text: str, lang: str) -> list[tuple[int, int, int]]:
    """(rank, end of the first part, start of the second) for every place a segment may be cut; lower ranks are
    better boundaries: ; and :, then commas and dashes, then before a conjunction, then any space."""
    conjunctions = set(_CONJUNCTIONS.get(lang, "").split())
    points = []
    for m in re.finditer(r"\s+", text):
        if m.start() == 0 or m.end() == len(text):
            continue
        before, after = text[m.start() - 1], text[m.end():]
        word = re.match(r"\w+", after)
        if before in ";:":
            rank = 0
        elif before in ",–—" or after[:1] in "–—(":
            rank = 1
        elif word and word.group(0).lower() in conjunctions:
            rank = 2
        else:
            rank = 3
        points.append((rank, m.start(), m.end()))
    for m in re.finditer(r"[；：]|[，、。！？]", text):  # scripts without spaces
        if m.end() < len(text) and not text[m.end()].isspace():
            points.append((0 if m.group(0) in "；：。！？" else 1, m.end(), m.end()))
    return points


def _halve(text: str, lang: str, inside_words: bool = True) -> tuple[str, str] | None:
    """The segment cut in two at its best boundary near the middle; None when it is one unbreakable token (or,
    unless inside_words, one word)."""
    points = _cut_points(text, lang)
    if not points and not inside_words:
        return None
    if not points:
        # No space, no punctuation: cut between characters, never inside a placeholder.
        middle = len(text) // 2
        for offset in range(len(text)):
            for i in (middle - offset, middle + offset):
                if 0 < i < len(text) and not re.search(r"⟦\d*$", text[:i]):
                    return text[:i], text[i:]
        return None
    n = len(text)
    central = [p for p in points if 0.2 * n <= p[1] <= 0.8 * n] or points
    _, end, start = min(central, key=lambda p: (p[0], abs(p[1] - n / 2)))
    return text[:end], text[start:]


def _split(pkg: ArgosPackage, text: str, budget: int) -> list[tuple[str, list[str]]]:
    """(part, tokens) for each part of text, every part within budget tokens where a boundary allows."""
    tokens = pkg.tokenizer.encode(text)
    if len(tokens) <= budget:
        return [(text, tokens)]
    halves = _halve(text, pkg.from_code)
    if halves is None:
        return [(text, tokens)]
    return _split(pkg, halves[0], budget) + _split(pkg, halves[1], budget)


class _LimitLearned(Exception):
    """CTranslate2 named a smaller position table than we knew of: split again."""


class _Outcome:
    __slots__ = ("hypotheses", "cut", "error")

    def __init__(self, hypotheses=None, cut=False, error=""):
        self.hypotheses, self.cut, self.error = hypotheses, cut, error


def _batch(pkg: ArgosPackage, batch: list[list[str]], n: int) -> list[_Outcome]:
    """One translate_batch call; a batch that fails is retried text by text, so one bad text fails alone."""
    if not batch:
        return []
    prefix = [pkg.target_prefix] if pkg.target_prefix else []
    longest = max(len(t) for t in batch)
    # Room for the output to be longer than the input; beyond it a hypothesis is cut, and that is reported.
    max_length = 2 * longest + 16 + len(prefix)
    if pkg.positions is not None:
        max_length = min(max_length, pkg.positions - 1)
    beam = max(models.argos_settings().beam_size, n)
    try:
        results = _translator(pkg).translate_batch(
            batch,
            target_prefix=[prefix] * len(batch) if prefix else None,
            replace_unknowns=True,
            max_batch_size=MAX_BATCH_TOKENS,
            batch_type="tokens",
            beam_size=beam,
            num_hypotheses=n,
            length_penalty=0.2,
            max_input_length=0,  # never truncate silently: parts are already within the model's limits
            max_decoding_length=max_length,
        )
    except (RuntimeError, TypeError, ValueError) as exc:
        learned = _POSITION_ERROR.search(str(exc))
        if learned and (pkg.positions is None or int(learned.group(1)) < pkg.positions):
            pkg.positions = int(learned.group(1))
            raise _LimitLearned() from None
        if len(batch) == 1:
            return [_Outcome(error=_reason(exc))]
        return [outcome for tokens in batch for outcome in _batch(pkg, [tokens], n)]
    outcomes = []
    for result in results:
        hyps = []
        for tokens in result.hypotheses:
            # The prefix goes as tokens, before decoding: decoded, its "_" would already be spaces.
            if prefix and tokens[: len(prefix)] == prefix:
                tokens = tokens[len(prefix):]
            hyps.append(pkg.tokenizer.decode(tokens).strip())
        outcomes.append(_Outcome(hyps, cut=len(result.hypotheses[0]) >= max_length))
    return outcomes


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:200]}" if text else type(exc).__name__


def _plan(pkg: ArgosPackage, text: str) -> list[tuple[str, list[str]]] | _Outcome:
    try:
        return _split(pkg, text, pkg.budget())
    except (RuntimeError, TypeError, ValueError) as exc:  # the tokenizer refused the text (e.g. a lone surrogate)
        return _Outcome(error=_reason(exc))


def _translate_texts(pkg: ArgosPackage, texts: list[str], n: int, depth: int = 0) -> list[_Outcome]:
    """n hypotheses for each text; texts beyond the model's budget go in parts, joined again."""
    while True:
        plans = [_plan(pkg, t) for t in texts]
        flat = [part for plan in plans if not isinstance(plan, _Outcome) for part in plan]
        try:
            outcomes = _batch(pkg, [tokens for _, tokens in flat], n)
            break
        except _LimitLearned:
            continue
    # A part cut at the decoding limit: once more in halves (a model that repeats itself stops sooner on less).
    redo = [i for i, o in enumerate(outcomes) if o.cut and depth == 0 and _halve(flat[i][0], pkg.from_code, False)]
    if redo:
        halves = [_halve(flat[i][0], pkg.from_code, False) for i in redo]
        again = _translate_texts(pkg, [h for pair in halves for h in pair], n, depth + 1)
        for k, i in enumerate(redo):
            first, second = again[2 * k], again[2 * k + 1]
            outcomes[i] = _join(pkg, [first, second], n)
    out, i = [], 0
    for plan in plans:
        if isinstance(plan, _Outcome):
            out.append(plan)
            continue
        out.append(outcomes[i] if len(plan) == 1 else _join(pkg, outcomes[i:i + len(plan)], n))
        i += len(plan)
    return out


def _join(pkg: ArgosPackage, parts: list[_Outcome], n: int) -> _Outcome:
    failed = [p for p in parts if p.hypotheses is None]
    if failed:
        return _Outcome(error=failed[0].error)
    glue = "" if pkg.to_code in _NO_SPACE else " "
    return _Outcome([glue.join(p.hypotheses[k] for p in parts) for k in range(n)], cut=any(p.cut for p in parts))


def _quote(text: str) -> str:
    plain = re.sub(r"\s+", " ", strip_markers(text)).strip()
    return repr(plain if len(plain) <= 60 else plain[:57] + "...")


def translate_with_package(pkg: ArgosPackage, texts: Sequence[str], num_hypotheses: int = 1) -> list[list[str] | None]:
    """Hypotheses for each text, best first (None: the text could not be translated, with a warning)."""
    outcomes = _translate_texts(pkg, list(texts), num_hypotheses)
    out = []
    for text, outcome in zip(texts, outcomes):
        if outcome.hypotheses is None:
            warnings.warn(f"Argos {pkg.name} could not translate {_quote(text)} ({outcome.error}); it is left in "
                          "the source language", TranslateWarning, stacklevel=2)
        elif outcome.cut:
            warnings.warn(f"Argos {pkg.name} stopped at its length limit translating {_quote(text)}: the end of "
                          "the translation may be missing; split the sentence in the article", TranslateWarning,
                          stacklevel=2)
        out.append(outcome.hypotheses)
    return out


class ArgosEngine:
    """Installed Argos packages; or, given `package_paths`, exactly those unpacked package folders."""

    name = "argos"

    def __init__(self, package_paths: Sequence[os.PathLike] | None = None) -> None:
        self._own = None
        if package_paths is not None:
            own = []
            for p in package_paths:
                try:
                    own.append(ArgosPackage(models.read_package(Path(p))))
                except models.BrokenPackage as exc:
                    raise EngineError(f"{p}: not a usable Argos package: {exc}") from None
            self._own = own

    def packages(self) -> list:
        return self._own if self._own is not None else _packages()

    def pairs(self) -> set[tuple[str, str]]:
        direct = {(p.from_code, p.to_code) for p in self.packages()}
        into = {a for a, b in direct if b == PIVOT}
        out_of = {b for a, b in direct if a == PIVOT}
        return direct | {(a, b) for a in into for b in out_of if a != b}

    def supports(self, src: str, tgt: str) -> bool:
        return route(self.packages(), src, tgt) is not None

    def load(self, src: str, tgt: str) -> None:
        """Load the models for src->tgt now; an EngineError says why one cannot be loaded."""
        for pkg in route(self.packages(), src, tgt) or []:
            _translator(pkg)

    def identity(self, src: str, tgt: str) -> str:
        packages = route(self.packages(), src, tgt) or []
        names = [f"{p.name} {p.package_version}".strip() for p in packages]
        return "argos " + (" + ".join(names) if names else f"(no {src}-{tgt} package)")

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return [hyps[0] for hyps in self.hypotheses(texts, src, tgt, 1)]

    def locate(self, sources: Sequence[str], outputs: Sequence[str], src: str, tgt: str) -> list[str | None]:
        """Where the words of each source span went in the model's own translation: `sources` carry span markers
        and nothing else, `outputs` are what the model made of them (plain text); each output comes back with the
        spans placed on the target words the model's attention aligns with them (one forced-decoding pass), or
        None where that cannot be known (a route through English, a tokenizer without piece offsets)."""
        packages = route(self.packages(), src, tgt)
        if not sources:
            return []
        if packages is None or len(packages) != 1:
            return [None] * len(sources)
        pkg = packages[0]
        able = [i for i, s in enumerate(sources) if _can_align(pkg, s) and outputs[i].strip()]
        out: list[str | None] = [None] * len(sources)
        if able:
            placed = _place_spans(pkg, [sources[i] for i in able],
                                  [[outputs[i].replace("_", _UNDERSCORE_IN)] for i in able])
            for i, hyps in zip(able, placed):
                out[i] = _decode(hyps[0], sources[i])
        return out

    def hypotheses(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[str]]:
        """n-best translations of each text (through English: the best pivot, then n-best of the last hop).
        A text no model could translate comes back as it is."""
        packages = route(self.packages(), src, tgt)
        if packages is None:
            raise EngineError(f"no Argos package for {src}->{tgt} is installed")
        if not texts:
            return []
        current: list[str | None] = list(texts)  # with markers, in the source language of the next hop
        final: list[list[str] | None] = [None] * len(texts)
        for k, pkg in enumerate(packages):
            last = k == len(packages) - 1
            todo = [i for i, t in enumerate(current) if isinstance(t, str)]
            apart = {i: _can_align(pkg, current[i]) for i in todo}
            results = translate_with_package(pkg, [_encode(current[i], apart[i]) for i in todo], n if last else 1)
            done = [(i, hyps) for i, hyps in zip(todo, results) if hyps is not None]
            aligned = [(i, hyps) for i, hyps in done if apart[i]]
            if aligned:
                placed = dict(zip((i for i, _ in aligned), _place_spans(pkg, [current[i] for i, _ in aligned],
                                                                         [hyps for _, hyps in aligned])))
                done = [(i, placed.get(i, hyps)) for i, hyps in done]
            for i, hyps in zip(todo, results):
                if hyps is None:
                    current[i] = None
            for i, hyps in done:
                decoded = [_decode(h, current[i]) for h in hyps]
                if last:
                    final[i] = decoded
                else:
                    current[i] = decoded[0]
        out = [hyps if hyps is not None else [t] * n for t, hyps in zip(texts, final)]
        # one CTranslate2 call for the batch: the progress moves when it returns
        from . import segments_done

        segments_done(len(out))
        return out
