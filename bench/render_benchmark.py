"""Time the pamphlet renderer on the seed article: each layout, against WeasyPrint alone on the same HTML.

    .venv/bin/python bench/render_benchmark.py [--runs 5]

The article is translated once (Apertium en->es, the political glossary); only rendering is timed. "translate" is
`render.pdf_bytes` (templates, the confining URL fetcher, WeasyPrint, imposition for the booklet); "WeasyPrint" is
`weasyprint.HTML(string=html).write_pdf()` on the HTML the renderer gives WeasyPrint. Medians of --runs runs, after
one warm-up run each (fonts and hyphenation dictionaries load once per process), the two taking turns. Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = ROOT / "source" / "ukrainian-workers-refuse-to-end-occupations.md"
GLOSSARY = ROOT / "glossaries" / "political.yaml"


def median_seconds(fns, runs: int) -> list[float]:
    """Median wall time of each function; the functions take turns, so a busy machine slows them alike."""
    for fn in fns:
        fn()  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times):
            started = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from pypdf import PdfReader
    from weasyprint import HTML

    from translate.document import read_article
    from translate.engines.apertium import ApertiumEngine
    from translate.pipeline import translate_document
    from translate.publish.render import RenderOptions, glossary_stamp, pdf_bytes, to_html
    from translate.terms.glossary import load_glossary

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    glossary = load_glossary(GLOSSARY)
    translation = translate_document(read_article(SEED), "en", "es", ApertiumEngine(), glossary.entries)
    stamp = (glossary_stamp(GLOSSARY, glossary.name),)
    cases = [
        ("parallel, A4", RenderOptions(layout="parallel", glossaries=stamp)),
        ("interleaved, A4", RenderOptions(layout="interleaved", glossaries=stamp)),
        ("target, A4", RenderOptions(layout="target", glossaries=stamp)),
        ("parallel, A5 booklet", RenderOptions(layout="parallel", paper="A5", booklet=True, glossaries=stamp)),
    ]
    print(f"Seed article, en->es, {len(translation.blocks)} blocks; median of {args.runs} runs\n")
    print("| layout | pages | translate (s) | WeasyPrint alone (s) | overhead |")
    print("|---|---:|---:|---:|---:|")
    for label, options in cases:
        html = to_html(translation, options, standalone=False)
        ours, alone = median_seconds([lambda: pdf_bytes(translation, options), lambda: HTML(string=html).write_pdf()],
                                     args.runs)
        pdf, _ = pdf_bytes(translation, options)
        pages = len(PdfReader(BytesIO(pdf)).pages)
        print(f"| {label} | {pages} | {ours:.3f} | {alone:.3f} | {100 * (ours - alone) / alone:+.1f}% |")


if __name__ == "__main__":
    main()
