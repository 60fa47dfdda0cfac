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
        assert set(run) == {"chrf", "bleu", "term_success_rate", "terms_realized", "terms_total"}
        assert run["terms_total"] == 3  # working class twice, NATO once
    assert data["with_glossary"]["terms_realized"] == 3
    # Apertium alone says "clase laborable" and "otan" (the entry is case-sensitive: the acronym is OTAN)
    assert data["without_glossary"]["terms_realized"] == 0
    assert data["with_glossary"]["chrf"] > data["without_glossary"]["chrf"]


def test_eval_bad_line_names_file_and_line(tmp_path, mini_glossary):
    bad = tmp_path / "bad.tsv"
    bad.write_text("ok\tbien\nno tab here\n", encoding="utf-8")
    r = run_cli("eval", str(bad), "--to", "es", "-g", str(mini_glossary))
    assert r.returncode == 2 and f"{bad}:2: expected 'source<TAB>reference'" in r.stderr.decode()
