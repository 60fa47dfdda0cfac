"""The pamphlet's fixed text in its reader's language: complete catalogs for every glossary language, and the
rendered pamphlet, its dates and language names in them."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from conftest import GLOSSARY

from translate.data import Document, Meta, TermReport, Translation
from translate.document import inline_block
from translate.publish import l10n
from translate.publish.render import RenderOptions, to_html

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
PACKAGE = Path(l10n.__file__).parent
CALL = re.compile(r"""\.(n?gettext|raw)\(\s*"((?:[^"\\]|\\.)*)"(?:,\s*"((?:[^"\\]|\\.)*)")?""")


def _messages() -> set[str]:
    found = set()
    for path in [*PACKAGE.glob("templates/*"), PACKAGE / "render.py"]:
        for kind, first, second in CALL.findall(path.read_text(encoding="utf-8")):
            found.add(first)
    return found


def _catalog(lang: str):
    from babel.messages.pofile import read_po

    with open(l10n.catalog_path(lang), "rb") as handle:
        return read_po(handle, locale=lang)


def _languages() -> list[str]:
    glossary = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))
    return sorted((set(glossary["languages"]) | {"ca"}) - {"en"})


def test_every_glossary_language_has_a_catalog():
    assert set(_languages()) <= set(l10n.catalog_languages())


@pytest.mark.parametrize("lang", _languages())
def test_catalog_translates_every_fixed_string_with_the_same_placeholders(lang):
    catalog = _catalog(lang)
    used = _messages()
    assert len(used) >= 15
    ids = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    for msgid in used:
        message = ids.get(msgid)
        assert message is not None and not message.fuzzy, (lang, msgid)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert string and set(re.findall(r"%\(\w+\)s", string)) == set(re.findall(r"%\(\w+\)s", msgid)), (
                lang, msgid, string)
        if isinstance(message.id, tuple):
            assert len(strings) == catalog.num_plurals, (lang, msgid)


def _translation(tgt: str, title: str) -> Translation:
    source = (inline_block("title", "title", "Workers of all countries, unite!"),
              inline_block("b1", "paragraph", "Workers of all countries, unite!"))
    target = (inline_block("title", "title", title), inline_block("b1", "paragraph", title))
    doc = Document(Path("x.md"), "x", Meta(title="Workers of all countries, unite!", date="2014-04-22"), source)
    return Translation(doc, "en", tgt, target, "test engine 1.0", TermReport("en", tgt, ()))


def _text(html: str) -> str:
    import html as entities

    return entities.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index("<body"):])))


EXPECTED = {  # the title page's line, the colophon's heading, the article's date, as a reader of each expects
    "es": ("Traducción automática del inglés", "Colofón", "22 de abril de 2014"),
    "ca": ("Traducció automàtica de l’anglès", "Colofó", "22 d’abril del 2014"),
    "fr": ("Traduction automatique de l’anglais", "Colophon", "22 avril 2014"),
    "de": ("Maschinelle Übersetzung aus dem Englischen", "Kolophon", "22. April 2014"),
    "ru": ("Машинный перевод с английского", "Выходные данные", "22 апреля 2014 г."),
    "uk": ("Машинний переклад з англійської", "Вихідні дані", "22 квітня 2014 р."),
    "pt": ("Tradução automática do inglês", "Colofão", "22 de abril de 2014"),
    "it": ("Traduzione automatica dall’inglese", "Colophon", "22 aprile 2014"),
}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_a_translation_only_pamphlet_speaks_its_readers_language(lang):
    line, colophon, date = EXPECTED[lang]
    text = _text(to_html(_translation(lang, "Text"), RenderOptions(layout="target", generated=WHEN)))
    assert line in text and colophon in text and date in text
    for english in ("Machine translation", "Colophon" if colophon != "Colophon" else "machine-translated",
                    "No person", "Glossary", "2014-04-22", "Made with"):
        assert english not in text, (lang, english)


def test_parallel_labels_each_column_in_its_own_language():
    html = to_html(_translation("ru", "Пролетарии всех стран"), RenderOptions(generated=WHEN))
    footer = html[html.index('<footer class="colophon'):]
    assert "Colophon" in footer and "Выходные данные" in footer
    assert '<div class="colophon-text" lang="en"' in footer and '<div class="colophon-text" lang="ru"' in footer
    assert 'content: "Page " counter(page) " of " counter(pages)' in html
    assert 'content: "Страница " counter(page) " из " counter(pages)' in html
    assert ">English</th>" in html and ">Русский</th>" in html  # column heads: CLDR's own names


def test_review_notice_counts_reviewed_paragraphs():
    translation = _translation("es", "Texto")
    assert "Es una traducción automática sin revisar" in _text(to_html(translation, RenderOptions(layout="target")))
    assert "La redacción ha revisado todos los párrafos" in _text(
        to_html(translation, RenderOptions(layout="target"), reviewed=1))


def test_css_counter_content_escapes_and_orders():
    assert l10n.css_counter_content('%(pages)s "x" %(page)s', {"page": "page", "pages": "pages"}) == \
        'counter(pages) " \\"x\\" " counter(page)'


def test_colophon_names_the_fonts_embedded(tmp_path):
    """A theme that sets the text in DejaVu gets a colophon that says so (it said "Set in Noto" whatever the theme)."""
    import subprocess

    from conftest import pdf_text

    from translate.publish.render import render_pdf

    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "theme.css").write_text('html, body [lang], footer.colophon { font-family: "DejaVu Serif"; }\n')
    path = tmp_path / "dejavu.pdf"
    render_pdf(_translation("es", "Trabajadores"), path, RenderOptions(layout="target", theme=theme, generated=WHEN))
    text = re.sub(r"\s+", " ", pdf_text(path))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Serif" in fonts
    assert "Compuesto en DejaVu Serif" in text and "Noto Serif" not in text.split("Compuesto en")[1]
