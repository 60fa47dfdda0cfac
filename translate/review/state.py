"""Where each segment of an article stands in review: `reviewed` (the store has a person's translation of its
source text), `stale` (a person translated what this segment said before its source changed: that translation is
a suggestion now, and the machine's is used) or `machine`.

A unit is what an editor reviews: one sentence or link title of a block, or a whole block when a correction did
not keep the block's sentences apart (the editor merged or split them). A reviewed translation is found by its
source text, so the same sentence in two articles shares it; a stale one by the references the store keeps
(article and unit id): an entry that named this unit, whose source text no longer occurs in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from ..data import Block, Document, Markup, strip_markers
from .markdown import block_source, from_markdown, numbers, segment_markdown, sentences
from .store import Catalog, Entry

REVIEWED, STALE, MACHINE = "reviewed", "stale", "machine"
STATES = (REVIEWED, STALE, MACHINE)
_SEGMENT_ID = re.compile(r"\.[sm]\d+$")


def is_block_unit(unit_id: str) -> bool:
    return not _SEGMENT_ID.search(unit_id)


@dataclass(frozen=True)
class Unit:
    article: str  # the article's key (its path from the project's root)
    id: str  # segment id, or block id for a whole-block correction
    block: Block  # the source block
    segments: tuple[str, ...]  # the segment ids it covers
    source: str  # the source as Markdown: the store's msgid
    state: str  # one of STATES
    entry: Entry | None = None  # reviewed: the store's entry; stale: the suggestion (an older translation)
    src: str = "en"  # the source language

    @property
    def line(self) -> int:
        return self.block.line

    @property
    def is_title(self) -> bool:
        """A link's or image's title, translated on its own."""
        return bool(re.search(r"\.m\d+$", self.id))


def _has_block_units(catalog: Catalog) -> bool:
    cached = getattr(catalog, "_block_units", None)
    if cached is None:
        cached = any(is_block_unit(unit) for e in catalog.entries() for _, unit in e.refs)
        catalog._block_units = cached  # type: ignore[attr-defined]
    return cached


def article_units(doc: Document, catalog: Catalog | None, src: str, article: str) -> list[Unit]:
    """Every unit of `doc`, in order, with its state in `catalog` (None: no store, everything is machine)."""
    msgids = {s.id: segment_markdown(s, b.markup) for b in doc.blocks for s in b.segments}
    if catalog is None or not len(catalog):
        return [Unit(article, s.id, b, (s.id,), msgids[s.id], MACHINE, src=src)
                for b in doc.blocks for s in b.segments]
    blocks = _has_block_units(catalog)
    whole = {b.id: block_source(b) for b in doc.blocks if blocks and len(sentences(b)) > 1}
    present = set(msgids.values()) | set(whole.values())
    referring = catalog.referring(article)

    def old(unit_id: str, source: str) -> Entry | None:
        # a reviewed entry that named this unit, for a source the article no longer has anywhere
        return next((e for e in referring.get(unit_id, ()) if e.source != source and e.reviewed
                     and e.src == src and e.source not in present), None)

    units: list[Unit] = []
    for block in doc.blocks:
        if not block.segments:
            continue
        covered: set[str] = set()
        if block.id in whole:
            source = whole[block.id]
            ids = tuple(s.id for s in sentences(block))
            entry = catalog.get(src, source)
            if entry is not None and entry.reviewed:
                units.append(Unit(article, block.id, block, ids, source, REVIEWED, entry, src=src))
                covered.update(ids)
            elif entry is not None and entry.fuzzy:
                units.append(Unit(article, block.id, block, ids, source, STALE, entry, src=src))
                covered.update(ids)
            else:
                earlier = old(block.id, source)
                if earlier is not None and not any(_reviewed(catalog, src, msgids[i]) for i in ids):
                    units.append(Unit(article, block.id, block, ids, source, STALE, earlier, src=src))
                    covered.update(ids)
        for seg in block.segments:
            if seg.id in covered:
                continue
            source = msgids[seg.id]
            entry = catalog.get(src, source)
            if entry is not None and entry.reviewed:
                units.append(Unit(article, seg.id, block, (seg.id,), source, REVIEWED, entry, src=src))
            elif entry is not None and entry.fuzzy:
                units.append(Unit(article, seg.id, block, (seg.id,), source, STALE, entry, src=src))
            else:
                earlier = old(seg.id, source)
                units.append(Unit(article, seg.id, block, (seg.id,), source, STALE if earlier else MACHINE, earlier,
                                  src=src))
    return units


def _reviewed(catalog: Catalog, src: str, source: str) -> bool:
    entry = catalog.get(src, source)
    return entry is not None and entry.reviewed


def counts(units: Iterable[Unit]) -> dict[str, int]:
    """Segments per state (a whole-block unit counts each sentence it covers)."""
    out = dict.fromkeys(STATES, 0)
    for unit in units:
        out[unit.state] += len(unit.segments)
    return out


@dataclass(frozen=True)
class Human:
    """What the store gives one document in one language: the translations of its reviewed segments (text with
    markers numbered as the source block's), the markup of blocks whose corrections added some, the segments
    reviewed and stale, and for a whole-block correction the segment its glossary terms are checked in."""

    texts: dict[str, str] = field(default_factory=dict)
    markup: dict[str, tuple[Markup, ...]] = field(default_factory=dict)
    reviewed: frozenset[str] = frozenset()
    stale: frozenset[str] = frozenset()
    check_in: dict[str, str] = field(default_factory=dict)
    units: tuple[Unit, ...] = ()
    translator: str = ""


def human_translations(doc: Document, catalog: Catalog | None, src: str, article: str) -> Human:
    units = article_units(doc, catalog, src, article)
    texts: dict[str, str] = {}
    markup: dict[str, tuple[Markup, ...]] = {}
    check_in: dict[str, str] = {}
    reviewed: set[str] = set()
    stale: set[str] = set()
    segments = {s.id: s for b in doc.blocks for s in b.segments}
    for unit in units:
        if unit.state == STALE:
            stale.update(unit.segments)
            continue
        if unit.state != REVIEWED:
            continue
        block = unit.block
        have = markup.get(block.id, block.markup)
        first = unit.segments[0]
        if segments[first].title_of is not None:
            text, _ = from_markdown(unit.entry.target, ())
            texts[first] = re.sub(r"\s+", " ", strip_markers(text)).strip()
        else:
            prefer = [n for sid in unit.segments for n in numbers(segments[sid].text)]
            text, extra = from_markdown(unit.entry.target, have, prefer)
            if extra:
                markup[block.id] = have + extra
            texts[first] = text
            for other in unit.segments[1:]:
                texts[other] = ""  # the whole block's correction is in its first sentence
                check_in[other] = first
        reviewed.update(unit.segments)
    return Human(texts, markup, frozenset(reviewed), frozenset(stale), check_in, tuple(units),
                 catalog.translator if catalog is not None else "")


def reviewed_paragraphs(doc: Document, reviewed: Iterable[str]) -> int:
    """Paragraphs and headings of the body (what the colophon counts) whose every sentence a person reviewed."""
    done = set(reviewed)
    return sum(1 for b in doc.blocks if b.kind in ("paragraph", "heading") and b.segments
               and all(s.id in done for s in b.segments))
