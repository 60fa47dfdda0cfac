"""Glossary enforcement: each strategy, the grammar it keeps, and the report that says which one carried each term.

Real Apertium (eng-spa, eng-cat) with exact expectations; the tiny Argos model for the n-best and fallback paths.
"""

import zipfile
from pathlib import Path

import pytest
from argos_fixture import build_argos_package
from conftest import GLOSSARY, needs_apertium

from translate.data import GlossaryEntry, Grammar, span_close, span_open
from translate.document import inline_block
from translate.terms.glossary import TermMatcher, load_glossary

WC = GlossaryEntry("working-class", {"en": "working class", "es": "clase obrera", "ca": "classe obrera"},
                   grammar={"es": Grammar("f"), "ca": Grammar("f")},
                   plural={"en": "working classes", "es": "clases obreras", "ca": "classes obreres"},
                   forbidden={"es": ("clase trabajadora",)})
FI = GlossaryEntry("fourth-international", {"en": "Fourth International", "es": "Cuarta Internacional",
                                            "ca": "Quarta Internacional"},
                   grammar={"es": Grammar("f"), "ca": Grammar("f")}, case_sensitive=True)
SB = GlossaryEntry("stalinist-bureaucracy", {"en": "Stalinist bureaucracy", "es": "burocracia estalinista"},
                   grammar={"es": Grammar("f")}, plural={"en": "Stalinist bureaucracies", "es": "burocracias estalinistas"})
BUREAUCRACY = GlossaryEntry("bureaucracy", {"en": "bureaucracy", "es": "burocracia"}, grammar={"es": Grammar("f")})
NATO = GlossaryEntry("nato", {"en": "NATO", "es": "OTAN"}, grammar={"es": Grammar("f")}, case_sensitive=True)
CLASS = GlossaryEntry("class", {"en": "class", "es": "clase"})
MAIDAN = GlossaryEntry("maidan", {"en": "Maidan"}, kind="keep")


def _doc(text):
    from translate.data import Document, Meta

    return Document(Path("t.md"), "t", Meta(title="News"),
                    (inline_block("title", "title", "News"), inline_block("b1", "paragraph", text)))


def _run(engine, text, *entries, tgt="es"):
    from translate.pipeline import translate_document

    result = translate_document(_doc(text), "en", tgt, engine, entries)
    return result.block("b1").text, {c.entry_id: c.strategy for c in result.report.checks}, result.report


def apertium():
    from translate.engines.apertium import ApertiumEngine

    return ApertiumEngine()


# --- the failures the issue names, through real Apertium --------------------------------------------------


@needs_apertium
@pytest.mark.parametrize("source, alone, enforced, strategy", [
    # the README's example: Apertium reads "fights" as a noun; the term goes in as a feminine noun
    ("The working class fights.", "Las peleas de clase laborables.", "Las peleas de clase obrera.", "lexical"),
    ("The Stalinist bureaucracy fears the workers.", "El Stalinist la burocracia teme los trabajadores.",
     "La burocracia estalinista teme los trabajadores.", "lexical"),
])
def test_the_readme_example_and_the_issue_table_come_out_grammatical(source, alone, enforced, strategy):
    assert _run(apertium(), source)[0] == alone
    text, strategies, report = _run(apertium(), source, WC, SB)
    assert text == enforced
    assert set(strategies.values()) == {strategy} and report.rate == 1.0
    assert report.problems == 0 and not report.ungrammatical


