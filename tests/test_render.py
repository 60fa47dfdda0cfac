"""Pamphlet rendering: layouts, paper, booklet imposition, furniture, scripts, PDF standards, HTML and themes.

Real renders of the seed article (Apertium en->es), read back with pypdf and poppler (pdftotext, pdffonts).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import PNG, SEED, pdf_text
from pypdf import PdfReader

from translate.data import Document, Meta, TermReport, Translation, strip_markers
from translate.document import inline_block, read_article
from translate.errors import UserError
from translate.publish.booklet import saddle_stitch_order
from translate.publish.render import (
    THEME_FILE_LIMIT,
    RenderOptions,
    booklet_path,
    glossary_stamp,
    render_html,
    render_pdf,
    to_html,
    validate_options,
)

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
STAMP = ("mini", "0123456789ab")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    """The seed article in Spanish, with a small glossary (two entries hit several times)."""
    if shutil.which("apertium") is None:
        pytest.skip("apertium is not installed (scripts/setup.sh installs it)")
    from translate.engines.apertium import ApertiumEngine
    from translate.pipeline import translate_document
    from translate.terms.glossary import load_glossary

    gloss = tmp_path_factory.mktemp("g") / "g.yaml"
    gloss.write_text(
        "name: mini\nentries:\n"
        "- id: working-class\n  terms: {en: working class, es: clase obrera}\n"
        "- id: stalinist-bureaucracy\n  terms: {en: Stalinist bureaucracy, es: burocracia estalinista}\n",
        encoding="utf-8",
    )
    return translate_document(read_article(SEED), "en", "es", ApertiumEngine(), load_glossary(gloss).entries)


def _render(translation, tmp_path, name="out.pdf", **options) -> Path:
    path = tmp_path / name
    render_pdf(translation, path, RenderOptions(generated=WHEN, glossaries=(STAMP,), **options))
    return path


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _start(block, n: int) -> str:
    return " ".join(strip_markers(block.text).split()[:n])


def _paragraphs(translation):
    return [(s, t) for s, t in zip(translation.source.blocks, translation.blocks) if s.kind == "paragraph"]


# --- paper and booklet ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("paper,size", [("A4", (595, 842)), ("A5", (420, 595)), ("Letter", (612, 792))])
def test_page_size_per_paper(seed, tmp_path, paper, size):
    reader = PdfReader(_render(seed, tmp_path, paper=paper))
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_saddle_stitch_order_of_five_pages():
    # 8 pages in all: 5 printed, 3 blank at the end; sheet 1 carries 8|1 and 2|7, sheet 2 carries 6|3 and 4|5.
    assert saddle_stitch_order(5) == [(None, 0), (1, None), (None, 2), (3, 4)]
    assert saddle_stitch_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def _half_text(path: Path, page: int, half: int, width: float, height: float) -> str:
    args = ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), "-x", str(int(half * width / 2)),
            "-y", "0", "-W", str(int(width / 2)), "-H", str(int(height)), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_booklet_imposes_a5_pages_on_a4_sheets_numbered_in_reading_order(seed, tmp_path):
    """`--booklet` alone: A5 pages (a reading copy beside the imposed file) on A4 sheets; each sheet side read
    back half by half shows the pages the fold puts there, numbered in the booklet's own order."""
    path = _render(seed, tmp_path, "seed.pdf", booklet=True)
    reading = PdfReader(path)
    pages = len(reading.pages)
    assert pages % 4 == 0
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reading.pages} == {(420, 595)}
    imposed = booklet_path(path)
    booklet = PdfReader(imposed)
    assert len(booklet.pages) == pages // 2
    width, height = float(booklet.pages[0].mediabox.width), float(booklet.pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)

    def label(text: str):
        """Which page a half-sheet shows: its folio, 1 for the title page, the last for the back cover's colophon,
        None when blank."""
        if m := re.search(rf"\bPage (\d+) of {pages}\b", text):
            assert f"Página {m.group(1)} de {pages}" in text  # each column's folio in its own language
            return int(m.group(1))
        if "Ukrainian workers refuse" in text and "COLOPHON" not in text:
            return 1
        if "COLOPHON" in text and "COLOFÓN" in text:
            return pages
        assert not text.strip(), text
        return None

    seen = [(label(_half_text(imposed, i + 1, 0, width, height)), label(_half_text(imposed, i + 1, 1, width, height)))
            for i in range(len(booklet.pages))]
    blank = {i for i, text in enumerate(pdf_text(path).split("\f")[:pages]) if not text.strip()}
    assert blank < set(range(2, pages - 1))  # intentional blanks: inside, before the back cover
    assert seen == [tuple(None if p in blank else p + 1 for p in side) for side in saddle_stitch_order(pages)]
    assert seen[0] == (pages, 1)  # the outer sheet's front: back cover left, title page right
    assert booklet.metadata.title == reading.metadata.title


