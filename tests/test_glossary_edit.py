import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import GLOSSARY, ROOT, SEED, needs_apertium

from translate.data import GlossaryEntry, Grammar
from translate.document import read_article
from translate.errors import UserError
from translate.terms.edit import (
    HEADER,
    RULES,
    Coverage,
    LintIssue,
    add_entry,
    coverage,
    dump_glossary,
    edit_glossary,
    format_issue,
    lint,
    lock_path,
    make_id,
    remove_entry,
    save_glossary,
    update_entry,
)
from translate.terms.glossary import Glossary, load_glossary


def small() -> Glossary:
    return Glossary(
        name="mini",
        path=None,
        languages=("en", "es"),
        description="The paper's test glossary: three entries.",
        entries=(
            GlossaryEntry("working-class", {"es": "clase obrera", "en": "working class"},
                          forms={"es": ("clases obreras",), "en": ("working classes",)},
                          forbidden={"es": ("clase trabajadora",)}, note="The paper's line: obrera, not trabajadora."),
            GlossaryEntry("year-1917", {"ru": "1917", "en": "1917", "es": "1917"}),
            GlossaryEntry("socialist-worker", {"en": "Socialist Worker"}, kind="keep", case_sensitive=True,
                          note="Name of a paper"),
            GlossaryEntry("nato", {"en": "NATO", "es": "OTAN", "de": "NATO"}, case_sensitive=True),
            GlossaryEntry("workers-state", {"en": "workers' state", "es": "Estado obrero"},
                          forms={"en": ("workers\u2019 state", "workers state, deformed")}),
        ),
    )


SMALL_YAML = """\
# Canonical format: written by 'translate glossary fmt'; remarks go in 'note' fields.
name: mini
description: "The paper's test glossary: three entries."
languages: [en, es]
entries:
- id: nato
  case: sensitive
  terms:
    en: NATO
    es: OTAN
    de: NATO
- id: socialist-worker
  kind: keep
  case: sensitive
  terms:
    en: Socialist Worker
  note: Name of a paper
- id: workers-state
  terms:
    en: workers' state
    es: Estado obrero
  forms:
    en: [workers\u2019 state, 'workers state, deformed']
- id: working-class
  terms:
    en: working class
    es: clase obrera
  forms:
    en: [working classes]
    es: [clases obreras]
  forbidden:
    es: [clase trabajadora]
  note: "The paper's line: obrera, not trabajadora."
- id: year-1917
  terms:
    en: '1917'
    es: '1917'
    ru: '1917'
"""


def bare(entries):
    """Entries without their origin, in id order (file order among duplicate ids)."""
    return sorted((replace(e, origin="") for e in entries), key=lambda e: e.id)


def reload(text: str, tmp_path: Path, name: str = "g.yaml") -> Glossary:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_glossary(path)


# --- canonical writing ---------------------------------------------------------------------------------------


def test_dump_is_the_canonical_text(tmp_path):
    text = dump_glossary(small())
    assert text == SMALL_YAML
    assert text.startswith(HEADER) and text.endswith("\n")
    again = reload(text, tmp_path)
    assert bare(again.entries) == bare(small().entries)
    assert again.name == "mini" and again.languages == ("en", "es")
    assert again.description == small().description
    assert dump_glossary(again) == text


def test_dump_leaves_out_defaults_and_empty_lists(tmp_path):
    g = Glossary("plain", None, ("en",), (GlossaryEntry("war", {"en": "war"}, forms={"en": ()}),))
    assert dump_glossary(g) == HEADER + "name: plain\nlanguages: [en]\nentries:\n- id: war\n  terms:\n    en: war\n"
    empty = Glossary("nothing", None, (), ())
    assert dump_glossary(empty) == HEADER + "name: nothing\nlanguages: []\nentries: []\n"
    assert reload(dump_glossary(empty), tmp_path).entries == ()


