"""Glossary enforcement benchmark (issue 3): Apertium on NTREX-128 political news, en->es, against the human
references, with and without a glossary of terms taken from those references.

    .venv/bin/python bench/glossary_benchmark.py [--refs ../shared/corpus/parallel/ntrex_politics_en-es.tsv]

Goals: term success rate >= 0.98 with the glossary; chrF with the glossary no lower than without it by more than 0.5.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate.engines.apertium import ApertiumEngine  # noqa: E402
from translate.evaluate import evaluate, read_references  # noqa: E402
from translate.terms.glossary import load_glossary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refs", type=Path, default=ROOT.parent / "shared/corpus/parallel/ntrex_politics_en-es.tsv")
    parser.add_argument("--glossary", type=Path, default=ROOT / "bench/ntrex_politics_en-es.glossary.yaml")
    args = parser.parse_args()
    pairs = read_references(args.refs)
    glossary = load_glossary(args.glossary)
    started = time.perf_counter()
    scores = evaluate(pairs, "en", "es", ApertiumEngine(), glossary.entries)
    seconds = time.perf_counter() - started
    print(f"{args.refs.name}: {len(pairs)} segments; glossary {args.glossary.name}: {len(glossary.entries)} entries; "
          f"engine {ApertiumEngine().identity('en', 'es')}; {seconds:.1f} s for both runs")
    print("| run | chrF | BLEU | term success rate | terms |")
    print("|---|---|---|---|---|")
    for name, s in scores.items():
        print(f"| {name} | {s.chrf:.2f} | {s.bleu:.2f} | {s.term_success_rate:.4f} | {s.terms_realized}/{s.terms_total} |")
    with_g, without = scores["with_glossary"], scores["without_glossary"]
    ok_terms = with_g.term_success_rate >= 0.98
    ok_chrf = with_g.chrf >= without.chrf - 0.5
    print(f"term success rate >= 0.98: {'yes' if ok_terms else 'NO'}; "
          f"chrF change {with_g.chrf - without.chrf:+.2f} (goal >= -0.5): {'yes' if ok_chrf else 'NO'}")
    return 0 if ok_terms and ok_chrf else 1


if __name__ == "__main__":
    raise SystemExit(main())