def test_booklet_pads_with_blank_pages_before_the_back_cover(tmp_path):
    translation = _translation("es", "Trabajadores de todos los países, uníos.")
    path = tmp_path / "short.pdf"
    render_pdf(translation, path, RenderOptions(booklet=True, generated=WHEN))
    pages = pdf_text(path).split("\f")[:-1]
    assert len(pages) == 4  # title, text, one intentional blank page, the colophon on the back cover
    assert "Trabajadores de todos" in pages[1] and not pages[2].strip() and "COLOFÓN" in pages[3]


def test_booklet_of_a6_pages_on_a5_sheets_with_marks_and_pdf_a(seed, tmp_path):
    import pikepdf

    path = _render(seed, tmp_path, "a6.pdf", booklet=True, paper="A5", marks=True, pdf_variant="pdf/a-3u")
    page = PdfReader(path).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (298, 420)
    with pikepdf.open(booklet_path(path)) as sheets:
        first = sheets.pages[0]
        trim = [float(v) for v in first.obj.TrimBox]
        assert round(trim[2] - trim[0]) == 595 and round(trim[3] - trim[1]) == 420  # A5 landscape, trimmed
        media = [float(v) for v in first.mediabox]
        assert media[2] - media[0] > trim[2] - trim[0] + 20  # paper around it for the marks
        bleed = [float(v) for v in first.obj.BleedBox]
        assert bleed[0] < trim[0] and bleed[2] > trim[2]
        # every mark is a stroke in the bleed area, outside the trimmed sheet: 8 crop marks and 2 fold marks
        strokes = []
        for operands, operator in pikepdf.parse_content_stream(first):
            if str(operator) in ("m", "l"):
                strokes.append(tuple(float(v) for v in operands))
        segments = list(zip(strokes[::2], strokes[1::2]))
        assert len(segments) == 10
        for (x1, y1), (x2, y2) in segments:
            outside = lambda x, y: x < trim[0] or x > trim[2] or y < trim[1] or y > trim[3]  # noqa: E731
            assert outside(x1, y1) and outside(x2, y2), (x1, y1, x2, y2)
        folds = [s for s in segments if s[0][0] == s[1][0] and abs(s[0][0] - (trim[0] + trim[2]) / 2) < 0.01]
        assert len(folds) == 2
        # the sheets keep PDF/A-3u (output intent, XMP) and do not claim PDF/UA: their order is the fold's
        xmp = sheets.Root.Metadata.read_bytes().decode()
        assert 'pdfaid:part="3"' in xmp and "pdfuaid" not in xmp
        assert "/OutputIntents" in sheets.Root and "/StructTreeRoot" not in sheets.Root


def test_booklet_works_with_every_paper_and_pdf_variant():
    for paper in ("A4", "A5", "Letter"):
        for variant in ("pdf/a-3u+pdf/ua-1", "pdf/a-3u", "pdf/ua-1", "none", None):
            validate_options(RenderOptions(booklet=True, paper=paper, pdf_variant=variant))


# --- layouts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["left", "right"])
def test_parallel_columns_follow_source_side(seed, tmp_path, side):
    path = _render(seed, tmp_path, source_side=side)
    lines = pdf_text(path, layout=True).splitlines()
    for source, target in _paragraphs(seed)[:4]:
        src, tgt = _start(source, 2), _start(target, 2)
        row = next(line for line in lines if src in line)
        assert tgt in row, (src, tgt, row)  # the two versions of a block start on one line
        assert (row.index(src) < row.index(tgt)) == (side == "left"), row
    heads = next(line for line in lines if "ENGLISH" in line and "ESPAÑOL" in line)
    assert (heads.index("ENGLISH") < heads.index("ESPAÑOL")) == (side == "left")


