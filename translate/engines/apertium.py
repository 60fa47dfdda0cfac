"""Apertium (Debian's rule-based engine): one run of the pair's stages per batch.

Inline markers travel in Apertium's own stream format: a point marker is a superblank (`[<m3>]`), which keeps its
place; a span (emphasis, a link, a glossary term) wraps its words in wordbound blanks (`[[t:s:3]]word[[/]]`), which
Apertium 3.8 moves with the words when it reorders them. Glossary terms can be put into the sentence at lexical
transfer: the source words of a term become one lexical unit whose target side carries the term's category, gender
and number, so transfer makes articles, contractions and adjectives agree with it, and the term's own inflected
form is written in just before the generator (see `LexicalTerm`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import shlex
import shutil
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence

from .. import languages
from ..data import MARKER_PARTS_RE, OPEN, SPAN_OPEN, marker, span_close, span_open, strip_markers
from ..errors import EngineError

DATADIR = Path(os.environ.get("APERTIUM_DATADIR", "/usr/share/apertium"))
TIMEOUT = 600  # seconds for one batch

_SPECIAL = re.compile(r"([\[\]\\^$/<>{}])")
# Apertium writes these raw in its output to mark words it could not translate (*), generate (#) or find in its
# bilingual dictionary (@), so a literal one travels as a superblank and only marks are left in the output.
_MARKS = re.compile(r"[*#@]")
_SEGMENT = re.compile(r"\[<s(\d+)>\]")
_UNESCAPE = re.compile(r"\\(.)")
# In the output: superblanks for points and span anchors, wordbound blanks around words.
_SUPERBLANK = re.compile(r"\[<([mocq])(\d+)>\]")
_WORDBOUND = re.compile(r"\[\[((?:t:s:\d+(?:; )?)*)\]\]((?:[^\[\\]|\\.|\[<[^>]*>\])*?)\[\[/\]\]")
# In the stream between stages: a wordbound blank, then its lexical unit.
_LU = re.compile(r"(\[\[((?:[^\]]|\](?!\]))*)\]\])?\^((?:[^$\\]|\\.)*)\$")
_TERM_LEMMA = "__term{}__"
_TERM_LU = re.compile(r"\^__term(\d+)__((?:<[^>]*>)*)\$", re.IGNORECASE)  # transfer may capitalize it


def apertium_package_name(src: str, tgt: str) -> str:
    a = languages.LANGUAGES.get(src)
    b = languages.LANGUAGES.get(tgt)
    return f"apertium-{a.iso3 if a else src}-{b.iso3 if b else tgt}"


@functools.lru_cache(maxsize=1)
def _modes() -> dict[tuple[str, str], str]:
    """Installed Apertium modes by ISO 639-1 pair, e.g. ('en', 'es') -> 'eng-spa'."""
    if shutil.which("apertium") is None:
        return {}
    try:
        out = subprocess.run(["apertium", "-l"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    modes: dict[tuple[str, str], str] = {}
    for line in out.split():
        parts = line.strip().split("-")
        if len(parts) != 2 or "_" in line:
            continue  # variants such as eng-cat_valencia are not offered as defaults
        a, b = (languages.from_iso3(p) or languages.LANGUAGES.get(p) for p in parts)
        if a and b:
            modes[(a.code, b.code)] = line.strip()
    return modes


@functools.lru_cache(maxsize=None)
def _pair_version(mode: str) -> str:
    a, b = mode.split("-")
    for name in (f"apertium-{a}-{b}", f"apertium-{b}-{a}"):
        try:
            out = subprocess.run(
                ["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            break
        if out.returncode == 0 and out.stdout.strip():
            return f"{name} {out.stdout.strip()}"
    return f"apertium {mode}"


@dataclass(frozen=True)
class Stages:
    """A mode's pipeline cut in three: up to lexical selection, transfer, generation (shell commands)."""

    lexical: str
    transfer: str
    generation: str