def test_dump_of_the_real_glossary_is_stable(tmp_path):
    original = load_glossary(GLOSSARY)
    text = dump_glossary(original)
    again = reload(text, tmp_path, "political.yaml")
    assert bare(again.entries) == bare(original.entries)
    assert (again.name, again.languages, again.description) == (original.name, original.languages, original.description)
    assert dump_glossary(again) == text


def test_mini_fixture_round_trip(mini_glossary, tmp_path):
    g = load_glossary(mini_glossary)
    text = dump_glossary(g)
    assert "terms:\n    en: working class\n    es: clase obrera\n" in text
    assert dump_glossary(reload(text, tmp_path)) == text


# --- atomic, locked saving -----------------------------------------------------------------------------------


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "mini.yaml"
    save_glossary(small(), path)
    assert path.read_text(encoding="utf-8") == SMALL_YAML
    save_glossary(remove_entry(small(), "nato"), path)
    assert "id: nato" not in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.yaml"]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "mini.yaml"
    save_glossary(small(), path)

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        save_glossary(remove_entry(small(), "nato"), path)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == SMALL_YAML
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.yaml"]


def test_save_refuses_a_glossary_the_loader_would_reject(tmp_path):
    path = tmp_path / "mini.yaml"
    save_glossary(small(), path)
    bad = replace(small(), entries=(*small().entries, GlossaryEntry("x", {"xx": "nonsense"})))
    with pytest.raises(UserError, match=r"mini\.yaml:\d+: .*unknown language code 'xx'"):
        save_glossary(bad, path)
    assert path.read_text(encoding="utf-8") == SMALL_YAML
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.yaml"]


def test_edit_starts_a_missing_file_and_keeps_a_lock_file_beside_it(tmp_path):
    path = tmp_path / "new-terms.yaml"
    g = edit_glossary(path, lambda g: add_entry(g, GlossaryEntry("", {"en": "Maidan Square", "uk": "Майдан"})))
    assert g.name == "new-terms" and g.languages == ()
    loaded = load_glossary(path)
    assert [e.id for e in loaded.entries] == ["maidan-square"]
    assert lock_path(path) == tmp_path / ".new-terms.yaml.lock" and lock_path(path).exists()
    # a change that fails leaves the file as it was
    before = path.read_text(encoding="utf-8")
    with pytest.raises(UserError, match="already has an entry 'maidan-square'"):
        edit_glossary(path, lambda g: add_entry(g, GlossaryEntry("maidan-square", {"en": "Maidan"})))
    assert path.read_text(encoding="utf-8") == before


ADDER = """
import sys, time
from pathlib import Path
from translate.data import GlossaryEntry
from translate.terms.edit import add_entry, edit_glossary
path, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
for i in range(20):
    entry = GlossaryEntry(id=f"{tag}-{i:02d}", terms={"en": f"{tag} term {i}", "es": f"{tag} término {i}"})
    edit_glossary(path, lambda g, entry=entry: add_entry(g, entry))
"""


def test_two_editors_adding_at_the_same_time_lose_nothing(tmp_path):
    path = tmp_path / "shared.yaml"
    save_glossary(Glossary("shared", path, ("en", "es"), ()), path)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [
        subprocess.Popen([sys.executable, "-c", ADDER, str(path), tag, str(go)], cwd=ROOT, env=env,
                         stderr=subprocess.PIPE, text=True)
        for tag in ("alpha", "beta")
    ]
    time.sleep(0.3)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    ids = [e.id for e in load_glossary(path).entries]
    assert len(ids) == 40
    assert sorted(ids) == sorted(f"{t}-{i:02d}" for t in ("alpha", "beta") for i in range(20))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".shared.yaml.lock", "go", "shared.yaml"]


# --- entry editing -------------------------------------------------------------------------------------------


def test_make_id():
    assert make_id("working class") == "working-class"
    assert make_id("Workers\u2019 state") == "workers-state"
    assert make_id("workers' state") == "workers-state"
    assert make_id("Stalinist bureaucracy") == "stalinist-bureaucracy"
    assert make_id("État ouvrier") == "etat-ouvrier"
    assert make_id("рабочий класс") == "rabochii-klass"
    assert make_id("Co-operation in Europe (OSCE)") == "co-operation-in-europe-osce"
    with pytest.raises(UserError, match="cannot make an id"):
        make_id("中文")


