"""Apertium, the real Debian engine, on the real seed article."""


from conftest import GLOSSARY, SEED, needs_apertium

from translate.data import strip_markers
from translate.document import read_article
from translate.engines.apertium import ApertiumEngine
from translate.pipeline import translate_document, translate_text
from translate.terms.glossary import load_glossary

pytestmark = needs_apertium


def test_batch_keeps_order_markers_and_special_characters():
    engine = ApertiumEngine()
    out = engine.translate(
        ["The \ue0000\ue001 fights \ue0001\ue001hard\ue0002\ue001.", "Second [sentence] costs $5 / 2 @ #1 {x} a*b.", "house"],
        "en", "es",
    )
    assert out[0].count("\ue0000\ue001") == 1 and out[0].index("\ue0001\ue001") < out[0].index("\ue0002\ue001")
    assert "[" in out[1] and "$5 / 2 @ #1 {x}" in out[1] and "\\" not in out[1]
    assert out[2].lower() == "casa"


def test_seed_article_to_spanish_with_political_glossary():
    doc = read_article(SEED)
    glossary = load_glossary(GLOSSARY)
    result = translate_document(doc, "en", "es", ApertiumEngine(), glossary.entries)
    # one translated segment per source segment, same ids, same order
    assert [s.id for b in result.blocks for s in b.segments] == [s.id for s in doc.segments]
    assert all(strip_markers(s.text).strip() for b in result.blocks for s in b.segments)
    report = result.report
    assert report.total >= 20 and report.realized == report.total, report.missing
    by_entry = {c.entry_id for c in report.checks}
    assert {"working-class", "stalinist-bureaucracy", "fourth-international", "nato"} <= by_entry
    text = " ".join(s.text for b in result.blocks for s in b.segments)
    assert "clase obrera" in text and "Cuarta Internacional" in text and "OTAN" in text
    # without the glossary Apertium says "clase laborable": the glossary is what makes it "clase obrera"
    assert "clase laborable" not in text
    assert result.engine.startswith("apertium eng-spa")


def test_without_glossary_apertium_translates_the_term_otherwise():
    assert "clase obrera" not in translate_text("The working class fights.", "en", "es", ApertiumEngine(), ())


def test_text_keeps_emphasis_links_and_code(mini_glossary):
    entries = load_glossary(mini_glossary).entries
    out = translate_text(
        "The *working class* reads [the paper](https://example.org/x) and runs `make`.", "en", "es",
        ApertiumEngine(), entries,
    )
    assert "(https://example.org/x)" in out and "`make`" in out and "*" in out
    assert "clase obrera" in out.lower() or "clase laborable" in out.lower()


