"""check_terms: after translation, every glossary hit of the source is looked for in the output, in the
source's number, and the words around it are checked for agreement."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

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


CHECK_VERSION = "1"  # raise when what a segment's check finds changes: checks kept in the memory are then redone


def check_signature(source_morph: Morphology | None, target_morph: Morphology | None) -> str:
    """What a kept segment check depends on beyond its memory row: this code's version and the analysers' files."""
    def files(morph: Morphology | None) -> str:
        if morph is None:
            return "-"
        stats = []
        for path in (morph.analyser, morph.generator):
            try:
                st = path.stat()
                stats.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                stats.append(f"{path}:?")
        return ",".join(stats)

    return f"{CHECK_VERSION}|{files(source_morph)}|{files(target_morph)}"


@dataclass(frozen=True)
class SegmentCheck:
    """One segment's part of a term report: its term checks, agreement problems and words."""
    checks: tuple[TermCheck, ...]
    problems: int
    words: int

    def to_json(self, signature: str) -> dict:
        return {"sig": signature, "problems": self.problems, "words": self.words,
                "checks": [[c.entry_id, c.source, c.expected, c.realized, c.strategy, c.found, list(c.forbidden),
                            c.reason, c.grammar] for c in self.checks]}

    @staticmethod
    def from_json(segment_id: str, data: object, signature: str) -> "SegmentCheck | None":
        """The check as kept, or None when it was made otherwise (another analyser, an older check) or is damaged."""
        try:
            if not isinstance(data, dict) or data.get("sig") != signature:
                return None
            checks = []
            for row in data["checks"]:
                entry_id, source, want, realized, strategy, found, forbidden, reason, problem = row
                if not all(isinstance(x, str) for x in (entry_id, source, want, strategy, found, reason, problem)) \
                        or not isinstance(realized, bool) or not all(isinstance(f, str) for f in forbidden):
                    return None
                checks.append(TermCheck(segment_id, entry_id, source, want, realized, strategy, found,
                                        tuple(forbidden), reason, problem))
            problems, words = data["problems"], data["words"]
            if not isinstance(problems, int) or not isinstance(words, int):
                return None
            return SegmentCheck(tuple(checks), problems, words)
        except (KeyError, TypeError, ValueError):
            return None


def check_segment(segment_id: str, segment_hits: list[TermHit], text: str, strategies: dict[tuple[str, str], str],
                  src: str, tgt: str, source_morph: Morphology | None, target_morph: Morphology | None
                  ) -> SegmentCheck:
    output = re.sub(r"\s+", " ", strip_markers(text)).strip()
    checks: list[TermCheck] = []
    if segment_hits:
        by_entry: dict[str, list[TermHit]] = defaultdict(list)
        for hit in segment_hits:
            by_entry[hit.entry.id].append(hit)
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
    words = len(grammar.WORD_RE.findall(strip_markers(text)))
    problems = 0
    if target_morph is not None:
        known = known_terms(segment_hits, output, src, tgt, source_morph, target_morph)
        problems = grammar.count(output, target_morph, known)
    return SegmentCheck(tuple(checks), problems, words)


def check_terms(
    hits: dict[str, list[TermHit]],
    outputs: dict[str, str],
    strategies: dict[tuple[str, str], str],
    src: str,
    tgt: str,
    source_morph: Morphology | None = None,
    target_morph: Morphology | None = None,
    unknown: tuple[str, ...] = (),
    kept: dict[str, SegmentCheck] | None = None,
    made: dict[str, SegmentCheck] | None = None,
) -> TermReport:
    """Each hit is realized when its segment's output holds as many accepted forms of the entry as the source
    had hits of it; `found` is the output's own text, and `grammar` an agreement problem touching it.
    kept: segment checks made before for these very outputs (from the memory); made: filled with the others."""
    kept = kept or {}
    ids = [sid for sid in dict.fromkeys([*hits, *outputs]) if sid not in kept]
    if target_morph is not None and ids:
        # every word of the translation through the analyser at once, not a segment at a time
        texts = [strip_markers(outputs.get(sid, "")) for sid in ids]
        target_morph.analyse({w.lower() for t in texts for w in grammar.WORD_RE.findall(t)}
                             | {w for t in texts for w in grammar.WORD_RE.findall(t)})
    results = dict(kept)
    for sid in ids:
        results[sid] = check_segment(sid, hits.get(sid, []), outputs.get(sid, ""), strategies, src, tgt,
                                     source_morph, target_morph)
        if made is not None:
            made[sid] = results[sid]
    checks = [c for sid in hits for c in results[sid].checks]
    words = sum(results[sid].words for sid in outputs)
    problems = sum(results[sid].problems for sid in outputs) if target_morph is not None else 0
    return TermReport(src, tgt, tuple(checks), problems=problems, words=words, unknown=unknown)
