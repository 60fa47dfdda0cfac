"""The glossary's whole effect, through Apertium, with and without it: term success, agreement problems per 1,000
words (Apertium's own analyser of the target language), chrF and BLEU where there are references.

Three sets, none of which the project was written against:
- probes: every term of glossaries/political.yaml in ordinary sentence frames (singular and plural, the start of a
  sentence, after "the", "of the", "a", "this", "our", with an adjective);
- the seed article (source/);
- NTREX-128 politics (../shared/corpus/parallel/ntrex_politics_en-<lang>.tsv), human references.

    .venv/bin/python bench/glossary_grammar.py [--to es,ca] [--json OUT.json] [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate.data import Document, Meta, strip_markers  # noqa: E402
from translate.document import make_block, read_article  # noqa: E402
from translate.engines.apertium import ApertiumEngine  # noqa: E402
from translate.engines.morphology import morphology  # noqa: E402
from translate.evaluate import evaluate, read_references  # noqa: E402
from translate.pipeline import translate_document  # noqa: E402
from translate.terms import grammar  # noqa: E402
from translate.terms.glossary import load_glossary  # noqa: E402

GLOSSARY = ROOT / "glossaries" / "political.yaml"
SEED = ROOT / "source" / "ukrainian-workers-refuse-to-end-occupations.md"
CORPUS = ROOT.parent / "shared" / "corpus" / "parallel"

NOUN_FRAMES_SG = [
    "The {t} is growing stronger.",
    "We discussed the {t} yesterday.",
    "The leaders of the {t} met in secret.",
    "A new {t} was formed in the east.",
    "This {t} has changed everything.",
    "Our {t} will not be defeated.",
    "{T} was the main topic of the meeting.",
    "They spoke about the old {t} in Kiev.",
]
NOUN_FRAMES_PL = [
    "The {t} are growing stronger.",
    "We discussed the {t} yesterday.",
    "The leaders of the {t} met in secret.",
    "New {t} were formed in the east.",
    "These {t} have changed everything.",
    "Our {t} will not be defeated.",
    "{T} were the main topic of the meeting.",
    "They spoke about the old {t} in Kiev.",
]
ADJ_FRAMES = [
    "The {t} government fell.",
    "They fear the {t} leaders.",
    "The {t} parties met in secret.",
    "A {t} army invaded the country.",
    "{T} forces occupied the town.",
    "This {t} policy failed.",
    "Our enemies are {t} bands.",
    "They spoke about the old {t} regime.",
]


def probes(entries) -> list[str]:
    out = []
    for e in entries:
        if e.kind != "term" or "en" not in e.terms:
            continue
        term = e.terms["en"]
        cap = term[:1].upper() + term[1:]
        g = e.grammar_of("en")
        if any(e.grammar_of(lang).category == "adj" for lang in ("es", "ca")):
            out += [f.format(t=term, T=cap) for f in ADJ_FRAMES]
            continue
        frames = NOUN_FRAMES_PL if g.number == "pl" else NOUN_FRAMES_SG
        out += [f.format(t=term, T=cap) for f in frames]
        other = e.plural.get("en") if g.number == "sg" else e.singular.get("en")
        if other:
            frames = NOUN_FRAMES_SG if g.number == "pl" else NOUN_FRAMES_PL
            out += [f.format(t=other, T=other[:1].upper() + other[1:]) for f in frames[:4]]
    return out


def _document(lines: list[str]) -> Document:
    blocks = [make_block("title", "title", "", ())]
    blocks += [make_block(f"p{i + 1}", "paragraph", t, ()) for i, t in enumerate(lines)]
    return Document(Path("probes"), "probes", Meta(title=""), tuple(blocks))


def measure(doc: Document, tgt: str, entries, show: int = 0) -> dict:
    engine = ApertiumEngine()
    morph = morphology(tgt)
    started = time.perf_counter()
    enforced = translate_document(doc, "en", tgt, engine, entries)
    seconds = time.perf_counter() - started
    alone = translate_document(doc, "en", tgt, engine, [])
    # the same check on both: the glossary's hits, looked for in the output made without it
    from translate.terms.check import check_terms
    from translate.terms.glossary import TermMatcher

    matcher = TermMatcher(entries, "en")
    hits = {s.id: h for s in doc.segments if (h := matcher.find(s.text))}
    outputs = {s.id: s.text for b in alone.blocks for s in b.segments}
    plain = check_terms(hits, outputs, {}, "en", tgt, morphology("en"), morph)
    rows = {}
    for name, report in (("with", enforced.report), ("without", plain)):
        rows[name] = {
            "terms": f"{report.realized}/{report.total}",
            "term_success": round(report.rate, 4),
            "agreement_problems": report.problems,
            "words": report.words,
            "per_1000_words": round(1000 * report.problems / report.words, 2) if report.words else 0.0,
            "occurrences_in_a_phrase_that_does_not_agree": len(report.ungrammatical),
        }
    rows["seconds_with_glossary"] = round(seconds, 2)
    strategies: dict[str, int] = {}
    for c in enforced.report.checks:
        strategies[c.strategy] = strategies.get(c.strategy, 0) + 1
    rows["strategies"] = strategies
    if show:
        from translate.terms.check import known_terms

        def found(text, sid):
            known = known_terms(hits.get(sid, []), text, "en", tgt, morphology("en"), morph)
            return [p.text for p in grammar.problems(text, morph, known)]

        enforced_text = {s.id: " ".join(strip_markers(s.text).split()) for b in enforced.blocks for s in b.segments}
        alone_text = {s.id: " ".join(strip_markers(s.text).split()) for b in alone.blocks for s in b.segments}
        added = [sid for sid in enforced_text if len(found(enforced_text[sid], sid)) > len(found(alone_text[sid], sid))]
        rows["examples_with_more_problems"] = [
            {"source": next(s.text for s in doc.segments if s.id == sid), "alone": alone_text[sid],
             "enforced": enforced_text[sid], "problems": found(enforced_text[sid], sid)} for sid in added[:show]]
        missing = [c for c in enforced.report.missing][:show]
        rows["examples_missing"] = [{"source": c.source, "expected": c.expected, "segment": enforced_text.get(c.segment_id, "")}
                                    for c in missing]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", default="es,ca")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print up to N examples of problems")
    args = parser.parse_args()
    entries = load_glossary(GLOSSARY).entries
    lines = probes(entries)
    results: dict = {"probe_sentences": len(lines)}
    for tgt in args.to.split(","):
        results[tgt] = {
            "probes": measure(_document(lines), tgt, entries, args.show),
            "seed": measure(read_article(SEED), tgt, entries, args.show),
        }
        refs = CORPUS / f"ntrex_politics_en-{tgt}.tsv"
        if refs.is_file():
            scores = evaluate(read_references(refs), "en", tgt, ApertiumEngine(), entries)
            results[tgt]["ntrex"] = {k: v.to_json() for k, v in scores.items()}
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
