"""Structure through real Apertium into the pamphlet: nested lists, a quote, footnotes, a table, code and long URLs,
in the PDF (read back with pdftotext and pypdf) and in the HTML page."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import needs_apertium, pdf_text

from translate.document import read_article
from translate.engines.apertium import ApertiumEngine
from translate.pipeline import translate_document
from translate.publish.render import RenderOptions, pdf_bytes, to_html

pytestmark = needs_apertium
ARTICLE = Path(__file__).parent / "data" / "structure.md"


@pytest.fixture(scope="module")
def translation():
    return translate_document(read_article(ARTICLE), "en", "es", ApertiumEngine(), ())


def _in_order(text: str, phrases: list[str]) -> None:
    """Each phrase is found after the one before it."""
    at = 0
    for phrase in phrases:
        found = text.find(phrase, at)
        assert found >= 0, (phrase, text[at : at + 300])
        at = found + len(phrase)


def test_pdf_has_lists_notes_and_table_in_order(translation, tmp_path):
    pdf, _ = pdf_bytes(translation, RenderOptions())
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    text = re.sub(r"[ \t]+", " ", pdf_text(path))
    # numbering starts where the article's list does and goes on past the nested lists
    _in_order(text, ["3. Higher wages", "4. A shorter working week", "◦ no night shifts", "1. one in each port",
                     "2. one in each city", "5. The right to organise", "The strike is not over", "Higher wages",
                     "make pamphlet", "1. The demands were agreed", "2. Talks resume"])
    _in_order(text, ["3. Sueldos más altos", "4. Semana laborable", "◦ Ninguno turnos de noche",
                     "1. Uno en cada puerto", "2. Uno en cada ciudad", "5. El derecho de organizar",
                     "La huelga no es encima", "Sueldos más altos", "1. Las demandas estuvieron", "2. Charlas"])


URLS = ("The committee publishes at https://solidarity.example.org/international/organisation/documentation/"
        "administration/representatives every week, and the workers read "
        "https://www.internationalsolidarity.example/organisations/representatives/communication.")


def test_urls_are_never_hyphenated_and_break_after_slash_dot_or_dash(tmp_path):
    import subprocess

    article = tmp_path / "u.md"
    article.write_text(f"---\ntitle: T\n---\n{URLS}\n", encoding="utf-8")
    translation = translate_document(read_article(article), "en", "es", ApertiumEngine(), ())
    pdf, _ = pdf_bytes(translation, RenderOptions(paper="A5"))  # narrow columns: long words get hyphenated
    path = tmp_path / "u.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    url_lines = [i for i, line in enumerate(lines) if "https://" in line or "example" in line]
    assert len(url_lines) >= 4
    for i in url_lines:
        assert "\u2010" not in lines[i], lines[i]  # hyphens: auto marks its breaks with U+2010
    # where a URL runs on to the next line, the line ends after / . or -
    assert all(lines[i].rstrip()[-1] in "/.-" for i in url_lines if i + 1 in url_lines)


def test_pdf_footnote_references_link_to_their_notes_in_each_column(translation):
    from io import BytesIO

    from pypdf import PdfReader

    pdf, _ = pdf_bytes(translation, RenderOptions())
    reader = PdfReader(BytesIO(pdf))
    destinations = set(reader.named_destinations)
    links = [str(a.get_object().get("/Dest")) for page in reader.pages for a in page.get("/Annots") or []
             if a.get_object().get("/Dest") is not None]
    for side in ("s", "t"):
        for n in (1, 2):
            assert f"fn-{side}-{n}" in destinations and f"fn-{side}-{n}" in links
            assert f"fnref-{side}-{n}" in destinations and f"fnref-{side}-{n}" in links


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_has_real_lists_quotes_notes_tables_and_unbroken_urls(translation):
    html = to_html(translation, RenderOptions())
    body = html[html.index('<table class="parallel">'):]
    for side in ("source", "target"):
        cells = re.findall(rf'<td class="{side}"[^>]*>(.*?)</td>\s*(?=<td|</tr>)', body, re.S)
        joined = "\n".join(cells)
        assert '<ol start="3"' in joined and '<ol start="5"' in joined
        # the nested list sits inside its item (continued, without a second marker)
        assert re.search(r'<ol start="4"[^>]*><li class="continued"><ul><li>', joined)
        assert re.search(r'<ol start="4"[^>]*><li class="continued"><ul><li class="continued"><ol start="2"', joined)
        assert joined.count("<blockquote>") == 2
        assert '<pre><code class="language-sh">translate run --to es\n</code></pre>' in joined
    parser = _Tags()
    parser.feed(html)
    ids = {a.get("id") for _, a in parser.tags}
    hrefs = [a.get("href") for t, a in parser.tags if t == "a"]
    for side in ("s", "t"):
        for n in (1, 2):
            assert f"fn-{side}-{n}" in ids and f"#fn-{side}-{n}" in hrefs
            assert f"fnref-{side}-{n}" in ids and f"#fnref-{side}-{n}" in hrefs
    tables = re.findall(r'<table class="md">.*?</table>', html, re.S)
    assert len(tables) == 2 and all('<th class="align-center">' in t and '<td class="align-right">' in t for t in tables)
    assert "Sueldos más altos" in tables[1] and "Higher wages" in tables[0]
    # URLs: break points after / . - only, inside a span that CSS keeps from hyphenation
    url = re.search(r'<span class="url">(.*?)</span>', html).group(1)
    assert "<wbr>" in url and all(re.search(r"[/.\-]<wbr>", part + "<wbr>") for part in url.split("<wbr>")[:-1])
    css = html[: html.index("</head>")]
    assert re.search(r"\.url \{ hyphens: none;", css) and re.search(r"pre, code, pre \*, code \* \{ hyphens: none; \}", css)