@needs_apertium
@pytest.mark.parametrize("source, enforced", [
    ("The sections of the Fourth International grew.", "Las secciones de la Cuarta Internacional crecieron."),  # of the
    ("They built a Fourth International.", "Construyeron una Cuarta Internacional."),  # a
    ("This Fourth International is strong.", "Esta Cuarta Internacional es fuerte."),  # this
    ("Our Fourth International grows.", "Nuestra Cuarta Internacional crece."),  # our
    ("The new Fourth International is divided.", "La Cuarta Internacional nueva está dividida."),  # adjectives
])
def test_a_feminine_term_makes_its_article_and_adjectives_agree(source, enforced):
    # Apertium alone makes it masculine ("del Cuarto Internacional", "un Cuarto", "nuestro", "dividido")
    text, strategies, report = _run(apertium(), source, FI)
    assert text == enforced and strategies == {"fourth-international": "lexical"}
    assert report.checks[0].found == "Cuarta Internacional" and report.problems == 0


@needs_apertium
def test_a_plural_source_gets_the_plural_term_and_a_singular_the_singular():
    text, _, report = _run(apertium(), "The working classes of Europe and the working class of Spain.", WC)
    assert text == "Las clases obreras de Europa y la clase obrera de España."
    assert [(c.expected, c.found) for c in report.checks] == [("clases obreras", "clases obreras"),
                                                              ("clase obrera", "clase obrera")]


@needs_apertium
def test_a_term_at_the_start_of_a_sentence_gets_a_capital_and_only_there():
    text, _, report = _run(apertium(), "Working class militants occupied the building.", WC)
    assert text == "Militantes de clase obrera ocuparon el edificio."
    text, _, _ = _run(apertium(), "Stalinist bureaucracies betray the workers.", SB)
    assert text == "Las burocracias estalinistas traicionan los trabajadores."
    # the capital of a source word inside the sentence ("Stalinist") is not copied
    text, _, report = _run(apertium(), "They fear the Stalinist bureaucracy.", SB)
    assert "la burocracia estalinista" in text and report.checks[0].found == "burocracia estalinista"


@needs_apertium
def test_an_acronym_keeps_its_case_and_its_article_is_not_shouted():
    # Apertium gives the words it makes for an acronym the acronym's capitals ("por DE LA OTAN"): lowered; with
    # the glossary the term goes in as a noun, without the "de la" Apertium adds
    assert _run(apertium(), "The war was planned by NATO.")[0] == "La guerra estuvo planeada por de la OTAN."
    text, strategies, report = _run(apertium(), "The war was planned by NATO.", NATO)
    assert text == "La guerra estuvo planeada por OTAN." and report.checks[0].found == "OTAN"
    imf = GlossaryEntry("imf", {"en": "IMF", "es": "FMI"}, grammar={"es": Grammar("m")}, case_sensitive=True)
    text, strategies, report = _run(apertium(), "The IMF imposed austerity.", imf)
    assert text == "El FMI austeridad impuesta." and report.checks[0].found == "FMI"
    # case-sensitive: "fmi" would not count
    assert not _run(apertium(), "The imf imposed austerity.", imf)[2].checks


@needs_apertium
def test_a_term_the_engine_already_renders_is_left_untouched():
    text, strategies, report = _run(apertium(), "The bureaucracy fears the workers.", BUREAUCRACY)
    assert text == "La burocracia teme los trabajadores." and strategies == {"bureaucracy": "engine"}


@needs_apertium  # the Spanish analyser and generator come with apertium-eng-spa
def test_when_every_strategy_breaks_agreement_the_occurrence_says_so(tmp_path):
    # "cada" has no plural: no strategy can make it agree with the plural term the source asks for
    engine = _engine(tmp_path, {"every": "cada", "working": "trabajadora", "classes": "classes", "fight": "luchan"})
    text, strategies, report = _run(engine, "every working classes fight", WC)
    check = report.checks[0]
    assert check.realized and check.found == "clases obreras"
    assert check.grammar == "cada clases obreras" and not check.ok  # never silently
    assert text == "cada clases obreras luchan"
    # --strict-terms treats it as a miss
    assert report.ungrammatical == (check,)