@functools.lru_cache(maxsize=None)
def _stages(mode: str) -> Stages:
    """The mode file's stages with wordbound blanks and null flush, as Apertium's own script runs them, cut where
    glossary terms go in (after the bilingual lookup and lexical selection) and where their forms are written
    (before the generator)."""
    path = DATADIR / "modes" / f"{mode}.mode"
    try:
        line = subprocess.run(["apertium-wblank-mode", "-z", str(path)], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"cannot read Apertium mode {path}: {exc}") from None
    parts = [p.strip() for p in line.split(" | ")]
    words = [shlex.split(p.replace("$1", "-g").replace("$2", ""))[:2] for p in parts]

    def last(pred) -> int:
        found = [i for i, w in enumerate(words) if pred(w)]
        return found[-1] if found else -1

    lookup = max(last(lambda w: w[:1] == ["lrx-proc"]), last(lambda w: w[:1] == ["lt-proc"] and "-b" in w))
    generator = next((i for i, p in enumerate(parts) if i > lookup and "autogen.bin" in p), -1)
    if lookup < 0 or generator < 0:
        raise EngineError(f"Apertium mode {path} has no bilingual lookup or generator stage")
    cmd = [p.replace("$1", "-g").replace("$2", "") for p in parts]
    return Stages(" | ".join(cmd[: lookup + 1]), " | ".join(cmd[lookup + 1 : generator]), " | ".join(cmd[generator:]))


# --- encoding: markers into Apertium's stream, and back -------------------------------------------------------


def _escape(text: str) -> str:
    return _MARKS.sub(lambda m: f"[<q{ord(m.group(0))}>]", _SPECIAL.sub(r"\\\1", text))


def _encode_one(text: str) -> str:
    """Points become superblanks; words inside spans get wordbound blanks naming every span they are in, and
    each span's ends are also anchored by superblanks, for spans whose words the engine drops."""
    out: list[str] = []
    active: list[int] = []
    pos = 0

    def words(chunk: str) -> None:
        if not chunk:
            return
        escaped = _escape(chunk)
        if not active or not any(ch.isalnum() for ch in chunk):
            out.append(escaped)
            return
        tags = "; ".join(f"t:s:{n}" for n in active)
        lead = len(escaped) - len(escaped.lstrip())
        trail = len(escaped) - len(escaped.rstrip())
        body = escaped.strip()
        out.append(escaped[:lead] + f"[[{tags}]]{body}[[/]]" + (escaped[len(escaped) - trail :] if trail else ""))

    for m in MARKER_PARTS_RE.finditer(text):
        words(text[pos : m.start()])
        pos = m.end()
        kind, n = m.group(1), int(m.group(2))
        if kind == OPEN:
            out.append(f"[<m{n}>]")
        elif kind == SPAN_OPEN:
            out.append(f"[<o{n}>]")
            active.append(n)
        else:
            out.append(f"[<c{n}>]")
            if n in active:
                active.remove(n)
    words(text[pos:])
    return "".join(out)


# Apertium's part-of-speech tagger keeps its state across null flushes until it reads the end of a sentence: a
# headline without a full stop would colour how the next segment is tagged, in this batch or a later one. So a
# segment that does not end a sentence gets a full stop behind this superblank, and both are taken out again.
_END = "[<e0>]."
_ENDED = re.compile(r"[.!?…][\s\"'”’»)\]]*$")
_END_OUT = re.compile(r"\s*\[<e0>\]\s*\.?")


def encode(texts: Sequence[str]) -> str:
    """One stream for the whole batch: each segment opens with its own superblank and ends with a null byte."""
    # Null-flush mode (-z): each segment is translated on its own, so a headline without a full stop does not
    # run into the next sentence; still one process per stage for the whole batch.
    return "".join(f"[<s{i}>]{_encode_one(text)}{'' if _ENDED.search(strip_markers(text)) else _END}\n\0"
                   for i, text in enumerate(texts))


