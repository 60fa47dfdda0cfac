"""`translate glossary ...` as editors run it."""

import shutil

import pytest
from conftest import GLOSSARY, SEED, needs_apertium, run_cli

from translate.terms.glossary import load_glossary


@pytest.fixture
def gfile(tmp_path):
    path = tmp_path / "g.yaml"
    shutil.copy(GLOSSARY, path)
    return path


def test_political_glossary_is_lint_clean_and_canonical():
    r = run_cli("glossary", "lint", "-g", str(GLOSSARY))
    assert r.returncode == 0, r.stdout.decode()
    assert "0 error(s)" in r.stderr.decode()
    assert run_cli("glossary", "fmt", "--check", "-g", str(GLOSSARY)).returncode == 0
    g = load_glossary(GLOSSARY)
    assert len(g.entries) >= 150
    for e in g.entries:
        if e.kind == "term":
            assert set(g.languages) <= set(e.terms), e.id
    for lang in ("ru", "uk", "de"):
        assert sum(bool(e.forms.get(lang)) for e in g.entries) >= 100, lang
    assert sum(bool(e.forbidden) for e in g.entries) >= 10
    assert sum(e.kind == "keep" for e in g.entries) >= 5


def test_add_show_edit_remove(gfile):
    r = run_cli("glossary", "add", "-g", str(gfile), "--en", "flying picket", "--es", "piquete volante", "--fr", "piquet volant",
                "--form", "en=flying pickets", "--forbidden", "es=piquete móvil", "--note", "Strikes.")
    assert r.returncode == 0, r.stderr.decode()
    assert "added flying-picket" in r.stdout.decode()
    shown = run_cli("glossary", "show", "flying-picket", "-g", str(gfile)).stdout.decode()
    assert "es: piquete volante" in shown and "forbidden: piquete móvil" in shown and "note: Strikes." in shown
    assert run_cli("glossary", "edit", "flying-picket", "-g", str(gfile), "--de", "Streikposten").returncode == 0
    entry = next(e for e in load_glossary(gfile).entries if e.id == "flying-picket")
    assert entry.terms["de"] == "Streikposten" and entry.terms["es"] == "piquete volante"
    dup = run_cli("glossary", "add", "-g", str(gfile), "--en", "flying picket", "--es", "piquete")
    assert dup.returncode == 2 and "flying-picket" in dup.stderr.decode()
    assert run_cli("glossary", "remove", "flying-picket", "-g", str(gfile)).returncode == 0
    gone = run_cli("glossary", "show", "flying-picket", "-g", str(gfile))
    assert gone.returncode == 2
    assert run_cli("glossary", "fmt", "--check", "-g", str(gfile)).returncode == 0


def test_add_rejects_unknown_language(gfile):
    before = gfile.read_bytes()
    r = run_cli("glossary", "add", "-g", str(gfile), "--en", "x y z", "--xx", "nope")
    assert r.returncode == 2 and "unknown" in r.stderr.decode()
    assert gfile.read_bytes() == before


def test_lint_fails_on_errors_and_fmt_check_on_layout(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nlanguages: [en, es]\nentries:\n"
        "- id: a\n  terms: {en: general strike, es: huelga general}\n"
        "- id: b\n  terms: {en: General Strike, es: paro general}\n",
        encoding="utf-8",
    )
    r = run_cli("glossary", "lint", "-g", str(path))
    assert r.returncode == 1 and "[conflicting-target]" in r.stdout.decode()
    assert run_cli("glossary", "fmt", "--check", "-g", str(path)).returncode == 1
    assert run_cli("glossary", "fmt", "-g", str(path)).returncode == 0
    assert run_cli("glossary", "fmt", "--check", "-g", str(path)).returncode == 0


def test_coverage_lists_used_terms_and_candidates():
    r = run_cli("glossary", "coverage", str(SEED), "-g", str(GLOSSARY))
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert "working-class" in out and "government buildings" in out


@pytest.mark.parametrize("command", ["list", "show", "add", "edit", "remove", "lint", "fmt", "coverage", "import", "export"])
def test_glossary_commands_have_help(command):
    r = run_cli("glossary", command, "--help")
    assert r.returncode == 0 and "Usage" in r.stdout.decode()


TERMINOLOGY = GLOSSARY.parent.parent.parent / "shared" / "corpus" / "terminology"


@pytest.mark.skipif(not TERMINOLOGY.is_dir(), reason="../shared/corpus/terminology is not beside the project")
def test_import_real_tbx_then_export_every_format(tmp_path):
    into = tmp_path / "astro.yaml"
    r = run_cli("glossary", "import", str(TERMINOLOGY / "tbx3-basic-dca_astronomy_en-es-zu.tbx"), "--into", str(into))
    assert r.returncode == 0, r.stderr.decode()
    g = load_glossary(into)
    assert len(g.entries) == 45 and {"en", "es", "zu"} <= set(g.languages)
    for fmt, name in (("tbx", "a.tbx"), ("csv", "a.csv"), ("omegat", "a.en-es.txt")):
        args = ["glossary", "export", str(into), "-o", str(tmp_path / name)] + (["--to", "es"] if fmt == "omegat" else [])
        r = run_cli(*args)
        assert r.returncode == 0, r.stderr.decode()
        back = tmp_path / f"back-{fmt}.yaml"
        assert run_cli("glossary", "import", str(tmp_path / name), "--into", str(back)).returncode == 0
        terms = {e.terms.get("en") for e in load_glossary(back).entries}
        assert "open cluster" in terms


def test_tbx_round_trip_of_the_political_glossary_through_the_cli(tmp_path):
    for version in ("2", "3"):
        out = tmp_path / f"p{version}.tbx"
        assert run_cli("glossary", "export", str(GLOSSARY), "-o", str(out), "--tbx-version", version).returncode == 0
        back = tmp_path / f"p{version}.yaml"
        assert run_cli("glossary", "import", str(out), "--into", str(back)).returncode == 0
        strip = lambda g: [(e.id, e.terms, e.forms, e.forbidden, e.kind, e.case_sensitive, e.note) for e in g.entries]
        assert strip(load_glossary(back)) == strip(load_glossary(GLOSSARY))


@needs_apertium  # the Spanish and Catalan analysers come with the Apertium pairs
def test_lint_warns_when_the_analyser_contradicts_a_gender_and_add_fills_it_in(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("name: g\nlanguages: [en, es]\nentries:\n- id: strike\n  terms: {en: strike, es: huelga}\n"
                    "  grammar: {es: m}\n", encoding="utf-8")
    r = run_cli("glossary", "lint", "-g", str(path))
    out = (r.stdout + r.stderr).decode()
    assert f"{path}:4: warning: entry 'strike': es 'huelga' is feminine to Apertium's analyser" in out
    assert "the glossary says masculine (grammar.es: m) [grammar-mismatch]" in out
    r = run_cli("glossary", "add", "-g", str(path), "--en", "rent strike", "--es", "huelga de alquileres",
                "--ca", "vaga de lloguers", "--grammar", "ca=f")
    assert r.returncode == 0, r.stderr.decode()
    assert "grammar.es: f (from Apertium's analyser" in r.stdout.decode()
    entry = next(e for e in load_glossary(path).entries if e.id == "rent-strike")
    assert (str(entry.grammar["es"]), str(entry.grammar["ca"])) == ("f", "f")
    r = run_cli("glossary", "add", "-g", str(path), "--en", "x", "--es", "y", "--grammar", "es=q")
    assert r.returncode == 2 and "'q' is not a gender" in r.stderr.decode()