def test_add_entry():
    g = add_entry(small(), GlossaryEntry("", {"es": "Plaza Maidán", "en": "Maidan  Square"}))
    added = g.entries[-1]
    assert added.id == "maidan-square" and added.terms["en"] == "Maidan Square"
    assert small().entries == small().entries  # pure: the input is untouched
    with pytest.raises(UserError, match=r"already has an entry 'nato'"):
        add_entry(small(), GlossaryEntry("nato", {"en": "North Atlantic Treaty Organization"}))
    with pytest.raises(UserError, match="unknown language code 'xx'"):
        add_entry(small(), GlossaryEntry("foo", {"xx": "foo"}))
    with pytest.raises(UserError, match="lower-case letters"):
        add_entry(small(), GlossaryEntry("Bad Id", {"en": "foo"}))
    with pytest.raises(UserError, match="at least one language"):
        add_entry(small(), GlossaryEntry("foo", {}))


def test_update_entry_merges_languages():
    g = update_entry(small(), "working-class", terms={"fr": "classe ouvrière"}, forms={"es": []},
                     forbidden={"fr": ["classe laborieuse"]}, note="")
    e = next(e for e in g.entries if e.id == "working-class")
    assert e.terms == {"es": "clase obrera", "en": "working class", "fr": "classe ouvrière"}
    assert e.forms == {"en": ("working classes",)}
    assert e.forbidden == {"es": ("clase trabajadora",), "fr": ("classe laborieuse",)}
    assert e.note == ""
    g = update_entry(g, "working-class", remove_langs=["fr"], terms={"es": "clase  obrera "}, case_sensitive=True,
                     kind="keep")
    e = next(e for e in g.entries if e.id == "working-class")
    assert e.terms == {"es": "clase obrera", "en": "working class"} and "fr" not in e.forbidden
    assert e.case_sensitive and e.kind == "keep"
    with pytest.raises(UserError, match="would leave no term"):
        update_entry(small(), "socialist-worker", remove_langs=["en"])
    with pytest.raises(UserError, match="'kind' must be one of"):
        update_entry(small(), "nato", kind="name")
    with pytest.raises(UserError, match=r"no entry 'working-clas' .*did you mean working-class"):
        update_entry(small(), "working-clas", note="x")


def test_remove_entry():
    g = remove_entry(small(), "nato")
    assert [e.id for e in g.entries] == ["working-class", "year-1917", "socialist-worker", "workers-state"]
    with pytest.raises(UserError) as err:
        remove_entry(small(), "worker-state")
    assert "no entry 'worker-state'" in str(err.value) and "workers-state" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(UserError, match=r"^no entry 'zzz' in glossary 'mini'$"):
        remove_entry(small(), "zzz")


# --- lint ----------------------------------------------------------------------------------------------------


def clean() -> Glossary:
    return Glossary("clean", None, ("en", "es"), (
        GlossaryEntry("working-class", {"en": "working class", "es": "clase obrera"},
                      forms={"en": ("working classes",)}, forbidden={"es": ("clase trabajadora",)}),
        GlossaryEntry("strike", {"en": "strike", "es": "huelga"}),
        GlossaryEntry("news-line", {"en": "News Line"}, kind="keep"),
    ))


def test_lint_is_quiet_on_a_clean_glossary():
    assert lint(clean()) == []