@dataclass(frozen=True)
class Rendered:
    """One segment as Apertium gave it back: text with markers, and the source words it could not translate."""

    text: str
    unknown: tuple[str, ...] = ()
    spans: Mapping[int, str] = None  # type: ignore[assignment]  # span number -> the words it wraps, as written
    injected: frozenset[int] = frozenset()  # spans whose glossary term went in at lexical transfer

    def __post_init__(self) -> None:
        if self.spans is None:
            object.__setattr__(self, "spans", {})


def _decode_one(raw: str) -> Rendered:
    """Wordbound words back to spans (first to last word of each span, kept properly nested), superblanks back
    to points, Apertium's marks for unknown words taken out and listed."""
    raw = _END_OUT.sub("", raw)
    unknown = tuple(dict.fromkeys(re.findall(r"[*@](\w[\w'’-]*)", raw)))
    raw = _MARKS.sub("", raw)
    # Tokens: ("w", text, spans) for wordbound words, ("t", text) for plain text, ("m"/"o"/"c", n) for superblanks.
    tokens: list[tuple] = []

    def plain(chunk: str, spans: tuple[int, ...]) -> None:
        """Text, with any superblanks in it; words inside a wordbound blank carry its spans."""
        pos = 0
        for m in _SUPERBLANK.finditer(chunk):
            if m.start() > pos:
                tokens.append(("w", chunk[pos : m.start()], spans) if spans else ("t", chunk[pos : m.start()]))
            tokens.append((m.group(1), int(m.group(2))))
            pos = m.end()
        if pos < len(chunk):
            tokens.append(("w", chunk[pos:], spans) if spans else ("t", chunk[pos:]))

    pos = 0
    for m in _WORDBOUND.finditer(raw):
        plain(raw[pos : m.start()], ())
        plain(m.group(2), tuple(int(t.rsplit(":", 1)[1]) for t in m.group(1).split("; ") if t))
        pos = m.end()
    plain(raw[pos:], ())

    ranges: dict[int, list[int]] = {}
    for i, tok in enumerate(tokens):
        if tok[0] == "w":
            for n in tok[2]:
                r = ranges.setdefault(n, [i, i])
                r[1] = i
    anchors_open = {tok[1]: i for i, tok in enumerate(tokens) if tok[0] == "o"}
    anchors_close = {tok[1]: i for i, tok in enumerate(tokens) if tok[0] == "c"}
    # A span whose words are gone sits where its anchors are.
    for n in set(anchors_open) | set(anchors_close):
        if n not in ranges and n in anchors_open and n in anchors_close and anchors_open[n] <= anchors_close[n]:
            ranges[n] = [anchors_open[n], anchors_close[n]]
    # Punctuation inside a span that Apertium left as blank beside the span's words (quotes, a dash) stays in the
    # span: its anchors still have it between them.
    def punctuation(k: int) -> bool:
        return tokens[k][0] == "t" and not any(ch.isalnum() for ch in tokens[k][1])

    for n, r in ranges.items():
        if n in anchors_open and anchors_open[n] < r[0] and all(map(punctuation, range(anchors_open[n] + 1, r[0]))):
            r[0] = anchors_open[n] + 1 if anchors_open[n] + 1 < r[0] else r[0]
        if n in anchors_close and anchors_close[n] > r[1] and all(map(punctuation, range(r[1] + 1, anchors_close[n]))):
            r[1] = anchors_close[n] - 1 if anchors_close[n] - 1 > r[1] else r[1]
    # Crossing spans (reordering can do that) are widened until they nest.
    changed = True
    while changed:
        changed = False
        for a in ranges:
            for b in ranges:
                ra, rb = ranges[a], ranges[b]
                if ra[0] < rb[0] <= ra[1] < rb[1]:
                    ra[1] = rb[1]
                    changed = True
    opens_at: dict[int, list[int]] = {}
    closes_at: dict[int, list[int]] = {}
    for n, (first, last) in ranges.items():
        if n in anchors_open or n not in anchors_close:
            opens_at.setdefault(first, []).append(n)
        if n in anchors_close or n not in anchors_open:
            closes_at.setdefault(last, []).append(n)
    spans_text: dict[int, list[str]] = {}
    out: list[str] = []
    for i, tok in enumerate(tokens):
        # outer spans open first and close last
        for n in sorted(opens_at.get(i, []), key=lambda n: (-(ranges[n][1] - ranges[n][0]), n)):
            out.append(span_open(n))
        if tok[0] == "w":
            text = _UNESCAPE.sub(r"\1", tok[1])
            out.append(text)
            for n in tok[2]:
                spans_text.setdefault(n, []).append(text)
        elif tok[0] == "t":
            out.append(_UNESCAPE.sub(r"\1", tok[1]))
        elif tok[0] == "m":
            out.append(marker(tok[1]))
        elif tok[0] == "q":
            out.append(chr(tok[1]))
        for n in sorted(closes_at.get(i, []), key=lambda n: (ranges[n][1] - ranges[n][0], -n)):
            out.append(span_close(n))
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    return Rendered(text, unknown, {n: " ".join(" ".join(ws).split()) for n, ws in spans_text.items()})


