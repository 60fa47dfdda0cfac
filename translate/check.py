"""check_terms: after translation, every glossary hit of the source is looked for in the output."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from .document import strip_markers
from .glossary import GlossaryEntry, TermHit, count_forms
from .protect import target_term

# How a term reached the output, in the order the pipeline tries them.
STRATEGIES = ("engine", "hypothesis", "substitute", "placeholder", "fallback", "none")


@dataclass(frozen=True)
class TermCheck:
    segment_id: str
    entry_id: str
    source: str  # the term as the source writes it
    expected: str  # the glossary's target term
    realized: bool
    strategy: str  # one of STRATEGIES
    found: str = ""  # the accepted form the output has, if any
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

    @property
    def forbidden_found(self) -> tuple[TermCheck, ...]:
        return tuple(c for c in self.checks if c.forbidden)

    def to_json(self) -> dict:
        return {
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "terms_total": self.total,
            "terms_realized": self.realized,
            "term_success_rate": round(self.rate, 4),
            "forbidden_found": sum(1 for c in self.checks if c.forbidden),
            "occurrences": [asdict(c) | {"forbidden": list(c.forbidden)} for c in self.checks],
        }


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
