"""What the review page shows of one article in one language: each unit (a sentence, a link's title, or a block an
editor corrected as a whole) with its source and its translation as HTML, and the places the tool is unsure of
marked: glossary terms realized or not, forbidden renderings, phrases whose words do not agree, words the engine
left in the source language, and for a segment whose source changed since review, what changed.

Every piece of article text goes through `markupsafe.escape`; links are shown as text with their address as a
title, never as links, so nothing an article says can run or navigate in the page."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

from ...data import MARKER_PARTS_RE, SPAN_CLOSE, SPAN_OPEN, Block, TermCheck, TermHit, Translation
from ...data import Markup as Inline
from ...terms.glossary import occurrences
from ..markdown import text_markdown
from ..state import MACHINE, REVIEWED, STALE, Unit

# What a mark says, and the order the legend lists them in.
KINDS = {
    "term": "glossary term, as the glossary wants it",
    "term-missing": "glossary term not in the translation",
    "term-none": "glossary term with no term in this language",
    "forbidden": "a rendering the glossary forbids",
    "agreement": "words that do not agree",
    "untranslated": "left untranslated by the engine",
}


@dataclass(frozen=True)
class Mark:
    start: int  # in the text with markers
    end: int
    kind: str  # one of KINDS
    note: str  # what the mark says (shown on hover and in the unit's notes)


@dataclass(frozen=True)
class Note:
    kind: str
    text: str


@dataclass(frozen=True)
class UnitView:
    id: str
    state: str  # REVIEWED, STALE, MACHINE
    block: str  # the block's id
    kind: str  # the block's kind: title, heading, paragraph, cell...
    level: int  # a heading's level
    line: int  # in the article file
    source_html: Markup
    target_html: Markup
    markdown: str  # the current translation as the editor edits it (Markdown inline source)
    base: str  # the store's version the page saves against ("" for machine translation)
    source_key: str  # the source as the page saw it, hashed: a save for an article changed since is refused
    suggestion: str = ""  # stale: what a person wrote for the old source
    changed_html: Markup = Markup("")  # stale: the old source against the new, words removed and added
    notes: tuple[Note, ...] = ()
    link_title: bool = False  # the title of a link or image, translated on its own

    @property
    def place(self) -> str:
        """What the unit is in the article, when it is not a paragraph of the body."""
        if self.link_title:
            return "the title of a link"
        if self.block.startswith("fn["):
            return "footnote"
        return {"title": "title", "subtitle": "subtitle", "heading": "heading", "cell": "table cell"}.get(self.kind, "")

    @property
    def problems(self) -> int:
        return len(self.notes)


@dataclass(frozen=True)
class ArticleView:
    slug: str
    article: str  # the article's key, as the store's references name it
    title: str
    src: str
    lang: str
    engine: str
    units: tuple[UnitView, ...]
    counts: dict  # segments per state
    summary: "Summary"


@dataclass(frozen=True)
class Summary:
    """An article's term problems in one language, as the run's table counts them."""

    terms: int = 0
    realized: int = 0
    problems: int = 0  # occurrences not realized, with a forbidden rendering, or in a phrase that does not agree
    agreement: int = 0  # agreement problems in the whole text
    untranslated: tuple[str, ...] = ()


def summary(translation: Translation) -> Summary:
    r = translation.report
    bad = sum(1 for c in r.checks if not c.realized or c.grammar or c.forbidden)
    return Summary(r.total, r.realized, bad, r.problems, r.unknown)


def source_key(unit: Unit) -> str:
    return hashlib.sha256(unit.source.encode()).hexdigest()[:16]


# --- text with markers as HTML -----------------------------------------------------------------------------------


def plain_map(text: str) -> tuple[str, list[int]]:
    """The text as the term check reads it (markers dropped, runs of spaces one space, stripped), and for each of
    its characters the position in `text`."""
    chars: list[tuple[str, int]] = []
    pos = 0
    for m in MARKER_PARTS_RE.finditer(text):
        chars.extend((text[i], i) for i in range(pos, m.start()))
        pos = m.end()
    chars.extend((text[i], i) for i in range(pos, len(text)))
    out: list[str] = []
    where: list[int] = []
    for c, i in chars:
        if c.isspace():
            if not out or out[-1] == " ":
                continue
            c = " "
        out.append(c)
        where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _to_text(spans: Sequence[tuple[int, int]], where: list[int]) -> list[tuple[int, int]]:
    return [(where[a], where[b - 1] + 1) for a, b in spans if b > a]


_OPEN_TAGS = {"em": ("<em>", "</em>"), "strong": ("<strong>", "</strong>"), "s": ("<s>", "</s>")}


def _open(entry: Inline) -> tuple[str, str]:
    if entry.kind in _OPEN_TAGS:
        return _OPEN_TAGS[entry.kind]
    if entry.kind == "link":
        return f'<span class="link" title="{escape(entry.value)}">', "</span>"
    if entry.kind == "image":
        return f'<span class="image" title="{escape("image: " + entry.value)}">', "</span>"
    return "<span>", "</span>"


def _point(entry: Inline) -> str:
    if entry.kind == "code":
        return f"<code>{escape(entry.value)}</code>"
    if entry.kind == "br":
        return "<br>"
    if entry.kind == "autolink":
        return f'<span class="link">{escape(entry.extra or entry.value)}</span>'
    if entry.kind == "footnote":
        return f'<sup class="fn">[{escape(entry.value)}]</sup>'
    if entry.kind == "verbatim":
        return str(escape(entry.value))
    return ""


def marked_html(text: str, markup: Sequence[Inline], marks: Sequence[Mark]) -> Markup:
    """`text` (with markers numbered as `markup`) as HTML: its emphasis and code as such, links inert, and each
    piece of text inside marks wrapped in a span per mark, closed before the next boundary so tags always nest.
    Markers an engine left unbalanced are closed at the end."""
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # open spans: (number, closing tag)
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})

    def piece(a: int, b: int) -> None:
        for lo, hi in zip([a] + [c for c in cuts if a < c < b], [c for c in cuts if a < c < b] + [b]):
            if lo >= hi:
                continue
            html = str(escape(text[lo:hi]))
            for mark in marks:
                if mark.start <= lo and hi <= mark.end:
                    html = f'<span class="mark {mark.kind}" title="{escape(mark.note)}">{html}</span>'
            out.append(html)

    pos = 0
    for m in MARKER_PARTS_RE.finditer(text):
        piece(pos, m.start())
        pos = m.end()
        kind, n = m.group(1), int(m.group(2))
        if n >= len(markup):
            continue
        entry = markup[n]
        if kind == SPAN_OPEN:
            opening, closing = _open(entry)
            out.append(opening)
            stack.append((n, closing))
        elif kind == SPAN_CLOSE:
            if any(k == n for k, _ in stack):
                while stack:
                    k, closing = stack.pop()
                    out.append(closing)
                    if k == n:
                        break
        else:
            out.append(_point(entry))
    piece(pos, len(text))
    while stack:
        out.append(stack.pop()[1])
    return Markup("".join(out))


_WORDS = re.compile(r"\w+|\s+|[^\w\s]")


def changed_html(old: str, new: str) -> Markup:
    """The old source against the new, word by word: <del> what went, <ins> what came."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        out.append(_changed("del", "".join(a[i1:i2])))
        out.append(_changed("ins", "".join(b[j1:j2])))
    return Markup("".join(out))


