"""check_terms: after translation, every glossary hit of the source is looked for in the output, in the
source's number, and the words around it are checked for agreement."""

from __future__ import annotations

import re
from collections import defaultdict

from ..data import TermCheck, TermHit, TermReport, strip_markers
from ..engines.morphology import Morphology
from . import grammar
from .forms import expected
from .glossary import occurrences


def known_terms(hits: list[TermHit], plain: str, src: str, tgt: str, source_morph: Morphology | None,
                target_morph: Morphology | None) -> list:
    """Where the output has a noun term of known gender: those words are one noun to the agreement check."""
    known = []
    for hit in hits:
        if hit.entry.preferred(tgt) is None:
            continue
        want = expected(hit.entry, hit, src, tgt, source_morph, target_morph)
        if want.category == "noun" and want.gender in ("m", "f", "mf"):
            for a, b in occurrences(plain, want.accepted, hit.entry.case_sensitive):
                known.append((a, b, grammar.noun(want.gender, form_number(hit.entry, tgt, plain[a:b]))))
    return known


def form_number(entry, tgt: str, form: str) -> str:
    """The number of one written form of a term, where the glossary's grammar says it ("" when unknown)."""
    return (entry.number_of(tgt, form) or "") if tgt in entry.grammar else ""


def check_terms(
    hits: dict[str, list[TermHit]],
    outputs: dict[str, str],
    strategies: dict[tuple[str, str], str],
    src: str,
    tgt: str,
    source_morph: Morphology | None = None,
    target_morph: Morphology | None = None,
    unknown: tuple[str, ...] = (),
) -> TermReport:
    """Each hit is realized when its segment's output holds as many accepted forms of the entry as the source
    had hits of it; `found` is the output's own text, and `grammar` an agreement problem touching it."""
    checks: list[TermCheck] = []
    if target_morph is not None:
        # every word of the translation through the analyser at once, not a segment at a time
        target_morph.analyse({w.lower() for t in outputs.values() for w in grammar.WORD_RE.findall(strip_markers(t))}
                             | {w for t in outputs.values() for w in grammar.WORD_RE.findall(strip_markers(t))})
    for segment_id, segment_hits in hits.items():
        by_entry: dict[str, list[TermHit]] = defaultdict(list)
        for hit in segment_hits:
            by_entry[hit.entry.id].append(hit)
        output = re.sub(r"\s+", " ", strip_markers(outputs.get(segment_id, ""))).strip()
        found_problems = grammar.problems(output, target_morph, known_terms(segment_hits, output, src, tgt,
                                                                           source_morph, target_morph)) \
            if target_morph is not None else []
        for entry_id, group in by_entry.items():
            entry = group[0].entry
            strategy = strategies.get((segment_id, entry_id), "engine")
            if entry.preferred(tgt) is None:
                for hit in group:
                    checks.append(TermCheck(segment_id, entry_id, hit.text, "", False, "none",
                                            reason=f"the glossary has no {tgt} term for '{entry_id}'"))
                continue
            wants = [expected(entry, h, src, tgt, source_morph, target_morph) for h in group]
            spans = occurrences(output, [f for w in wants for f in w.accepted], entry.case_sensitive)
            forbidden = tuple(f for f in entry.forbidden.get(tgt, ())
                              if occurrences(output, [f], entry.case_sensitive))
            for i, (hit, want) in enumerate(zip(group, wants)):
                ok = i < len(spans)
                found = output[spans[i][0] : spans[i][1]] if ok else ""
                problem = grammar.touching(found_problems, *spans[i]) if ok else []
                checks.append(
                    TermCheck(
                        segment_id=segment_id,
                        entry_id=entry_id,
                        source=hit.text,
                        expected=want.text,
                        realized=ok,
                        strategy=strategy,
                        found=found,
                        forbidden=forbidden,
                        reason="" if ok else "the output does not contain the glossary term or an accepted form",
                        grammar=problem[0].text if problem else "",
                    )
                )
    words = sum(len(grammar.WORD_RE.findall(strip_markers(t))) for t in outputs.values())
    problems = 0
    if target_morph is not None:
        for segment_id, text in outputs.items():
            plain = re.sub(r"\s+", " ", strip_markers(text)).strip()
            known = known_terms(hits.get(segment_id, []), plain, src, tgt, source_morph, target_morph)
            problems += grammar.count(plain, target_morph, known)
    return TermReport(src, tgt, tuple(checks), problems=problems, words=words, unknown=unknown)
