"""protect_terms / restore_terms: glossary terms become numbered markers before the engine and the glossary's
target terms after it; markers an engine lost are detected here, so the pipeline can retranslate that segment."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from .document import MARKER_RE, Block, Document, Markup, Segment, marker
from .glossary import GlossaryEntry, TermMatcher


@dataclass(frozen=True)
class SegmentHit:
    """A glossary entry found in a source segment, and the marker that stands for it during translation."""

    segment_id: str
    entry: GlossaryEntry
    source: str
    marker: int


def protect_terms(doc: Document, matcher: TermMatcher, tgt: str) -> tuple[Document, tuple[SegmentHit, ...]]:
    """Replace every glossary hit in every segment by a marker; the document returned carries the term markup.

    A hit whose entry has no term in `tgt` is left in the text (and reported, unrealized, by the check)."""
    hits: list[SegmentHit] = []
    blocks: list[Block] = []
    for block in doc.blocks:
        markup = list(block.markup)
        segments: list[Segment] = []
        for seg in block.segments:
            text = seg.text
            for hit in reversed(matcher.find(seg.text) if matcher else []):
                if hit.entry.preferred(tgt) is None:
                    hits.append(SegmentHit(seg.id, hit.entry, hit.text, -1))
                    continue
                n = len(markup)
                markup.append(Markup("term", hit.text, hit.entry.id))
                hits.append(SegmentHit(seg.id, hit.entry, hit.text, n))
                text = text[: hit.start] + marker(n) + text[hit.end :]
            segments.append(replace(seg, text=text))
        blocks.append(replace(block, segments=tuple(segments), markup=tuple(markup)))
    order = {s.id: i for i, s in enumerate(doc.segments)}
    hits.sort(key=lambda h: (order[h.segment_id], h.marker))
    return doc.with_blocks(tuple(blocks)), tuple(hits)


def markers_kept(source: str, output: str) -> bool:
    """True when the output has each of the source's markers exactly as often as the source."""
    return Counter(MARKER_RE.findall(source)) == Counter(MARKER_RE.findall(output))


def _capitalize(term: str) -> str:
    return term[:1].upper() + term[1:]


def target_term(entry: GlossaryEntry, source_text: str, tgt: str) -> str:
    if entry.kind == "keep":
        return source_text
    term = entry.preferred(tgt) or source_text
    # "NATO" stays as the glossary writes it; a term written all in capitals in the source stays so.
    if source_text.isupper() and len(source_text) > 1 and not entry.case_sensitive and term.lower() == term:
        return term.upper()
    return term


def restore_terms(text: str, markup: tuple[Markup, ...], entries: dict[str, GlossaryEntry], tgt: str) -> str:
    """Put the target term in place of each term marker; keep formatting markers for the writer."""

    def sub(m) -> str:
        n = int(m.group(1))
        if n >= len(markup) or markup[n].kind != "term":
            return m.group(0)
        item = markup[n]
        term = target_term(entries[item.extra], item.value, tgt)
        # Sentence-initial: nothing but markers, quotes or brackets before it.
        before = MARKER_RE.sub("", text[: m.start()])
        if not before.strip(" \"'“‘«¿¡([") and item.value[:1].isupper():
            term = _capitalize(term)
        return term

    return MARKER_RE.sub(sub, text)


def drop_term_markup(block: Block, original: Block) -> Block:
    """The translated block keeps the source block's own markup (term markers are text by now)."""
    return replace(block, markup=original.markup)
