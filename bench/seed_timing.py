"""Time `translate run` on the seed article with each engine (wall time of the real command, PDF included).

    .venv/bin/python bench/seed_timing.py [--runs 5]

Argos runs on the tiny dictionary package the tests build (no real Argos model can be downloaded here), so its
figure measures the pipeline, CTranslate2 and rendering, not a full-size model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="translate-bench-"))
    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(home / "packages"), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache")}
    from argos_fixture import build_argos_package

    words = {"the": "la", "working": "trabajadora", "class": "clase", "workers": "trabajadores", "and": "y",
             "of": "de", "to": "a", "by": "por", "in": "en", "imperialism": "imperialismo", "deal": "acuerdo"}
    package = build_argos_package(home, "en", "es", words)
    cmd = [sys.executable, "-m", "translate"]
    subprocess.run(cmd + ["models", "install", str(package)], env=env, check=True, capture_output=True)
    seed = ROOT / "source" / "ukrainian-workers-refuse-to-end-occupations.md"
    print(f"cores: {os.cpu_count()}, runs: {args.runs}, article: {seed.name}")
    print("| engine | median s | min s | max s |")
    print("|---|---|---|---|")
    for engine in ("apertium", "argos"):
        times = []
        for _ in range(args.runs):
            out = home / f"out-{engine}-{len(times)}"
            started = time.perf_counter()
            subprocess.run(cmd + ["run", str(seed), "--to", "es", "--engine", engine, "-o", str(out), "--no-memory"],
                           env=env, check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - started)
        print(f"| {engine} | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} |")


if __name__ == "__main__":
    main()
