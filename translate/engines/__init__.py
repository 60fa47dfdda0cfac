"""Engines: the only modules that know argostranslate, CTranslate2 or Apertium.

An engine translates a batch of segments between two languages in one go and says which pairs it can do.
Segments carry inline markers (see document.MARKER_RE); an engine passes them through in its own placeholder
form and gives them back as markers. It never sees link URLs, code or glossary terms.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Protocol, Sequence

from ..errors import EngineError, TranslateWarning, UserError

_SEGMENTS_DONE: ContextVar[Callable[[int], None] | None] = ContextVar("segments_done", default=None)


@contextmanager
def reporting_segments(callback: Callable[[int], None]):
    """While the block runs, engines call `callback(n)` as they finish each n segments of a batch (progress bars
    move with the work, not once per batch); the pipeline's calls stay as they are."""
    token = _SEGMENTS_DONE.set(callback)
    try:
        yield
    finally:
        _SEGMENTS_DONE.reset(token)


def segments_done(n: int = 1) -> None:
    callback = _SEGMENTS_DONE.get()
    if callback is not None and n:
        callback(n)

ENGINE_NAMES = ("auto", "argos", "apertium")


class Engine(Protocol):
    name: str

    def pairs(self) -> set[tuple[str, str]]:
        """Language pairs (ISO 639-1) this engine can translate on this machine."""

    def supports(self, src: str, tgt: str) -> bool: ...

    def identity(self, src: str, tgt: str) -> str:
        """Which model translates this pair, with its version: for reports, colophons and caches."""

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate every text in one batch; the result has one string per input, in order."""


def get_engine(name: str) -> Engine:
    if name == "argos":
        from .argos import ArgosEngine

        return ArgosEngine()
    if name == "apertium":
        from .apertium import ApertiumEngine

        return ApertiumEngine()
    if name == "auto":
        return AutoEngine()
    raise UserError(f"unknown engine {name!r}: use one of {', '.join(ENGINE_NAMES)}")


def no_engine_message(src: str, tgt: str, tried: str) -> str:
    from .apertium import apertium_package_name

    return (
        f"no engine can translate {src}->{tgt} here ({tried}): install an Argos package with "
        f"'translate models install {src} {tgt}' (online) or 'translate models install FILE.argosmodel', "
        f"or an Apertium pair with 'apt-get install {apertium_package_name(src, tgt)}' if Debian has one"
    )


class AutoEngine:
    """Argos when a package for the pair is installed (directly or through English) and loads, else Apertium."""

    name = "auto"

    def __init__(self) -> None:
        from .apertium import ApertiumEngine
        from .argos import ArgosEngine

        self.candidates: list[Engine] = [ArgosEngine(), ApertiumEngine()]

    def choose(self, src: str, tgt: str) -> Engine:
        """The first engine that has the pair and can load its models; skipping one that cannot is a warning."""
        failed: list[tuple[Engine, EngineError]] = []
        for engine in self.candidates:
            if not engine.supports(src, tgt):
                continue
            try:
                getattr(engine, "load", lambda s, t: None)(src, tgt)
            except EngineError as exc:
                failed.append((engine, exc))
                continue
            for skipped, exc in failed:
                warnings.warn(f"{exc}; using {engine.name} for {src}->{tgt} instead of {skipped.name}",
                              TranslateWarning, stacklevel=2)
            return engine
        if failed:
            raise failed[0][1]
        raise EngineError(no_engine_message(src, tgt, "tried argos and apertium"))

    def pairs(self) -> set[tuple[str, str]]:
        return set().union(*(e.pairs() for e in self.candidates))

    def supports(self, src: str, tgt: str) -> bool:
        return any(e.supports(src, tgt) for e in self.candidates)

    def identity(self, src: str, tgt: str) -> str:
        return self.choose(src, tgt).identity(src, tgt)

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return self.choose(src, tgt).translate(texts, src, tgt)


def resolve(engine: Engine, src: str, tgt: str) -> Engine:
    """The concrete engine that will translate src->tgt, or an EngineError saying how to get one."""
    if isinstance(engine, AutoEngine):
        return engine.choose(src, tgt)
    if not engine.supports(src, tgt):
        raise EngineError(no_engine_message(src, tgt, f"engine {engine.name}"))
    return engine