def decode(output: str, count: int) -> list[Rendered]:
    pieces = _SEGMENT.split(output.replace("\0", ""))
    # pieces: [before, idx0, text0, idx1, text1, ...]
    found: dict[int, str] = {}
    for idx, text in zip(pieces[1::2], pieces[2::2]):
        found[int(idx)] = text
    if sorted(found) != list(range(count)):
        raise EngineError(
            f"apertium returned {len(found)} of {count} segments: its output was cut or mangled "
            "(is the language pair's package complete? try 'apt-get install --reinstall' of it)"
        )
    return [_decode_one(found[i]) for i in range(count)]


# --- glossary terms at lexical transfer ----------------------------------------------------------------------


@dataclass(frozen=True)
class LexicalTerm:
    """A glossary term to put into Apertium's sentence in place of the words of one span.

    `category` is the target part of speech Apertium's transfer rules know ("n" or "adj"); `gender` the term's
    gender tag ("m", "f", "mf", "nt"); `forms` the written term by the number and gender transfer gives it
    ("sg", "pl", "f.sg", ...; "" for the term as the glossary writes it)."""

    category: str
    gender: str
    forms: Mapping[str, str]
    number: str = ""  # the source's number, for source words Apertium does not know (no tags to read it from)
    # When given, the term goes in only if Apertium's own choice of words for the span lacks one of these lemmas:
    # a term the engine renders by itself is left to it, and the batch still runs once.
    unless_lemmas: frozenset[str] = frozenset()

    def form(self, tags: Sequence[str]) -> str:
        number = "pl" if "pl" in tags else "sg"
        gender = next((t for t in tags if t in ("m", "f", "nt", "mf")), self.gender)
        for key in (f"{gender}.{number}", number, ""):
            if key in self.forms:
                return self.forms[key]
        return next(iter(self.forms.values()))


def _lu_parts(body: str) -> tuple[str, list[str]]:
    """'class<n><sg>/clase<n><f><sg>' -> source 'class<n><sg>', target readings."""
    pieces = re.split(r"(?<!\\)/", body)
    return pieces[0], pieces[1:]


def _tags(analysis: str) -> list[str]:
    return re.findall(r"<([^>]+)>", analysis)


def _inject(stream: str, terms: Sequence[Mapping[int, LexicalTerm]]) -> tuple[str, dict[int, frozenset[int]]]:
    """After lexical selection: the lexical units of each term's span become one unit for the term. Returns the
    stream and, per segment, the spans whose term went in."""
    segments = re.split(r"(\[<s\d+>\])", stream)
    out: list[str] = [segments[0]]
    injected: dict[int, frozenset[int]] = {}
    for marker_text, body in zip(segments[1::2], segments[2::2]):
        index = int(marker_text[3:-2])
        wanted = terms[index] if index < len(terms) else {}
        out.append(marker_text)
        if wanted:
            body, done = _inject_segment(body, wanted)
            injected[index] = done
        out.append(body)
    return "".join(out), injected