def test_parallel_rows_stay_aligned_across_pages(seed, tmp_path):
    """Every source paragraph and its translation start on the same page and the same line."""
    path = _render(seed, tmp_path, paper="A5")
    reader_pages = pdf_text(path, layout=True).split("\f")
    for source, target in _paragraphs(seed):
        src, tgt = _start(source, 2), _start(target, 2)
        page = next(i for i, text in enumerate(reader_pages) if src in text)
        row = next(line for line in reader_pages[page].splitlines() if src in line)
        assert tgt in row, (page, src, tgt)


def test_interleaved_puts_each_translation_under_its_source(seed, tmp_path):
    pages = pdf_text(_render(seed, tmp_path, layout="interleaved", paper="A5")).split("\f")  # one text column
    body = _words(" ".join(pages[1:]))  # after the title page
    positions = []
    for source, target in _paragraphs(seed):
        positions += [body.index(_start(source, 4)), body.index(_start(target, 3))]
    assert positions == sorted(positions)


def test_target_layout_has_no_source_text(seed, tmp_path):
    text = _words(pdf_text(_render(seed, tmp_path, layout="target")))
    for source, target in _paragraphs(seed):
        assert _start(target, 3) in text
        assert _start(source, 4) not in text
    # the title page and running head carry the translated title only; the colophon cites the original
    before_colophon = text[: text.index("COLOFÓN")]
    assert "Ukrainian workers refuse" not in before_colophon
    assert seed.title.split()[0] in before_colophon


def test_bad_options_are_one_line_naming_every_mistake(tmp_path):
    with pytest.raises(UserError) as err:
        validate_options(RenderOptions(layout="columns", paper="B5", pdf_variant="pdf/x-4", theme=tmp_path / "no"))
    message = str(err.value)
    assert "\n" not in message
    for word in ("'columns'", "'B5'", "'pdf/x-4'", "theme"):
        assert word in message


# --- furniture and metadata ----------------------------------------------------------------------------------


def test_title_page_running_head_and_page_numbers(seed, tmp_path):
    reader = PdfReader(_render(seed, tmp_path))
    first = _words(reader.pages[0].extract_text())
    assert "Ukrainian workers refuse to end occupations!" in first and seed.title in first
    assert not re.search(r"Page \d+|Página \d+", first)  # no number on the title page
    n = len(reader.pages)
    for i, page in enumerate(reader.pages[1:], start=2):
        text = page.extract_text()
        assert f"Page {i} of {n}" in text and f"Página {i} de {n}" in text
        assert "Ukrainian workers refuse to end occupations!" in text  # running head


def test_glossary_appendix_lists_each_term_once_with_both_languages(seed, tmp_path):
    path = _render(seed, tmp_path)
    text = pdf_text(path, layout=True)
    appendix = text[text.index("GLOSSARY") : text.index("COLOPHON")]
    rows = [line for line in appendix.splitlines() if "clase obrera" in line]
    assert len(rows) == 1 and rows[0].index("working class") < rows[0].index("clase obrera")
    assert sum("burocracia estalinista" in line for line in appendix.splitlines()) == 1
    hits = {c.entry_id for c in seed.report.checks}
    assert hits == {"working-class", "stalinist-bureaucracy"} and len(seed.report.checks) > 2


def test_colophon_names_engine_glossary_and_date(seed, tmp_path):
    text = _words(pdf_text(_render(seed, tmp_path)))
    colophon = text[text.index("COLOPHON") :]
    assert "machine-translated offline" in colophon and "traducido automáticamente, sin conexión" in colophon
    html = to_html(seed, RenderOptions(generated=WHEN, glossaries=(STAMP,)))
    assert html[html.index('<footer class="colophon'):].count(seed.engine) == 2  # once in each column's language
    assert "mini (SHA-256 0123456789ab)" in colophon
    footer = _words(re.sub(r"<[^>]+>", " ", html[html.index('<footer class="colophon'):]))
    assert "on May 1, 2024" in footer and "el 1 de mayo de 2024" in footer


