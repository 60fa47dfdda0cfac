"""The Argos fixture builds a package that really translates through argostranslate + CTranslate2.

argostranslate reads ARGOS_PACKAGES_DIR and the XDG_* directories once, at import
time, so installing and translating happens in a subprocess with its own
environment; this test process never imports argostranslate.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from argos_fixture import MAX_POSITIONS, build_argos_package  # noqa: E402

DICTIONARY = {"the": "la", "working": "trabajadora", "class": "clase", "fights": "lucha", "war": "guerra"}
ALTERNATIVES = {"class": "classe"}
CORPUS = ["The working class fights the war.", "Workers fight."]
PACKAGE_NAME = "translate-en_es-1_0"

_RUNNER = r"""
import json, sys
from pathlib import Path

import argostranslate.package as package
import argostranslate.settings as settings
import ctranslate2

request = json.load(sys.stdin)
assert settings.package_data_dir == Path(request["packages_dir"]), settings.package_data_dir
package.install_from_path(Path(request["package_file"]))
packages = package.get_installed_packages()
assert len(packages) == 1, packages
pkg = packages[0]
translator = ctranslate2.Translator(str(pkg.package_path / "model"), device="cpu")
jobs = []
for job in request["jobs"]:
    tokens = [pkg.tokenizer.encode(s) for s in job["sentences"]]
    results = translator.translate_batch(tokens, **job["options"])
    jobs.append([
        {
            "tokens": t,
            "hypotheses": [pkg.tokenizer.decode(h).strip() for h in r.hypotheses],
            "pieces": r.hypotheses,
            "scores": r.scores,
        }
        for t, r in zip(tokens, results)
    ])
