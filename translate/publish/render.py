"""to_html / render_pdf / render_html: a Translation becomes a bilingual pamphlet (Jinja templates and CSS inside
the package, optionally overridden by a theme folder), then a PDF (WeasyPrint, optionally imposed as a booklet) or
one self-contained HTML page.

The only module that knows HTML. Article text reaches HTML through markdown-it with raw HTML off and through
Jinja's autoescape; article images are never loaded (they become links). WeasyPrint gets a URL fetcher that refuses
every URL except `data:` and, when a theme is given, regular files that resolve strictly inside the theme folder and
are at most THEME_FILE_LIMIT bytes; theme templates run in Jinja's sandbox and load only from the theme folder or
the package.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from jinja2 import BaseLoader, ChoiceLoader, PackageLoader, TemplateNotFound, TemplateSyntaxError, select_autoescape
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from .. import __version__, languages
from ..data import TEXT_KINDS, Block, Document, Node, Translation, plain_text
from ..errors import UserError
from .allowlist import SelfContained
from .l10n import Speaker, css_counter_content

TEMPLATE = "pamphlet.html.j2"
STYLESHEETS = ("pamphlet.css", "theme.css")  # theme.css is empty in the package: a theme's own additions
LAYOUTS = ("parallel", "interleaved", "target")
SIDES = ("left", "right")
COMBINED = "pdf/a-3u+pdf/ua-1"
PDF_VARIANTS = (COMBINED, "pdf/a-3u", "pdf/ua-1", "none")
DEFAULT_PDF_VARIANT = COMBINED
THEME_FILE_LIMIT = 10 * 1024 * 1024  # bytes: a theme's image, font or stylesheet
MAX_PASSES = 5  # layouts of one PDF: hyphens moved off page ends, the booklet padded, the fonts named


@dataclass(frozen=True)
class Paper:
    key: str
    size: str  # CSS @page size
    margin: str  # CSS @page margin: top, outside, bottom, inside
    font_size: str
    columns: int  # text columns of the one-flow layouts (interleaved, translation only)
    points: tuple[float, float] = (0.0, 0.0)  # width, height


PAPERS = {
    "a4": Paper("a4", "A4", "19mm 17mm 20mm 17mm", "10.5pt", 2, (595.276, 841.89)),
    "a5": Paper("a5", "A5", "14mm 13mm 16mm 13mm", "9.5pt", 1, (419.528, 595.276)),
    "letter": Paper("letter", "letter", "0.75in 0.65in 0.8in 0.65in", "10.5pt", 2, (612.0, 792.0)),
    # booklet pages only: half of an A5 or a Letter sheet
    "a6": Paper("a6", "A6", "10mm 9mm 12mm 9mm", "9pt", 1, (297.638, 419.528)),
    "half-letter": Paper("half-letter", "5.5in 8.5in", "0.55in 0.5in 0.6in 0.5in", "9.5pt", 1, (396.0, 612.0)),
}
BOOKLET_PAGE = {"a4": "a5", "a5": "a6", "letter": "half-letter"}  # sheet -> the page folded out of it


@dataclass(frozen=True)
class RenderOptions:
    """How a pamphlet is laid out and written. `validate_options` checks one before any work is done."""

    layout: str = "parallel"  # parallel | interleaved | target
    source_side: str = "left"  # the source column in the parallel layout (and which title heads the pages)
    paper: str = "A4"  # A4 | A5 | Letter (case-insensitive); with `booklet`, the sheet the pages are imposed on
    booklet: bool = False  # pages of half the paper, two per sheet side, saddle-stitch order, padded to 4
    pdf_variant: str | None = DEFAULT_PDF_VARIANT  # one of PDF_VARIANTS; None or "none": tagged, no claim
    marks: bool = False  # crop marks (and, on booklet sheets, fold marks) in a bleed around the trimmed page
    theme: Path | None = None  # a folder whose templates, CSS, images and fonts override the package's
    glossaries: tuple[tuple[str, str], ...] = ()  # (name, content hash) of each glossary used, for the colophon
    generated: datetime | None = None  # when, for the colophon and the PDF's dates; None: now


def validate_options(options: RenderOptions) -> None:
    """Every mistake in `options` at once, as one line (a UserError)."""
    errors = []
    if options.layout not in LAYOUTS:
        errors.append(f"layout {options.layout!r} is not one of {', '.join(LAYOUTS)}")
    if options.source_side not in SIDES:
        errors.append(f"source side {options.source_side!r} is not one of {', '.join(SIDES)}")
    paper = PAPERS.get(str(options.paper).lower())
    if paper is None or paper.key not in BOOKLET_PAGE:
        errors.append(f"paper {options.paper!r} is not one of A4, A5, Letter")
    if options.pdf_variant is not None and options.pdf_variant not in PDF_VARIANTS:
        errors.append(f"PDF variant {options.pdf_variant!r} is not one of {', '.join(PDF_VARIANTS)}")
    if options.theme is not None and not Path(options.theme).is_dir():
        errors.append(f"theme {options.theme}: not a folder")
    for item in options.glossaries:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(x, str) and x for x in item)):
            errors.append(f"glossary stamp {item!r} must be a (name, hash) pair")
    if errors:
        raise UserError("; ".join(errors))


def check_design(options: RenderOptions, doc: Document, source_lang: str, target_lang: str) -> None:
    """Before any work: the options valid, and the theme's templates and CSS compiled and rendered once around
    `doc` (the source standing in for its translation), so a broken theme stops the job before anything is
    written rather than after the first article's outputs."""
    from ..data import TermReport

    validate_options(options)
    if options.theme is None:
        return
    trial = Translation(doc, source_lang, target_lang, doc.blocks, "check", TermReport(source_lang, target_lang, ()))
    for standalone in (False, True):
        _html(trial, options, standalone)


