"""Segments as the Markdown an editor reads and writes, and back.

A reviewed translation is kept as Markdown inline source (the PO msgstr, an edited block of the translated
Markdown), never with the private-use markers the pipeline uses: an editor sees `*clase obrera*`, not `\\ue002 0`.
`segment_markdown` writes a source segment that way (the msgid, with publish.writer, so it is the same Markdown
the translated article has); `from_markdown` reads an editor's text back with the article reader
(document._lift) and numbers its markup as the source block's: emphasis, a link to the same URL, the same code
are the source's entries; markup the editor added is appended to the block's markup; markup the editor removed is
simply absent. Anything the reader does not know as markup stays text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

from ..data import CLOSE, MARKER_PARTS_RE, SPAN_CLOSE, SPAN_OPEN, Block, Markup, Segment
from ..document import _lift, clean_text, parser
from ..publish.writer import inline_markdown


@lru_cache(maxsize=8192)
def _markdown(text: str, markup: tuple[Markup, ...], title: bool, own: int | None = None) -> str:
    if title:
        return inline_markdown(text, ())
    # The source's link and image titles are segments of their own: a sentence is shown without them; markup an
    # editor added (numbered from `own`) keeps its title, which is nowhere else.
    blank = len(markup) if own is None else own
    return inline_markdown(text, markup, {n: "" for n in range(blank)})


def segment_markdown(segment: Segment, markup: tuple[Markup, ...]) -> str:
    """A segment (source or translated) as Markdown inline source: its markers as the markup they stand for."""
    return _markdown(segment.text, markup, segment.title_of is not None)


def text_markdown(text: str, markup: tuple[Markup, ...], own: int | None = None) -> str:
    """Text with markers (a sentence, or a whole block's sentences) as Markdown inline source; `own`: how many
    entries of `markup` are the source block's (those after it were added by an editor and keep their titles)."""
    return _markdown(text, markup, False, own)


def block_source(block: Block) -> str:
    """A whole block's sentences as one Markdown text: the unit of a correction that does not keep the block's
    sentences apart."""
    return text_markdown(block.text, block.markup)


def sentences(block: Block) -> list[Segment]:
    return [s for s in block.segments if s.title_of is None]


def footnote_labels(markup: Iterable[Markup]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.value for m in markup if m.kind == "footnote"))


def parse_inline(md: str, labels: Sequence[str] = ()) -> tuple[str, tuple[Markup, ...], dict[int, str]]:
    """Markdown inline source -> (text with markers, its own markup, titles by markup number), as the article
    reader reads a paragraph; `labels` are the footnotes a reference may name."""
    env = {"footnotes": {"refs": {f":{label}": -1 for label in labels}, "list": {}}} if labels else {}
    tokens = parser().parseInline(clean_text(md.strip()), env)
    if not tokens:
        return "", (), {}
    return _lift(tokens[0].children or [])


def _key(m: Markup) -> tuple[str, str]:
    # What makes an editor's markup the source's own: emphasis by its kind, the rest by what it points to.
    return (m.kind, "" if m.kind in ("em", "strong", "s", "br") else m.value)


def remap(text: str, own: tuple[Markup, ...], titles: Mapping[int, str], source: tuple[Markup, ...],
          prefer: Iterable[int] = ()) -> tuple[str, tuple[Markup, ...]]:
    """Renumber the markers of `text` (numbered by `own`) as the source block's markup `source`: each of the
    editor's entries takes the first unused source entry of the same kind and target, preferring the numbers in
    `prefer` (the segment's own); the others are appended. Returns the text and the markup appended."""
    text, extra, _ = remap_with(text, own, titles, source, prefer)
    return text, extra


def remap_with(text: str, own: tuple[Markup, ...], titles: Mapping[int, str], source: tuple[Markup, ...],
               prefer: Iterable[int] = ()) -> tuple[str, tuple[Markup, ...], dict[int, int]]:
    """remap, and {own number: number in source + appended}."""
    preferred = list(dict.fromkeys(prefer))
    order = preferred + [n for n in range(len(source)) if n not in preferred]
    used: set[int] = set()
    mapping: dict[int, int] = {}
    extra: list[Markup] = []
    for m in MARKER_PARTS_RE.finditer(text):
        n = int(m.group(2))
        if n in mapping or n >= len(own):
            continue
        wanted = _key(own[n])
        match = next((j for j in order if j not in used and _key(source[j]) == wanted), None)
        if match is None:
            entry = own[n]
            if n in titles and entry.kind in ("link", "image"):
                entry = Markup(entry.kind, entry.value, titles[n])
            mapping[n] = len(source) + len(extra)
            extra.append(entry)
        else:
            used.add(match)
            mapping[n] = match
    def renumber(m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)}{mapping[n]}{CLOSE}" if n in mapping else ""
    return MARKER_PARTS_RE.sub(renumber, text), tuple(extra), mapping


def numbers(text: str) -> list[int]:
    return [int(m.group(2)) for m in MARKER_PARTS_RE.finditer(text)]


def from_markdown(md: str, source: tuple[Markup, ...], prefer: Iterable[int] = (),
                  labels: Sequence[str] | None = None) -> tuple[str, tuple[Markup, ...]]:
    """An editor's Markdown -> (text with markers numbered as `source`, markup appended to `source`)."""
    text, own, titles = parse_inline(md, footnote_labels(source) if labels is None else labels)
    return remap(text, own, titles, source, prefer)


def canonical(md: str, source: tuple[Markup, ...], prefer: Iterable[int] = ()) -> str:
    """An editor's Markdown as translate writes it (so a store compares and diffs by content, not spelling)."""
    text, extra = from_markdown(md, source, prefer)
    return text_markdown(text, source + extra, len(source))


def balanced(text: str) -> bool:
    """Whether every span opened in `text` is closed in it (a correction split into sentences must not cut one)."""
    opened: list[int] = []
    for m in MARKER_PARTS_RE.finditer(text):
        kind, n = m.group(1), int(m.group(2))
        if kind == SPAN_OPEN:
            opened.append(n)
        elif kind == SPAN_CLOSE:
            if not opened or opened[-1] != n:
                return False
            opened.pop()
    return not opened

