"""The bilingual PDF, read back with poppler's tools."""

import re
import subprocess

import pytest
from conftest import SEED, needs_apertium, pdf_text
from pypdf import PdfReader

from translate.data import strip_markers
from translate.document import read_article
from translate.engines.apertium import ApertiumEngine
from translate.pipeline import translate_document
from translate.publish.render import render_pdf
from translate.terms.glossary import load_glossary

pytestmark = needs_apertium


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):

    gloss = tmp_path_factory.mktemp("g") / "g.yaml"
    gloss.write_text("entries:\n- id: working-class\n  terms: {en: working class, es: clase obrera}\n")
    doc = read_article(SEED)
    translation = translate_document(doc, "en", "es", ApertiumEngine(), load_glossary(gloss).entries)
    path = tmp_path_factory.mktemp("pdf") / "seed.en-es.pdf"
    render_pdf(translation, path)
    return path, doc, translation


def _words(text):
    return re.sub(r"\s+", " ", text).strip()


def test_both_languages_in_paragraph_order(seed_pdf):
    path, doc, translation = seed_pdf
    text = _words(pdf_text(path, layout=False))
    assert "Ukrainian workers refuse to end occupations!" in text
    assert translation.title.split()[0] in text
    # every block's opening words appear, in document order, on both sides
    positions_src, positions_tgt = [], []
    for source, target in zip(doc.blocks, translation.blocks):
        src_start = " ".join(strip_markers(source.text).split()[:3])
        tgt_start = " ".join(strip_markers(target.text).split()[:2])
        positions_src.append(text.find(src_start))
        positions_tgt.append(text.find(tgt_start))
    assert -1 not in positions_src and -1 not in positions_tgt
    assert positions_src == sorted(positions_src) and positions_tgt == sorted(positions_tgt)


def test_source_left_translation_right(seed_pdf):
    path, _, _ = seed_pdf
    lines = pdf_text(path, layout=True).splitlines()
    row = next(line for line in lines if "THE agreement" in line)
    assert row.index("THE agreement") < row.index("El acuerdo")


def test_page_numbers_and_running_title(seed_pdf):
    path, _, _ = seed_pdf
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    assert "Ukrainian workers refuse to end occupations!" in reader.pages[1].extract_text()


def test_every_font_embedded(seed_pdf):
    path, _, _ = seed_pdf
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column


def test_latin_cyrillic_greek_render_with_real_glyphs(tmp_path):
    from pathlib import Path

    from translate.data import Document, Meta, TermReport, Translation
    from translate.document import inline_block

    src = (inline_block("title", "title", "Workers of the world"),
           inline_block("b1", "paragraph", "Unite, comrades."))
    tgt = (inline_block("title", "title", "Пролетарии всех стран"),
           inline_block("b1", "paragraph", "Соединяйтесь! Ἐργάται πάντων τῶν χωρῶν, ἑνωθεῖτε."))
    doc = Document(Path("x.md"), "x", Meta(title="Workers of the world"), src)
    translation = Translation(doc, "en", "ru", tgt, "test", TermReport("en", "ru", ()))
    path = tmp_path / "x.pdf"
    render_pdf(translation, path)
    text = pdf_text(path)
    assert "Пролетарии всех стран" in text and "Ἐργάται πάντων" in text and "Unite, comrades." in text
