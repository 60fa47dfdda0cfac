"""Typography of the pamphlet as a typographer checks it, on real renders of the seed article (Apertium en->es):
no word broken across a page or column end, no three hyphenated lines in a row, no fragment under 3 letters, body
sizes, and the appendix after the text when it fits."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SEED, pdf_text
from pdf_lines import hyphenation_faults, page_lines

from translate.data import Document, Meta, TermCheck, TermReport, Translation
from translate.document import inline_block, read_article
from translate.publish.render import RenderOptions, render_pdf, typeset

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def seed():
    if shutil.which("apertium") is None:
        pytest.skip("apertium is not installed")
    from translate.engines.apertium import ApertiumEngine
    from translate.pipeline import translate_document

    return translate_document(read_article(SEED), "en", "es", ApertiumEngine(), ())


@pytest.mark.parametrize("layout", ["parallel", "interleaved", "target"])
@pytest.mark.parametrize("paper", ["A4", "A5", "Letter"])
def test_no_word_broken_across_a_page_or_column_and_short_hyphenation(seed, tmp_path, layout, paper):
    path = tmp_path / "x.pdf"
    render_pdf(seed, path, RenderOptions(layout=layout, paper=paper, generated=WHEN))
    heads = (seed.source.meta.title, seed.title)
    assert hyphenation_faults(path, heads) == []
    pages, _ = page_lines(path)
    assert any(line.text.endswith("\u2010") for lines in pages for line in lines)  # hyphenation on: work to check


def test_the_check_finds_a_word_broken_at_a_page_end(seed, tmp_path, monkeypatch):
    """With the passes that keep such words whole switched off, the A5 parallel pamphlet breaks words at page ends
    (the issue's "Seguri-/dad"), and the check sees them."""
    import translate.publish.render as render

    monkeypatch.setattr(render, "hyphenation_faults", lambda document: [])
    path = tmp_path / "x.pdf"
    render_pdf(seed, path, RenderOptions(paper="A5", generated=WHEN))
    assert any("column ends in a hyphenated word" in f for f in hyphenation_faults(path, (seed.source.meta.title, seed.title)))


@pytest.mark.parametrize("paper,minimum", [("A4", 10), ("A5", 9.5), ("Letter", 10)])
@pytest.mark.parametrize("layout", ["parallel", "interleaved", "target"])
def test_body_text_size(seed, paper, minimum, layout):
    """Every line of the article's text (source and translation) in the layout WeasyPrint made."""
    from weasyprint.formatting_structure import boxes

    _, document, _, _ = typeset(seed, RenderOptions(layout=layout, paper=paper, pdf_variant="none", generated=WHEN))
    sizes = set()

    def visit(box, inside: bool) -> None:
        classes = (box.element.get("class") or "") if box.element is not None else ""
        inside = inside or box.element_tag == "main" or "parallel" in classes.split()
        if box.element_tag in ("th", "thead"):
            return
        if isinstance(box, boxes.TextBox) and inside and box.text.strip():
            sizes.add(round(box.style["font_size"] * 0.75, 2))  # CSS px to pt
        for child in getattr(box, "children", ()):
            visit(child, inside)

    for page in document.pages:
        visit(page._page_box, False)
    assert sizes and min(sizes) >= minimum, sizes


def _short(words: int) -> Translation:
    sentence = "The workers of the port hold their meeting and vote to strike for the wage. "
    body = (sentence * (words // 15)).strip()
    target_body = ("Los trabajadores del puerto celebran su asamblea y votan la huelga por el salario. "
                   * (words // 15)).strip()
    source = (inline_block("title", "title", "Dockers strike"), inline_block("b1", "paragraph", body))
    target = (inline_block("title", "title", "Huelga de estibadores"), inline_block("b1", "paragraph", target_body))
    doc = Document(Path("short.md"), "short", Meta(title="Dockers strike"), source)
    check = TermCheck("b1.s1", "strike", "strike", "huelga", True, "engine", "huelga")
    return Translation(doc, "en", "es", target, "test engine 1.0", TermReport("en", "es", (check,)))


@pytest.mark.parametrize("layout", ["parallel", "interleaved", "target"])
def test_glossary_and_colophon_follow_a_short_article_on_its_page(tmp_path, layout):
    path = tmp_path / "short.pdf"
    render_pdf(_short(180), path, RenderOptions(layout=layout, generated=WHEN))
    pages = pdf_text(path).split("\f")[:-1]
    assert len(pages) == 2, [p[:80] for p in pages]  # the title page, then text, glossary and colophon together
    assert "GLOSARIO" in pages[1] and "COLOFÓN" in pages[1] and "Los trabajadores del puerto" in pages[1]