def test_glossary_stamp_hashes_the_file(tmp_path):
    import hashlib

    path = tmp_path / "g.yaml"
    path.write_text("entries: []\n")
    assert glossary_stamp(path) == ("g", hashlib.sha256(b"entries: []\n").hexdigest()[:12])
    assert glossary_stamp(path, "political")[0] == "political"


def test_metadata_always_set(seed, tmp_path):
    reader = PdfReader(_render(seed, tmp_path))
    meta = reader.metadata
    assert meta.title == f"Ukrainian workers refuse to end occupations! / {seed.title}"
    assert meta.author  # the seed has no author: a stated fallback, never empty
    assert "inglés" in meta.subject and "español" in meta.subject  # in the language the document is for
    assert "Traducción automática" in meta["/Keywords"] and "clase obrera" in meta["/Keywords"]
    assert meta.creator.startswith("translate ") and seed.engine in meta.creator
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert meta.creation_date.year == 2024


def test_every_font_embedded_in_every_layout(seed, tmp_path):
    for layout in ("parallel", "interleaved", "target"):
        out = subprocess.run(["pdffonts", str(_render(seed, tmp_path, f"{layout}.pdf", layout=layout))],
                             capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows
        for row in rows:
            assert row.split()[-5] == "yes", row  # "emb"
            assert "Noto" in row or "DejaVu-Sans-Mono" in row, row


# --- standards -----------------------------------------------------------------------------------------------


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def test_pdf_a_3u(seed, tmp_path):
    reader = PdfReader(_render(seed, tmp_path, pdf_variant="pdf/a-3u"))
    xmp = _xmp(reader)
    assert re.search(r"pdfaid:part[^0-9]{1,3}3", xmp) and re.search(r"pdfaid:conformance[^A-Z]{1,3}U", xmp), xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert "Ukrainian workers refuse" in xmp  # dc:title


def test_pdf_ua_1(seed, tmp_path):
    reader = PdfReader(_render(seed, tmp_path, pdf_variant="pdf/ua-1"))
    xmp = _xmp(reader)
    assert re.search(r"pdfuaid:part[^0-9]{1,3}1", xmp), xmp
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert root["/Lang"] == "es"


# --- scripts: every glyph drawn from a real font ---------------------------------------------------------------

SCRIPTS = {
    # language: (line, font the line must be set in)
    "en": ("Workers of all countries, unite!", "Noto-Serif"),
    "ru": ("Пролетарии всех стран, соединяйтесь!", "Noto-Serif"),
    "el": ("Προλετάριοι όλων των χωρών, ενωθείτε!", "Noto-Serif"),
    "ar": ("يا عمال العالم، اتحدوا!", "Noto-Naskh-Arabic"),
    "he": ("פועלי כל הארצות, התאחדו!", "Noto-Serif-Hebrew"),
    "hi": ("दुनिया के मज़दूरो, एक हो!", "Noto-Serif-Devanagari"),
    "zh": ("全世界无产者，联合起来！", "Noto-Serif-CJK-SC"),
    "ja": ("万国の労働者よ、団結せよ！", "Noto-Serif-CJK-JP"),
    "ko": ("만국의 노동자여, 단결하라!", "Noto-Serif-CJK-KR"),
}
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _translation(tgt: str, line: str, src: str = "en", source_line: str = "Workers of all countries, unite!"):
    source = (inline_block("title", "title", source_line), inline_block("b1", "paragraph", source_line))
    target = (inline_block("title", "title", line), inline_block("b1", "paragraph", line))
    doc = Document(Path("x.md"), "x", Meta(title=source_line, lang=src), source)
    return Translation(doc, src, tgt, target, "test engine 1.0", TermReport(src, tgt, ()))


_TEXT_OPS = re.compile(rb"/([^\s/]+)\s+[-\d.]+\s+Tf|\[([^\]]*)\]\s*TJ|(<[0-9a-fA-F]*>|\([^)]*\))\s*Tj", re.S)


def _glyph_problems(path: Path) -> tuple[list[str], int]:
    """Glyphs drawn as .notdef, and how many glyph codes were checked. WeasyPrint encodes a font with Identity-H
    (code = CID = glyph id) unless a glyph is missing, when it writes its own CMap sending the missing codes to
    CID 0 (.notdef); and code 0 under Identity-H is .notdef itself. So: every font Identity-H, and no text operator
    shows code 0. WeasyPrint writes text as hex strings; a literal string would be a blind spot, so it fails."""
    problems: list[str] = []
    checked = 0
    reader = PdfReader(path)

    def walk(resources, data: bytes):
        nonlocal checked
        fonts = {name[1:]: font.get_object() for name, font in (resources.get("/Font") or {}).items()}
        for font in fonts.values():
            if font.get("/Encoding") != "/Identity-H":
                problems.append(f"{font['/BaseFont']}: encoding {font.get('/Encoding')!r}: glyphs missing")
        current = "?"
        for m in _TEXT_OPS.finditer(data):
            if m.group(1):
                current = m.group(1).decode()
                continue
            strings = re.findall(rb"<[0-9a-fA-F]*>|\((?:[^)\\]|\\.)*\)", m.group(2) or m.group(3))
            for string in strings:
                if not string.startswith(b"<"):
                    problems.append(f"literal string {string!r}: not checked")
                    continue
                codes = bytes.fromhex(string[1:-1].decode())
                for i in range(0, len(codes), 2):
                    checked += 1
                    if codes[i : i + 2] == b"\0\0":
                        problems.append(f"{fonts.get(current, {}).get('/BaseFont', current)}: .notdef drawn")
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources") or resources, xobject.get_data())

    for page in reader.pages:
        walk(page["/Resources"], page.get_contents().get_data())
    return problems, checked


def _letters(text: str) -> str:
    """Text without spaces, bidi controls or punctuation: poppler reorders neutral characters around right-to-left
    runs and may split Devanagari clusters with a space, but must give back every letter, in reading order per word."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_each_script_reads_back_with_real_glyphs(tmp_path, lang):
    line, font = SCRIPTS[lang]
    path = tmp_path / f"{lang}.pdf"
    render_pdf(_translation(lang, line), path, RenderOptions(layout="target", generated=WHEN))
    problems, checked = _glyph_problems(path)
    assert problems == [] and checked >= len(_letters(line))
    text = _letters(pdf_text(path))
    for word in line.split():
        assert _letters(word) in text, (word, text[:200])
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"\+{font}\s", fonts), fonts


def test_glyph_check_catches_a_missing_glyph(tmp_path):
    """The check above can fail: a character no installed font has is drawn as .notdef and reported."""
    path = tmp_path / "tofu.pdf"
    render_pdf(_translation("es", "Trabajadores \u0378 del mundo"), path, RenderOptions(layout="target"))
    problems, _ = _glyph_problems(path)
    assert any("glyphs missing" in p for p in problems), problems


@pytest.mark.parametrize("lang", ["ar", "he"])
def test_right_to_left_target_is_set_right_to_left_in_its_column(tmp_path, lang):
    line = SCRIPTS[lang][0]
    translation = _translation(lang, line)
    html = to_html(translation, RenderOptions())
    cells = re.findall(r'<td class="target" lang="(\w+)" dir="(\w+)"', html)
    assert cells and all(c == (lang, "rtl") for c in cells)
    path = tmp_path / "rtl.pdf"
    render_pdf(translation, path, RenderOptions(generated=WHEN))
    assert _glyph_problems(path)[0] == []
    rows = [r for r in pdf_text(path, layout=True).splitlines() if "Workers of all countries" in r and "Original" not in r]
    body_row = rows[-1]
    word = max(line.split(), key=len).strip("!,،")
    row = body_row.translate(_BIDI_CONTROLS)
    assert word in row and row.index("Workers") < row.index(word)  # source left, right-to-left target right


def test_every_block_carries_its_language(seed):
    for layout, start, end in [("parallel", '<table class="parallel"', "</table>"),
                               ("interleaved", "<main", "</main>"), ("target", "<main", "</main>")]:
        html = to_html(seed, RenderOptions(layout=layout))
        body = html[html.index(start) : html.index(end)]
        blocks = re.findall(r"<(?:td|div)\b[^>]*>", body)
        assert len(blocks) >= len(seed.blocks) - 1
        for tag in blocks:
            assert re.search(r'lang="(en|es)" dir="ltr"', tag), (layout, tag)


# --- HTML ----------------------------------------------------------------------------------------------------


def test_html_page_is_self_contained(seed, tmp_path):
    path = tmp_path / "page.html"
    refused = render_html(seed, path, RenderOptions(generated=WHEN))
    html = path.read_text(encoding="utf-8")
    assert refused == []
    assert "<style>" in html and "<link" not in html and "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?|file):""", html)
    assert '"Noto Serif"' in html and "@font-face" not in html  # fonts by family name
    assert '<html lang="es"' in html
    assert '<td class="source" lang="en" dir="ltr">' in html and '<td class="target" lang="es" dir="ltr">' in html
    assert "clase obrera" in html[html.index('class="glossary"') :]
    assert "machine-translated offline" in html


