"""Apertium, the real Debian engine, on the real seed article."""


import re

import pytest
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




# Sentences where Apertium changes the order of words: the markup must wrap the translation of the words it
# wrapped in the source (checked word by word: what is inside the markup, and what stays outside it).
REORDERED = [
    ("The *working class* fights.", "*", "clase laborables", ["peleas"]),
    ("*Rent strike* committees meet today.", "*", "huelga del alquiler", ["Comités"]),
    ("The *new* policy fails.", "*", "nueva", ["póliza", "falla"]),
    ("The new *policy* fails.", "*", "póliza", ["nueva"]),
    ("We read the **big** book.", "**", "grande", ["libro"]),
    ("They saw the *red* car and a **white** house.", "**", "blanca", ["casa", "rojo"]),
    ("The *young workers* of the port struck.", "*", "trabajadores jóvenes", ["puerto"]),
    ("A *very big* house.", "*", "muy grande", ["casa"]),
]


@pytest.mark.parametrize("source, delimiter, inside, outside", REORDERED)
def test_emphasis_lands_on_the_reordered_words(source, delimiter, inside, outside):
    out = translate_text(source, "en", "es", ApertiumEngine(), ())
    spans = re.findall(re.escape(delimiter) + r"([^*]+?)" + re.escape(delimiter), out)
    assert inside in spans, out
    for word in outside:
        assert word in out and not any(word in s for s in spans), out


def test_punctuation_inside_a_span_stays_inside_it():
    # Apertium leaves quotes as blanks beside the words; the span's anchors still hold them
    out = translate_text("He wrote *“the new policy”*, not *the old one*.", "en", "es", ApertiumEngine(), ())
    assert "*“la póliza nueva”*" in out, out


def test_links_and_titles_land_on_their_words():
    out = translate_text('The [new policy](https://example.org/p "The old policy") fails, see the [red car](/c).',
                         "en", "es", ApertiumEngine(), ())
    assert '[póliza nueva](https://example.org/p "La póliza vieja")' in out and "[coche rojo](/c)" in out, out
    nested = translate_text("**The *new* policy** fails.", "en", "es", ApertiumEngine(), ())
    assert nested.startswith("**La póliza *nueva***") and nested.endswith("falla."), nested


def test_urls_in_link_text_and_autolinks_come_out_unchanged(tmp_path):
    text = ("See https://strike.example.org/the-dockers/demands and <https://wrp.example/x-y>, "
            "[https://union.example.org/news](https://union.example.org/news) and www.example.org/the-new-policy.")
    out = translate_text(text, "en", "es", ApertiumEngine(), ())
    for url in ("<https://strike.example.org/the-dockers/demands>", "<https://wrp.example/x-y>",
                "[https://union.example.org/news](https://union.example.org/news)",
                "[www.example.org/the-new-policy](http://www.example.org/the-new-policy)"):
        assert url in out, out