def crafted() -> Glossary:
    E = GlossaryEntry
    return Glossary("crafted", Path("crafted.yaml"), ("en", "es", "xx"), (
        E("working-class", {"en": "working class", "es": "clase obrera"}, origin="crafted.yaml:5"),
        E("working-class", {"en": "working class", "es": "clase obrera"}, origin="crafted.yaml:9"),  # duplicate id
        E("workers", {"en": "workers", "es": "obreros"}, forms={"es": ["trabajadores"]}),
        E("toilers", {"en": "toilers", "es": "Trabajadores"}),  # es 'trabajadores' twice, different en target
        E("labourers", {"en": "workers", "es": "obreros"}),  # en 'workers' twice, same targets
        E("partial", {"en": "partial"}),  # no es
        E("odd", {"en": "odd", "es": "raro", "qq": "???"}),  # unknown language in an entry
        E("stalinist-bureaucracy", {"en": "Stalinist bureaucracy", "es": "burocracia estalinista"}),
        E("bureaucracy", {"en": "bureaucracy", "es": "burocracia"}),
        E("general-strike", {"en": "general strike", "es": "huelga general"}, forbidden={"es": ["Huelga General"]}),
        E("blank", {"en": "  ", "es": "vacío"}, forms={"es": [""]}),
        E("Bad Id", {"en": "bad", "es": "malo"}),
        E("police", {"en": "police", "es": "policía"}, grammar={"es": Grammar("m")},
          origin="crafted.yaml:40"),  # the police (la policía) is feminine
    ))


@needs_apertium  # the grammar rule reads the glossary with Apertium's Spanish analyser
def test_every_lint_rule_fires_on_a_crafted_glossary():
    issues = lint(crafted())
    by_rule = {}
    for issue in issues:
        assert isinstance(issue, LintIssue) and issue.severity in ("error", "warning")
        by_rule.setdefault(issue.rule, []).append(issue)
    assert set(by_rule) == set(RULES)

    (dup,) = by_rule["duplicate-id"]
    assert dup.entry_id == "working-class" and dup.origin == "crafted.yaml:9" and "crafted.yaml:5" in dup.message

    same = by_rule["duplicate-source-term"]  # one issue per language: en 'workers', es 'obreros'
    assert [i.entry_id for i in same] == ["workers, labourers"] * 2
    assert "en 'workers' is in both entries 'workers' and 'labourers'" in same[0].message
    assert "es 'obreros' is in both entries 'workers' and 'labourers'" in same[1].message

    (conflict,) = by_rule["conflicting-target"]
    assert conflict.entry_id == "workers, toilers"
    assert "es 'trabajadores'" in conflict.message and "en 'workers' vs 'toilers'" in conflict.message

    missing = {i.entry_id: i for i in by_rule["missing-language"]}
    assert set(missing) >= {"partial"} and "'partial'" in missing["partial"].message
    assert "es" in missing["partial"].message and missing["partial"].severity == "warning"
    assert "news-line" not in missing  # keep entries need no languages

    unknown = {i.entry_id: i.message for i in by_rule["unknown-language"]}
    assert "'xx'" in unknown[""] and "'qq'" in unknown["odd"]

    overlaps = {i.entry_id: i for i in by_rule["overlapping-terms"]}
    ov = overlaps["stalinist-bureaucracy, bureaucracy"]
    assert ov.severity == "warning" and "'Stalinist bureaucracy'" in ov.message and "'bureaucracy'" in ov.message
    assert "also in es" in ov.message
    assert "general-strike, strike" not in overlaps  # 'strike' is in no entry of crafted(); huelga only
    assert all(i.severity == "warning" for i in by_rule["overlapping-terms"])

    (forbidden,) = by_rule["forbidden-is-preferred"]
    assert forbidden.entry_id == "general-strike" and "'Huelga General'" in forbidden.message

    empty = [i.message for i in by_rule["empty-term"]]
    assert any("empty en term" in m for m in empty) and any("'forms.es'" in m for m in empty)
    assert all(i.entry_id == "blank" for i in by_rule["empty-term"])

    (bad,) = by_rule["invalid-id"]
    assert bad.entry_id == "Bad Id"

    (gender,) = by_rule["grammar-mismatch"]
    assert gender.severity == "warning" and gender.origin == "crafted.yaml:40" and gender.entry_id == "police"
    assert "es 'policía' is feminine to Apertium's analyser" in gender.message

    # errors come first; every line of the report names where the problem is
    severities = [i.severity for i in issues]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert format_issue(dup) == f"crafted.yaml:9: error: {dup.message} [duplicate-id]"