def _changed(tag: str, text: str) -> str:
    """The words in the tag, the spaces around them outside it (a marked space is invisible)."""
    words = text.strip()
    if not words:
        return str(escape(text)) if tag == "ins" else ""
    start = text.index(words)
    return f"{escape(text[:start])}<{tag}>{escape(words)}</{tag}>{escape(text[start + len(words):])}"


# --- one unit ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every unit of an article needs: the translation, the glossary's hits in the source, the analysers."""

    translation: Translation
    hits: dict[str, list[TermHit]]  # segment id -> hits, offsets in the segment's text
    source_morph: object = None
    target_morph: object = None


def _texts(unit: Unit, blocks: dict[str, Block]) -> tuple[str, tuple[Inline, ...], str, tuple[Inline, ...], list]:
    """(source text, its markup, translation text, its markup, [(segment id, offset in the source text)])."""
    source_block, target_block = unit.block, blocks[unit.block.id]
    offsets = []
    parts = []
    at = 0
    for seg in source_block.segments:
        if seg.id in unit.segments:
            offsets.append((seg.id, at))
            parts.append(seg.text)
            at += len(seg.text) + 1
    source = " ".join(parts)
    target = " ".join(s.text for s in target_block.segments if s.id in unit.segments and s.text)
    if unit.is_title:
        return source, (), target, (), offsets
    return source, source_block.markup, target, target_block.markup, offsets


