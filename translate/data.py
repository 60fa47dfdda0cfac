"""The flow's data: frozen dataclasses that every stage passes on and none of them owns.

Document -> Node (containers: lists, items, quotes, tables, footnotes) and Block (leaves: paragraphs, headings,
table cells, code, rules) -> Segment (text with markers in place of inline markup), GlossaryEntry and TermHit (a
glossary term found in a segment), TermCheck and TermReport (what the check found), Translation (a document in one
target language). This module imports nothing of the project's, so any stage can use it.

Ids are structural, so the same source structure always gets the same ids, whatever its words (the translation
memory keys on source text; terms.json and reviewed translations key on ids):
- the front matter's title and subtitle are `title` and `subtitle`;
- the body's top-level blocks are `b1`, `b2`, ... in order (footnote definitions are not counted);
- a container's children are its id, a dot and their 1-based position: the second item of list `b3` is `b3.2`,
  the paragraph in it `b3.2.1`; a table's rows are `b4.1` (the header row), `b4.2`, ...; its cells `b4.2.1`, ...;
- a footnote definition is `fn[label]` (its label as the article writes it), its paragraphs `fn[label].1`, ...;
- a leaf's sentences are its id and `.s1`, `.s2`, ...; the title of its n-th markup entry (a link's or an image's
  title, translated on its own) is its id and `.m<n>`.
So an edit inside one list renumbers only that list's later items, and a flat article of paragraphs and headings
keeps the ids the earlier flat reader gave it (b1, b2, ...); `document.legacy_ids` maps that reader's ids (which
numbered list items and quoted paragraphs in one run) to these, for anything stored under them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

# Inline markers stand for markup lifted out of a block's text (see document.lift_inline). Each names an entry of
# the block's `markup` by number: a point marker stands where a thing is (inline code, an image, a line break, a
# masked term); a span's open and close markers share one number and wrap the words that carry the markup
# (emphasis, links), so an engine that moves words can move the markup with them.
OPEN, CLOSE = "\ue000", "\ue001"  # point marker: OPEN n CLOSE
SPAN_OPEN, SPAN_CLOSE = "\ue002", "\ue003"  # span: SPAN_OPEN n CLOSE ... SPAN_CLOSE n CLOSE
MARKER_CHARS = OPEN + CLOSE + SPAN_OPEN + SPAN_CLOSE
MARKER_RE = re.compile(f"[{OPEN}{SPAN_OPEN}{SPAN_CLOSE}](\\d+){CLOSE}")  # any marker; group 1 is its number
MARKER_PARTS_RE = re.compile(f"([{OPEN}{SPAN_OPEN}{SPAN_CLOSE}])(\\d+){CLOSE}")  # group 1 its kind, 2 its number

# Leaf kinds whose text is translated; "code" and "rule" are carried over as they are.
TEXT_KINDS = ("title", "subtitle", "heading", "paragraph", "cell")
# Markup that wraps words (an image wraps its alt text); the rest are points: code, br (line break), autolink (a URL
# shown as itself), footnote (a reference), verbatim (text no engine may change: a URL in link text, raw HTML).
SPAN_KINDS = ("em", "strong", "s", "link", "image")
# Container kinds: lists hold items; items, quotes and footnotes hold blocks; a table holds rows, a row cells.
CONTAINER_KINDS = ("bullet_list", "ordered_list", "item", "quote", "table", "row", "footnote")


def marker(n: int) -> str:
    return f"{OPEN}{n}{CLOSE}"


def span_open(n: int) -> str:
    return f"{SPAN_OPEN}{n}{CLOSE}"


def span_close(n: int) -> str:
    return f"{SPAN_CLOSE}{n}{CLOSE}"


def strip_markers(text: str) -> str:
    return MARKER_RE.sub("", text)


@dataclass(frozen=True)
class Markup:
    """One piece of inline markup lifted out of a block: `kind` is a span (em, strong, s, link, image: its words
    are translated) or a point (code, br, autolink, footnote, verbatim); `value` holds the URL, the code text, the
    footnote label or the verbatim text."""

    kind: str
    value: str = ""
    extra: str = ""  # link or image title as the source has it; emphasis delimiter; an autolink's visible text

    @property
    def is_span(self) -> bool:
        return self.kind in SPAN_KINDS


@dataclass(frozen=True)
class Segment:
    id: str
    text: str  # one sentence, markers in place of markup
    title_of: int | None = None  # the markup entry whose title this segment is; None: a sentence of the text


@dataclass(frozen=True)
class Block:
    """A leaf of the document tree: where it sits is said by the Nodes that name its id."""

    id: str
    kind: str  # title, subtitle, heading, paragraph, cell (of a table), code, rule
    segments: tuple[Segment, ...] = ()
    markup: tuple[Markup, ...] = ()
    level: int = 0  # heading level
    literal: str = ""  # the text of a code block, never translated
    info: str = ""  # a fenced code block's info string (its language)
    line: int = 0  # where the block starts in the article file (1-based; 0: not from a file)

    @property
    def text(self) -> str:
        """The block's text with markers: its sentences, without the titles of its links and images."""
        return " ".join(s.text for s in self.segments if s.title_of is None)

    def title(self, n: int) -> str | None:
        """The (translated) title of markup entry n, if it has one."""
        return next((s.text for s in self.segments if s.title_of == n), None)


