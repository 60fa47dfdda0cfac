
import pytest
from conftest import GLOSSARY, SEED

from translate.data import GlossaryEntry
from translate.errors import UserError
from translate.terms.glossary import TermMatcher, count_forms, load_glossary


def entry(id, en, es=None, case_sensitive=False, forms=None, kind="term"):
    terms = {"en": en} | ({"es": es} if es else {})
    return GlossaryEntry(id=id, terms=terms, forms=forms or {}, case_sensitive=case_sensitive, kind=kind)


def found(matcher, text):
    return [(h.entry.id, h.text) for h in matcher.find(text)]


def test_whole_words_only():
    m = TermMatcher([entry("nato", "NATO", "OTAN", case_sensitive=True), entry("war", "war", "guerra")], "en")
    assert found(m, "NATO went to war; the warden and NATOs were not.") == [("nato", "NATO"), ("war", "war")]


def test_case_policy():
    m = TermMatcher([entry("who", "WHO", "OMS", case_sensitive=True), entry("wc", "working class", "clase obrera")], "en")
    assert found(m, "who said WHO? The Working Class, the WORKING class.") == [
        ("who", "WHO"), ("wc", "Working Class"), ("wc", "WORKING class")]


def test_longest_match_wins_overlaps():
    entries = [
        entry("bureaucracy", "bureaucracy", "burocracia"),
        entry("stalinist-bureaucracy", "Stalinist bureaucracy", "burocracia estalinista"),
        entry("soviet-power", "soviet power", "poder soviético"),
        entry("power-struggle", "power struggle", "lucha por el poder"),
    ]
    m = TermMatcher(entries, "en")
    assert found(m, "the Stalinist bureaucracy and the bureaucracy") == [
        ("stalinist-bureaucracy", "Stalinist bureaucracy"), ("bureaucracy", "bureaucracy")]
    # overlapping entries: the longer match wins even when it starts later
    assert found(m, "soviet power struggles and a soviet power struggle") == [
        ("soviet-power", "soviet power"), ("power-struggle", "power struggle")]


def test_variants_and_line_breaks():
    m = TermMatcher([entry("soviet", "soviet", "sóviet", forms={"en": ["soviets"]})], "en")
    assert found(m, "build soviets, one soviet") == [("soviet", "soviets"), ("soviet", "soviet")]
    m = TermMatcher([entry("wc", "working class", "clase obrera")], "en")
    assert found(m, "the working\n class") == [("wc", "working\n class")]


def test_count_forms_counts_whole_words_once():
    assert count_forms("la clase obrera y las clases obreras", ["clase obrera", "clases obreras"], False) == 2
    assert count_forms("subclase obrera", ["clase obrera"], False) == 0


def test_load_reports_every_mistake_with_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        """name: bad
languages: [en, es, zz]
entries:
- id: ok-entry
  terms: {en: working class, es: clase obrera}
- id: Bad Id
  terms: {en: x}
- id: no-terms
  kind: weird
  colour: red
""",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as err:
        load_glossary(path)
    lines = str(err.value).splitlines()
    assert any(line.startswith(f"{path}:2:") and "'zz'" in line for line in lines)
    assert any(line.startswith(f"{path}:6:") and "'id'" in line for line in lines)
    assert any(line.startswith(f"{path}:8:") and "'kind'" in line for line in lines)
    assert any(line.startswith(f"{path}:8:") and "'colour'" in line for line in lines)
    assert any(line.startswith(f"{path}:8:") and "'terms'" in line for line in lines)


def test_malformed_yaml_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nentries:\n  - id: a\n   terms: {en: b\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"broken.yaml:\d+: malformed YAML"):
        load_glossary(path)


def test_political_glossary_covers_seed_terms():
    glossary = load_glossary(GLOSSARY)
    m = TermMatcher(glossary.entries, "en")
    text = SEED.read_text(encoding="utf-8")
    ids = {h.entry.id for h in m.find(text)}
    for concept in ("working-class", "stalinist-bureaucracy", "imperialism", "political-revolution",
                    "soviet-power", "fourth-international", "osce", "nato", "interim-government"):
        assert concept in ids, concept
    by_id = {e.id: e for e in glossary.entries}
    for lang in ("es", "fr", "de", "ru", "uk"):
        for concept in ids:
            assert by_id[concept].preferred(lang), (concept, lang)
