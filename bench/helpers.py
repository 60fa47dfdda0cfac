"""Helpers the benchmarks share: many distinct articles from a few, and the peak memory of a command."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def fifty_articles(sources: list[Path], folder: Path, count: int = 50) -> list[Path]:
    """`count` distinct articles: the sources cycled, each with its own first paragraph."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(count):
        src = sources[k % len(sources)]
        text = src.read_text(encoding="utf-8")
        end = text.index("\n---", 3) + len("\n---\n")
        note = f"\nThis is copy {k + 1} of {count} of the article, made for a memory benchmark.\n"
        path = folder / f"{src.stem}-{k + 1:02d}.md"
        path.write_text(text[:end] + note + text[end:], encoding="utf-8")
        out.append(path)
    return out


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_kb(cmd: list[str], cwd: Path, env: dict, home: Path) -> tuple[int, int, float]:
    """(max RSS in KiB of the process tree, by GNU time's %M, or 0 without it; peak RSS in KiB of the
    `translate` process itself, polling its VmHWM; wall seconds) of one command."""
    time_bin = Path("/usr/bin/time")
    report = home / "time.out"
    full = [str(time_bin), "-f", "%M", "-o", str(report)] + cmd if time_bin.exists() else cmd
    started = time.perf_counter()
    errors = (home / "stderr.txt").open("w+b")  # a file, not a pipe: a chatty command never blocks
    proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    target, own = (None if time_bin.exists() else proc.pid), 0
    while proc.poll() is None:
        if target is None:  # the command is GNU time's child
            try:
                children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
                target = int(children[0]) if children else None
            except OSError:
                pass
        if target is not None:
            own = max(own, _hwm_kb(target))
        time.sleep(0.005)
    wall = time.perf_counter() - started
    errors.seek(0)
    stderr = errors.read().decode(errors="replace")
    errors.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {stderr[-2000:]}")
    tree = int(report.read_text().strip().splitlines()[-1]) if time_bin.exists() else 0
    return tree, own, wall