@dataclass(frozen=True)
class Node:
    """A container of the document tree; its children are Nodes or the ids of leaf Blocks."""

    id: str
    kind: str  # one of CONTAINER_KINDS
    children: tuple["Node | str", ...] = ()
    start: int = 1  # the first number of an ordered list
    tight: bool = True  # a list whose items' paragraphs are not separated by blank lines
    label: str = ""  # a footnote's label
    header: bool = False  # a table's header row
    aligns: tuple[str, ...] = ()  # a table's column alignments: "left", "center", "right" or ""
    line: int = 0

    def leaves(self) -> Iterator[str]:
        """The ids of every leaf under this node, in order."""
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child.leaves()


@dataclass(frozen=True)
class Meta:
    title: str
    lang: str = "en"
    subtitle: str = ""
    date: str = ""
    author: str = ""
    publication: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """`blocks` are every leaf in order (title and subtitle first, footnote definitions last), the flat view every
    stage that translates uses; `tree` is the body's structure over them. A document without a tree (a batch, a
    plain text) is its blocks one after another."""

    path: Path
    slug: str
    meta: Meta
    blocks: tuple[Block, ...]
    tree: tuple["Node | str", ...] = ()

    @property
    def segments(self) -> list[Segment]:
        return [s for b in self.blocks for s in b.segments]

    @property
    def body(self) -> tuple["Node | str", ...]:
        """The body's top-level nodes and leaf ids."""
        if self.tree:
            return self.tree
        return tuple(b.id for b in self.blocks if b.kind not in ("title", "subtitle"))

    def with_blocks(self, blocks: tuple[Block, ...]) -> "Document":
        return replace(self, blocks=blocks)


GENDERS = ("m", "f", "n", "mf")  # masculine, feminine, neuter, common (one form for both, e.g. "estalinista")
NUMBERS = ("sg", "pl")
CATEGORIES = ("noun", "adj")


@dataclass(frozen=True)
class Grammar:
    """What a term is in one language: its gender and number (as the glossary writes it) and part of speech."""

    gender: str = ""  # one of GENDERS, "" when not given
    number: str = "sg"
    category: str = "noun"

    def __str__(self) -> str:
        parts = [self.gender] if self.gender else []
        if self.number != "sg":
            parts.append(self.number)
        if self.category != "noun":
            parts.append(self.category)
        return " ".join(parts)