def test_lint_finds_duplicates_in_a_loaded_file(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "name: dup\nlanguages: [en, es]\nentries:\n"
        "- id: strike\n  terms: {en: strike, es: huelga}\n"
        "- id: strike\n  terms: {en: strike, es: paro}\n",
        encoding="utf-8",
    )
    issues = lint(load_glossary(path))
    assert [(i.rule, i.origin) for i in issues] == [("duplicate-id", f"{path}:6")]


def test_lint_of_the_real_glossary():
    issues = lint(load_glossary(GLOSSARY))
    assert all(isinstance(i, LintIssue) and i.rule in RULES for i in issues)
    counts = Counter((i.severity, i.rule) for i in issues)
    print(f"\n{GLOSSARY.name}: {sum(n for (s, _), n in counts.items() if s == 'error')} errors, "
          f"{sum(n for (s, _), n in counts.items() if s == 'warning')} warnings: {dict(counts)}")
    for issue in issues:
        if issue.severity == "error":
            print(format_issue(issue))


# --- coverage ------------------------------------------------------------------------------------------------


def three_entries():
    return [
        GlossaryEntry("working-class", {"en": "working class", "es": "clase obrera"}),
        GlossaryEntry("stalinist-bureaucracy", {"en": "Stalinist bureaucracy", "es": "burocracia estalinista"}),
        GlossaryEntry("bureaucracy", {"en": "bureaucracy", "es": "burocracia"}),
    ]


def test_coverage_of_the_seed_article():
    doc = read_article(SEED)
    result = coverage(three_entries(), [doc], "en", limit=200)
    assert isinstance(result, Coverage)
    # Counted in the text: "working class" 7 times (paragraphs 1, 3, 4, 6, 8, 9, 12); "Stalinist bureaucracy" 3
    # times (paragraphs 1, 4, 13); "bureaucracy" alone once ("fear of the bureaucracy", paragraph 3).
    assert result.used == [("working-class", 7), ("stalinist-bureaucracy", 3), ("bureaucracy", 1)]
    found = dict(result.candidates)
    assert found["government buildings"] == 2  # "occupations of / vacate government buildings and public spaces"
    assert found["public spaces"] == 2
    assert found["illegal government"] == 2  # "an illegal government, installed" / "the illegal government in Kiev"
    assert found["illegal occupation"] == 2
    assert found["maidan square"] == 2
    assert found["ukrainian workers"] == 4  # title, paragraphs 5, 11, 13
    assert found["deal with imperialism"] == 2
    # never a glossary hit, a stopword at either end, a single occurrence, or a phrase with only short words
    assert not any("working class" in p or "bureaucracy" in p for p in found)
    assert "the illegal government" not in found and "government buildings and" not in found
    assert "vladimir putin" not in found and "us" not in found and "eu" not in found
    assert all(n >= 2 for n in found.values())
    # "buildings" and "maidan" never occur outside the longer candidates: dropped
    assert "buildings" not in found and "maidan" not in found and "square" not in found
    # ranked by count x words, then alphabetically
    keys = [(-n * len(p.split()), p) for p, n in result.candidates]
    assert keys == sorted(keys)
    assert result.candidates[:4] == [("ukrainian", 10), ("government", 9), ("russia", 9), ("illegal", 8)]
    assert len(coverage(three_entries(), [doc], "en").candidates) == 20


def test_coverage_without_stopwords_needs_two_words():
    texts = ["La clase obrera ocupa los edificios del gobierno.", "Los edificios del gobierno y la clase obrera."]
    result = coverage(three_entries(), texts, "es")
    assert result.used == [("working-class", 2)]
    found = dict(result.candidates)
    assert found == {"los edificios del": 2, "edificios del gobierno": 2}