def _target_lemmas(units: list[re.Match[str]]) -> set[str]:
    """The words Apertium chose for these units: the lemma of each one's first translation, in lower case."""
    lemmas: set[str] = set()
    for m in units:
        _, targets = _lu_parts(m.group(3))
        first = (targets[0] if targets else m.group(3)).lstrip("*@#")
        lemma = _UNESCAPE.sub(r"\1", first.split("<", 1)[0]).replace("#", " ").lower()
        lemmas.update(lemma.split())
    return lemmas


def _renders_itself(units: list[re.Match[str]], term: LexicalTerm) -> bool:
    """Apertium chose the glossary's words for the span, and, for a noun term, a noun of the term's gender."""
    if not term.unless_lemmas <= _target_lemmas(units):
        return False
    if term.category != "n":
        return True
    genders = set()
    for m in units:
        _, targets = _lu_parts(m.group(3))
        tags = _tags(targets[0]) if targets else []
        if tags[:1] == ["n"]:
            genders.update(t for t in tags if t in ("m", "f", "mf", "nt"))
    return bool(genders) and (not term.gender or term.gender in genders or "mf" in genders)


def _inject_segment(body: str, wanted: Mapping[int, LexicalTerm]) -> tuple[str, frozenset[int]]:
    units = list(_LU.finditer(body))
    by_span: dict[int, list[re.Match[str]]] = {}
    for m in units:
        for tag in (m.group(2) or "").split("; "):
            if tag.startswith("t:s:") and int(tag[4:]) in wanted:
                by_span.setdefault(int(tag[4:]), []).append(m)
    replacements: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    done: set[int] = set()
    for n, found in sorted(by_span.items()):
        if any(m.start() in taken for m in found):
            continue  # a unit already belongs to another injected term (nested spans): the outer one wins
        term = wanted[n]
        if term.unless_lemmas and _renders_itself(found, term):
            continue  # Apertium's own words are the glossary's
        source = _source_side(found, term.category, term.number)
        number = "pl" if "pl" in _tags(source) else "sg"
        target_tags = f"<{term.category}>" + (f"<{term.gender}>" if term.gender else "")
        if term.category == "n":
            target_tags += f"<{number}>"
        blanks = sorted({t for m in found for t in (m.group(2) or "").split("; ") if t})
        unit = f"[[{'; '.join(blanks)}]]^{source}/{_TERM_LEMMA.format(n)}{target_tags}$"
        replacements.append((found[0].start(), found[-1].end(), unit))
        taken.update(m.start() for m in found)
        done.add(n)
    for start, end, unit in sorted(replacements, reverse=True):
        body = body[:start] + unit + body[end:]
    return body, frozenset(done)


def _source_side(units: list[re.Match[str]], category: str, number: str = "") -> str:
    """The source side the merged unit shows transfer: the head word's, so transfer rules that look at the
    source category (and number) treat the term as the noun or adjective it is. In lower case: transfer copies
    a source word's case to the words it makes for it ("by NATO" would become "DE LA OTAN")."""
    sources = [_lu_parts(m.group(3))[0].lower() for m in units]
    if category == "n":
        # the head of an English noun phrase: the last noun before a preposition ("dictatorship of the ...")
        head = None
        for s in sources:
            tags = _tags(s)
            if "pr" in tags and head is not None:
                break
            if "n" in tags:
                head = s
        if head is not None:
            lemma = head.split("<", 1)[0]
            number = "pl" if "pl" in _tags(head) else "sg"
            return f"{lemma}<n><{number}>"
        last = sources[-1].lstrip("*").split("<", 1)[0]
        plural = any("pl" in _tags(s) for s in sources) or (number == "pl" and not any(_tags(s) for s in sources))
        return f"{last}<n><{'pl' if plural else 'sg'}>"
    lemma = sources[-1].lstrip("*").split("<", 1)[0]
    return f"{lemma}<{category}>"


