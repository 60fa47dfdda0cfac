"""Glossary enforcement: each strategy, its fallback, and the report that says which one carried each term."""

import zipfile
from pathlib import Path

from argos_fixture import build_argos_package
from conftest import needs_apertium

from translate.data import GlossaryEntry
from translate.document import inline_block
from translate.terms.enforce import choose_hypothesis, substitute
from translate.terms.glossary import TermMatcher
from translate.terms.protect import restore_terms

WC = GlossaryEntry("working-class", {"en": "working class", "es": "clase obrera"}, forms={"es": ("clases obreras",)},
                   forbidden={"es": ("clase trabajadora",)})
CLASS = GlossaryEntry("class", {"en": "class", "es": "clase"})
MAIDAN = GlossaryEntry("maidan", {"en": "Maidan"}, kind="keep")


def hits(text, *entries):
    return TermMatcher(entries, "en").find(text)


# --- pure logic ---------------------------------------------------------------------------------------------


def test_choose_hypothesis_takes_the_first_that_realizes_every_term():
    h = hits("the working class", WC)
    choice = choose_hypothesis("the working class", ["la clase trabajadora", "las clases obreras", "la clase obrera"], h, "es")
    # the forbidden rendering is avoided; an accepted inflected form counts
    assert (choice.text, choice.strategy, choice.realized) == ("las clases obreras", "hypothesis", True)
    best = choose_hypothesis("the working class", ["la clase obrera", "x"], h, "es")
    assert (best.text, best.strategy) == ("la clase obrera", "engine")
    none = choose_hypothesis("the working class", ["la clase laborable", "la clase trabajadora"], h, "es")
    assert (none.text, none.realized) == ("la clase laborable", False)


def test_choose_hypothesis_skips_hypotheses_that_lost_markers():
    h = hits("the \ue0000\ue001working class", WC)
    choice = choose_hypothesis("the \ue0000\ue001working class", ["la clase obrera", "la \ue0000\ue001clase obrera"], h, "es")
    assert choice.text == "la \ue0000\ue001clase obrera" and choice.strategy == "hypothesis"


def test_substitute_replaces_the_engines_rendering_and_forbidden_ones():
    h = hits("The Ukrainian working class and the working class.", WC)
    out = substitute("La clase laborable ucraniana y la clase trabajadora.", h, {"working class": "clase laborable"}, "es")
    assert out == "La clase obrera ucraniana y la clase obrera."
    h = hits("Working class fights.", WC)
    assert substitute("Clase laborable lucha.", h, {"Working class": "Clase laborable"}, "es") == "Clase obrera lucha."


def test_restore_capitalizes_at_sentence_start_only():
    h = hits("Working class and the working class", WC)
    markers = {("b1", 0): h[0], ("b1", 1): h[1]}
    assert restore_terms("\ue0000\ue001 y la \ue0001\ue001", "b1", markers, "es") == "Clase obrera y la clase obrera"
    assert restore_terms("«\ue0000\ue001»", "b1", markers, "es") == "«Clase obrera»"


# --- real engines -------------------------------------------------------------------------------------------


def _engine(tmp_path, dictionary, alternatives=None):
    from translate.engines.argos import ArgosEngine

    archive = build_argos_package(tmp_path, "en", "es", dictionary, alternatives)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unpacked")
    return ArgosEngine([next((tmp_path / "unpacked").iterdir())])


WORDS = {"the": "la", "working": "trabajadora", "class": "classe", "fights": "lucha", "and": "y", "square": "plaza"}


def _doc(text):
    from translate.data import Document, Meta

    return Document(Path("t.md"), "t", Meta(title="T"), (inline_block("title", "title", "T"), inline_block("b1", "paragraph", text)))


def _run(engine, text, *entries):
    from translate.pipeline import translate_document

    result = translate_document(_doc(text), "en", "es", engine, entries)
    return result.block("b1").text, {c.entry_id: c.strategy for c in result.report.checks}, result.report


def test_argos_n_best_picks_the_hypothesis_with_the_term(tmp_path):
    engine = _engine(tmp_path, WORDS, {"class": "clase"})
    assert engine.hypotheses(["the class fights"], "en", "es", 2) == [["la classe lucha", "la clase lucha"]]
    text, strategies, report = _run(engine, "the class fights", CLASS)
    assert text == "la clase lucha" and strategies == {"class": "hypothesis"} and report.rate == 1.0


def test_argos_substitutes_its_own_rendering(tmp_path):
    engine = _engine(tmp_path, WORDS)
    text, strategies, _ = _run(engine, "the working class fights", WC)
    assert text == "la clase obrera lucha" and strategies == {"working-class": "substitute"}


def test_keep_entries_are_never_translated(tmp_path):
    engine = _engine(tmp_path, WORDS | {"Maidan": "Maidán"})
    text, strategies, _ = _run(engine, "the Maidan square", MAIDAN)
    assert text == "la Maidan plaza" and strategies == {"maidan": "placeholder"}


class LosesMarkers:
    """The tiny Argos engine, but every marker it is given is lost, as NMT models do with placeholders."""

    def __init__(self, inner):
        self.inner, self.name = inner, "loses-markers"

    def supports(self, src, tgt):
        return self.inner.supports(src, tgt)

    def identity(self, src, tgt):
        return "loses-markers"

    def translate(self, texts, src, tgt):
        from translate.data import MARKER_RE

        return [MARKER_RE.sub("", t) for t in self.inner.translate(texts, src, tgt)]


def test_lost_placeholders_fall_back_run_by_run(tmp_path):
    engine = LosesMarkers(_engine(tmp_path, WORDS))
    text, strategies, report = _run(engine, "the *working class* and the Maidan square", WC, MAIDAN)
    assert text == "la \ue0020\ue001clase obrera\ue0030\ue001 y la Maidan plaza"
    assert strategies == {"working-class": "fallback", "maidan": "fallback"} and report.rate == 1.0
    # formatting markers alone, no term: the same fallback keeps the emphasis
    text, _, _ = _run(engine, "the *class* fights")
    assert text == "la \ue0020\ue001classe\ue0030\ue001 lucha"


@needs_apertium
def test_apertium_keeps_its_grammar_with_substitution():
    from translate.engines.apertium import ApertiumEngine

    text, strategies, _ = _run(ApertiumEngine(), "They defend the Ukrainian working class.", WC)
    assert "la clase obrera ucraniana" in text.lower() and strategies == {"working-class": "substitute"}


@needs_apertium
def test_apertium_superblank_placeholder_when_no_rendering_matches():
    from translate.engines.apertium import ApertiumEngine

    fi = GlossaryEntry("fi", {"en": "Fourth International", "es": "Cuarta Internacional"})
    text, strategies, report = _run(ApertiumEngine(), "They built the Fourth International.", fi)
    assert "Cuarta Internacional" in text and report.rate == 1.0
    assert strategies["fi"] in ("engine", "substitute", "placeholder")


def test_lost_formatting_with_a_realized_term_keeps_both(tmp_path):
    # the engine realizes the term by itself but drops the emphasis: the fallback must keep the term too
    engine = LosesMarkers(_engine(tmp_path, WORDS | {"working": "obrera"}))
    wc = GlossaryEntry("wc2", {"en": "class", "es": "classe"})
    text, strategies, report = _run(engine, "the *working* class fights", wc)
    assert text == "la \ue0020\ue001obrera\ue0030\ue001 classe lucha"
    assert strategies == {"wc2": "fallback"} and report.rate == 1.0
