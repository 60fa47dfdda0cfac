"""Glossary enforcement strategies that keep sentences grammatical, tried in order for each segment:

1. engine      - the engine's own best output already has the term (accepted inflected forms count);
2. hypothesis  - another of the engine's hypotheses (Argos n-best) has every term and no forbidden rendering;
3. substitute  - the engine rendered the term its own way ("clase laborable"), or a forbidden way; that rendering,
                 learnt by translating the term alone, is replaced by the glossary's term in the sentence the
                 engine built, so the words around it keep their order and agreement;
4. placeholder - the term is masked as a numbered marker (an Apertium superblank, an Argos placeholder) and the
                 glossary's term is put in its place;
5. fallback    - the engine lost or doubled a marker: the text between markers is translated piece by piece.

Nothing is lost silently: the check after all of this reports every hit, realized or not, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..data import TermHit, strip_markers
from .check import realized_count, segment_realizes
from .glossary import term_pattern
from .protect import capitalize, markers_kept, target_term


@dataclass(frozen=True)
class Choice:
    text: str
    strategy: str  # "engine" or "hypothesis"
    realized: bool


def choose_hypothesis(source: str, hypotheses: list[str], hits: list[TermHit], tgt: str) -> Choice:
    """The first hypothesis (best first) that keeps every marker and realizes every term; else the best one."""
    usable = [(i, h) for i, h in enumerate(hypotheses) if markers_kept(source, h)] or [(0, hypotheses[0])]
    for i, hyp in usable:
        if segment_realizes(hits, hyp, tgt):
            return Choice(hyp, "engine" if i == 0 else "hypothesis", True)
    return Choice(usable[0][1], "engine", False)


def substitute(output: str, hits: list[TermHit], renderings: dict[str, str], tgt: str) -> str:
    """Replace the engine's own rendering (or a forbidden rendering) of each hit by the glossary's term, until
    the output has as many accepted forms of each entry as the source has hits of it."""
    by_entry: dict[str, list[TermHit]] = {}
    for hit in hits:
        if hit.entry.preferred(tgt) is not None and hit.entry.kind != "keep":
            by_entry.setdefault(hit.entry.id, []).append(hit)
    for group in by_entry.values():
        entry = group[0].entry
        for hit in group:
            if realized_count(entry, group, output, tgt) >= len(group):
                break
            candidates = {renderings.get(hit.text, ""), renderings.get(hit.text.lower(), "")}
            candidates |= set(entry.forbidden.get(tgt, ()))
            candidates = {c for c in candidates if any(ch.isalpha() for ch in c)}
            for rendering in sorted(candidates, key=lambda c: (-len(c), c)):
                match = term_pattern(rendering, False).search(output)
                if match is None:
                    continue
                term = target_term(entry, hit.text, tgt)
                if match.group(0)[:1].isupper() and not term[:1].isupper():
                    term = capitalize(term)
                output = output[: match.start()] + term + output[match.end() :]
                break
    return output


def term_forms_to_learn(hits: list[TermHit]) -> list[str]:
    """Source forms whose rendering by the engine the substitute strategy needs: as written and lower-cased
    (engines treat "Stalinist" and "stalinist" differently)."""
    return sorted({t for h in hits if h.entry.kind != "keep" for t in (h.text, h.text.lower())})


def clean_rendering(text: str) -> str:
    return re.sub(r"[\s.!?;:,]+$", "", strip_markers(text)).strip()