print(json.dumps({
    "package_path": str(pkg.package_path),
    "from_code": pkg.from_code, "to_code": pkg.to_code, "from_name": pkg.from_name,
    "to_name": pkg.to_name, "package_version": pkg.package_version, "type": pkg.type,
    "readme": pkg.get_readme(),
    "jobs": jobs,
}))
"""

ARGOS_OPTIONS = dict(beam_size=4, num_hypotheses=2, replace_unknowns=True, length_penalty=0.2, return_scores=True)

SENTENCES = {
    "main": "the working class fights the war",
    "placeholder": "the ⟦1⟧ fights",
    "placeholders": "⟦12⟧ the war, ⟦3⟧!",
    "unknown": "the comrades fights the war",
    "prefix": "the theory of classy warfare",
    "suffix_punct": "the, war.",
    "capitalized": "The working class fights.",
    "not_in_vocab": "the война war",
    "no_alternative": "the war",
}
LONG_WORDS = 300  # "the war" * 150 + </s>: 301 source positions, more than 256


def run_in_argos(tmp: Path, package_file: Path, jobs: list[dict]) -> dict:
    """Install ``package_file`` into a private ARGOS_PACKAGES_DIR and translate ``jobs`` there."""
    packages_dir = tmp / "argos-packages"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGOS_") and k != "SNAP"}
    env.update(
        ARGOS_PACKAGES_DIR=str(packages_dir),
        ARGOS_DEVICE_TYPE="cpu",
        XDG_DATA_HOME=str(tmp / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp / "xdg-config"),
        XDG_CACHE_HOME=str(tmp / "xdg-cache"),
        HOME=str(tmp / "home"),
    )
    request = {"packages_dir": str(packages_dir), "package_file": str(package_file), "jobs": jobs}
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def package_file(tmp_path_factory) -> Path:
    return build_argos_package(
        tmp_path_factory.mktemp("build"), "en", "es", DICTIONARY, ALTERNATIVES,
        corpus=CORPUS, from_name="English", to_name="Spanish",
    )


@pytest.fixture(scope="module")
def argos_run(tmp_path_factory, package_file) -> dict:
    jobs = [
        {"sentences": list(SENTENCES.values()), "options": ARGOS_OPTIONS},
        {"sentences": [" ".join(["the war"] * (LONG_WORDS // 2))],
         "options": dict(beam_size=2, replace_unknowns=True, max_decoding_length=MAX_POSITIONS)},
        {"sentences": [SENTENCES["main"], SENTENCES["not_in_vocab"]], "options": dict(beam_size=1)},
    ]
    return run_in_argos(tmp_path_factory.mktemp("argos"), package_file, jobs)


@pytest.fixture(scope="module")
def results(argos_run) -> dict[str, dict]:
    return dict(zip(SENTENCES, argos_run["jobs"][0]))


def test_package_file_layout(package_file):
    assert package_file.name == f"{PACKAGE_NAME}.argosmodel"
    with zipfile.ZipFile(package_file) as zf:
        names = zf.namelist()
        assert {n.split("/")[0] for n in names} == {PACKAGE_NAME}
        for required in ("metadata.json", "sentencepiece.model", "README.md", "model/model.bin",
                         "model/config.json", "model/shared_vocabulary.json"):
            assert f"{PACKAGE_NAME}/{required}" in names
        metadata = json.loads(zf.read(f"{PACKAGE_NAME}/metadata.json"))
        config = json.loads(zf.read(f"{PACKAGE_NAME}/model/config.json"))
    assert metadata == {
        "package_version": "1.0", "argos_version": "1.0", "from_code": "en", "from_name": "English",
        "to_code": "es", "to_name": "Spanish", "type": "translate",
    }
    assert config["add_source_eos"] is True
    assert package_file.stat().st_size < 200_000


def test_installed_through_argostranslate(argos_run):
    path = Path(argos_run["package_path"])
    assert path.name == PACKAGE_NAME and path.parent.name == "argos-packages"
    assert (argos_run["from_code"], argos_run["to_code"]) == ("en", "es")
    assert (argos_run["from_name"], argos_run["to_name"]) == ("English", "Spanish")
    assert (argos_run["package_version"], argos_run["type"]) == ("1.0", "translate")
    assert "working -> trabajadora" in argos_run["readme"]


def test_dictionary_words_are_single_pieces(results):
    assert results["main"]["tokens"] == ["▁the", "▁working", "▁class", "▁fights", "▁the", "▁war"]


def test_first_hypothesis_translates_word_by_word(results):
    assert results["main"]["hypotheses"][0] == "la trabajadora clase lucha la guerra"
    assert results["main"]["pieces"][0] == ["▁la", "▁trabajadora", "▁clase", "▁lucha", "▁la", "▁guerra"]


def test_second_hypothesis_uses_alternative(results):
    main = results["main"]
    assert main["hypotheses"][1] == "la trabajadora classe lucha la guerra"
    assert main["scores"][0] > main["scores"][1] > main["scores"][0] - 5


def test_without_alternative_second_hypothesis_is_far_behind(results):
    result = results["no_alternative"]
    assert result["hypotheses"][0] == "la guerra"
    assert result["scores"][1] < result["scores"][0] - 5


def test_placeholders_are_copied(results):
    assert results["placeholder"]["tokens"] == ["▁the", "▁⟦", "1", "⟧", "▁fights"]
    assert results["placeholder"]["hypotheses"][0] == "la ⟦1⟧ lucha"
    assert results["placeholders"]["hypotheses"][0] == "⟦12⟧ la guerra, ⟦3⟧!"


def test_unknown_words_and_punctuation_are_copied(results):
    assert results["unknown"]["hypotheses"][0] == "la comrades lucha la guerra"
    assert results["suffix_punct"]["hypotheses"][0] == "la, guerra."


def test_dictionary_word_starting_a_longer_word_is_not_translated(results):
    # "theory" -> "▁the" "o" "r" "y": the guard keeps it "theory", not "laory".
    assert results["prefix"]["hypotheses"][0] == "la theory of classy warfare"


def test_case_sensitive(results):
    assert results["capitalized"]["hypotheses"][0] == "The trabajadora clase lucha."


def test_characters_outside_vocabulary_restored_by_replace_unknowns(results, argos_run):
    assert results["not_in_vocab"]["hypotheses"][0] == "la война guerra"
    greedy = argos_run["jobs"][2]
    assert greedy[0]["hypotheses"] == ["la trabajadora clase lucha la guerra"]
    assert "война" not in greedy[1]["hypotheses"][0]  # without replace_unknowns: <unk> (⁇)


def test_long_sentence_beyond_256_pieces(argos_run):
    (result,) = argos_run["jobs"][1]
    assert len(result["tokens"]) == LONG_WORDS
    assert result["hypotheses"][0] == " ".join(["la guerra"] * (LONG_WORDS // 2))


def test_build_is_deterministic(tmp_path, package_file):
    again = build_argos_package(tmp_path, "en", "es", DICTIONARY, ALTERNATIVES, corpus=CORPUS,
                                from_name="English", to_name="Spanish")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(package_file.read_bytes()).digest()


def test_version_in_file_name(tmp_path):
    path = build_argos_package(tmp_path, "de", "fr", {"Krieg": "guerre"}, package_version="2.3.1")
    assert path.name == "translate-de_fr-2_3_1.argosmodel"
    with zipfile.ZipFile(path) as zf:
        assert json.loads(zf.read("translate-de_fr-2_3_1/metadata.json"))["package_version"] == "2.3.1"


@pytest.mark.parametrize(
    "dictionary, alternatives",
    [({"working class": "clase obrera"}, None), ({"war": ""}, None), ({"war": "guerra"}, {"war": "guerra"})],
)
def test_invalid_entries_rejected(tmp_path, dictionary, alternatives):
    with pytest.raises(ValueError):
        build_argos_package(tmp_path, "en", "es", dictionary, alternatives)
