"""Argos through the real path: a tiny .argosmodel built here, installed with `translate models install`, run by
CTranslate2 with the package's own SentencePiece tokenizer."""

import os

import pytest
from argos_fixture import build_argos_package
from conftest import SEED, run_cli

EN_ES = {"the": "la", "working": "trabajadora", "class": "clase", "fights": "lucha", "war": "guerra",
         "and": "y", "against": "contra", "workers": "obreros", "refuse": "rechazan", "Fourth": "Cuarta",
         "International": "Internacional", "obrera": "obrera"}
FR_EN = {"la": "the", "guerre": "war", "contre": "against", "travailleurs": "workers"}


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """en->es and fr->en packages, installed through the CLI into the tests' private Argos folder."""
    folder = tmp_path_factory.mktemp("argosmodels")
    en_es = build_argos_package(folder, "en", "es", EN_ES, {"class": "classe"}, from_name="English", to_name="Spanish")
    fr_en = build_argos_package(folder, "fr", "en", FR_EN, from_name="French", to_name="English")
    for path in (en_es, fr_en):
        r = run_cli("models", "install", str(path))
        assert r.returncode == 0, r.stderr.decode()
    yield {"en-es": en_es, "fr-en": fr_en}
    for pair in (("en", "es"), ("fr", "en")):
        run_cli("models", "remove", *pair)
    from translate.engines.argos import forget_packages

    forget_packages()


@pytest.fixture
def glossary(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "entries:\n"
        "- id: working-class\n  terms: {en: working class, es: clase obrera, fr: classe ouvrière}\n"
        "- id: fourth-international\n  terms: {en: Fourth International, es: Cuarta Internacional}\n",
        encoding="utf-8",
    )
    return path


def test_models_list_shows_installed_packages(packages):
    r = run_cli("models", "list")
    out = r.stdout.decode()
    assert r.returncode == 0
    assert "en -> es  translate-en_es-1_0  version 1.0" in out and "fr -> en" in out
    assert os.environ["ARGOS_PACKAGES_DIR"] in out


def test_dictionary_translation_without_glossary(packages, tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("entries: []\n")
    r = run_cli("text", "the working class fights the war", "--to", "es", "--engine", "argos", "-g", str(empty))
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "la trabajadora clase lucha la guerra\n"


def test_glossary_term_replaces_the_dictionary_translation(packages, glossary):
    r = run_cli("text", "the working class fights the war", "--to", "es", "--engine", "argos", "-g", str(glossary))
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "la clase obrera lucha la guerra\n"


def test_formatting_and_several_terms_survive(packages, glossary):
    r = run_cli("text", "the *working class* and the [Fourth International](https://wrp.example/fi) refuse the war",
                "--to", "es", "--engine", "argos", "-g", str(glossary))
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "la *clase obrera* y la [Cuarta Internacional](https://wrp.example/fi) rechazan la guerra\n"


def test_pivot_through_english(packages):
    from translate.engines.argos import ArgosEngine, forget_packages

    forget_packages()
    engine = ArgosEngine()
    assert engine.supports("fr", "es") and ("fr", "es") in engine.pairs()
    assert "translate-fr_en-1_0" in engine.identity("fr", "es") and "translate-en_es-1_0" in engine.identity("fr", "es")
    assert engine.translate(["la guerre contre la guerre", "travailleurs"], "fr", "es") == [
        "la guerra contra la guerra", "obreros"]


def test_all_segments_in_one_batched_call(packages, monkeypatch):
    import ctranslate2

    from translate.document import read_article
    from translate.engines.argos import ArgosEngine, forget_packages
    from translate.pipeline import translate_document

    forget_packages()
    calls = []
    original = ctranslate2.Translator.translate_batch

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def translate_batch(self, batch, **kw):
            calls.append(len(batch))
            return self.inner.translate_batch(batch, **kw)

    import translate.engines.argos as argos_module

    real_translator = argos_module._translator
    monkeypatch.setattr(argos_module, "_translator", lambda pkg: Spy(real_translator(pkg)))
    doc = read_article(SEED)
    result = translate_document(doc, "en", "es", ArgosEngine(), ())
    # One call; the fixture's tokenizer spells unknown words letter by letter, so long sentences go in parts.
    assert len(calls) == 1 and calls[0] >= len(doc.segments)
    assert result.engine == "argos translate-en_es-1_0 1.0"
    assert [s.id for b in result.blocks for s in b.segments] == [s.id for s in doc.segments]


def test_auto_prefers_argos_and_run_writes_outputs(packages, glossary, tmp_path):
    out = tmp_path / "build"
    r = run_cli("run", str(SEED), "--to", "es", "-g", str(glossary), "-o", str(out), "--no-pdf")
    assert r.returncode == 0, r.stderr.decode()
    md = next(out.rglob("*.es.md")).read_text(encoding="utf-8")
    assert "engine: argos translate-en_es-1_0 1.0" in md
    assert "clase obrera" in md and "Cuarta Internacional" in md


def test_remove_and_reinstall(packages):
    r = run_cli("models", "remove", "fr", "en")
    assert r.returncode == 0 and "removed fr -> en" in r.stdout.decode()
    r = run_cli("models", "remove", "fr", "en")
    assert r.returncode == 2 and "no Argos package for fr->en is installed" in r.stderr.decode()
    assert run_cli("models", "install", str(packages["fr-en"])).returncode == 0


def test_install_errors(tmp_path):
    not_zip = tmp_path / "x.argosmodel"
    not_zip.write_text("hello")
    r = run_cli("models", "install", str(not_zip))
    assert r.returncode == 2 and "not an Argos package" in r.stderr.decode()
    r = run_cli("models", "install", "en", "de")
    assert r.returncode == 2 and "offline" in r.stderr.decode()
    assert len(r.stderr.decode().strip().splitlines()) == 1
