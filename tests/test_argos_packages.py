"""Argos package variants a real package set has, each built with the fixture and each compared with
argostranslate.translate on the same package where argostranslate gets it right: a position table of 64 and a
100-token sentence, a 302-word sentence, codes pb and zt, a target prefix with "_", a BPE tokenizer, French
typography, a float16 package; and argostranslate's settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from argos_fixture import argos_env, argos_reference, build_argos_package, repack_argosmodel
from conftest import ROOT, needs_apertium

from translate.errors import TranslateWarning

EN_ES = {"the": "la", "war": "guerra", "workers": "obreros", "fight": "luchan", "against": "contra", "and": "y",
         "bosses": "patrones", "strike": "huelga"}
CLAUSE = "the workers fight the war and the bosses strike,"  # 9 pieces
LONG_64 = " ".join([CLAUSE] * 11) + " the war."  # 11 * 9 + 3 = 102 pieces, beyond a table of 64
LONG_302 = " ".join(["the war"] * 151)  # 302 words, no punctuation: 302 pieces, more than 256
FRENCH = ["« la guerre » dit : pourquoi ?", "«\u00a0la guerre\u00a0» dit\u00a0: pourquoi\u202f?"]
FR_ES = {"la": "la", "guerre": "guerra", "dit": "dice", "pourquoi": "porqué"}


def word_for_word(text: str, dictionary: dict[str, str]) -> str:
    return " ".join(dictionary.get(w.rstrip(",."), w.rstrip(",.")) + w[len(w.rstrip(",.")):] for w in text.split())


def cli(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "translate", *args], cwd=ROOT, capture_output=True, timeout=300,
                          env={**argos_env(home), "COLUMNS": "200", **(env or {})})


def unpack(archive: Path) -> Path:
    folder = archive.parent / "unpacked"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
        return folder / zf.namelist()[0].split("/")[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("variants")

    def build(key, *args, **kw):
        return build_argos_package(root / key, *args, **kw)

    return {
        "short": build("short", "en", "es", EN_ES, max_positions=64),
        "long": build("long", "en", "es", EN_ES),
        "pb": build("pb", "en", "pb", {"the": "a", "war": "guerra"}, from_name="English",
                    to_name="Portuguese (Brazil)"),
        "zt": build("zt", "en", "zt", {"the": "這", "war": "戰爭"}, from_name="English", to_name="Chinese (traditional)"),
        "spa_Latn": build("spa_Latn", "en", "es", EN_ES, target_prefix="spa_Latn"),
        "__es__": build("__es__", "en", "es", EN_ES, target_prefix="__es__"),
        "bpe": build("bpe", "en", "fr", {"the": "la", "war": "guerre", "workers": "ouvriers"}, tokenizer="bpe",
                     corpus=["the workers, the war."]),
        "french": build("french", "fr", "es", FR_ES, corpus=FRENCH),
        "float16": build("float16", "en", "es", EN_ES, quantization="float16"),
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory, built) -> dict[str, dict]:
    """argostranslate's own translations, one run for every variant."""
    groups = {
        "short": [("en", "es", LONG_64)] + [("en", "es", CLAUSE)] + [("en", "es", "the war.")],
        "long": [("en", "es", LONG_302)],
        "pb": [("en", "pb", "the war")],
        "zt": [("en", "zt", "the war")],
        "spa_Latn": [("en", "es", "the workers fight the war")],
        "__es__": [("en", "es", "the workers fight the war")],
        "bpe": [("en", "fr", "the workers, the war.")],
        "french": [("fr", "es", t) for t in FRENCH],
        "float16": [("en", "es", "the workers fight the war")],
    }
    out = argos_reference(tmp_path_factory.mktemp("reference"), [([built[k]], texts) for k, texts in groups.items()])
    return dict(zip(groups, out))


def engine_for(archive: Path):
    from translate.engines.argos import ArgosEngine

    return ArgosEngine([unpack(archive)])


# --- 1. long segments ------------------------------------------------------------------------------------------