def _starts_sentence(before: str) -> bool:
    """Nothing but blanks and punctuation before this point of a segment's stream."""
    before = re.sub(r"\[\[[^\]]*\]\]|\[<[^>]*>\]", "", before)
    words = _LU.sub(lambda m: m.group(3).split("<", 1)[0], before)
    return not any(ch.isalnum() for ch in _UNESCAPE.sub(r"\1", words))


def _write_terms(stream: str, terms: Sequence[Mapping[int, LexicalTerm]]) -> str:
    """Before the generator: each term unit becomes the term's written form, by the number and gender transfer
    gave it, still inside its wordbound blank so the output shows where it went."""
    segments = re.split(r"(\[<s\d+>\])", stream)
    out: list[str] = [segments[0]]
    for marker_text, body in zip(segments[1::2], segments[2::2]):
        index = int(marker_text[3:-2])
        wanted = terms[index] if index < len(terms) else {}

        def write(m: re.Match[str]) -> str:
            n = int(m.group(1))
            term = wanted.get(n)
            if term is None:
                return m.group(0)
            text = term.form(_tags(m.group(2)))
            if _starts_sentence(body[: m.start()]):
                text = text[:1].upper() + text[1:]
            return _escape(text)

        out.append(marker_text)
        out.append(_TERM_LU.sub(write, body))
    return "".join(out)


# --- the engine ----------------------------------------------------------------------------------------------


_CAPS_WORD = re.compile(r"\b[^\W\d_]{1,3}\b")


def _unshout(source: str, rendered: Rendered) -> Rendered:
    """Apertium gives the articles and prepositions it makes for an acronym the acronym's capitals ("by NATO"
    -> "por DE LA OTAN"): short capitalised words the source does not have, right before a word in capitals,
    are put in lower case, unless the source itself is written in capitals."""
    words = re.findall(r"[^\W\d_]+", strip_markers(source))
    shouted = {w for w in words if len(w) > 1 and w.isupper()}
    if len(shouted) * 2 > len(words):
        return rendered
    text = rendered.text

    def lower(m: re.Match[str]) -> str:
        word = m.group(0)
        after = strip_markers(text[m.end() :]).lstrip()
        following = re.match(r"[^\W\d_]+", after)
        if (len(word) > 1 and word.isupper() and word not in shouted and following
                and following.group(0).isupper() and len(following.group(0)) > 1):
            return word.lower()
        return word

    new = _CAPS_WORD.sub(lower, text)
    return rendered if new == text else replace(rendered, text=new)


def _capital_like(source: str, rendered: Rendered) -> Rendered:
    first = next((ch for ch in strip_markers(source) if ch.isalnum()), "")
    text = rendered.text
    i = next((k for k, ch in enumerate(text) if ch.isalnum() and not MARKER_PARTS_RE.match(text, max(0, k - 1))), None)
    if first.isupper() and i is not None and text[i].islower():
        text = text[:i] + text[i].upper() + text[i + 1 :]
        return replace(rendered, text=text)
    return rendered