@needs_apertium  # the Spanish analyser
def test_strict_terms_fails_on_a_grammar_problem(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"), "COLUMNS": "200"}
    package = build_argos_package(tmp_path, "en", "es", {"every": "cada", "working": "trabajadora",
                                                         "classes": "classes", "fight": "luchan"})

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "translate", *args], cwd=ROOT, env=env, capture_output=True)

    assert cli("models", "install", str(package)).returncode == 0
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: every\n---\n\nevery working classes fight\n")
    glossary = tmp_path / "g.yaml"
    glossary.write_text("name: g\nentries:\n- id: working-class\n  terms: {en: working class, es: clase obrera}\n"
                        "  grammar: {es: f}\n  plural: {en: working classes, es: clases obreras}\n")
    args = ("run", str(article), "--to", "es", "--engine", "argos", "-g", str(glossary), "--format", "md",
            "--out", str(tmp_path / "out"), "--no-memory")
    r = cli(*args)
    assert r.returncode == 0, r.stderr.decode()
    assert 'grammar: "cada clases obreras"' in r.stderr.decode()
    r = cli(*args, "--strict-terms")
    assert r.returncode == 1 and "1 in a phrase that does not agree" in r.stderr.decode()


@needs_apertium
def test_catalan_terms_agree_and_elide():
    text, strategies, report = _run(apertium(), "The sections of the Fourth International grew.", FI, tgt="ca")
    assert text == "Les seccions de la Quarta Internacional van créixer." and report.rate == 1.0
    labour = GlossaryEntry("labour-aristocracy", {"en": "labour aristocracy", "ca": "aristocràcia obrera"},
                           grammar={"ca": Grammar("f")})
    text, _, _ = _run(apertium(), "The labour aristocracy betrays the working classes.", labour, WC, tgt="ca")
    assert text.startswith("L'aristocràcia obrera") and "classes obreres" in text


@needs_apertium
def test_words_apertium_cannot_translate_are_listed_and_taken_out():
    _, _, report = _run(apertium(), "He styled the stooges to vacate.")
    assert report.unknown == ("styled", "stooges", "vacate")
    text, _, _ = _run(apertium(), "He styled the stooges to vacate.")
    assert "*" not in text


@needs_apertium
def test_the_seed_article_gets_no_more_agreement_problems_than_apertium_alone():
    from conftest import SEED

    from translate.document import read_article
    from translate.pipeline import translate_document

    doc = read_article(SEED)
    entries = load_glossary(GLOSSARY).entries
    alone = translate_document(doc, "en", "es", apertium(), [])
    enforced = translate_document(doc, "en", "es", apertium(), entries)
    text = " ".join(s.text for b in enforced.blocks for s in b.segments)
    for good in ("por la burocracia estalinista", "de la Cuarta Internacional", "potencias imperialistas europeas"):
        assert good in text
    for bad in ("el Burocracia", "del revolucionario clase", "del Cuarta Internacional", "imperialistas europeos"):
        assert bad not in text
    assert enforced.report.rate >= 0.98
    assert enforced.report.problems <= alone.report.problems


# --- the tiny Argos engine ----------------------------------------------------------------------------------


def _engine(tmp_path, dictionary, alternatives=None):
    from translate.engines.argos import ArgosEngine

    archive = build_argos_package(tmp_path, "en", "es", dictionary, alternatives)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unpacked")
    return ArgosEngine([next((tmp_path / "unpacked").iterdir())])


WORDS = {"the": "la", "working": "trabajadora", "class": "classe", "fights": "lucha", "and": "y", "square": "plaza"}


def test_argos_n_best_picks_the_hypothesis_with_the_term(tmp_path):
    engine = _engine(tmp_path, WORDS, {"class": "clase"})
    assert engine.hypotheses(["the class fights"], "en", "es", 2) == [["la classe lucha", "la clase lucha"]]
    text, strategies, report = _run(engine, "the class fights", CLASS)
    assert text == "la clase lucha" and strategies == {"class": "hypothesis"} and report.rate == 1.0


