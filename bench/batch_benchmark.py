"""Batch translation benchmark: the project's engines and pipeline against the obvious alternatives, side by side.

    .venv/bin/python bench/batch_benchmark.py [--runs 5] [--threads N] [--keep]

Everything is built here, offline, in a temporary folder (removed at the end unless --keep):

* An Argos package of realistic size (bench/realistic_model.py): a CTranslate2 transformer-base model (6+6 layers,
  d_model 512, 8 heads, FFN 2048, int8 weights) with random weights, and a SentencePiece
  model (8,000 pieces) trained on the corpus. Random weights never learn to stop: the </s> row of the output
  projection reads the decoder position, so outputs end after ~20 pieces; CTranslate2's default
  max_decoding_length is kept everywhere, so every engine decodes under the same bound. The package is installed
  with translate.models.install_file into a private ARGOS_PACKAGES_DIR.
* The text: the seed article and the 8 corpus news articles (converted to Markdown as tests/test_batch.py does),
  read with read_article; the segments are each document's plain sentences (no inline markup).

Figures (medians of --runs runs; the runs of a, b and c are interleaved, so machine noise hits them alike):

a. translate_pair over all articles at once (ArgosEngine, beam 4) against argostranslate.translate.translate called
   once per article with the article's segments joined by newlines. argostranslate splits the text into paragraphs
   (one per segment here) and would then run its MiniSBD sentence splitter, which downloads a model: its
   PackageTranslation's sentencizer is replaced by a pass-through returning [paragraph]. The segments already are
   single sentences, so this only removes SBD cost from argostranslate's time (it favours argostranslate).
   argostranslate keeps a cache (CachedTranslation) of the paragraphs of its *previous call* only: the articles are
   translated in a fixed cycle and no two consecutive articles share a paragraph (checked), and the pass-through
   counts the paragraphs that reach the model, so each timed run is checked to translate every segment.
   Same threads (ARGOS_INTRA_THREADS = --threads), same model; model loading is excluded on both sides (one
   warm-up each); argostranslate's compute_type "auto" is left alone (on this int8 model it decodes as the engine
   does). Outputs are compared segment by segment; where they differ, the same sentence is also run alone through
   the engine's Translator: random weights leave near-ties that CTranslate2 may break differently in a batch of
   many sentences than in a batch of one, so those differences come from batching, not from the pipeline.
b. translate_pair against raw ctranslate2.Translator.translate_batch (the engine's own Translator instance) on the
   same pre-tokenised segments with the options translate_with_package uses (beam 4, length_penalty 0.2,
   replace_unknowns, batch_type tokens, max_batch_size MAX_BATCH_TOKENS): the pipeline's and engine's overhead.
c. translate_pair with a fresh TranslationMemory (cold) against the second, unchanged call on it (warm).
d. Apertium (Debian, eng-spa): one ApertiumEngine.translate call per article against one call per segment (outputs
   compared: in one stream Apertium carries some context from segment to segment).
e. `translate --help` wall time.
f. Peak memory of `translate run DIR --to es,ca --engine apertium --format md --no-memory -o OUT` for 50 articles
   (the 9 cycled, each with a distinguishing first paragraph) against 1 article, two ways: GNU time's %M (the
   largest process of the tree: the translate process or one of Apertium's pipeline stages) and the translate
   process's own high-water mark (VmHWM, polled). Run from the project folder, so glossaries/*.yaml apply as for
   a user.
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
SHARED = ROOT.parent / "shared"
SEED = ROOT / "source" / "ukrainian-workers-refuse-to-end-occupations.md"
VENV_BIN = Path(sys.executable).parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (medians; at least 5)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CTranslate2 threads, both engines")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--glossary", action="store_true",
                        help="translate_pair with glossaries/political.yaml enforced (argostranslate and raw "
                             "CTranslate2 have no glossary: the figures then show what the glossary costs)")
    return parser.parse_args()


sys.dont_write_bytecode = True  # leave no __pycache__ behind in bench/
ARGS = parse_args()
# argostranslate reads its folders and settings once, at import: point them at a private folder first.
HOME = Path(tempfile.mkdtemp(prefix="translate-batch-bench-"))
os.environ["ARGOS_PACKAGES_DIR"] = str(HOME / "argos-packages")
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(HOME / _var.lower())
os.environ["ARGOS_PACKAGE_INDEX"] = "http://127.0.0.1:9/"  # never the network
os.environ["ARGOS_INTRA_THREADS"] = str(ARGS.threads)  # argostranslate's default 0 lets CTranslate2 choose
os.environ["ARGOS_INTER_THREADS"] = "1"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import ctranslate2  # noqa: E402
import realistic_model  # noqa: E402
from corpus_articles import news_articles  # noqa: E402
from helpers import fifty_articles, peak_rss_kb  # noqa: E402

from translate import models  # noqa: E402
from translate.document import read_article  # noqa: E402
from translate.engines import argos as argos_engine  # noqa: E402
from translate.engines.apertium import ApertiumEngine  # noqa: E402
from translate.memory import MEMORY_NAME, TranslationMemory  # noqa: E402
from translate.pipeline import translate_pair  # noqa: E402
from translate.terms.glossary import load_glossary  # noqa: E402

ENTRIES = load_glossary(ROOT / "glossaries" / "political.yaml").entries if ARGS.glossary else ()


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def segment_outputs(translations) -> list[str]:
    return [s.text for t in translations for b in t.blocks for s in b.segments]


class PassThrough:
    """argostranslate sentencizer that keeps each paragraph whole, counting the paragraphs it is given."""

    def __init__(self) -> None:
        self.calls = 0

    def split_sentences(self, text: str) -> list[str]:
        self.calls += 1
        return [text]


def main() -> int:
    total_started = time.perf_counter()
    runs, threads = ARGS.runs, ARGS.threads
    rows: list[tuple[str, str, str, bool]] = []
    raw: dict[str, list[float]] = {}
    try:
        # --- package --------------------------------------------------------------------------------------
        build_s, archive = timed(lambda: realistic_model.build_package(HOME / "build", SHARED))
        installed = models.install_file(archive)
        model_dir = installed.path / "model"
        model_mb = sum(p.stat().st_size for p in model_dir.iterdir()) / 1e6
        argos_engine.set_threads(threads)
        engine = argos_engine.ArgosEngine()
        [pkg] = engine.packages()

        # --- text -----------------------------------------------------------------------------------------
        paths = [SEED] + news_articles(HOME / "articles")
        docs = [read_article(p) for p in paths]
        segments = [s.text for d in docs for s in d.segments]
        n = len(segments)
        print(f"cores: {os.cpu_count()}; CTranslate2 threads: {threads}; runs: {runs}; ctranslate2 "
              f"{ctranslate2.__version__}")
        print(f"package: {installed.name} built in {build_s:.1f} s; model.bin {model_mb:.0f} MB int8; vocabulary "
              f"{pkg.tokenizer.lazy_processor().get_piece_size()} (shared); transformer {realistic_model.LAYERS}+"
              f"{realistic_model.LAYERS} layers, d_model {realistic_model.D_MODEL}, {realistic_model.HEADS} heads, "
              f"FFN {realistic_model.FFN}")
        print(f"text: {len(docs)} articles, {n} segments, {sum(len(s) for s in segments)} characters", flush=True)
        if runs < 5:
            print(f"NOTE: --runs {runs} < 5: a smoke run, not a valid benchmark")

        # --- argostranslate set-up ------------------------------------------------------------------------
        import argostranslate.translate as argos_translate

        argos_translate.get_installed_languages()
        [slot] = [t for t in argos_translate.installed_translates if t.package_key == "en-es"]
        package_translation = slot.cached_translation.underlying
        passthrough = PassThrough()
        package_translation.sentencizer = passthrough
        article_texts = ["\n".join(s.text for s in d.segments) for d in docs]
        paragraphs = [set(t.split("\n")) for t in article_texts]
        shared_with_next = sum(len(paragraphs[i] & paragraphs[(i + 1) % len(docs)]) for i in range(len(docs)))
        if shared_with_next:
            raise SystemExit("consecutive articles share paragraphs: argostranslate's cache would skip them")

        def run_argostranslate() -> list[str]:
            before = passthrough.calls
            lines = []
            for text in article_texts:
                lines.extend(argos_translate.translate(text, "en", "es").split("\n"))
            if passthrough.calls - before != n:
                raise SystemExit(f"argostranslate translated {passthrough.calls - before} of {n} paragraphs: cached?")
            return lines

        # --- raw CTranslate2 set-up: the engine's own Translator (same instance, threads and model) ---------
        translator = argos_engine._translator(pkg)
        tokenized = [pkg.tokenizer.encode(argos_engine._encode(t)) for t in segments]
        options = dict(replace_unknowns=True, max_batch_size=argos_engine.MAX_BATCH_TOKENS, batch_type="tokens",
                       beam_size=argos_engine.BEAM_SIZE, num_hypotheses=1, length_penalty=0.2)

        def run_raw():
            return translator.translate_batch(tokenized, **options)

        def run_ours() -> list[str]:
            return segment_outputs(translate_pair(docs, "en", "es", engine, entries=ENTRIES))

        # Warm-ups on the last article (model loads, first allocations); the timed runs then start with the
        # first article, which shares no paragraph with the last (checked above).
        last = docs[-1]
        translate_pair([last], "en", "es", engine, entries=ENTRIES)
        argos_translate.translate(article_texts[-1], "en", "es")
        translator.translate_batch(tokenized[-len(last.segments):], **options)

        times = {k: [] for k in ("ours", "argostranslate", "raw", "cold", "warm")}
        outputs: dict[str, list] = {}
        repeatable = True

        def keep(name: str, value) -> None:
            nonlocal repeatable
            if name in outputs:
                repeatable &= outputs[name] == value
            else:
                outputs[name] = value

        for r in range(runs):
            t, out = timed(run_ours)
            times["ours"].append(t)
            keep("ours", out)
            t, results = timed(run_raw)
            times["raw"].append(t)
            keep("raw", [r.hypotheses[0] for r in results])
            t, lines = timed(run_argostranslate)
            times["argostranslate"].append(t)
            keep("argostranslate", lines)
            memory = TranslationMemory(HOME / f"memory-{r}" / MEMORY_NAME)
            try:
                t, cold = timed(lambda: translate_pair(docs, "en", "es", engine, ENTRIES, memory))
                times["cold"].append(t)
                t, warm = timed(lambda: translate_pair(docs, "en", "es", engine, ENTRIES, memory))
                times["warm"].append(t)
            finally:
                memory.close()
            if any(w.cached != len(w.source.segments) for w in warm) or segment_outputs(warm) != segment_outputs(cold):
                raise SystemExit("warm re-run did not come entirely, and identically, from the memory")
            keep("ours", segment_outputs(cold))
            print(f"run {r + 1}/{runs}: ours {times['ours'][-1]:.2f} s, raw {times['raw'][-1]:.2f} s, "
                  f"argostranslate {times['argostranslate'][-1]:.2f} s, cold {times['cold'][-1]:.2f} s, "
                  f"warm {times['warm'][-1]:.3f} s", flush=True)
        raw.update({f"argos: {k} (s)": v for k, v in times.items()})

        ours_out, argos_lines, raw_tokens = outputs["ours"], outputs["argostranslate"], outputs["raw"]
        lengths = [len(t) for t in raw_tokens]
        raw_text = [pkg.tokenizer.decode(t).strip() for t in raw_tokens]
        exact = sum(a == b for a, b in zip(argos_lines, ours_out))
        normalised = sum(argos_engine._decode(a) == b for a, b in zip(argos_lines, ours_out))
        raw_same = sum(argos_engine._decode(a) == b for a, b in zip(raw_text, ours_out))
        differing = [i for i, (a, b) in enumerate(zip(argos_lines, ours_out)) if argos_engine._decode(a) != b]
        # Where argostranslate differs: the same Translator, one sentence per call, as argostranslate calls it.
        alone = [translator.translate_batch([tokenized[i]], **options)[0].hypotheses[0] for i in differing]
        alone_same = sum(pkg.tokenizer.decode(t).strip() == argos_lines[i].strip() for i, t in zip(differing, alone))
        print(f"output length (pieces): mean {statistics.mean(lengths):.1f}, median {median(lengths):.0f}, min "
              f"{min(lengths)}, max {max(lengths)}; input mean {statistics.mean(len(t) for t in tokenized):.1f}")
        print(f"identical outputs, argostranslate vs translate_pair: {exact}/{n} as text, {normalised}/{n} after the "
              f"engine's own clean-up (translate.engines.argos._decode) of argostranslate's line; raw CTranslate2 vs "
              f"translate_pair: {raw_same}/{n}; of the {len(differing)} that differ, raw CTranslate2 with that "
              f"sentence alone in its batch gives argostranslate's output for {alone_same}; every run repeated its "
              f"outputs: {repeatable}; line counts {len(argos_lines)}/{len(ours_out)}")

        ours, argos_t = median(times["ours"]), median(times["argostranslate"])
        speedup = argos_t / ours
        rows.append(("a. Argos: translate_pair (one batch) vs argostranslate.translate per article",
                     f"{speedup:.2f}x faster ({ours:.2f} s vs {argos_t:.2f} s)", ">= 3x", speedup >= 3))
        rows.append(("a. identical segments, argostranslate vs translate_pair",
                     f"{normalised}/{n} ({len(differing) - alone_same} not explained by batching)", f"{n}/{n}",
                     normalised == n))
        overhead = ours / median(times["raw"]) - 1
        rows.append(("b. Argos: translate_pair overhead over raw translate_batch",
                     f"{overhead * 100:+.1f}% ({ours:.2f} s vs {median(times['raw']):.2f} s)", "<= 10%",
                     overhead <= 0.10))
        warm_ratio = median(times["warm"]) / median(times["cold"])
        rows.append(("c. warm re-run (memory) vs cold run", f"{warm_ratio * 100:.2f}% ({median(times['warm']):.3f} s "
                     f"vs {median(times['cold']):.2f} s)", "<= 5%", warm_ratio <= 0.05))

        # --- d. Apertium ----------------------------------------------------------------------------------
        apertium = ApertiumEngine()
        if not apertium.supports("en", "es"):
            rows.append(("d. Apertium per article vs per segment", "apertium eng-spa not installed", ">= 10x", False))
        else:
            def per_article():
                return [t for d in docs for t in apertium.translate([s.text for s in d.segments], "en", "es")]

            def per_segment():
                return [apertium.translate([t], "en", "es")[0] for t in segments]

            apertium.translate(["Warm-up."], "en", "es")
            a_times, s_times = [], []
            for r in range(runs):
                t, by_article = timed(per_article)
                a_times.append(t)
                t, by_segment = timed(per_segment)
                s_times.append(t)
                print(f"apertium run {r + 1}/{runs}: per article {a_times[-1]:.2f} s, per segment {s_times[-1]:.2f} s",
                      flush=True)
            same = sum(a == b for a, b in zip(by_article, by_segment))
            raw["apertium: per article (s)"], raw["apertium: per segment (s)"] = a_times, s_times
            ratio = median(s_times) / median(a_times)
            rows.append(("d. Apertium: one call per article vs one per segment",
                         f"{ratio:.1f}x faster ({median(a_times):.2f} s vs {median(s_times):.2f} s; 9 vs {n} calls); "
                         f"identical {same}/{n}", ">= 10x", ratio >= 10))

        # --- e. --help --------------------------------------------------------------------------------------
        env = dict(os.environ)
        translate_bin = VENV_BIN / "translate"
        cli = [str(translate_bin)] if translate_bin.exists() else [sys.executable, "-m", "translate"]
        subprocess.run(cli + ["--help"], env=env, capture_output=True, check=True)  # warm the file cache
        help_times = []
        for _ in range(runs):
            t, _ = timed(lambda: subprocess.run(cli + ["--help"], env=env, capture_output=True, check=True))
            help_times.append(t)
        raw["translate --help (s)"] = help_times
        rows.append(("e. `translate --help` wall time", f"{median(help_times):.3f} s", "< 0.3 s",
                     median(help_times) < 0.3))

        # --- f. peak memory -------------------------------------------------------------------------------
        many = fifty_articles(paths, HOME / "fifty")
        one_dir = HOME / "one"
        one_dir.mkdir()
        shutil.copy(many[0], one_dir / many[0].name)
        rss = {"50": [], "1": []}  # GNU time %M: the largest process of the tree (translate or an apertium stage)
        own = {"50": [], "1": []}  # VmHWM of the translate process itself
        walls = {"50": [], "1": []}
        for r in range(runs):
            for label, folder in (("1", one_dir), ("50", HOME / "fifty")):
                out = HOME / f"out-{label}-{r}"
                cmd = cli + ["run", str(folder), "--to", "es,ca", "--engine", "apertium", "--format", "md",
                             "--no-memory", "-o", str(out)]
                tree_kb, own_kb, wall = peak_rss_kb(cmd, ROOT, env, HOME)
                rss[label].append(tree_kb)
                own[label].append(own_kb)
                walls[label].append(wall)
                written = len(list(out.rglob("*.md")))
                if written != 2 * int(label):
                    raise SystemExit(f"translate run wrote {written} Markdown files for {label} articles")
                shutil.rmtree(out)
            print(f"memory run {r + 1}/{runs}: 1 article {rss['1'][-1] / 1024:.0f} MiB tree, {own['1'][-1] / 1024:.0f} "
                  f"MiB translate process ({walls['1'][-1]:.1f} s); 50 articles {rss['50'][-1] / 1024:.0f} MiB tree, "
                  f"{own['50'][-1] / 1024:.0f} MiB translate process ({walls['50'][-1]:.1f} s)", flush=True)
        for label, name in (("1", "1 article"), ("50", "50 articles")):
            if median(rss[label]):
                raw[f"translate run max RSS MiB, process tree (GNU time): {name} x 2 languages"] = [
                    k / 1024 for k in rss[label]]
            raw[f"translate run peak RSS MiB, translate process (VmHWM): {name} x 2 languages"] = [
                k / 1024 for k in own[label]]
        raw["translate run wall s: 1 article x 2 languages"] = walls["1"]
        raw["translate run wall s: 50 articles x 2 languages"] = walls["50"]
        own_ratio = median(own["50"]) / median(own["1"])
        measured = (f"translate process {own_ratio:.2f}x ({median(own['50']) / 1024:.0f} MiB vs "
                    f"{median(own['1']) / 1024:.0f} MiB)")
        met = own_ratio <= 1.5
        if median(rss["1"]):
            tree_ratio = median(rss["50"]) / median(rss["1"])
            measured += (f"; process tree (GNU time %M) {tree_ratio:.2f}x ({median(rss['50']) / 1024:.0f} MiB vs "
                         f"{median(rss['1']) / 1024:.0f} MiB)")
            met = met and tree_ratio <= 1.5
        rows.append(("f. peak RSS of `translate run`: 50 articles x 2 languages vs 1 x 2 (apertium)", measured,
                     "<= 1.5x", met))

        # --- report -----------------------------------------------------------------------------------------
        print()
        print(f"cores: {os.cpu_count()}; medians of {runs} runs; beam {argos_engine.BEAM_SIZE}; {len(docs)} articles, "
              f"{n} segments")
        print()
        print("| figure | measured | goal | met |")
        print("|---|---|---|---|")
        for figure, measured, goal, met in rows:
            print(f"| {figure} | {measured} | {goal} | {'yes' if met else 'NO'} |")
        print()
        print("| raw series | median | min | max | runs |")
        print("|---|---|---|---|---|")
        for name, values in raw.items():
            print(f"| {name} | {median(values):.3f} | {min(values):.3f} | {max(values):.3f} | "
                  + ", ".join(f"{v:.3f}" for v in values) + " |")
        print()
        print(f"total benchmark time: {time.perf_counter() - total_started:.0f} s")
        return 0 if all(met for *_, met in rows) else 1
    finally:
        if ARGS.keep:
            print(f"kept {HOME}")
        else:
            shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