@dataclass(frozen=True)
class GlossaryEntry:
    id: str
    terms: dict[str, str]
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    forbidden: dict[str, tuple[str, ...]] = field(default_factory=dict)
    case_sensitive: bool = False
    kind: str = "term"
    note: str = ""
    origin: str = ""  # "file:line", for messages
    grammar: dict[str, Grammar] = field(default_factory=dict)
    # The term in the other number, aligned across languages: an English plural source ("working classes") is
    # to be rendered by the target's plural ("clases obreras"), a singular by the term itself.
    plural: dict[str, str] = field(default_factory=dict)  # when `terms` are singular
    singular: dict[str, str] = field(default_factory=dict)  # when `terms` are plural ("bankers")

    def __hash__(self) -> int:  # entries are compared by value, hashed by id and origin
        return hash((self.id, self.origin))

    def source_forms(self, lang: str) -> tuple[str, ...]:
        """Every way the concept is written in `lang` when that language is the source."""
        preferred = self.preferred(lang)
        if preferred is None:
            return ()
        return _unique((preferred, *self._numbered(lang), *self.forms.get(lang, ())))

    def preferred(self, lang: str) -> str | None:
        """The term to write in `lang`; a keep entry is written as in any language it names."""
        if lang in self.terms:
            return self.terms[lang]
        if self.kind == "keep" and self.terms:
            return next(iter(self.terms.values()))
        return None

    def accepted(self, lang: str) -> tuple[str, ...]:
        """Forms that count as the term realized in a `lang` translation."""
        preferred = self.preferred(lang)
        if preferred is None:
            return ()
        return _unique((preferred, *self._numbered(lang), *self.forms.get(lang, ())))

    def grammar_of(self, lang: str) -> Grammar:
        return self.grammar.get(lang, Grammar())

    def number_form(self, lang: str, number: str) -> str | None:
        """The term in `lang` in the given number, when the glossary says it: the term itself in its own number,
        else its aligned plural or singular."""
        own = self.grammar_of(lang).number
        if number == own:
            return self.preferred(lang)
        return (self.plural if number == "pl" else self.singular).get(lang)

    def number_of(self, lang: str, text: str) -> str | None:
        """Whether `text`, a way of writing the term in `lang`, is singular or plural, when the glossary says."""
        folded = " ".join(text.split()).casefold()
        own = self.grammar_of(lang).number
        if lang in self.terms and folded == self.terms[lang].casefold():
            # the term itself: its number is what the glossary's grammar says, and unknown where it says nothing
            return own if lang in self.grammar else None
        other = "pl" if own == "sg" else "sg"
        aligned = (self.plural if own == "sg" else self.singular).get(lang)
        if aligned and folded == aligned.casefold():
            return other
        return None

    def _numbered(self, lang: str) -> tuple[str, ...]:
        return tuple(x for x in (self.plural.get(lang), self.singular.get(lang)) if x)


@dataclass(frozen=True)
class TermHit:
    """One occurrence of a glossary entry in a source text: text[start:end] is what the source says."""

    entry: GlossaryEntry
    start: int
    end: int
    text: str


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


# How a term reached the output, in the order the pipeline tries them.
# How a term reached the output, in the order they are tried ("human": a reviewed translation, not changed).
STRATEGIES = ("engine", "hypothesis", "lexical", "substitute", "placeholder", "fallback", "human", "none")


@dataclass(frozen=True)
class TermCheck:
    segment_id: str
    entry_id: str
    source: str  # the term as the source writes it
    expected: str  # the glossary's target term, in the source's number
    realized: bool
    strategy: str  # one of STRATEGIES
    found: str = ""  # the term as the output writes it, if it does
    forbidden: tuple[str, ...] = ()  # forbidden renderings found in the segment's output
    reason: str = ""  # why a term is not realized
    grammar: str = ""  # an agreement problem around the term in the output ("el burocracia"), if any

    @property
    def ok(self) -> bool:
        """Realized and grammatical: what --strict-terms asks of every occurrence."""
        return self.realized and not self.grammar

    def to_json(self) -> dict:
        return {"segment_id": self.segment_id, "entry_id": self.entry_id, "source": self.source,
                "expected": self.expected, "realized": self.realized, "strategy": self.strategy, "found": self.found,
                "forbidden": list(self.forbidden), "reason": self.reason, "grammar": self.grammar}


@dataclass(frozen=True)
class TermReport:
    source_lang: str
    target_lang: str
    checks: tuple[TermCheck, ...]
    problems: int = 0  # agreement problems in the whole translation (where the target has an analyser)
    words: int = 0  # words of the translation, for problems per 1,000 words
    unknown: tuple[str, ...] = ()  # source words the engine left untranslated

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
    def ungrammatical(self) -> tuple[TermCheck, ...]:
        return tuple(c for c in self.checks if c.grammar)

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
            "grammar_problems_at_terms": len(self.ungrammatical),
            "agreement_problems": self.problems,
            "words": self.words,
            "left_untranslated": list(self.unknown),
            "occurrences": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class Translation:
    """One document in one target language: blocks with the same ids and markup as the source."""

    source: Document
    source_lang: str
    target_lang: str
    blocks: tuple[Block, ...]
    engine: str  # engine and model identity
    report: TermReport
    seconds: float = 0.0  # time to translate the batch this document was part of
    cached: int = 0  # segments taken from the translation memory
    reviewed: tuple[str, ...] = ()  # segments whose translation a person made or approved (the review store's)
    stale: tuple[str, ...] = ()  # segments a person translated before their source changed: machine output now
    reviewer: str = ""  # who reviewed (the store's Last-Translator)

    def block(self, block_id: str) -> Block:
        return next(b for b in self.blocks if b.id == block_id)

    @property
    def title(self) -> str:
        return plain_text(self.block("title"))


def plain_text(block: Block) -> str:
    return re.sub(r"\s+", " ", strip_markers(block.text)).strip()