def test_sentence_longer_than_the_position_table(built, reference):
    engine = engine_for(built["short"])
    [pkg] = engine.packages()
    assert pkg.positions == 64 and len(pkg.tokenizer.encode(LONG_64)) > 100
    whole, clause, tail = reference["short"]["results"]
    assert "No position encodings are defined for positions >= 64" in whole["error"]  # argostranslate fails
    expected = " ".join([clause["text"]] * 11 + [tail["text"]])
    assert engine.translate([LONG_64, "the war"], "en", "es") == [expected, "la guerra"]
    assert expected == word_for_word(LONG_64, EN_ES)


def test_limit_learned_from_ctranslate2_when_model_bin_does_not_say(built):
    engine = engine_for(built["short"])
    [pkg] = engine.packages()
    pkg.positions = None  # what position_rows gives for a model.bin it cannot read
    assert engine.translate([LONG_64], "en", "es") == [word_for_word(LONG_64, EN_ES)]
    assert pkg.positions == 64


def test_302_words_fully_translated(built, reference):
    ours = engine_for(built["long"]).translate([LONG_302], "en", "es")[0]
    assert ours == " ".join(["la guerra"] * 151) and len(ours.split()) == 302
    theirs = reference["long"]["results"][0]["text"].split()
    assert len(theirs) == 256 and ours.split()[:256] == theirs  # argostranslate cuts it silently at 256


def test_one_long_sentence_does_not_sink_the_job(built, tmp_path):
    home = tmp_path / "home"
    assert cli(home, "models", "install", str(built["short"])).returncode == 0
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.md").write_text(f"---\ntitle: The war\n---\n\n{LONG_64}\n", encoding="utf-8")
    (tmp_path / "src" / "b.md").write_text("---\ntitle: The strike\n---\n\nthe workers strike.\n", encoding="utf-8")
    empty = tmp_path / "g.yaml"
    empty.write_text("entries: []\n")
    out = tmp_path / "build"
    r = cli(home, "run", str(tmp_path / "src"), "--to", "es", "--engine", "argos", "-g", str(empty), "-o", str(out),
            "--format", "md", "--no-memory")
    assert r.returncode == 0, r.stderr.decode()
    assert word_for_word(LONG_64, EN_ES) in (out / "a" / "a.es.md").read_text(encoding="utf-8")
    assert "la obreros huelga." in (out / "b" / "b.es.md").read_text(encoding="utf-8")


def test_hypothesis_cut_at_the_limit_is_reported(built, tmp_path):
    def never_ends(name, data):  # without </s> after the source, the model never predicts the end
        if name.endswith("model/config.json"):
            return name, json.dumps({**json.loads(data), "add_source_eos": False}).encode()
        return name, data

    engine = engine_for(repack_argosmodel(built["long"], tmp_path / "translate-en_es-1_0.argosmodel", never_ends))
    with pytest.warns(TranslateWarning, match="stopped at its length limit translating 'the war, the war'"):
        [out] = engine.translate(["the war, the war"], "en", "es")
    assert out.startswith("la guerra")


@pytest.mark.parametrize("variant", ["long", "bpe"])
def test_a_text_the_model_refuses_is_left_alone_and_the_others_translated(built, variant):
    # A lone surrogate (issue 13 shows they reach segments): SentencePiece refuses to tokenize it, CTranslate2
    # refuses a batch holding it (BPE lets it through), so that batch is retried text by text.
    engine = engine_for(built[variant])
    tgt = "es" if variant == "long" else "fr"
    bad = "the \ud800 war"
    with pytest.warns(TranslateWarning, match=r"could not translate 'the \\ud800 war'.*left in the source language"):
        out = engine.translate(["the war", bad, "the workers"], "en", tgt)
    assert out == (["la guerra", bad, "la obreros"] if variant == "long" else ["la guerre", bad, "la ouvriers"])