def test_argos_substitutes_its_own_rendering(tmp_path):
    engine = _engine(tmp_path, WORDS)
    text, strategies, _ = _run(engine, "the working class fights", WC)
    assert text == "la clase obrera lucha" and strategies == {"working-class": "substitute"}


def test_argos_plural_source_is_given_the_plural_term(tmp_path):
    engine = _engine(tmp_path, WORDS | {"classes": "classes", "working": "trabajadoras"})
    text, _, report = _run(engine, "the working classes fights", WC)
    assert "clases obreras" in text and report.checks[0].expected == "clases obreras"


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
    assert text == f"la {span_open(0)}clase obrera{span_close(0)} y la Maidan plaza"
    assert strategies == {"working-class": "fallback", "maidan": "fallback"} and report.rate == 1.0
    # formatting markers alone, no term: the same fallback keeps the emphasis
    text, _, _ = _run(engine, "the *class* fights")
    assert text == f"la {span_open(0)}classe{span_close(0)} lucha"


def test_lost_formatting_with_a_realized_term_keeps_both(tmp_path):
    # the engine realizes the term by itself but drops the emphasis: the fallback must keep the term too
    engine = LosesMarkers(_engine(tmp_path, WORDS | {"working": "obrera"}))
    wc = GlossaryEntry("wc2", {"en": "class", "es": "classe"})
    text, strategies, report = _run(engine, "the *working* class fights", wc)
    assert text == f"la {span_open(0)}obrera{span_close(0)} classe lucha"
    assert strategies == {"wc2": "fallback"} and report.rate == 1.0


# --- pure logic ---------------------------------------------------------------------------------------------


def test_the_number_of_a_hit_and_its_expected_form():
    from translate.terms.forms import expected

    [hit] = TermMatcher([WC], "en").find("the working classes")
    want = expected(WC, hit, "en", "es")
    assert (want.text, want.number, want.gender) == ("clases obreras", "pl", "f")
    assert "clase obrera" not in want.accepted  # a plural source is not realized by the singular
    [hit] = TermMatcher([WC], "en").find("WORKING CLASS")
    assert expected(WC, hit, "en", "es").text == "CLASE OBRERA"


@needs_apertium
def test_agreement_problems_are_found_and_only_real_ones():
    from translate.engines.morphology import morphology
    from translate.terms.grammar import problems

    es = morphology("es")
    assert [p.text for p in problems("Los burocracia estalinista miedos los trabajadores.", es)] == ["Los burocracia"]
    assert [p.text for p in problems("del Cuarta Internacional y potencias imperialistas europeos", es)] == [
        "del Cuarta", "potencias imperialistas europeos"]
    assert [p.text for p in problems("cada delegados sindicales", es)] == ["cada delegados"]
    for fine in ("La burocracia estalinista teme a los trabajadores.", "los comités de huelga despedidos",
                 "la vemos", "Las peleas de clase laborables.", "la clase obrera europea"):
        assert problems(fine, es) == [], fine


@needs_apertium
def test_repair_reinflects_articles_contractions_and_adjectives():
    from translate.engines.morphology import morphology
    from translate.terms.grammar import repair

    es = morphology("es")
    t = "La lucha del clase obrera unido."
    i = t.index("clase")
    assert repair(t, i, i + len("clase obrera"), "f", "sg", es) == "La lucha de la clase obrera unida."


class Recording:
    """The tiny Argos engine, recording every text it is given."""

    def __init__(self, inner):
        self.inner, self.name, self.seen = inner, "recording", []

    def supports(self, src, tgt):
        return self.inner.supports(src, tgt)

    def identity(self, src, tgt):
        return self.inner.identity(src, tgt)

    def translate(self, texts, src, tgt):
        self.seen.extend(texts)
        return self.inner.translate(texts, src, tgt)

    def hypotheses(self, texts, src, tgt, n):
        self.seen.extend(texts)
        return self.inner.hypotheses(texts, src, tgt, n)

    def locate(self, sources, outputs, src, tgt):
        return self.inner.locate(sources, outputs, src, tgt)