def _checks(unit: Unit, by_segment: dict[str, list[TermCheck]]) -> dict[str, list[TermCheck]]:
    """The unit's term checks per entry, in the order of the source's hits (a block corrected as a whole has its
    sentences' checks in its first sentence, in order)."""
    out: dict[str, list[TermCheck]] = {}
    for sid in unit.segments:
        for c in by_segment.get(sid, ()):
            out.setdefault(c.entry_id, []).append(c)
    return out


def unit_view(unit: Unit, ctx: Context, by_segment: dict[str, list[TermCheck]],
              blocks: dict[str, Block]) -> UnitView:
    from ...terms.check import known_terms
    from ...terms.grammar import problems as agreement_problems

    t = ctx.translation
    tgt = t.target_lang
    source, source_markup, target, target_markup, offsets = _texts(unit, blocks)
    checks = _checks(unit, by_segment)
    notes: list[Note] = []
    source_marks: list[Mark] = []
    hits: list[TermHit] = []
    used: dict[str, int] = {}
    for sid, at in offsets:
        for hit in ctx.hits.get(sid, ()):
            hits.append(hit)
            n = used.get(hit.entry.id, 0)
            used[hit.entry.id] = n + 1
            group = checks.get(hit.entry.id, [])
            check = group[n] if n < len(group) else None
            if check is None:
                continue
            if check.strategy == "none":
                kind, said = "term-none", f"the glossary has no {tgt} term for '{check.entry_id}'"
            elif not check.realized:
                kind, said = "term-missing", f"glossary: '{check.source}' → '{check.expected}', not in the translation"
            elif check.grammar:
                kind, said = "agreement", f"glossary: '{check.expected}', in a phrase that does not agree: " \
                                          f"«{check.grammar}»"
            else:
                kind, said = "term", f"glossary: '{check.expected}' ({check.strategy})"
            source_marks.append(Mark(at + hit.start, at + hit.end, kind, said))
            if kind != "term":
                notes.append(Note(kind, said))
    plain, where = plain_map(target)
    target_marks: list[Mark] = []
    for entry_id, group in checks.items():
        entry = next((h.entry for h in hits if h.entry.id == entry_id), None)
        case = entry.case_sensitive if entry is not None else False
        found = [c for c in group if c.realized]
        spans = occurrences(plain, {c.found for c in found}, case)
        for (a, b), c in zip(_to_text(spans, where), found):
            target_marks.append(Mark(a, b, "agreement" if c.grammar else "term",
                                     f"glossary: '{c.source}' → '{c.expected}'"))
        for bad in dict.fromkeys(f for c in group for f in c.forbidden):
            said = f"'{bad}' is a rendering the glossary forbids; it wants '{group[0].expected}'"
            notes.append(Note("forbidden", said))
            target_marks.extend(Mark(a, b, "forbidden", said)
                                for a, b in _to_text(occurrences(plain, [bad], case), where))
    if ctx.target_morph is not None and plain:
        known = known_terms(hits, plain, t.source_lang, tgt, ctx.source_morph, ctx.target_morph)
        near_terms = {c.grammar for group in checks.values() for c in group if c.grammar}
        for p in agreement_problems(plain, ctx.target_morph, known):
            said = f"these words do not agree: «{p.text}»"
            target_marks.extend(Mark(a, b, "agreement", said) for a, b in _to_text([(p.start, p.end)], where))
            if p.text not in near_terms:
                notes.append(Note("agreement", said))
    if unit.state != REVIEWED and t.report.unknown:
        source_plain = plain_map(source)[0]
        left = [w for w in t.report.unknown if occurrences(source_plain, [w], True)]
        for word in left:
            target_marks.extend(Mark(a, b, "untranslated", f"'{word}' left untranslated by the engine")
                                for a, b in _to_text(occurrences(plain, [word], True), where))
        if left:
            notes.append(Note("untranslated", "left untranslated by the engine: " + ", ".join(left)))
    target_marks = _without_overlaps(target_marks)
    if unit.state == REVIEWED and unit.entry is not None:
        markdown = unit.entry.target
    else:
        markdown = text_markdown(target, target_markup, len(unit.block.markup)) if not unit.is_title \
            else text_markdown(target, ())
    suggestion = ""
    changed = Markup("")
    if unit.state == STALE and unit.entry is not None:
        suggestion = unit.entry.target
        old = unit.entry.previous if unit.entry.fuzzy and unit.entry.previous else unit.entry.source
        changed = changed_html(old, unit.source)
    block = unit.block
    return UnitView(
        id=unit.id, state=unit.state, block=block.id, kind=block.kind, level=block.level, line=block.line,
        source_html=marked_html(source, source_markup, _without_overlaps(source_marks)),
        target_html=marked_html(target, target_markup, target_marks),
        markdown=markdown, base=unit.entry.version if unit.state == REVIEWED and unit.entry else "",
        source_key=source_key(unit), suggestion=suggestion, changed_html=changed,
        notes=tuple(dict.fromkeys(notes)), link_title=unit.is_title,
    )


