"""check_terms: after translation, every glossary hit of the source is looked for in the output."""

from __future__ import annotations

from collections import defaultdict

from ..data import GlossaryEntry, TermCheck, TermHit, TermReport, strip_markers
from .glossary import count_forms
from .protect import target_term


def accepted_forms(entry: GlossaryEntry, hits: list[TermHit], tgt: str) -> tuple[str, ...]:
    if entry.kind == "keep":
        return tuple(dict.fromkeys(h.text for h in hits))
    return entry.accepted(tgt)


def realized_count(entry: GlossaryEntry, hits: list[TermHit], output: str, tgt: str) -> int:
    return count_forms(strip_markers(output), accepted_forms(entry, hits, tgt), entry.case_sensitive)


def forbidden_in(entry: GlossaryEntry, output: str, tgt: str) -> tuple[str, ...]:
    text = strip_markers(output)
    return tuple(f for f in entry.forbidden.get(tgt, ()) if count_forms(text, [f], entry.case_sensitive))


def segment_realizes(hits: list[TermHit], output: str, tgt: str) -> bool:
    """Every entry hit in the segment appears in the output at least as often, and nothing forbidden does."""
    by_entry: dict[str, list[TermHit]] = defaultdict(list)
    for hit in hits:
        by_entry[hit.entry.id].append(hit)
    for group in by_entry.values():
        entry = group[0].entry
        if entry.preferred(tgt) is None:
            continue
        if realized_count(entry, group, output, tgt) < len(group) or forbidden_in(entry, output, tgt):
            return False
    return True


def check_terms(
    hits: dict[str, list[TermHit]],
    outputs: dict[str, str],
    strategies: dict[tuple[str, str], str],
    src: str,
    tgt: str,
) -> TermReport:
    """Each hit is realized when its segment's output holds at least as many accepted forms of the entry as the
    source segment had hits of it."""
    checks: list[TermCheck] = []
    for segment_id, segment_hits in hits.items():
        by_entry: dict[str, list[TermHit]] = defaultdict(list)
        for hit in segment_hits:
            by_entry[hit.entry.id].append(hit)
        output = outputs.get(segment_id, "")
        for entry_id, group in by_entry.items():
            entry = group[0].entry
            if entry.preferred(tgt) is None:
                for hit in group:
                    checks.append(TermCheck(segment_id, entry_id, hit.text, "", False, "none",
                                            reason=f"the glossary has no {tgt} term for '{entry_id}'"))
                continue
            forms = accepted_forms(entry, group, tgt)
            text = strip_markers(output)
            present = [f for f in forms if count_forms(text, [f], entry.case_sensitive)]
            found = realized_count(entry, group, output, tgt)
            forbidden = forbidden_in(entry, output, tgt)
            for i, hit in enumerate(group):
                ok = i < found
                checks.append(
                    TermCheck(
                        segment_id=segment_id,
                        entry_id=entry_id,
                        source=hit.text,
                        expected=target_term(entry, hit.text, tgt),
                        realized=ok,
                        strategy=strategies.get((segment_id, entry_id), "engine"),
                        found=present[0] if ok and present else "",
                        forbidden=forbidden,
                        reason="" if ok else "the output does not contain the glossary term or an accepted form",
                    )
                )
    return TermReport(src, tgt, tuple(checks))
