"""PDF/UA-1 and PDF/A-3u rules, one test each, read from the structure tree with pikepdf (veraPDF cannot be
installed here). Real renders: the seed article through Apertium, and small HTML through the same PDF writer."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pikepdf
import pytest
from conftest import SEED, needs_apertium

from translate.data import Document, Meta, TermReport, Translation
from translate.document import inline_block, read_article
from translate.publish.render import COMBINED, RenderOptions, render_pdf, to_pdf

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    import shutil

    from translate.engines.apertium import ApertiumEngine
    from translate.pipeline import translate_document

    if shutil.which("apertium") is None:
        pytest.skip("apertium is not installed")
    translation = translate_document(read_article(SEED), "en", "es", ApertiumEngine(), ())
    path = tmp_path_factory.mktemp("ua") / "seed.pdf"
    render_pdf(translation, path, RenderOptions(generated=WHEN))  # the default variant
    return path


def _elements(pdf: pikepdf.Pdf):
    """(element, effective language) for every structure element, parents before children."""
    out = []
    stack = [(k, str(pdf.Root.Lang)) for k in _kids(pdf.Root.StructTreeRoot)]
    while stack:
        node, inherited = stack.pop(0)
        if not isinstance(node, pikepdf.Dictionary) or node.get("/Type") not in ("/StructElem", None):
            continue
        if "/S" not in node:
            continue
        lang = str(node.get("/Lang", inherited))
        out.append((node, lang))
        stack.extend((k, lang) for k in _kids(node))
    return out


def _kids(node):
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _rtl_translation():
    source = (inline_block("title", "title", "Workers of all countries, unite!"),
              inline_block("b1", "paragraph", "Workers of all countries, unite!"))
    target = (inline_block("title", "title", "פועלי כל הארצות, התאחדו!"),
              inline_block("b1", "paragraph", "פועלי כל הארצות, התאחדו!"))
    doc = Document(Path("x.md"), "x", Meta(title="Workers of all countries, unite!"), source)
    return Translation(doc, "en", "he", target, "test engine 1.0", TermReport("en", "he", ()))


@needs_apertium
def test_7_2_every_column_carries_its_language(seed_pdf):
    """Rule 7.2: the English column is English, the Spanish column Spanish (the document's /Lang is es)."""
    with pikepdf.open(seed_pdf) as pdf:
        assert str(pdf.Root.Lang) == "es"
        cells = [(e, lang) for e, lang in _elements(pdf) if e.S in ("/TD", "/TH")]
        langs = {lang for _, lang in cells}
        assert langs == {"en", "es"}
        # explicit where it differs from the parent, and only there
        assert all("/Lang" in e for e, lang in cells if lang == "en")
        assert not any("/Lang" in e for e, lang in cells if lang == "es")


def test_7_2_a_hebrew_column_is_hebrew(tmp_path):
    path = tmp_path / "he.pdf"
    render_pdf(_rtl_translation(), path, RenderOptions(generated=WHEN))
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "he"
        cells = {lang for e, lang in _elements(pdf) if e.S == "/TD"}
        assert cells == {"en", "he"}


@needs_apertium
def test_7_5_table_headers_have_a_scope(seed_pdf):
    with pikepdf.open(seed_pdf) as pdf:
        headers = [e for e, _ in _elements(pdf) if e.S == "/TH"]
        assert headers
        for th in headers:
            assert th.A.get("/Scope") in ("/Column", "/Row", "/Both"), th.A


def test_7_5_scope_from_the_html_and_from_the_row(tmp_path):
    html = ('<html lang="en"><head><title>t</title></head><body><table>'
            '<thead><tr><th>Term</th><th>Meaning</th></tr></thead>'
            '<tbody><tr><th>class</th><td>a social group</td></tr>'
            '<tr><th scope="col">odd</th><td>x</td></tr></tbody></table></body></html>')
    path = tmp_path / "t.pdf"
    to_pdf(html, path)
    with pikepdf.open(path) as pdf:
        scopes = [str(e.A.Scope) for e, _ in _elements(pdf) if e.S == "/TH"]
        assert scopes == ["/Column", "/Column", "/Row", "/Column"]


def _reachable(pdf) -> dict[int, set[int]]:
    from translate.publish.tagging import _reachable_mcids

    return _reachable_mcids(pdf)


@needs_apertium
def test_7_8_running_heads_and_page_numbers_are_artifacts(seed_pdf):
    """Rule 7.1/7.8: every marked content with an MCID is reached from the structure tree; the furniture of each
    page after the title page (two running heads, two folios) is marked as pagination artifacts."""
    with pikepdf.open(seed_pdf) as pdf:
        reachable = _reachable(pdf)
        for number, page in enumerate(pdf.pages):
            data = page.obj.Contents.read_bytes()
            mcids = {int(m) for m in re.findall(rb"<<\s*/MCID\s+(\d+)\s*>>\s*BDC", data)}
            assert mcids <= reachable.get(page.obj.objgen[0], set()), number
            furniture = data.count(b"/Artifact <</Type /Pagination>> BDC")
            assert furniture == (0 if number == 0 else 4), (number, furniture)
        # the parent tree maps no content to an element outside the tree
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        inside = {e.objgen for e, _ in _elements(pdf)}
        for i in range(1, len(nums), 2):
            if isinstance(nums[i], pikepdf.Array):
                assert all(ref is None or ref.objgen in inside for ref in nums[i])


def test_7_6_lists_are_l_li_lbl_lbody(tmp_path):
    """Whatever ul/ol/li the HTML holds are tagged as lists, nested ones inside their item's list, with /Lang."""
    html = ('<html lang="es"><head><title>l</title></head><body><p>Antes</p>'
            '<ul><li>uno</li><li lang="en">two<ol><li>a</li><li>b</li></ol></li></ul></body></html>')
    path = tmp_path / "l.pdf"
    to_pdf(html, path)
    with pikepdf.open(path) as pdf:
        elements = _elements(pdf)
        lists = [e for e, _ in elements if e.S == "/L"]
        assert len(lists) == 2
        for lst in lists:
            for item in _kids(lst):
                if isinstance(item, pikepdf.Dictionary) and item.S != "/L":
                    assert item.S == "/LI"
                    assert {str(k.S) for k in _kids(item) if isinstance(k, pikepdf.Dictionary)} <= {"/Lbl", "/LBody"}
        assert "/P" in {str(e.S) for e, _ in elements}
        assert any(e.S == "/LI" and lang == "en" for e, lang in elements)


def test_7_18_5_links_have_alternate_text(tmp_path):
    html = '<html lang="en"><head><title>a</title></head><body><p><a href="https://example.org/x">x</a></p></body></html>'
    path = tmp_path / "a.pdf"
    to_pdf(html, path)
    with pikepdf.open(path) as pdf:
        links = [a for a in pdf.pages[0].obj.Annots if a.Subtype == "/Link"]
        assert links and all(str(a.Contents) for a in links)


@needs_apertium
def test_the_default_pdf_is_pdf_a_3u_and_pdf_ua_1(seed_pdf):
    assert RenderOptions().pdf_variant == COMBINED
    with pikepdf.open(seed_pdf) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
        assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)
        # PDF/A admits pdfuaid only with the extension schema that declares it (ISO 19005-3 6.6.2.3)
        assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in xmp
        assert "<pdfaProperty:name>part</pdfaProperty:name>" in xmp
        assert "dc:title" in xmp
        root = pdf.Root
        assert root.MarkInfo.Marked and root.ViewerPreferences.DisplayDocTitle
        assert "/StructTreeRoot" in root


@needs_apertium
def test_pdf_a_3u_output_intent_fonts_and_id(seed_pdf):
    with pikepdf.open(seed_pdf) as pdf:
        intents = pdf.Root.OutputIntents
        assert intents[0].S == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]
        assert "/ID" in pdf.trailer and not pdf.is_encrypted
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                assert "/ToUnicode" in font  # the U of PDF/A-3u
                for descendant in font.get("/DescendantFonts", []):
                    descriptor = descendant.FontDescriptor
                    assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert str(pdf.docinfo.Title) in pdf.Root.Metadata.read_bytes().decode()


@pytest.mark.parametrize("variant,a,ua", [("pdf/a-3u", True, False), ("pdf/ua-1", False, True), ("none", False, False)])
def test_each_variant_claims_what_it_says_and_is_tagged(tmp_path, variant, a, ua):
    path = tmp_path / "v.pdf"
    render_pdf(_rtl_translation(), path, RenderOptions(pdf_variant=variant, generated=WHEN))
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode() if "/Metadata" in pdf.Root else ""
        assert ("pdfaid:part" in xmp) == a and ("pdfuaid:part" in xmp) == ua
        assert "/StructTreeRoot" in pdf.Root  # every PDF is tagged
