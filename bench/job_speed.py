"""The default job as a user runs it: `translate run` from the shell, the political glossary on, PDFs on.

    .venv/bin/python bench/job_speed.py [--runs 3] [--articles 50] [--rss 200] [--only cold-warm,jobs,rss,stages]

Every figure is a ratio of paired runs (the two sides alternate, so machine noise hits both alike), with min,
median and max over --runs:

- cold-warm: an unchanged re-run (memory and outputs in place) against the cold run that made them;
- jobs: --jobs 2 against --jobs 1, cold, same articles, PDFs (needs 2 idle cores);
- rss: peak memory of the `translate` process, --rss articles against 1 (md and pdf);
- stages: in one process, translate_pair with the glossary against the engine alone on the same text: Apertium
  (`apertium -z` on the same segments, a fresh process each time) and term matching per segment.

Articles: the seed and the corpus news articles, cycled, each copy with its own first paragraph. Languages: es and
ca (the Apertium pairs Debian ships here). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_articles import news_articles  # noqa: E402
from helpers import fifty_articles, peak_rss_kb  # noqa: E402

SEED = ROOT / "source" / "ukrainian-workers-refuse-to-end-occupations.md"
TRANSLATE = [sys.executable, "-m", "translate"]


def cli(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run(TRANSLATE + args, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"translate {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def summary(name: str, ratios: list[float], detail: str) -> str:
    return (f"{name}: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}) "
            f"{detail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--rss", type=int, default=200)
    parser.add_argument("--only", default="cold-warm,jobs,rss,stages")
    args = parser.parse_args()
    only = set(args.only.split(","))
    home = Path(tempfile.mkdtemp(prefix="translate-job-bench-"))
    env = {**os.environ, "COLUMNS": "100"}
    try:
        sources = [SEED] + news_articles(home / "news", 8)
        folder = home / "articles"
        fifty_articles(sources, folder, args.articles)
        base = ["run", str(folder), "--to", "es,ca", "--engine", "apertium", "--format", "md,pdf"]
        print(f"{args.articles} articles x 2 languages (es, ca), PDFs, political glossary; cores: {os.cpu_count()}")

        if "cold-warm" in only:
            ratios, colds, warms = [], [], []
            for r in range(args.runs):
                out = home / f"cw-{r}"
                cold = cli(base + ["-o", str(out)], env)
                warm = cli(base + ["-o", str(out)], env)
                colds.append(cold)
                warms.append(warm)
                ratios.append(warm / cold)
                print(f"  run {r + 1}: cold {cold:.1f} s, warm {warm:.2f} s", flush=True)
                shutil.rmtree(out)
            print(summary("warm re-run / cold run", ratios,
                          f"(cold median {statistics.median(colds):.1f} s, warm {statistics.median(warms):.2f} s)"))

        if "jobs" in only:
            ratios, ones, twos = [], [], []
            for r in range(args.runs):
                one = cli(base + ["-o", str(home / f"j1-{r}"), "--jobs", "1", "--no-memory"], env)
                two = cli(base + ["-o", str(home / f"j2-{r}"), "--jobs", "2", "--no-memory"], env)
                ones.append(one)
                twos.append(two)
                ratios.append(one / two)
                print(f"  run {r + 1}: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s", flush=True)
                shutil.rmtree(home / f"j1-{r}")
                shutil.rmtree(home / f"j2-{r}")
            print(summary("speed-up of --jobs 2 over --jobs 1", ratios,
                          f"(--jobs 1 median {statistics.median(ones):.1f} s, --jobs 2 {statistics.median(twos):.1f} s)"))

        if "rss" in only:
            small = home / "one"
            fifty_articles(sources[:1], small, 1)
            large = home / "many"
            fifty_articles(sources, large, args.rss)
            rss = {}
            for name, path in (("1", small), (str(args.rss), large)):
                command = TRANSLATE + ["run", str(path), "--to", "es,ca", "--engine", "apertium", "--format", "md,pdf",
                                       "-o", str(home / f"rss-{name}"), "--no-memory"]
                tree, own, wall = peak_rss_kb(command, ROOT, env, home)
                rss[name] = own
                print(f"  {name} article(s): translate process peak {own / 1024:.0f} MB, largest process of the "
                      f"tree {tree / 1024:.0f} MB, {wall:.1f} s", flush=True)
            print(f"peak RSS, {args.rss} articles / 1 article: {rss[str(args.rss)] / rss['1']:.2f}")

        if "stages" in only:
            stages(home, args.runs)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def stages(home: Path, runs: int) -> None:
    from translate.document import read_article
    from translate.engines import apertium as ap
    from translate.pipeline import translate_pair
    from translate.terms.glossary import TermMatcher, load_glossary

    paths = [SEED] + news_articles(home / "stage-news", 8)
    docs = [read_article(p) for p in paths]
    entries = load_glossary(ROOT / "glossaries" / "political.yaml").entries
    segments = [s.text for d in docs for s in d.segments]
    for tgt, mode in (("es", "eng-spa"), ("ca", "eng-cat")):
        ratios = []
        for _ in range(max(runs, 5)):
            started = time.perf_counter()
            subprocess.run(["apertium", "-z", "-f", "none", mode], input=ap.encode(segments), capture_output=True,
                           text=True, check=True)
            raw = time.perf_counter() - started
            for pipeline in ap._pipelines(mode):  # ours cold too: its pipelines start within the timing
                pipeline.close()
            ap._pipelines.cache_clear()
            started = time.perf_counter()
            translate_pair(docs, "en", tgt, ap.ApertiumEngine(), entries)
            ours = time.perf_counter() - started
            ratios.append(ours / raw)
        print(summary(f"Apertium en-{tgt} stage with the glossary / raw apertium -z", ratios,
                      f"({len(segments)} segments, {len(docs)} articles)"))
    matcher = TermMatcher(entries, "en")
    started = time.perf_counter()
    for _ in range(20):
        for text in segments:
            matcher.find(text)
    per = (time.perf_counter() - started) / (20 * len(segments)) * 1000
    started = time.perf_counter()
    load_glossary(ROOT / "glossaries" / "political.yaml")
    print(f"term matching: {per:.3f} ms per segment; loading glossaries/political.yaml: "
          f"{time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    raise SystemExit(main())
