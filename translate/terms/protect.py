"""Glossary hits as numbered markers: mask_hits before an engine, restore_terms after it, and the checks that tell
whether an engine kept every marker (placeholders get mangled by NMT models, so nothing is assumed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..data import MARKER_RE, Block, Document, GlossaryEntry, Segment, TermHit, marker

# (block id, marker number) -> the hit the marker stands for
Markers = dict[tuple[str, int], TermHit]


def mask_hits(doc: Document, chosen: dict[str, list[TermHit]]) -> tuple[Document, Markers]:
    """Replace the chosen hits of each segment by markers numbered after the block's own markup."""
    markers: Markers = {}
    blocks: list[Block] = []
    for block in doc.blocks:
        next_number = len(block.markup)
        segments: list[Segment] = []
        for seg in block.segments:
            text = seg.text
            for hit in sorted(chosen.get(seg.id, ()), key=lambda h: h.start, reverse=True):
                markers[(block.id, next_number)] = hit
                text = text[: hit.start] + marker(next_number) + text[hit.end :]
                next_number += 1
            segments.append(replace(seg, text=text))
        blocks.append(replace(block, segments=tuple(segments)))
    return doc.with_blocks(tuple(blocks)), markers


def markers_kept(source: str, output: str) -> bool:
    """True when the output has each of the source's markers exactly as often as the source."""
    return Counter(MARKER_RE.findall(source)) == Counter(MARKER_RE.findall(output))


def capitalize(term: str) -> str:
    return term[:1].upper() + term[1:]


def target_term(entry: GlossaryEntry, source_text: str, tgt: str) -> str:
    """What the translation must say for this hit: the glossary's term, or the source as written (keep)."""
    if entry.kind == "keep":
        return source_text
    term = entry.preferred(tgt) or source_text
    # a term the source writes in capitals ("WORKING CLASS") stays in capitals
    if source_text.isupper() and len(source_text) > 1 and not entry.case_sensitive and term.lower() == term:
        return term.upper()
    return term


def at_sentence_start(text: str, position: int) -> bool:
    before = MARKER_RE.sub("", text[:position])
    return not before.strip(" \"'“‘«¿¡([")


def restore_terms(text: str, block_id: str, markers: Markers, tgt: str) -> str:
    """Put the target term in place of each term marker; formatting markers stay for the writer."""

    def sub(m) -> str:
        hit = markers.get((block_id, int(m.group(1))))
        if hit is None:
            return m.group(0)
        term = target_term(hit.entry, hit.text, tgt)
        if at_sentence_start(text, m.start()) and hit.text[:1].isupper():
            term = capitalize(term)
        return term

    return MARKER_RE.sub(sub, text)
