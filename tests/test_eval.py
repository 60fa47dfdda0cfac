import json

import pytest
from conftest import needs_apertium, run_cli

from translate.evaluate import score


def test_score_against_itself_is_perfect_and_terms_are_counted():
    s = score(["la clase obrera lucha"], ["la clase obrera lucha"], 3, 4)
    assert (s.chrf, s.bleu, s.term_success_rate, s.terms_realized, s.terms_total) == (100.0, 100.0, 0.75, 3, 4)


@pytest.fixture
def refs(tmp_path):
    path = tmp_path / "refs.tsv"
    path.write_text(
        "# a comment\n"
        "The working class fights the bosses.\tLa clase obrera lucha contra los patrones.\n"
        "NATO troops arrived.\tLlegaron tropas de la OTAN.\n"
        "\n"
        "Workers of the working class vote.\tLos trabajadores de la clase obrera votan.\n",
        encoding="utf-8",
    )
    return path


@needs_apertium
def test_eval_json_with_and_without_glossary(refs, mini_glossary):
    r = run_cli("eval", str(refs), "--to", "es", "--engine", "apertium", "-g", str(mini_glossary), "--json")
    assert r.returncode == 0, r.stderr.decode()
    data = json.loads(r.stdout)
    assert set(data) == {"with_glossary", "without_glossary"}
    for run in data.values():
        assert set(run) == {"chrf", "bleu", "term_success_rate", "terms_realized", "terms_total", "agreement_problems",
                            "words", "checked", "agreement_problems_per_1000_words"}
        assert run["checked"] and run["words"] > 15
        assert run["terms_total"] == 3  # working class twice, NATO once
    assert data["with_glossary"]["terms_realized"] == 3
    # Apertium alone says "clase laborable" and "otan" (the entry is case-sensitive: the acronym is OTAN)
    assert data["without_glossary"]["terms_realized"] == 0
    assert data["with_glossary"]["chrf"] > data["without_glossary"]["chrf"]
    # the glossary adds no agreement problem here
    assert data["with_glossary"]["agreement_problems"] <= data["without_glossary"]["agreement_problems"]


@needs_apertium
def test_eval_counts_agreement_problems_per_thousand_words(tmp_path):
    refs = tmp_path / "refs.tsv"
    # Apertium alone: "Las Cuartas peleas Internacionales" ... "del Cuarto Internacional"
    refs.write_text("The sections of the Fourth International grew.\tLas secciones de la Cuarta Internacional crecieron.\n"
                    "They built a Fourth International.\tConstruyeron una Cuarta Internacional.\n", encoding="utf-8")
    glossary = tmp_path / "g.yaml"
    glossary.write_text("name: g\nentries:\n- id: fi\n  case: sensitive\n  terms: {en: Fourth International, "
                        "es: Cuarta Internacional}\n  grammar: {es: f}\n", encoding="utf-8")
    r = run_cli("eval", str(refs), "--to", "es", "--engine", "apertium", "-g", str(glossary), "--json")
    data = json.loads(r.stdout)
    assert data["with_glossary"]["agreement_problems"] == 0
    assert data["without_glossary"]["agreement_problems"] >= 1
    assert data["without_glossary"]["agreement_problems_per_1000_words"] > 0
    table = run_cli("eval", str(refs), "--to", "es", "--engine", "apertium", "-g", str(glossary)).stdout.decode()
    assert "agreement" in table and "0.00 (0)" in table


def test_eval_bad_line_names_file_and_line(tmp_path, mini_glossary):
    bad = tmp_path / "bad.tsv"
    bad.write_text("ok\tbien\nno tab here\n", encoding="utf-8")
    r = run_cli("eval", str(bad), "--to", "es", "-g", str(mini_glossary))
    assert r.returncode == 2 and f"{bad}:2: expected 'source<TAB>reference'" in r.stderr.decode()