def test_a_terms_rendering_is_learnt_once_in_the_engines_own_batch_and_remembered(tmp_path):
    from translate.memory import MEMORY_NAME, TranslationMemory
    from translate.pipeline import translate_document

    engine = Recording(_engine(tmp_path, WORDS))
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    first = translate_document(_doc("the working class fights"), "en", "es", engine, [WC], memory)
    assert first.block("b1").text == "la clase obrera lucha"
    # one pass: the sentence and the term's own forms together; nothing sent again for the substitution
    assert sorted(engine.seen) == sorted(["News", "the working class fights", "working class"])
    engine.seen.clear()
    # another article with the same term: the rendering comes from the memory, only the new sentence is sent
    second = translate_document(_doc("and the working class fights"), "en", "es", engine, [WC], memory)
    assert second.block("b1").text == "y la clase obrera lucha"
    assert engine.seen == ["and the working class fights"]
    memory.close()


def test_argos_finds_the_terms_words_by_attention_when_its_rendering_alone_differs(tmp_path):
    # the model renders "working class" alone as something its sentence does not contain (remembered from an
    # earlier run): the words the term became are found by the model's attention and replaced
    from translate.terms.enforce import Context, Item, enforce

    engine = Recording(_engine(tmp_path, WORDS | {"bosses": "patrones"}))
    text = "the working class fights and the bosses"
    hits = tuple(TermMatcher([WC], "en").find(text))
    context = Context(engine, "en", "es", learnt={"working class": "clase laboral"})
    [outcome] = enforce([Item("b1.s1", text, hits, 0)], context)
    assert outcome.text == "la clase obrera lucha y la patrones"
    assert outcome.strategies == {"working-class": "substitute"}
    assert engine.seen == [text]  # no placeholder pass, no second translation


@needs_apertium
def test_a_remembered_segment_keeps_its_term_check_and_an_unusable_one_is_made_again(tmp_path, monkeypatch):
    """A re-run reads each remembered segment's term check from the memory instead of analysing its words again;
    the report is the same. A check made with other analysers (or damaged) is made again."""
    import json

    from translate.engines import get_engine
    from translate.memory import MEMORY_NAME, TranslationMemory
    from translate.pipeline import translate_document
    from translate.terms import check

    entries = load_glossary(GLOSSARY).entries
    text = "The Stalinist bureaucracy fears the working class. The strike goes on."
    engine = get_engine("apertium")
    memory = TranslationMemory(tmp_path / MEMORY_NAME)
    first = translate_document(_doc(text), "en", "es", engine, entries, memory)
    made = []
    original = check.check_segment
    monkeypatch.setattr(check, "check_segment", lambda *a: made.append(a[0]) or original(*a))
    again = translate_document(_doc(text), "en", "es", engine, entries, memory)
    assert again.cached and made == []  # every segment's check from the memory
    assert again.report.to_json() == first.report.to_json() and first.report.checks
    # checks made under another signature, or damaged, are not taken
    memory.db.execute("UPDATE segments SET notes=json_set(notes, '$.check.sig', 'other')")
    memory.db.execute("COMMIT") if memory.db.in_transaction else None
    third = translate_document(_doc(text), "en", "es", engine, entries, memory)
    assert made and third.report.to_json() == first.report.to_json()
    made.clear()
    memory.db.execute("UPDATE segments SET notes=json_set(notes, '$.check.checks', json(?))",
                      (json.dumps([["x"]]),))
    memory.db.execute("COMMIT") if memory.db.in_transaction else None
    fourth = translate_document(_doc(text), "en", "es", engine, entries, memory)
    assert made and fourth.report.to_json() == first.report.to_json()
    memory.close()