class _Pipeline:
    """One group of a mode's stages as a long-lived shell pipeline in null-flush mode, as Apertium's own web
    service runs them: a batch goes in, one null byte comes out per segment, and the next batch finds the
    dictionaries loaded (starting eleven processes costs more than translating a short batch)."""

    def __init__(self, command: str, what: str, fresh: bool = False):
        self.command = command
        self.what = what
        self.fresh = fresh  # a new process for every batch
        self.proc: subprocess.Popen | None = None
        self.errors: list[bytes] = []
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        try:
            proc = subprocess.Popen(["bash", "-o", "pipefail", "-c", self.command], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    process_group=0)  # Ctrl-C is for us: we stop it by closing its input
        except OSError as exc:
            raise EngineError(f"cannot run apertium {self.what}: {exc}") from None
        self.errors = []

        def drain(stream=proc.stderr, errors=self.errors) -> None:
            for line in iter(stream.readline, b""):
                errors.append(line)
                del errors[:-20]

        threading.Thread(target=drain, daemon=True).start()
        return proc

    def run(self, stream: str, count: int, report: bool = False) -> str:
        """`stream` holds `count` segments, each ending with a null byte; their output, in order."""
        if count == 0:
            return ""
        with self.lock:
            if self.fresh:
                self.close()
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            return self._exchange(self.proc, stream, count, report)

    def _exchange(self, proc: subprocess.Popen, stream: str, count: int, report: bool) -> str:
        from . import segments_done

        data = stream.encode("utf-8")

        def feed() -> None:
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        timed_out = threading.Event()
        timer = threading.Timer(TIMEOUT, lambda: (timed_out.set(), proc.kill()))
        timer.start()
        chunks: list[bytes] = []
        seen = 0
        try:
            while seen < count:
                chunk = proc.stdout.read1(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                done = chunk.count(b"\0")
                seen += done
                if report:
                    segments_done(done)
        finally:
            timer.cancel()
        writer.join(5)
        if seen < count:
            proc.kill()
            proc.wait()
            self.proc = None
            if timed_out.is_set():
                raise EngineError(f"apertium {self.what} did not finish in {TIMEOUT // 60} minutes")
            said = b"".join(self.errors).decode("utf-8", "replace").strip().splitlines()
            detail = said[-1] if said else f"it returned {seen} of {count} segments"
            raise EngineError(f"apertium {self.what} failed (exit {proc.returncode}): {detail}")
        return b"".join(chunks).decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@functools.lru_cache(maxsize=None)
def _pipelines(mode: str) -> tuple[_Pipeline, _Pipeline, _Pipeline]:
    stages = _stages(mode)
    # Apertium's tagger (in the first group) carries state from one segment into the next, so it starts afresh
    # for every batch, as it does with `apertium -z`: a segment's translation then depends on its batch, never
    # on what the process translated before. Transfer and generation stay loaded.
    pipes = (_Pipeline(stages.lexical, mode, fresh=True), _Pipeline(stages.transfer, mode),
             _Pipeline(stages.generation, mode))
    atexit.register(lambda: [p.close() for p in pipes])
    return pipes


class ApertiumEngine:
    name = "apertium"
    carries_spans = True  # wordbound blanks keep spans on their words
    lexical_terms = True  # glossary terms can be put in at lexical transfer

    def pairs(self) -> set[tuple[str, str]]:
        return set(_modes())

    def supports(self, src: str, tgt: str) -> bool:
        return (src, tgt) in _modes()

    def identity(self, src: str, tgt: str) -> str:
        mode = _modes().get((src, tgt))
        if mode is None:
            return f"apertium (no {src}-{tgt} pair)"
        return f"apertium {mode} ({_pair_version(mode)})"

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return [r.text for r in self.render(texts, src, tgt)]

    def render(self, texts: Sequence[str], src: str, tgt: str,
               terms: Sequence[Mapping[int, LexicalTerm]] | None = None) -> list[Rendered]:
        """Translate a batch; `terms[i]` maps span numbers of texts[i] to glossary terms put in at transfer."""
        if not texts:
            return []
        mode = _modes().get((src, tgt))
        if mode is None:
            raise EngineError(f"apertium has no {src}-{tgt} pair installed")
        stream = encode(texts)
        lexical, transfer, generation = _pipelines(mode)
        count = len(texts)
        injected: dict[int, frozenset[int]] = {}
        stream = lexical.run(stream, count)
        if terms and any(terms):
            stream, injected = _inject(stream, terms)
        stream = transfer.run(stream, count)
        if terms and any(terms):
            stream = _write_terms(stream, terms)
        out = generation.run(stream, count, report=True)
        rendered = [_unshout(t, r) for t, r in zip(texts, decode(out, len(texts)))]
        if terms and any(terms):
            # the term's source words went in lower case: a sentence that began with one begins with a capital
            rendered = [replace(_capital_like(t, r), injected=injected.get(i, frozenset())) if injected.get(i) else r
                        for i, (t, r) in enumerate(zip(texts, rendered))]
        return rendered
