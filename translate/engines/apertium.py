"""Apertium (Debian's rule-based engine): one `apertium` process per batch, markers carried as superblanks."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from typing import Sequence

from .. import languages
from ..data import MARKER_RE
from ..errors import EngineError

_SPECIAL = re.compile(r"([\[\]\\^$/@*<>{}#])")
_SEGMENT = re.compile(r"\[<s(\d+)>\]")
_PLACEHOLDER = re.compile(r"\[<m(\d+)>\]")
_UNESCAPE = re.compile(r"\\(.)")


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


def encode(texts: Sequence[str]) -> str:
    """One stream for the whole batch: each segment opens with its own superblank and ends with a null byte;
    markers become superblanks."""
    lines = []
    for i, text in enumerate(texts):
        escaped = _SPECIAL.sub(r"\\\1", text)
        escaped = MARKER_RE.sub(lambda m: f"[<m{m.group(1)}>]", escaped)
        lines.append(f"[<s{i}>]{escaped}\n\0")
    # Null-flush mode (-z): each segment is translated on its own, so a headline without a full stop does not
    # run into the next sentence; still one process for the whole batch.
    return "".join(lines)


def decode(output: str, count: int) -> list[str]:
    pieces = _SEGMENT.split(output.replace("\0", ""))
    # pieces: [before, idx0, text0, idx1, text1, ...]
    found: dict[int, str] = {}
    for idx, text in zip(pieces[1::2], pieces[2::2]):
        text = _PLACEHOLDER.sub(lambda m: f"\ue000{m.group(1)}\ue001", text)
        text = _UNESCAPE.sub(r"\1", text)
        found[int(idx)] = re.sub(r"\s+", " ", text).strip()
    if sorted(found) != list(range(count)):
        raise EngineError(
            f"apertium returned {len(found)} of {count} segments: its output was cut or mangled "
            "(is the language pair's package complete? try 'apt-get install --reinstall' of it)"
        )
    return [found[i] for i in range(count)]


def _run(command: list[str], data: bytes, timeout: float) -> tuple[str, str, int | None]:
    """Run `command` on `data`; in null-flush mode each segment's output ends with a NUL as soon as it is done,
    so progress is reported segment by segment. (stdout, stderr, exit code; None when it timed out)."""
    import threading

    from . import segments_done

    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errors: list[bytes] = []

    def feed() -> None:
        try:
            proc.stdin.write(data)
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    threads = [threading.Thread(target=feed, daemon=True),
               threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)]
    for thread in threads:
        thread.start()
    timed_out: list[bool] = []
    timer = threading.Timer(timeout, lambda: (timed_out.append(True), proc.kill()))
    timer.start()
    chunks = []
    try:
        while chunk := proc.stdout.read1(65536):
            chunks.append(chunk)
            segments_done(chunk.count(b"\0"))
        returncode = proc.wait()
    finally:
        timer.cancel()
    for thread in threads:
        thread.join(5)
    if timed_out:
        return "", "", None
    return b"".join(chunks).decode("utf-8", "replace"), b"".join(errors).decode("utf-8", "replace"), returncode


class ApertiumEngine:
    name = "apertium"

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
        if not texts:
            return []
        mode = _modes().get((src, tgt))
        if mode is None:
            raise EngineError(f"apertium has no {src}-{tgt} pair installed")
        output, stderr, returncode = _run(["apertium", "-z", "-u", "-f", "none", mode], encode(texts).encode("utf-8"),
                                          timeout=600)
        if returncode is None:
            raise EngineError(f"apertium {mode} did not finish in 10 minutes")
        if returncode != 0 or (not output.strip() and any(t.strip() for t in texts)):
            detail = (stderr.strip().splitlines() or ["no output"])[-1]
            raise EngineError(f"apertium {mode} failed (exit {returncode}): {detail}")
        return decode(output, len(texts))
