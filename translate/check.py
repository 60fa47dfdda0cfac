"""check_terms: after translation, every glossary hit of the source is looked for in the output."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .document import strip_markers
from .glossary import count_forms
from .protect import SegmentHit, target_term


@dataclass(frozen=True)
class TermCheck:
    segment_id: str
    entry_id: str
    source: str  # the term as the source writes it
    expected: str  # the glossary's target term
    realized: bool
    strategy: str  # how the term was carried: "placeholder", "fallback" or "none"
    forbidden: tuple[str, ...] = ()  # forbidden renderings found in the segment's output
    reason: str = ""  # why a term is not realized


@dataclass(frozen=True)
class TermReport:
    source_lang: str
    target_lang: str
    checks: tuple[TermCheck, ...]

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def realized(self) -> int:
        return sum(c.realized for c in self.checks)

    @property
    def rate(self) -> float:
        return self.realized / self.total if self.total else 1.0

    @property
    def missing(self) -> tuple[TermCheck, ...]:
        return tuple(c for c in self.checks if not c.realized)

    def to_json(self) -> dict:
        return {
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "terms_total": self.total,
            "terms_realized": self.realized,
            "term_success_rate": round(self.rate, 4),
            "occurrences": [c.__dict__ | {"forbidden": list(c.forbidden)} for c in self.checks],
        }


def check_terms(
    hits: tuple[SegmentHit, ...],
    outputs: dict[str, str],
    strategies: dict[str, str],
    src: str,
    tgt: str,
) -> TermReport:
    """Each hit is realized when its segment's output holds at least as many accepted forms of the entry as the
    source segment had hits of it."""
    by_segment: dict[tuple[str, str], list[SegmentHit]] = defaultdict(list)
    for hit in hits:
        by_segment[(hit.segment_id, hit.entry.id)].append(hit)
    checks: list[TermCheck] = []
    for (segment_id, _), group in by_segment.items():
        entry = group[0].entry
        output = strip_markers(outputs.get(segment_id, ""))
        if entry.preferred(tgt) is None:
            for hit in group:
                checks.append(TermCheck(segment_id, entry.id, hit.source, "", False, "none",
                                        reason=f"the glossary has no {tgt} term for '{entry.id}'"))
            continue
        accepted = entry.accepted(tgt) if entry.kind != "keep" else tuple({h.source for h in group})
        found = count_forms(output, accepted, entry.case_sensitive)
        forbidden = tuple(f for f in entry.forbidden.get(tgt, ()) if count_forms(output, [f], entry.case_sensitive))
        for i, hit in enumerate(group):
            checks.append(
                TermCheck(
                    segment_id=segment_id,
                    entry_id=entry.id,
                    source=hit.source,
                    expected=target_term(entry, hit.source, tgt),
                    realized=i < found,
                    strategy=strategies.get(segment_id, "placeholder"),
                    forbidden=forbidden,
                    reason="" if i < found else "the output does not contain the glossary term",
                )
            )
    return TermReport(src, tgt, tuple(checks))