# --- 2. every code the index uses ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["pb", "zt"])
def test_codes_only_packages_define(built, reference, tmp_path, code):
    home = tmp_path / "home"
    assert cli(home, "models", "install", str(built[code])).returncode == 0
    r = cli(home, "text", "the war", "--to", code, "--engine", "argos")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == reference[code]["results"][0]["text"] + "\n"
    (tmp_path / "a.md").write_text("---\ntitle: the war\n---\n\nthe war\n", encoding="utf-8")
    (tmp_path / "g.yaml").write_text("entries: []\n")
    (tmp_path / "translate.yaml").write_text(f"source: [a.md]\nto: [{code}]\nformats: [md]\nmemory: false\n"
                                             "glossaries: [g.yaml]\nengine: argos\n", encoding="utf-8")
    r = cli(home, "run", "--config", str(tmp_path / "translate.yaml"), "-o", str(tmp_path / "build"))
    assert r.returncode == 0, r.stderr.decode()
    md = (tmp_path / "build" / "a" / f"a.{code}.md").read_text(encoding="utf-8")
    assert f"lang: {code}" in md and reference[code]["results"][0]["text"] in md


def test_unknown_code_names_the_package_codes(built, tmp_path):
    home = tmp_path / "home"
    assert cli(home, "models", "install", str(built["zt"])).returncode == 0
    r = cli(home, "text", "the war", "--to", "qq")
    err = r.stderr.decode()
    assert r.returncode == 2 and len(err.strip().splitlines()) == 1
    assert "unknown target language code 'qq'" in err and "a code of an Argos package: zt" in err


def test_language_name_from_package_metadata(built, tmp_path, monkeypatch):
    import argostranslate.settings as settings

    from translate import languages, models

    folder = tmp_path / "packages"
    monkeypatch.setattr(settings, "package_dirs", [folder])
    monkeypatch.setattr(settings, "package_data_dir", folder)
    monkeypatch.setattr(settings, "local_package_index", tmp_path / "index.json")
    with pytest.raises(Exception, match="unknown language code 'pb'"):
        languages.get("pb")
    models.install_file(built["pb"])
    assert languages.get("pb").name == "Portuguese (Brazil)" and languages.get("PB").code == "pb"
    # the cached index counts too (written by 'models install en xx' when online)
    (tmp_path / "index.json").write_text(json.dumps([{"from_code": "en", "to_code": "zt", "from_name": "English",
                                                      "to_name": "Chinese (traditional)", "type": "translate"}]))
    assert languages.get("zt").name == "Chinese (traditional)"
    assert languages.get("nb").name == "Norwegian Bokmål"  # an ISO 639-1 code the index uses, now in the table


# --- 4. target prefix, 5. detokenizing, BPE ------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["spa_Latn", "__es__"])
def test_target_prefix_with_underscore_is_dropped(built, reference, prefix):
    ours = engine_for(built[prefix]).translate(["the workers fight the war"], "en", "es")[0]
    assert ours == "la obreros luchan la guerra"
    theirs = reference[prefix]["results"][0]["text"]
    leaked = prefix.replace("_", " ").split()
    # argostranslate compares the prefix after decoding, where "_" became a space: it stays in the output
    assert theirs.split() == leaked + ours.split()


def test_french_spacing_and_non_breaking_spaces_kept(built, reference):
    from translate.pipeline import translate_text

    engine = engine_for(built["french"])
    theirs = [r["text"] for r in reference["french"]["results"]]
    assert engine.translate(FRENCH, "fr", "es") == theirs == ["« la guerra » dice : porqué ?",
                                                              "«\u00a0la guerra\u00a0» dice\u00a0: porqué\u202f?"]
    marked = translate_text("« la *guerre* » dit : pourquoi ?", "fr", "es", engine, ())
    assert marked == "« la *guerra* » dice : porqué ?"


def test_bpe_tokenizer(built, reference):
    from translate.pipeline import translate_text

    engine = engine_for(built["bpe"])
    assert engine.translate(["the workers, the war."], "en", "fr") == [reference["bpe"]["results"][0]["text"]]
    assert reference["bpe"]["results"][0]["text"] == "la ouvriers, la guerre."
    assert translate_text("the *war*, the [workers](https://x.example).", "en", "fr", engine, ()) == \
        "la *guerre*, la [ouvriers](https://x.example)."


# --- 9. argostranslate's settings ----------------------------------------------------------------------------