# --- themes --------------------------------------------------------------------------------------------------



def test_theme_overrides_css_and_templates(tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "masthead.png").write_bytes(PNG)
    (theme / "theme.css").write_text(
        "@page { size: 150mm 150mm; }\n.masthead-img { width: 20mm; height: 5mm; }\n"
        "header.title-page { background: url(masthead.png) no-repeat; }\n"
    )
    (theme / "masthead.html.j2").write_text(
        '<p class="masthead">THE WORKERS PRESS</p><img class="masthead-img" src="masthead.png" alt="">'
    )
    translation = _translation("es", "Trabajadores de todos los países, uníos")
    path = tmp_path / "themed.pdf"
    refused = render_pdf(translation, path, RenderOptions(theme=theme))
    assert refused == []
    reader = PdfReader(path)
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (425, 425)
    assert "THE WORKERS PRESS" in reader.pages[0].extract_text()
    assert len(reader.pages[0].images) >= 1  # the masthead image, loaded from the theme folder
    html_path = tmp_path / "themed.html"
    assert render_html(translation, html_path, RenderOptions(theme=theme)) == []
    html = html_path.read_text()
    assert "THE WORKERS PRESS" in html
    assert html.count("data:image/png;base64,") == 2 and "masthead.png" not in html  # inlined: self-contained
    # without the theme: the package's design
    assert "THE WORKERS PRESS" not in to_html(translation, RenderOptions())