def page_paper(options: RenderOptions) -> Paper:
    """The paper of one page: the named paper, or half of it in a booklet (A5 pages on A4 sheets)."""
    key = str(options.paper).lower()
    return PAPERS[BOOKLET_PAGE[key] if options.booklet else key]


def booklet_path(path: Path) -> Path:
    """Where the imposed sheets go, beside the reading copy at `path`: x.en-es.pdf -> x.en-es.booklet.pdf."""
    return path.with_name(path.stem + ".booklet" + path.suffix)


def design_fingerprint(options: RenderOptions) -> str:
    """A hash of everything the page design is made of: the package's templates, CSS and catalogs, the theme
    folder's files and the versions of WeasyPrint and Babel. A changed design changes the hash, so a build knows to
    render again. Hashed once per state of the files (a job asks it for every output): a file's size and
    modification time tell whether it must be read again."""
    theme = None if options.theme is None else str(options.theme)
    return _design_fingerprint(theme, _stat_signature(theme))


def _stat_signature(theme: str | None) -> tuple:
    from .l10n import LOCALE_DIR

    folders = [Path(__file__).parent / "templates", LOCALE_DIR] + ([Path(theme)] if theme else [])
    out = []
    for folder in folders:
        for top, _, names in os.walk(folder):
            for name in names:
                try:
                    st = os.stat(os.path.join(top, name))
                except OSError:
                    continue
                out.append((top, name, st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


@lru_cache(maxsize=8)
def _design_fingerprint(theme: str | None, signature: tuple) -> str:
    from importlib.metadata import version

    from .l10n import LOCALE_DIR

    digest = hashlib.sha256(f"weasyprint {version('weasyprint')} babel {version('babel')}\n".encode())
    folders = [("package", Path(__file__).parent / "templates"), ("locale", LOCALE_DIR)]
    if theme is not None and Path(theme).is_dir():
        folders.append(("theme", Path(theme)))
    for label, folder in folders:
        # os.walk does not follow a symlinked folder out of the theme; theme_file refuses linked files outside it
        files = (Path(top) / name for top, _, names in os.walk(folder) for name in names)
        for path in sorted(files):
            try:
                data = theme_file(folder, path)
            except ValueError as exc:
                data = f"refused: {exc}".encode()
            digest.update(f"{label}/{path.relative_to(folder).as_posix()} {len(data)}\n".encode())
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def glossary_stamp(path: Path, name: str | None = None) -> tuple[str, str]:
    """(name, first 12 hex digits of the file's SHA-256) for the colophon: which glossary, in which state."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return (name or Path(path).stem, digest)


# --- the pamphlet: what the templates see ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    lang: str
    dir: str
    html: Markup  # the block itself: its inline HTML, or the whole element of code, rules and tables
    open: Markup = Markup("")  # the containers around it (lists, items, quotes, notes), opened ...
    close: Markup = Markup("")  # ... and closed


@dataclass(frozen=True)
class Row:
    """One aligned row of the pamphlet: a leaf block (a paragraph, heading, code block, rule), a whole table, or an
    empty list item, in both languages, inside its containers."""

    id: str
    kind: str  # heading, paragraph, code, rule, table, empty (title and subtitle for the title page)
    level: int  # heading level
    marker: str  # unused since lists are real lists; kept for themes that print it
    source: Cell
    target: Cell
    line: int = 0  # the block's line in the article
    depth: int = 0  # how many lists and quotes it is in
    classes: tuple[str, ...] = ()  # in-list, in-quote, note, first-note, continued (not its container's first row)


@dataclass(frozen=True)
class Term:
    """A glossary entry the article uses, for the appendix."""

    entry_id: str
    source: Cell
    target: Cell


@dataclass(frozen=True)
class Metadata:
    """What WeasyPrint writes into the PDF's Info dictionary and XMP (from the <title> and <meta> tags)."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    creator: str
    lang: str
    created: str


@dataclass(frozen=True)
class Pamphlet:
    title: Row
    subtitle: Row | None
    rows: tuple[Row, ...]
    source_lang: languages.Language
    target_lang: languages.Language
    source_title: str
    target_title: str
    author: str
    date: str
    publication: str
    engine: str
    terms: tuple[Term, ...]
    terms_realized: int
    terms_total: int
    glossaries: tuple[tuple[str, str], ...]
    generated: datetime
    images: tuple[str, ...]  # article image URLs, shown as links, never loaded
    paragraphs: int = 0  # translated blocks (for the review notice)
    reviewed: int = 0  # of them, revised by a person (the post-editing store passes it)
    reviewer: str = ""  # who revised them: the review store's Last-Translator, without the e-mail address

    @property
    def review_state(self) -> str:
        """unrevised, partly (revised) or revised: what the title page, colophon and metadata say."""
        if self.reviewed <= 0:
            return "unrevised"
        return "revised" if self.reviewed >= self.paragraphs else "partly"


@dataclass(frozen=True)
class Typesetting:
    """What one layout pass of the PDF learned and the next one uses; the HTML page uses the defaults."""

    fonts: tuple[str, ...] | None = None  # font families embedded, for the colophon (None: not a PDF)
    keep_whole: frozenset[str] = frozenset()  # words not to hyphenate: they fell across a page or column end
    blanks: int = 0  # blank pages before a booklet's back cover
    booklet: bool = False


def _render_image(self, tokens, idx, options, env):
    """An article image becomes a link to it: a pamphlet loads nothing an article names."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    env.setdefault("images", []).append(src)
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a class="image" href="{escapeHtml(src)}">[{escapeHtml(alt)}]</a>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
    md.add_render_rule("image", _render_image)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    return md


def keep_words_whole(html: str, words: frozenset[str]) -> str:
    """Wrap each of `words` found in the text of `html` (not in its tags) in a span that is never hyphenated."""
    if not words:
        return html
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)")

    def text(m: re.Match[str]) -> str:
        return pattern.sub(lambda w: f'<span class="whole">{w.group(1)}</span>', m.group(0))

    return re.sub(r"(?:^|(?<=>))[^<]+", text, html)


def _cell(block: Block, lang: languages.Language, env: dict) -> Cell:
    """A leaf on its own (the title page's titles), without containers."""
    return Cell(lang.code, "rtl" if lang.rtl else "ltr", _leaf_html(block, env))


# --- structure: the document tree as rows ---------------------------------------------------------------------

_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+")
_URL_BREAK = re.compile(r"([/.\-]+)(?=.)")


def _url_html(text: str) -> str:
    """A URL that may break only after / . or - (never hyphenated: see pamphlet.css)."""
    return '<span class="url">' + _URL_BREAK.sub(r"\1<wbr>", escapeHtml(text)) + "</span>"


def _html_tokens(tokens: list) -> list:
    """Inline tokens for HTML: URLs shown in text get their break points."""
    from markdown_it.token import Token

    out = []
    for tok in tokens:
        if tok.type == "text" and _URL.search(tok.content):
            pieces, pos = [], 0
            for m in _URL.finditer(tok.content):
                pieces.append(escapeHtml(tok.content[pos : m.start()]) + _url_html(m.group(0)))
                pos = m.end()
            pieces.append(escapeHtml(tok.content[pos:]))
            out.append(Token("html_inline", "", 0, content="".join(pieces)))
            continue
        if tok.children:
            tok.children = _html_tokens(tok.children)
        out.append(tok)
    return out


def _render_footnote_ref(self, tokens, idx, options, env):
    """A reference to a note of this column: its number, linked to the note in the same column."""
    label = tokens[idx].meta.get("label", "")
    number = env.get("notes", {}).get(label)
    if number is None:
        return escapeHtml(f"[^{label}]")
    side = env.get("side", "t")
    seen = env.setdefault("refs", {})
    seen[(side, label)] = seen.get((side, label), 0) + 1
    suffix = "" if seen[(side, label)] == 1 else f"-{seen[(side, label)]}"
    return (f'<sup class="fnref"><a href="#fn-{side}-{number}" id="fnref-{side}-{number}{suffix}">'
            f"{number}</a></sup>")


def _inline_html(block: Block, env: dict) -> str:
    from .writer import inline_tokens

    titles = {s.title_of: s.text for s in block.segments if s.title_of is not None}
    tokens = _html_tokens(inline_tokens(block.text, block.markup, titles))
    md = _markdown()
    return md.renderer.renderInline(tokens, md.options, env).strip()


def _leaf_html(block: Block, env: dict) -> Markup:
    if block.kind == "code":
        lang = f' class="language-{escapeHtml(block.info.split()[0])}"' if block.info.split() else ""
        return Markup(f"<pre><code{lang}>{escapeHtml(block.literal)}</code></pre>")
    if block.kind == "rule":
        return Markup("<hr>")
    return Markup(keep_words_whole(_inline_html(block, env), env.get("keep_whole", frozenset())))


_ALIGN_CLASS = {"left": ' class="align-left"', "center": ' class="align-center"', "right": ' class="align-right"'}


def _table_html(node: Node, blocks: dict[str, Block], env: dict) -> Markup:
    parts = ['<table class="md">']
    rows = [r for r in node.children if isinstance(r, Node)]
    for section, members in (("thead", [r for r in rows if r.header]), ("tbody", [r for r in rows if not r.header])):
        if not members:
            continue
        parts.append(f"<{section}>")
        for row in members:
            tag = "th" if row.header else "td"
            cells = []
            for i, cell in enumerate(row.children):
                align = _ALIGN_CLASS.get(node.aligns[i] if i < len(node.aligns) else "", "")
                content = _inline_html(blocks[cell], env) if isinstance(cell, str) else ""
                cells.append(f"<{tag}{align}>{content}</{tag}>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(f"</{section}>")
    parts.append("</table>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class _Frame:
    """A container around a row: what it opens and closes in one column."""

    kind: str  # list, item, quote, notes, note
    tag: str
    attrs: str = ""

    def open(self) -> str:
        return f"<{self.tag}{self.attrs}>"

    def close(self) -> str:
        return f"</{self.tag}>"


def _note_numbers(doc: Document) -> dict[str, int]:
    """Footnote labels numbered as markdown-it numbers them: in the order of their first reference."""
    notes = [n for n in doc.body if isinstance(n, Node) and n.kind == "footnote"]
    return {n.label: i for i, n in enumerate(notes, 1)}


def _structure(doc: Document) -> list[tuple[str, Node | str, tuple[tuple[Node, int], ...]]]:
    """(kind, leaf id or table node, path) for every row in order; the path holds each container above the row with
    the row's position in it (for a list: the item's index)."""
    rows: list = []

    def walk(nodes: tuple[Node | str, ...], path: tuple[tuple[Node, int], ...]) -> None:
        for node in nodes:
            if isinstance(node, str):
                rows.append(("leaf", node, path))
            elif node.kind == "table":
                rows.append(("table", node, path))
            elif node.kind in ("bullet_list", "ordered_list"):
                for i, item in enumerate(node.children):
                    assert isinstance(item, Node)
                    inner = path + ((node, i), (item, 0))
                    if item.children:
                        walk(item.children, inner)
                    else:
                        rows.append(("empty", item, inner))
            elif node.children:
                walk(node.children, path + ((node, 0),))
            else:
                rows.append(("empty", node, path + ((node, 0),)))

    walk(doc.body, ())
    return rows


def _start(number: int) -> str:
    # WeasyPrint ignores `start`; the list-item counter it does follow (browsers follow both, to the same number)
    return f' start="{number}" style="counter-reset: list-item {number - 1}"' if number != 1 else ""


def _frames(path: tuple[tuple[Node, int], ...], used: set[str], side: str, notes: dict[str, int]) -> list[_Frame]:
    """The containers of one row in one column: a list item or note already begun in an earlier row continues
    without its marker; an ordered list starts at the number of the row's item."""
    frames = []
    for node, index in path:
        continued = node.id in used
        if node.kind == "bullet_list":
            frames.append(_Frame("list", "ul"))
        elif node.kind == "ordered_list":
            frames.append(_Frame("list", "ol", _start(node.start + index)))
        elif node.kind == "item":
            frames.append(_Frame("item", "li", ' class="continued"' if continued else ""))
        elif node.kind == "quote":
            frames.append(_Frame("quote", "blockquote"))
        elif node.kind == "footnote":
            number = notes.get(node.label, 0)
            frames.append(_Frame("notes", "ol", ' class="notes"' + _start(number)))
            frames.append(_Frame("note", "li", ' class="note continued"' if continued
                                 else f' class="note" id="fn-{side}-{number}"'))
    return frames


def _rows(translation: Translation, src: languages.Language, tgt: languages.Language, env: dict) -> list[Row]:
    """Every row of the body, both columns: the same structure around the source's and the translation's block."""
    source_doc = translation.source
    sides = (("s", src, {b.id: b for b in source_doc.blocks}), ("t", tgt, {b.id: b for b in translation.blocks}))
    notes = _note_numbers(source_doc)
    structure = _structure(source_doc)
    # the last row of each note gets the link back to the note's first reference
    last_of_note: dict[str, int] = {}
    for i, (_, _, path) in enumerate(structure):
        for node, _ in path:
            if node.kind == "footnote":
                last_of_note[node.label] = i
    used: set[str] = set()
    rows = []
    env.setdefault("images", [])
    env.setdefault("refs", {})
    for i, (kind, item, path) in enumerate(structure):
        cells = []
        for side, lang, blocks in sides:
            local = {**env, "side": side, "notes": notes}
            frames = _frames(path, used, side, notes)
            if kind == "table":
                html = _table_html(item, blocks, local)
            elif kind == "empty":
                html = Markup("")
            else:
                html = _leaf_html(blocks[item], local)
            for node, _ in path:
                if node.kind == "footnote" and last_of_note.get(node.label) == i:
                    number = notes.get(node.label, 0)
                    html = html + Markup(f' <a class="fnback" href="#fnref-{side}-{number}" aria-label="back">↩</a>')
            cells.append(Cell(lang.code, "rtl" if lang.rtl else "ltr", html,
                              Markup("".join(f.open() for f in frames)),
                              Markup("".join(f.close() for f in reversed(frames)))))
        leaf = sides[0][2][item] if kind == "leaf" else None
        row_kind = "table" if kind == "table" else "empty" if kind == "empty" else leaf.kind
        classes = []
        kinds = [node.kind for node, _ in path]
        if any(k in ("bullet_list", "ordered_list") for k in kinds):
            classes.append("in-list")
        if "quote" in kinds:
            classes.append("in-quote")
        if "footnote" in kinds:
            classes.append("note")
            if path[0][0].label == next(iter(notes), None) and path[0][0].id not in used:
                classes.append("first-note")
        if any(node.id in used for node, _ in path if node.kind in ("item", "footnote", "quote")):
            classes.append("continued")
        used.update(node.id for node, _ in path)
        line = leaf.line if leaf is not None else item.line
        rows.append(Row(item if isinstance(item, str) else item.id, row_kind, leaf.level if leaf else 0, "",
                        cells[0], cells[1], line, sum(k in ("bullet_list", "ordered_list", "quote") for k in kinds),
                        tuple(classes)))
    return rows


def _terms(translation: Translation, src: languages.Language, tgt: languages.Language) -> tuple[Term, ...]:
    first: dict[str, Term] = {}
    for check in translation.report.checks:
        if check.entry_id not in first and check.expected:
            first[check.entry_id] = Term(
                check.entry_id,
                Cell(src.code, "rtl" if src.rtl else "ltr", Markup.escape(check.source)),
                Cell(tgt.code, "rtl" if tgt.rtl else "ltr", Markup.escape(check.expected)),
            )
    return tuple(sorted(first.values(), key=lambda t: str(t.source.html).casefold()))


def build_pamphlet(
    translation: Translation,
    glossaries: tuple[tuple[str, str], ...] = (),
    generated: datetime | None = None,
    reviewed: int = 0,
    keep_whole: frozenset[str] = frozenset(),
) -> Pamphlet:
    src = languages.get(translation.source_lang)
    tgt = languages.get(translation.target_lang)
    # shared by every cell's rendering: images named, footnote references made, words kept whole
    env: dict = {"images": [], "refs": {}, "keep_whole": keep_whole}
    head = {}
    targets = {b.id: b for b in translation.blocks}
    for source in translation.source.blocks:
        if source.kind in ("title", "subtitle"):
            head[source.id] = Row(source.id, source.kind, source.level, "", _cell(source, src, env),
                                  _cell(targets[source.id], tgt, env), source.line)
    rows = _rows(translation, src, tgt, env)
    meta = translation.source.meta
    body = tuple(r for r in rows if r.kind not in ("title", "subtitle"))
    return Pamphlet(
        title=head["title"],
        subtitle=head.get("subtitle"),
        rows=body,
        source_lang=src,
        target_lang=tgt,
        source_title=plain_text(next(b for b in translation.source.blocks if b.id == "title")),
        target_title=translation.title,
        author=meta.author,
        date=str(meta.date or ""),
        publication=meta.publication,
        engine=translation.engine,
        terms=_terms(translation, src, tgt),
        terms_realized=translation.report.realized,
        terms_total=translation.report.total,
        glossaries=tuple(glossaries),
        generated=(generated or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0),
        images=tuple(dict.fromkeys(env.get("images", []))),
        paragraphs=sum(1 for r in body if r.kind in TEXT_KINDS),
        reviewed=reviewed,
        reviewer=_person(getattr(translation, "reviewer", "")),
    )


def _person(translator: str) -> str:
    """A Last-Translator header as printed: "Ana Pérez <ana@example.org>" -> "Ana Pérez" (no address in print)."""
    name = re.sub(r"<[^>]*>", "", translator or "").strip()
    return re.sub(r"\s+", " ", name)


def review_notice(X: Speaker, p: Pamphlet) -> str:
    """The colophon's sentence on review: how many paragraphs a person revised and who, or that none was."""
    state = p.review_state
    if state == "unrevised":
        return X.gettext("This is an unrevised machine translation: no person has checked it.")
    if state == "revised":
        if p.reviewer:
            return X.gettext("Every paragraph has been revised by %(translator)s.", translator=p.reviewer)
        return X.gettext("Every paragraph has been revised by the editors.")
    # one literal per message, as the catalogs' completeness test reads them
    if p.reviewer:
        return X.gettext("Paragraphs revised by %(translator)s: %(reviewed)s of %(total)s. The rest is unrevised machine translation.",  # noqa: E501
                         translator=p.reviewer, reviewed=p.reviewed, total=p.paragraphs)
    return X.gettext("Paragraphs revised by the editors: %(reviewed)s of %(total)s. The rest is unrevised machine translation.",  # noqa: E501
                     reviewed=p.reviewed, total=p.paragraphs)


def pamphlet_metadata(p: Pamphlet, layout: str) -> Metadata:
    T = Speaker(p.target_lang.code)
    if p.review_state == "revised":  # a revised text is not called machine output
        how = {
            "parallel": T.gettext("Original and revised translation, side by side"),
            "interleaved": T.gettext("Original and revised translation, paragraph by paragraph"),
            "target": T.gettext("Revised translation"),
        }[layout]
        kind = [T.gettext("Revised translation")]
    else:
        how = {
            "parallel": T.gettext("Original and machine translation, side by side"),
            "interleaved": T.gettext("Original and machine translation, paragraph by paragraph"),
            "target": T.gettext("Machine translation"),
        }[layout]
        kind = [T.gettext("Machine translation")] + ([T.gettext("Revised translation")] if p.reviewed else [])
    title = p.target_title if layout == "target" else f"{p.source_title} / {p.target_title}"
    names = f"{T.language(p.source_lang.code)} → {T.language(p.target_lang.code)}"
    keywords = [T.language(p.source_lang.code), T.language(p.target_lang.code), *kind,
                T.gettext("bilingual") if layout != "target" else "", p.publication]
    keywords += [t.target.html.unescape() for t in p.terms[:12]]
    revised = (f"; {p.reviewed} of {p.paragraphs} paragraphs revised by {p.reviewer or 'the editors'}"
               if p.reviewed else "")
    return Metadata(
        title=title,
        author=p.author or p.publication or T.gettext("unknown author"),
        subject=f"{how} ({names}). {review_notice(T, p)}",
        keywords=tuple(k.replace(",", " ") for k in dict.fromkeys(keywords) if k),
        creator=f"translate {__version__} (offline machine translation: {p.engine}{revised})",
        lang=p.target_lang.code,  # made for readers of the translation; every block carries its own lang
        created=p.generated.isoformat().replace("+00:00", "Z"),
    )


# --- themes: confined files, sandboxed templates -------------------------------------------------------------


def theme_file(root: Path, path: Path) -> bytes:
    """The bytes of `path` if it resolves (symlinks and `..` followed) to a regular file strictly inside `root`
    and is at most THEME_FILE_LIMIT bytes; ValueError otherwise."""
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    if real == base or not real.is_relative_to(base):
        raise ValueError(f"{path}: outside the theme folder {root}")
    if not real.is_file():
        raise ValueError(f"{path}: not a file in the theme folder")
    with open(real, "rb") as handle:
        if os.fstat(handle.fileno()).st_size > THEME_FILE_LIMIT:
            raise ValueError(f"{path}: larger than {THEME_FILE_LIMIT} bytes")
        data = handle.read(THEME_FILE_LIMIT + 1)
    if len(data) > THEME_FILE_LIMIT:
        raise ValueError(f"{path}: larger than {THEME_FILE_LIMIT} bytes")
    return data


class ThemeLoader(BaseLoader):
    """Templates from a theme folder, through `theme_file`; a template the theme lacks comes from the package."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def get_source(self, environment, template):
        path = self.root.joinpath(*split_template_path(template))
        if not path.exists() and not path.is_symlink():
            raise TemplateNotFound(template)
        try:
            source = theme_file(self.root, path).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise UserError(f"theme template {path}: {exc}") from None
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.exists() and path.stat().st_mtime == mtime


@lru_cache(maxsize=8)
def _environment(theme: str | None) -> SandboxedEnvironment:
    package = PackageLoader("translate.publish", "templates")
    loader = ChoiceLoader([ThemeLoader(Path(theme)), package]) if theme else package
    return SandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _file_path(url: str, base: Path | None) -> Path | None:
    """The local path a `file:` URL (or a relative reference, against `base`) names; None for other schemes."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            return None
        return Path(url2pathname(parts.path))
    if not parts.scheme and not parts.netloc and base is not None and parts.path:
        return base / unquote(parts.path)
    return None


def _data_uri(data: bytes, name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _inliner(theme: Path | None):
    """inline(url): the data: URL of the theme file `url` names (relative to the theme folder, or file:), if it
    is one theme_file allows; None otherwise."""

    def inline(url: str) -> str | None:
        path = _file_path(url, theme) if theme else None
        if path is None:
            return None
        try:
            return _data_uri(theme_file(theme, path), path.name)
        except ValueError:
            return None

    return inline


# --- HTML --------------------------------------------------------------------------------------------------------


def _cjk_order(p: Pamphlet) -> tuple[str, ...]:
    """Noto CJK regions, the pamphlet's own first: Han characters take Japanese or Korean forms where they should."""
    own = [{"ja": "JP", "ko": "KR", "zh": "SC"}.get(lang.code) for lang in (p.target_lang, p.source_lang)]
    return tuple(dict.fromkeys([r for r in own if r] + ["SC", "JP", "KR"]))


def _speakers(p: Pamphlet) -> dict[str, Speaker]:
    return {"source": Speaker(p.source_lang.code), "target": Speaker(p.target_lang.code)}


def _machine_line(T: Speaker, source: str, review: str = "unrevised") -> str:
    """The title page's line under the translation's title: what the text is, revised or not."""
    if review == "revised":
        if source == "en":
            return T.gettext("Translation from English, revised by the editors")
        return T.gettext("Translation (original language: %(language)s), revised by the editors",
                         language=T.language(source))
    if review == "partly":
        if source == "en":
            return T.gettext("Machine translation from English, partly revised by the editors")
        return T.gettext("Machine translation (original language: %(language)s), partly revised by the editors",
                         language=T.language(source))
    if source == "en":
        return T.gettext("Machine translation from English")
    return T.gettext("Machine translation (original language: %(language)s)", language=T.language(source))


def _html(
    translation: Translation, options: RenderOptions, standalone: bool, reviewed: int = 0,
    setting: Typesetting = Typesetting(), css_apart: list[str] | None = None,
) -> tuple[str, list[str], Pamphlet]:
    """The pamphlet's HTML, the theme URLs refused, the pamphlet. Given `css_apart` (a list, for the PDF of a
    pamphlet without a theme), the stylesheets are left out of the page and put in it, for WeasyPrint to parse
    once per process rather than once per page."""
    validate_options(options)
    pamphlet = build_pamphlet(translation, options.glossaries, options.generated, reviewed, setting.keep_whole)
    theme = Path(options.theme) if options.theme else None
    env = _environment(str(Path(os.path.realpath(theme))) if theme else None)
    assets = SelfContained(_inliner(theme))
    sides = ("source", "target") if options.source_side == "left" else ("target", "source")
    speakers = _speakers(pamphlet)
    # the parallel layout labels each column in its own language; the others speak the translation's
    folio_sides = sides if options.layout == "parallel" else ("target",)
    folios = tuple(css_counter_content(speakers[side].raw("Page %(page)s of %(pages)s"),
                                       {"page": "page", "pages": "pages"}) for side in folio_sides)
    context = dict(
        p=pamphlet,
        meta=pamphlet_metadata(pamphlet, options.layout),
        layout=options.layout,
        source_side=options.source_side,
        sides=sides,
        paper=page_paper(options),
        cjk=_cjk_order(pamphlet),
        standalone=standalone,
        S=speakers["source"],
        T=speakers["target"],
        speakers=speakers,
        machine_line=_machine_line(speakers["target"], pamphlet.source_lang.code, pamphlet.review_state),
        review_notice=review_notice,
        folios=folios,
        stamps=[f"{name} (SHA-256 {digest})" for name, digest in pamphlet.glossaries],
        fonts=setting.fonts,
        blanks=setting.blanks,
        booklet=setting.booklet,
        marks=options.marks and not setting.booklet,
    )
    try:
        # one <style> each: a theme's own @import rules stay at the top of their sheet, where CSS reads them
        stylesheets = [Markup(env.get_template(name).render(context)) for name in STYLESHEETS]
        if css_apart is not None and theme is None:
            css_apart.extend(str(css) for css in stylesheets if str(css).strip())
            stylesheets = []
        html = env.get_template(TEMPLATE).render(context, stylesheets=stylesheets)
    except UserError:
        raise
    except Exception as exc:  # a theme's {{ 1 // 0 }} or self-include fails as Python, not as a TemplateError
        if theme is None:
            raise
        where = f"{getattr(exc, 'filename', None) or theme}:{getattr(exc, 'lineno', '') or ''}".rstrip(":")
        if not isinstance(exc, TemplateSyntaxError):
            import traceback

            # Jinja rewrites tracebacks so that a template's frames name its file and line
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".j2", ".css"))]
            if frames:
                where = f"{frames[-1].filename}:{frames[-1].lineno}"
        what = getattr(exc, "message", None) or " ".join(str(exc).split())[:200] or type(exc).__name__
        if isinstance(exc, RecursionError):
            what = "templates include each other without end"
        raise UserError(f"theme {where}: {what}") from None
    if standalone:
        html = assets.page(html)
    return html, assets.refused, pamphlet


def to_html(translation: Translation, options: RenderOptions = RenderOptions(), standalone: bool = True,
            reviewed: int = 0) -> str:
    """The pamphlet as HTML. `standalone`: theme files inlined, for the web; otherwise for WeasyPrint."""
    return _html(translation, options, standalone, reviewed)[0]


def render_html(translation: Translation, path: Path, options: RenderOptions = RenderOptions(),
                reviewed: int = 0) -> list[str]:
    """Write the self-contained HTML page at `path` (atomically); returns the URLs it did not inline."""
    from ..files import write_atomic

    html, refused, pamphlet = _html(translation, options, standalone=True, reviewed=reviewed)
    write_atomic(path, html)
    return list(pamphlet.images) + refused


# --- PDF ----------------------------------------------------------------------------------------------------------


def _fetcher(theme: Path | None = None):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PamphletFetcher(URLFetcher):
        """Refuses every URL (no file, no network), except data: URLs and, with a theme, the theme's own files."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _file_path(url, None) if theme is not None else None
            if path is not None:
                try:
                    data = theme_file(theme, path)
                except ValueError as exc:
                    self.refused.append(url)
                    raise ValueError(f"refused to load {url!r}: {exc}") from None
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, data, {"Content-Type": kind})
            self.refused.append(url)
            raise ValueError(f"refused to load {url!r}: pamphlets load nothing from files or the network")

    return PamphletFetcher()


def _refusing_fetcher():
    return _fetcher(None)


@lru_cache(maxsize=1)
def _font_config():
    """One font configuration per process: fontconfig's view of the machine's fonts is made once."""
    import atexit

    from weasyprint.text.fonts import FontConfiguration

    atexit.register(_release_fonts)
    return FontConfiguration()


def _release_fonts() -> None:
    """Let the font configuration go while the interpreter still runs: freed at shutdown, WeasyPrint's clean-up
    finds its C bindings gone and prints a TypeError."""
    import gc

    _parsed_css.cache_clear()
    _font_config.cache_clear()
    gc.collect()


@lru_cache(maxsize=16)
def _parsed_css(text: str):
    """The package's stylesheet for one paper, layout and language, parsed once per process (it is the same for
    every article of a job)."""
    from weasyprint import CSS

    return CSS(string=text, url_fetcher=_refusing_fetcher(), font_config=_font_config())


def _layout(html: str, theme: Path | None, css: Sequence[str] = ()):
    """WeasyPrint's layout of `html` (a Document of pages), and the URLs its fetcher refused. `css`: stylesheets
    kept out of the page (see _html)."""
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = _fetcher(theme)
    base_url = theme.resolve().as_uri() + "/" if theme is not None else None
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=[_parsed_css(text) for text in css], font_config=_font_config())
    return document, fetcher.refused


def _write(document, pdf_variant: str | None) -> bytes:
    """The laid-out document as PDF bytes: tagged always (PDF/UA's structure, /Lang, artifacts), and claiming
    the conformance `pdf_variant` names."""
    from .tagging import StructureNotes, finish, noting_structure

    variant = None if pdf_variant in (None, "none") else pdf_variant
    weasy_variant = "pdf/a-3u" if variant == COMBINED else variant
    notes = StructureNotes()
    with noting_structure(notes):
        pdf = document.write_pdf(pdf_variant=weasy_variant, pdf_tags=True, finisher=lambda _doc, out: notes.apply(out))
    return finish(pdf, claim_ua_in_pdfa=variant == COMBINED)


def _write_pdf(html: str, theme: Path | None, pdf_variant: str | None) -> tuple[bytes, list[str]]:
    document, refused = _layout(html, theme)
    return _write(document, pdf_variant), refused


def to_pdf(html: str, path: Path, title: str = "", theme: Path | None = None,
           pdf_variant: str | None = DEFAULT_PDF_VARIANT) -> list[str]:
    """Render HTML to a PDF at `path` (atomically), through the same writer as pamphlets; returns the URLs the
    fetcher refused."""
    from ..files import write_atomic

    pdf, refused = _write_pdf(html, theme, pdf_variant)
    write_atomic(path, pdf)
    return refused


HYPHENS = ("\u2010", "-")  # what ends a line broken inside a word: hyphens: auto's character, or a hard hyphen


def _line_text(line) -> str:
    from weasyprint.formatting_structure import boxes

    return "".join(b.text for b in line.descendants() if isinstance(b, boxes.TextBox))


def hyphenation_faults(document) -> list[tuple[int, str]]:
    """(page number, whole word) for every word broken where the reader must turn the page or go to the next column
    for its rest, and for the third hyphenated line in a row."""
    from weasyprint.formatting_structure import boxes

    # every line of each element, in reading order: a paragraph's fragments follow each other across pages
    lines_of: dict[int, list[tuple[int, str, bool]]] = {}  # element -> (page, text, last line of its fragment)

    def visit(box, page: int) -> None:
        if isinstance(box, boxes.MarginBox):
            return
        lines = [c for c in getattr(box, "children", ()) if isinstance(c, boxes.LineBox)]
        if lines and box.element is not None:
            own = lines_of.setdefault(id(box.element), [])
            own.extend((page, _line_text(line).rstrip(" "), i == len(lines) - 1) for i, line in enumerate(lines))
            return
        for child in getattr(box, "children", ()):
            visit(child, page)

    for number, page in enumerate(document.pages, start=1):
        visit(page._page_box, number)
    faults = []
    for lines in lines_of.values():
        run = 0
        for i, (page, text, fragment_end) in enumerate(lines):
            broken = text.endswith(HYPHENS) and len(text) > 1 and text[-2].isalpha() and i + 1 < len(lines)
            run = run + 1 if broken else 0
            if broken and (fragment_end or run >= 3):
                head = re.split(r"[^\w\u2010-]", text[:-1])[-1]
                tail = re.match(r"[\w\u2010-]*", lines[i + 1][1]).group(0)
                faults.append((page, head + ("-" if text.endswith("-") else "") + tail))
                run = 0
    return faults


def _embedded_families(document) -> tuple[str, ...]:
    return tuple(dict.fromkeys(sorted({font.family for font in document.fonts.values()}, key=_family_order)))


def _family_order(family: str) -> tuple[int, str]:
    # the text face first, then the sans of headings and furniture, then the rest (monospace, other scripts)
    rank = 0 if "Serif" in family else 1 if "Sans" in family and "Mono" not in family else 2
    return (rank, family)


def _first_guess(translation: Translation) -> tuple[str, ...]:
    code = any(b.kind == "code" or any(m.kind == "code" for m in b.markup) for b in translation.source.blocks)
    return ("Noto Serif", "Noto Sans") + (("DejaVu Sans Mono",) if code else ())


_FONTS_SEEN: dict[tuple, tuple[str, ...]] = {}


def typeset(translation: Translation, options: RenderOptions = RenderOptions(), reviewed: int = 0,
            on_pass=None):
    """Lay the pamphlet out until no page or column ends inside a word, the booklet's pages are a multiple of
    four and the colophon names the fonts embedded (each pass fixes what the one before it found; MAX_PASSES at
    most). Returns (pdf bytes of the reading copy, WeasyPrint document, refused URLs, pamphlet)."""
    validate_options(options)
    theme = Path(options.theme) if options.theme else None
    key = (str(theme), options.layout, translation.source_lang, translation.target_lang, _first_guess(translation))
    setting = Typesetting(fonts=_FONTS_SEEN.get(key, _first_guess(translation)), booklet=options.booklet)
    refused: list[str] = []
    for attempt in range(1, MAX_PASSES + 1):
        css: list[str] = []
        html, _, pamphlet = _html(translation, options, standalone=False, reviewed=reviewed, setting=setting,
                                  css_apart=css)
        document, refused = _layout(html, theme, css)
        if on_pass:
            on_pass(attempt)
        changes: dict = {}
        whole = {word for _, word in hyphenation_faults(document)} - setting.keep_whole
        if whole:
            changes["keep_whole"] = setting.keep_whole | whole
        if options.booklet:
            blanks = (setting.blanks - len(document.pages)) % 4
            if blanks != setting.blanks:
                changes["blanks"] = blanks
        if changes and attempt < MAX_PASSES:
            setting = replace(setting, **changes)
            continue
        pdf = _write(document, options.pdf_variant)
        fonts = _embedded_families(document)
        _FONTS_SEEN[key] = fonts
        if fonts == setting.fonts or attempt == MAX_PASSES:
            return pdf, document, refused, pamphlet
        setting = replace(setting, fonts=fonts)
    raise AssertionError("unreachable")


def pdf_bytes(translation: Translation, options: RenderOptions = RenderOptions(),
              reviewed: int = 0) -> tuple[bytes, list[str]]:
    """The pamphlet as PDF bytes (the imposed sheets if `options.booklet`), and the URLs not loaded."""
    reading, imposed, refused = _pdfs(translation, options, reviewed)
    return imposed or reading, refused


def _pdfs(translation: Translation, options: RenderOptions, reviewed: int = 0, on_pass=None):
    pdf, _, refused, pamphlet = typeset(translation, options, reviewed, on_pass)
    imposed = None
    if options.booklet:
        from .booklet import impose

        sheet = PAPERS[str(options.paper).lower()].points
        imposed = impose(pdf, sheet=(sheet[1], sheet[0]), marks=options.marks)
    return pdf, imposed, list(pamphlet.images) + refused


def render_pdf(translation: Translation, path: Path, options: RenderOptions = RenderOptions(),
               reviewed: int = 0, on_pass=None) -> list[str]:
    """Write the pamphlet PDF at `path` (atomically) and, for a booklet, the imposed sheets at booklet_path(path);
    returns the URLs not loaded (article images, refused)."""
    from ..files import write_atomic

    reading, imposed, refused = _pdfs(translation, options, reviewed, on_pass)
    if imposed is not None:
        write_atomic(booklet_path(path), imposed)
    write_atomic(path, reading)
    return refused
