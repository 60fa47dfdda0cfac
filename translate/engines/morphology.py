"""Apertium's morphological analysers and generators (lttoolbox `lt-proc -a` / `-g`), for the languages whose pair
packages ship them: what a target word can be (lemma, part of speech, gender, number), and a lemma written with
other tags. The glossary's grammar check, its agreement repair and `glossary lint` use them."""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .. import languages
from .apertium import DATADIR

_UNIT = re.compile(r"\^((?:[^$\\]|\\.)*)\$")
_CHUNK = 256  # items per write: their answers fit in the pipe's buffer, so neither side waits on the other


class _Answers:
    """Null-terminated answers read from a process's output a buffer at a time."""

    def __init__(self, stream):
        self.stream = stream
        self.buffer = b""

    def next(self) -> str:
        while b"\0" not in self.buffer:
            chunk = self.stream.read1(65536)
            if not chunk:
                raise OSError("lt-proc ended")
            self.buffer += chunk
        answer, _, self.buffer = self.buffer.partition(b"\0")
        return answer.decode("utf-8", "replace")


_HEAD_CATEGORIES = ("det", "n", "adj", "np", "vblex", "prn")


@dataclass(frozen=True)
class Reading:
    """One analysis of a word: lemma and tags ("clase", ("n", "f", "sg")). A contraction ("del" = de + el) has
    its parts; `head` is the part agreement is about (the article of "del"). The derived fields are worked out
    once: the agreement check reads them for every word of every candidate sentence."""

    parts: tuple[tuple[str, tuple[str, ...]], ...]
    head: tuple[str, tuple[str, ...]] = field(init=False, compare=False, repr=False)
    lemma: str = field(init=False, compare=False, repr=False)
    tags: tuple[str, ...] = field(init=False, compare=False, repr=False)
    category: str = field(init=False, compare=False, repr=False)
    gender: str = field(init=False, compare=False, repr=False)
    number: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        head = next(((lemma, tags) for lemma, tags in reversed(self.parts) if tags and tags[0] in _HEAD_CATEGORIES),
                    self.parts[-1])
        tags = head[1]
        values = {
            "head": head, "lemma": head[0], "tags": tags, "category": tags[0] if tags else "",
            "gender": next((t for t in tags if t in ("m", "f", "mf", "nt", "GD")), ""),
            "number": next((t for t in tags if t in ("sg", "pl", "sp", "ND")), ""),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __str__(self) -> str:
        return "+".join(lemma + "".join(f"<{t}>" for t in tags) for lemma, tags in self.parts)


def parse_unit(body: str) -> tuple[str, tuple[Reading, ...]]:
    """'del/de<pr>+el<det><def><m><sg>' -> ('del', readings); an unknown word ('*estalinistas') has none."""
    pieces = re.split(r"(?<!\\)/", body)
    surface = pieces[0]
    readings = []
    for analysis in pieces[1:]:
        if analysis.startswith(("*", "#", "@")):
            continue
        parts = []
        for part in re.split(r"(?<!\\)\+", analysis):
            lemma = part.split("<", 1)[0]
            parts.append((lemma, tuple(re.findall(r"<([^>]+)>", part))))
        readings.append(Reading(tuple(parts)))
    return surface, tuple(readings)


def _escape(text: str) -> str:
    return re.sub(r"([\[\]\\^$/@*<>{}#+])", r"\\\1", text)


def _files(lang: str) -> tuple[Path, Path] | None:
    """(analyser, generator) for `lang` from any installed pair: `<lang>-X.automorf.bin` analyses the language,
    `X-<lang>.autogen.bin` writes it."""
    info = languages.LANGUAGES.get(lang)
    if info is None or not DATADIR.is_dir():
        return None
    code = info.iso3
    analyser = generator = None
    for folder in sorted(DATADIR.glob("apertium-*-*")):
        for path in sorted(folder.glob(f"{code}-*.automorf.bin")):
            if re.fullmatch(rf"{code}-[a-z]{{3}}\.automorf\.bin", path.name) and analyser is None:
                analyser = path
        for path in sorted(folder.glob(f"*-{code}.autogen.bin")):
            if re.fullmatch(rf"[a-z]{{3}}-{code}\.autogen\.bin", path.name) and generator is None:
                generator = path
    return (analyser, generator) if analyser and generator else None


class Morphology:
    """Analyser and generator of one language, each run once per batch of words; answers are remembered."""

    def __init__(self, lang: str, analyser: Path, generator: Path):
        self.lang = lang
        self.analyser = analyser
        self.generator = generator
        self._analyses: dict[str, tuple[Reading, ...]] = {}
        self._generated: dict[str, str | None] = {}
        self._procs: dict[str, subprocess.Popen] = {}
        self._readers: dict[str, _Answers] = {}
        self._lock = threading.Lock()

    def identity(self) -> str:
        return f"{self.analyser.name}, {self.generator.name}"

    def _run(self, flags: str, path: Path, items: Sequence[str]) -> list[str]:
        """One long-lived lt-proc per direction in null-flush mode: items go in a chunk at a time, each answer
        ends with a null byte (a process per call would cost more than the analysis)."""
        key = flags
        with self._lock:
            out: list[str] = []
            for start in range(0, len(items), _CHUNK):
                chunk = items[start : start + _CHUNK]
                for attempt in (1, 2):
                    proc = self._procs.get(key)
                    if proc is None or proc.poll() is not None:
                        try:
                            proc = subprocess.Popen(["lt-proc", "-z", flags, str(path)], stdin=subprocess.PIPE,
                                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                                    process_group=0)
                        except OSError:
                            return [""] * len(items)
                        self._procs[key] = proc
                        self._readers.pop(key, None)
                    try:
                        proc.stdin.write("".join(f"{item}\n\0" for item in chunk).encode("utf-8"))
                        proc.stdin.flush()
                        reader = self._readers.setdefault(key, _Answers(proc.stdout))
                        answers = [reader.next() for _ in chunk]
                        break
                    except (OSError, ValueError):
                        proc.kill()
                        self._procs.pop(key, None)
                        answers = [""] * len(chunk)
                out.extend(a.strip() for a in answers)
            return out

    def close(self) -> None:
        for proc in self._procs.values():
            with contextlib.suppress(OSError):
                proc.stdin.close()
            proc.kill()
            proc.wait()
        self._procs.clear()

    def analyse(self, words: Iterable[str]) -> list[tuple[Reading, ...]]:
        words = list(words)
        todo = list(dict.fromkeys(w for w in words if w not in self._analyses))
        if todo:
            for word, out in zip(todo, self._run("-a", self.analyser, [_escape(w) for w in todo])):
                units = _UNIT.findall(out)
                # a word the analyser splits (or joins) is not one word to it: no reading
                self._analyses[word] = parse_unit(units[0])[1] if len(units) == 1 else ()
        return [self._analyses[w] for w in words]

    def generate(self, units: Iterable[str]) -> list[str | None]:
        """'clase<n><f><pl>' -> 'clases'; None where the generator does not know the lemma with those tags."""
        units = list(units)
        todo = list(dict.fromkeys(u for u in units if u not in self._generated))
        if todo:
            for unit, out in zip(todo, self._run("-g", self.generator, [f"^{u}$" for u in todo])):
                text = out.lstrip("~")
                self._generated[unit] = None if not text or text.startswith(("#", "*", "@")) else text
        return [self._generated[u] for u in units]


@functools.lru_cache(maxsize=None)
def morphology(lang: str) -> Morphology | None:
    """The analyser and generator for `lang` on this machine, or None (no pair ships them, or no lt-proc)."""
    if shutil.which("lt-proc") is None:
        return None
    files = _files(lang)
    return Morphology(lang, *files) if files else None