def test_theme_replaces_the_whole_stylesheet_and_a_layout_template(tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "pamphlet.css").write_text("@page { size: {{ paper.size }} landscape; } body { color: #123456; }\n")
    (theme / "target.html.j2").write_text(
        '<main class="mine" lang="{{ p.target_lang.code }}">{% for row in p.rows %}<p>*{{ row.target.html }}*</p>'
        "{% endfor %}</main>"
    )
    translation = _translation("es", "Trabajadores de todos los países")
    html = to_html(translation, RenderOptions(theme=theme, layout="target", paper="A5"))
    assert "@page { size: A5 landscape; }" in html and "Noto Serif" not in html.split("<style>")[1]
    assert '<main class="mine" lang="es"><p>*Trabajadores de todos los países*</p></main>' in html
    path = tmp_path / "x.pdf"
    render_pdf(translation, path, RenderOptions(theme=theme, layout="target", paper="A5"))
    page = PdfReader(path).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 420)
    # the parallel layout still comes from the package
    assert '<table class="parallel">' in to_html(translation, RenderOptions(theme=theme))


def test_theme_template_may_not_escape_its_folder_or_the_sandbox(tmp_path):
    outside = tmp_path / "outside.html.j2"
    outside.write_text("OUTSIDE TEMPLATE")
    translation = _translation("es", "Trabajadores")
    for name, body in [
        ("masthead.html.j2", '{% include "../outside.html.j2" %}'),
        ("masthead.html.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ("masthead.html.j2", "{{ p.__class__.__init__.__globals__ }}"),
    ]:
        theme = tmp_path / f"theme{len(body)}"
        theme.mkdir()
        (theme / name).write_text(body)
        with pytest.raises(UserError) as err:
            to_html(translation, RenderOptions(theme=theme))
        assert "\n" not in str(err.value) and "theme" in str(err.value)
    theme = tmp_path / "linked"
    theme.mkdir()
    (theme / "masthead.html.j2").symlink_to(outside)
    with pytest.raises(UserError, match="outside the theme folder"):
        to_html(translation, RenderOptions(theme=theme))


def test_hostile_theme_reads_nothing_outside_its_folder_and_makes_no_request(tmp_path, counting_server):
    base, hits = counting_server
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    for name in ("outside-abs.css", "outside-rel.css", "outside-link.css"):
        (tmp_path / name).write_text(f'body {{ background: url("{base}/from-{name}.png"); }}')
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "good.png").write_bytes(PNG)
    (theme / "link.png").symlink_to(secret)
    with open(theme / "huge.png", "wb") as handle:  # a very large image inside the theme (sparse file)
        handle.write(PNG)
        handle.truncate(THEME_FILE_LIMIT + 1)
    (theme / "theme.css").write_text(
        f'@import url("file://{tmp_path}/outside-abs.css");\n'
        '@import "../outside-rel.css";\n'
        f'@import url("{base}/imported.css");\n'
        '@font-face { font-family: Stolen; src: url("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"); }\n'
        f'.a {{ background: url("{base}/bg.png"); }}\n'
        f'.b {{ background: url("file://{secret}"); }}\n'
        ".c { background: url(../secret.png); }\n"
        ".d { background: url(link.png); }\n"
        ".e { background: url(huge.png); }\n"
        ".f { background: url(good.png); }\n"
        ".a, .b, .c, .d, .e, .f { display: block; width: 5mm; height: 5mm; }\n"
    )
    (theme / "masthead.html.j2").write_text(
        '<div class="a"></div><div class="b"></div><div class="c"></div><div class="d"></div><div class="e"></div>'
        f'<div class="f"></div><img src="{base}/img.png"><img src="file://{secret}"><img src="../secret.png">'
        '<img src="link.png"><img src="huge.png"><img src="good.png">'
        '<link rel="stylesheet" href="../outside-link.css">'
    )
    translation = _translation("es", "Trabajadores")

    opened: list[str] = []
    watching = [True]

    def audit(event, args):
        if watching[0] and event == "open" and isinstance(args[0], (str, bytes, Path)):
            opened.append(os.path.realpath(os.fsdecode(args[0])))

    sys.addaudithook(audit)  # every file Python opens while rendering (hooks cannot be removed: switched off below)
    try:
        refused = render_pdf(translation, tmp_path / "hostile.pdf", RenderOptions(theme=theme))
        html_refused = render_html(translation, tmp_path / "hostile.html", RenderOptions(theme=theme))
    finally:
        watching[0] = False
    assert hits == []
    forbidden = {str(p.resolve()) for p in tmp_path.glob("outside-*.css")} | {
        str(secret.resolve()), "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}
    assert not forbidden & set(opened), forbidden & set(opened)
    assert any(p.endswith("good.png") for p in opened)  # the check sees theme files being read
    for url in (f"{base}/bg.png", f"{base}/img.png", f"{base}/imported.css", f"file://{secret}",
                f"file://{tmp_path}/outside-abs.css", f"file://{tmp_path}/outside-rel.css",
                f"file://{tmp_path}/outside-link.css", "file:///usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        assert url in refused, (url, refused)
    for name in ("huge.png", "link.png", "secret.png"):
        assert any(u.endswith(name) for u in refused), (name, refused)
    # only the theme's good image reached the PDF (as background and as <img>, possibly one XObject)
    images = [img for page in PdfReader(tmp_path / "hostile.pdf").pages for img in page.images]
    assert 1 <= len(images) <= 2 and all(img.data for img in images)
    assert all(len(img.data) < 1000 for img in images)
    html = (tmp_path / "hostile.html").read_text()
    assert base not in html and str(secret) not in html and "outside-" not in html and "<link" not in html
    assert html.count("data:image/png;base64,") == 2  # good.png, in the CSS and in the <img>
    for name in ("huge.png", "link.png", "secret.png"):
        assert any(u.endswith(name) for u in html_refused), (name, html_refused)


def test_design_fingerprint_follows_theme_files(tmp_path):
    from translate.publish.render import design_fingerprint

    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "theme.css").write_text("body { color: red; }")
    first = design_fingerprint(RenderOptions(theme=theme))
    assert design_fingerprint(RenderOptions(theme=theme)) == first
    assert design_fingerprint(RenderOptions()) != first
    (theme / "theme.css").write_text("body { color: blue; }")
    assert design_fingerprint(RenderOptions(theme=theme)) != first