def test_compute_type_auto_as_argostranslate(built, reference):
    from translate.engines import argos

    engine = engine_for(built["float16"])
    assert engine.translate(["the workers fight the war"], "en", "es") == [reference["float16"]["results"][0]["text"]]
    ours = argos._translator(engine.packages()[0]).compute_type
    assert ours == reference["float16"]["compute_types"]["en-es"] != "float32"


def test_compute_type_setting(built, monkeypatch):
    import argostranslate.settings as settings

    from translate.engines import argos

    monkeypatch.setattr(settings, "compute_type", "int16")
    argos.forget_packages()
    engine = engine_for(built["float16"])
    assert engine.translate(["the war"], "en", "es") == ["la guerra"]
    assert argos._translator(engine.packages()[0]).compute_type == "int16"
    argos.forget_packages()


def test_beam_size_setting(built, monkeypatch):
    import argostranslate.settings as settings

    from translate.engines import argos

    engine = engine_for(built["long"])
    seen = []
    real = argos._translator

    class Spy:  # the real Translator, its keyword arguments noted
        def __init__(self, inner):
            self.inner = inner

        def translate_batch(self, batch, **kw):
            seen.append(kw["beam_size"])
            return self.inner.translate_batch(batch, **kw)

    monkeypatch.setattr(argos, "_translator", lambda pkg: Spy(real(pkg)))
    monkeypatch.setattr(settings, "beam_size", 7)
    assert engine.hypotheses(["the war"], "en", "es", 2)[0][0] == "la guerra"
    monkeypatch.setattr(settings, "beam_size", 1)
    assert engine.translate(["the war"], "en", "es") == ["la guerra"]
    assert seen == [7, 1]


_THREADS = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
if len(sys.argv) > 3:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from translate.engines.argos import ArgosEngine
engine = ArgosEngine([sys.argv[2]])
engine.translate(["the war " * 40] * 8, "en", "es")
print(len(os.listdir("/proc/self/task")))
"""


def _threads_used(folder: Path, env: dict, one_cpu: bool = False) -> int:
    args = [sys.executable, "-c", _THREADS, str(ROOT), str(folder)] + (["one-cpu"] if one_cpu else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300,
                          env={**{k: v for k, v in os.environ.items() if k != "ARGOS_INTRA_THREADS"}, **env})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split()[-1])


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs two CPUs and Linux's affinity mask")
def test_threads_from_setting_and_affinity_mask(built):
    folder = unpack(built["long"])
    two, four = _threads_used(folder, {"ARGOS_INTRA_THREADS": "2"}), _threads_used(folder, {"ARGOS_INTRA_THREADS": "4"})
    assert four - two == 2  # CTranslate2 starts one OpenMP thread per intra thread
    one = _threads_used(folder, {"ARGOS_INTRA_THREADS": "1"})
    assert _threads_used(folder, {}, one_cpu=True) == one != two


def test_device_setting(built, tmp_path):
    home = tmp_path / "home"
    assert cli(home, "models", "install", str(built["long"])).returncode == 0
    r = cli(home, "text", "the war", "--to", "es", "--engine", "argos", env={"ARGOS_DEVICE_TYPE": "cuda"})
    err = r.stderr.decode()
    assert r.returncode == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "device cuda" in err and "ARGOS_DEVICE_TYPE" in err


@needs_apertium
def test_auto_falls_back_to_apertium_when_the_argos_model_fails_to_load(built, tmp_path):
    home = tmp_path / "home"
    assert cli(home, "models", "install", str(built["long"])).returncode == 0
    empty = tmp_path / "g.yaml"
    empty.write_text("entries: []\n")
    r = cli(home, "text", "the war", "--to", "es", "-g", str(empty), env={"ARGOS_DEVICE_TYPE": "cuda"})
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "La guerra\n"  # Apertium's (the Argos model says "la guerra")
    [warning] = r.stderr.decode().strip().splitlines()
    assert warning.startswith("translate: warning: cannot load the Argos model") and "using apertium" in warning


def test_invalid_setting_is_one_line(tmp_path):
    r = cli(tmp_path / "home", "models", "list", env={"ARGOS_INTRA_THREADS": "many"})
    err = r.stderr.decode()
    assert r.returncode == 2 and len(err.strip().splitlines()) == 1 and "ARGOS_" in err