def _without_overlaps(marks: list[Mark]) -> list[Mark]:
    """Marks of one kind at one place once; a term's own mark gives way to a problem at the same words."""
    rank = {"forbidden": 0, "agreement": 1, "term-missing": 2, "term-none": 3, "untranslated": 4, "term": 5}
    kept: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (rank.get(m.kind, 9), m.start)):
        if any(k.kind == mark.kind and k.start == mark.start and k.end == mark.end for k in kept):
            continue
        if mark.kind == "term" and any(k.start < mark.end and mark.start < k.end for k in kept):
            continue
        kept.append(mark)
    return sorted(kept, key=lambda m: (m.start, -m.end))


def article_view(translation: Translation, units: Sequence[Unit], hits: dict[str, list[TermHit]], article: str,
                 source_morph=None, target_morph=None) -> ArticleView:
    from ..state import counts

    ctx = Context(translation, hits, source_morph, target_morph)
    by_segment: dict[str, list[TermCheck]] = {}
    for c in translation.report.checks:
        by_segment.setdefault(c.segment_id, []).append(c)
    blocks = {b.id: b for b in translation.blocks}
    views = tuple(unit_view(u, ctx, by_segment, blocks) for u in units)
    doc = translation.source
    return ArticleView(doc.slug, article, re.sub(r"\s+", " ", doc.meta.title).strip() or doc.slug,
                       translation.source_lang, translation.target_lang, translation.engine, views,
                       counts(units), summary(translation))


__all__ = ["ArticleView", "KINDS", "MACHINE", "Mark", "Note", "REVIEWED", "STALE", "Summary", "UnitView",
           "article_view", "changed_html", "marked_html", "plain_map", "source_key", "summary"]
