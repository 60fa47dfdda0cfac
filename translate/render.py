"""to_html / to_pdf: a Translation becomes a bilingual pamphlet (Jinja template, CSS), then a PDF (WeasyPrint).

The only module that knows HTML. Article text reaches HTML through markdown-it with raw HTML off and through
Jinja's autoescape; WeasyPrint gets a URL fetcher that refuses every URL, so an article can neither read local
files nor reach the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import languages
from .document import Block
from .pipeline import Translation, plain_text
from .writer import inline_markdown

TEMPLATE = "pamphlet.html.j2"
STYLESHEET = "pamphlet.css"


@dataclass(frozen=True)
class Cell:
    lang: str
    dir: str
    html: Markup


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    level: int
    marker: str
    source: Cell
    target: Cell


@dataclass(frozen=True)
class Pamphlet:
    title: Row
    subtitle: Row | None
    rows: tuple[Row, ...]
    source_lang: languages.Language
    target_lang: languages.Language
    author: str
    date: str
    publication: str
    engine: str
    terms_realized: int
    terms_total: int
    generated: str


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("translate", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _cell(block: Block, lang: languages.Language) -> Cell:
    if block.kind == "code":
        html = Markup("<pre><code>{}</code></pre>").format(block.literal)
    elif block.kind == "rule":
        html = Markup("<hr>")
    else:
        html = Markup(_markdown().renderInline(inline_markdown(block.text, block.markup)))
    return Cell(lang.code, "rtl" if lang.rtl else "ltr", html)


def build_pamphlet(translation: Translation) -> Pamphlet:
    src = languages.get(translation.source_lang)
    tgt = languages.get(translation.target_lang)
    rows = []
    for source, target in zip(translation.source.blocks, translation.blocks):
        rows.append(Row(source.id, source.kind, source.level, source.marker, _cell(source, src), _cell(target, tgt)))
    by_id = {r.id: r for r in rows}
    meta = translation.source.meta
    return Pamphlet(
        title=by_id["title"],
        subtitle=by_id.get("subtitle"),
        rows=tuple(r for r in rows if r.kind not in ("title", "subtitle")),
        source_lang=src,
        target_lang=tgt,
        author=meta.author,
        date=meta.date,
        publication=meta.publication,
        engine=translation.engine,
        terms_realized=translation.report.realized,
        terms_total=translation.report.total,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    )


def stylesheet() -> str:
    return _environment().loader.get_source(_environment(), STYLESHEET)[0]


def to_html(pamphlet: Pamphlet) -> str:
    return _environment().get_template(TEMPLATE).render(p=pamphlet, css=Markup(stylesheet()))


def _refusing_fetcher():
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        """Every resource an article names (images, stylesheets, fonts by URL) is refused: no file, no network."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            self.refused.append(url)
            raise ValueError(f"refused to load {url!r}: pamphlets load nothing from files or the network")

    return RefusingFetcher()


def to_pdf(html: str, path: Path, title: str = "") -> list[str]:
    """Render HTML to a PDF at `path` (atomically); returns the URLs the fetcher refused."""
    import logging

    from weasyprint import HTML

    from .writer import write_atomic

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = _refusing_fetcher()
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    write_atomic(path, pdf)
    return fetcher.refused


def render_pdf(translation: Translation, path: Path) -> list[str]:
    return to_pdf(to_html(build_pamphlet(translation)), path, plain_text(translation.blocks[0]))
