"""Property tests with Hypothesis: hostile article text and front matter, glossary YAML, TBX and CSV imports and
translate.yaml, each read -> translated (a tiny real Argos package, fast) -> written -> read again through the
command's own code in this process. Every input ends in exit 0, or exit 2 with one `translate: error:` line per
mistake; never a traceback; and round trips keep every term.

TRANSLATE_FUZZ=ci (the default) runs a short, derandomized profile; TRANSLATE_FUZZ=long runs many more inputs
with fresh seeds. TRANSLATE_FUZZ_REPORT=FILE writes how many inputs each test ran and what became of them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from argos_fixture import build_argos_package
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_html_allowlist import _check_page
from typer.testing import CliRunner

from translate.cli import app
from translate.document import read_article
from translate.errors import UserError
from translate.terms.edit import dump_glossary
from translate.terms.glossary import load_glossary
from translate.terms.termbase import read_termbase, write_termbase

settings.register_profile("ci", max_examples=80, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
# TRANSLATE_FUZZ_EXAMPLES=N: the long profile's inputs per test (5,000 unless told)
settings.register_profile("long", max_examples=int(os.environ.get("TRANSLATE_FUZZ_EXAMPLES", "5000")),
                          deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PROFILE = os.environ.get("TRANSLATE_FUZZ", "ci")
settings.load_profile(PROFILE)

OUTCOMES: dict[str, Counter] = {}

EN_ES = {"the": "la", "working": "trabajadora", "class": "clase", "fights": "lucha", "war": "guerra",
         "and": "y", "workers": "obreros", "ruling": "dominante"}
GLOSSARY = ("name: fuzz\nlanguages: [en, es]\nentries:\n"
            "- id: working-class\n  terms: {en: working class, es: clase obrera}\n"
            "- id: war\n  terms: {en: war, es: guerra}\n  forms: {en: [wars]}\n")


@pytest.fixture(scope="module")
def argos(tmp_path_factory):
    """A tiny en->es Argos package, installed for this module (the fast engine of these tests)."""
    folder = tmp_path_factory.mktemp("fuzzmodel")
    package = build_argos_package(folder, "en", "es", EN_ES, from_name="English", to_name="Spanish")
    assert run_cli("models", "install", str(package)).returncode == 0
    glossary = folder / "g.yaml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    yield glossary
    run_cli("models", "remove", "en", "es")
    from translate.engines.argos import forget_packages

    forget_packages()


def _report(test: str, outcome: str) -> None:
    OUTCOMES.setdefault(test, Counter())[outcome] += 1


def teardown_module(module) -> None:
    target = os.environ.get("TRANSLATE_FUZZ_REPORT")
    if target:
        figures = {test: dict(counts) | {"inputs": sum(counts.values())} for test, counts in OUTCOMES.items()}
        Path(target).write_text(json.dumps({"profile": PROFILE, "tests": figures}, indent=2) + "\n")


def invoke(test: str, *args: str):
    """The command in this process; asserts what every input must give: exit 0, or exit 2 with error lines."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        _report(test, "crash")
        raise result.exception  # a traceback: the defect this suite exists to find
    err = result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, err)
    if result.exit_code == 2:
        lines = err.strip().splitlines()
        assert lines and all(line.startswith("translate: error: ") for line in lines), err
        assert "Traceback" not in err and all(len(line) < 500 for line in lines), err[:2000]
    _report(test, f"exit {result.exit_code}")
    return result


# --- article text and front matter --------------------------------------------------------------------------------

MARKDOWN = ["The working class fights the war.", "the", "class", "workers", "war", " ", " ", "\n", "\n\n", "\n\n",
            "*", "**", "_", "__", "~~", "`", "``", "[", "]", "(", ")", "](http://x.org/a_b)", "](<a b>)",
            '](u "title")', "<", ">", "&", "&#xE000;", "&#xE001;", "&#12;", "&#0;", "&#xD800;", "&amp;", "&nbsp;",
            "# ", "## ", "> ", "- ", "* ", "1. ", "3) ", "    ", "\t", "| a | b |\n|---|:-:|\n| c | d |\n", "[^1]",
            "\n[^1]: the note\n", "```\ncode *x*\n```\n", "\\", "\\*", "www.example.org", "https://e.org/x_y?z=1",
            "<https://a.b>", "\ue000", "\ue001", "\ue002", "\ue003", "0", "12", "\n---\n", "***", "![i](a.png)",
            "<img src=x>", "<script>x()</script>", "style='a:url(http://x)'", "srcset='a.png 2x'", "é", "ñ",
            "«", "—", "…", "中文", "עברית", "\u200b", "\u202e", "\r\n", "\r", "~~~\n", "+ ", "[x]: http://y\n"]
HOSTILE_MARKDOWN = ["\x0c", "\x01", "\x7f", "\ufffe", "x" * 1001]
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=5)
ANY_TEXT = st.text(max_size=5)


@st.composite
def article_text(draw) -> str:
    hostile = draw(st.integers(0, 5)) == 0
    pieces = st.one_of(st.sampled_from(MARKDOWN + (HOSTILE_MARKDOWN if hostile else [])),
                       ANY_TEXT if hostile else TEXT)
    return "".join(draw(st.lists(pieces, max_size=40)))


GOOD_VALUES = ["T", "The working class", "2014-04-22", "'2014-02-30'", "'quoted'", "es", "en", "'it''s'",
               ">\n  folded", "|\n  block\n  text", "12", '"a\\ue000b"', '"Title *with* _markup_"', "~",
               "[a, b]", "{a: 1}", '"[link](http://x)"', "'# not a heading'"]
BAD_VALUES = ['"x\\x0cy"', '"\\ud800"', "2014-02-30", "2014-13-01 10:00:00", '""', "null", "&a [1, 2]", "*a", "*b",
              "xx", "EN", "1e999", "1" + "0" * 30, "!!binary aGk=", "!!binary !!!", "!!python/object:os.system x",
              "yes", "true", "-", "? x", "[", "{", '"unclosed', "a: b", "\t", '"\\x00"', "!!str 5", "<<: *a"]
KEYS = ["subtitle", "date", "author", "publication", "lang", "tags", "x", "<<", "title"]


@st.composite
def front_matter(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return ""
    hostile = draw(st.integers(0, 3)) == 0
    values = GOOD_VALUES + (BAD_VALUES if hostile else [])
    keys = KEYS if hostile else KEYS[:-3]
    lines = [f"{draw(st.sampled_from(keys))}: {draw(st.sampled_from(values))}"
             for _ in range(draw(st.integers(0, 4)))]
    lines = list(dict.fromkeys(lines)) if not hostile else lines
    if not hostile:
        lines = [line for line in lines if not line.startswith(("lang:", "tags:", "x:"))] + \
            ["lang: en"] * draw(st.booleans())
        seen: set[str] = set()
        lines = [line for line in lines if not (line.split(":")[0] in seen or seen.add(line.split(":")[0]))]
    if not hostile or draw(st.booleans()):
        lines.insert(0, "title: " + draw(st.sampled_from(["Good title", "T", "The class war", "'*The* war'"])))
    return "---\n" + "\n".join(lines) + "\n---\n"


@given(front=front_matter(), body=article_text(), html=st.booleans())
def test_articles_read_translate_write_and_read_again(argos, front, body, html):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "a.md"
        source.write_bytes((front + body).encode("utf-8", "surrogatepass"))
        out = folder / "out"
        r = invoke("articles", "run", str(source), "--to", "es", "--engine", "argos", "-g", str(argos), "-o",
                   str(out), "--format", "md,html" if html else "md")
        if r.exit_code == 2:
            assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # one article, one mistake
            assert not out.exists() or not [p for p in out.rglob("*") if p.is_file() and "memory" not in p.name]
            return
        written = out / "a" / "a.es.md"
        again = read_article(written)  # what we write is an article we can read
        original = read_article(source)
        assert len(again.blocks) >= 1 and again.meta.title
        assert [b.kind for b in again.blocks if b.kind in ("code",)] == \
            [b.kind for b in original.blocks if b.kind in ("code",)]
        if html:
            _check_page((out / "a" / "a.en-es.html").read_text(encoding="utf-8"))
        report = json.loads((out / "a" / "a.en-es.terms.json").read_text(encoding="utf-8"))
        assert report["terms_total"] >= report["terms_realized"]


# --- glossaries ---------------------------------------------------------------------------------------------------

LANGS = ["en", "es", "ca", "fr", "ru", "de"]
BAD_LANGS = ["xx", "EN", "e s", 5]
WORDS = ["working class", "clase obrera", "war", "guerra", "Fourth International", "O'Brien", "a: b", "#x", "- y",
         "[z]", "{w}", "é", "中文", "it's", '"q"', "null", "2014-02-30", "1e5", "yes", "trabajadores", "the",
         "Workers' State", "x & y", "<b>", "a|b", "C++", "N.A.T.O.", "  spaced  out  "]
BAD_WORDS = ["", " ", "x\x0cy", "\ue000", "\x00", "\ufffe"]
GOOD_TEXT = st.one_of(st.sampled_from(WORDS), st.text(st.characters(blacklist_categories=("Cs", "Cc", "Z")),
                                                      min_size=1, max_size=12))


@st.composite
def glossary_data(draw) -> dict:
    hostile = draw(st.integers(0, 3)) == 0
    langs = st.sampled_from(LANGS + (BAD_LANGS if hostile else []))
    term = st.one_of(GOOD_TEXT, st.sampled_from(BAD_WORDS), st.text(max_size=6)) if hostile else GOOD_TEXT
    entries = []
    for i in range(draw(st.integers(0, 6))):
        entry: dict = {"id": draw(st.sampled_from([f"e{i}", "dup", "Bad Id", "", 5, None])) if hostile else f"e{i}"}
        entry["terms"] = draw(st.dictionaries(langs, term, min_size=0 if hostile else 1, max_size=4))
        if draw(st.booleans()):
            entry["forms"] = draw(st.dictionaries(langs, st.lists(term, min_size=1, max_size=3), max_size=2))
        if draw(st.integers(0, 3)) == 0:
            entry["forbidden"] = draw(st.dictionaries(langs, st.lists(term, min_size=1, max_size=2), max_size=2))
        if draw(st.integers(0, 3)) == 0:
            entry["grammar"] = draw(st.dictionaries(langs, st.sampled_from(
                ["f", "m", "adj", "mf adj", "n"] + (["x", "f f", 3, "m pl"] if hostile else [])), max_size=2))
        if draw(st.integers(0, 4)) == 0:
            entry["note"] = draw(term)
        if draw(st.integers(0, 5)) == 0:
            entry[draw(st.sampled_from(["kind", "case"] + (["plural", "extra"] if hostile else [])))] = draw(
                st.sampled_from(["keep", "sensitive"] + (["odd", {"es": "x"}, [1]] if hostile else [])))
        entries.append(entry)
    data: dict = {"name": draw(st.sampled_from(["g", "political", "x y"] + ([""] if hostile else []))),
                  "entries": entries}
    if draw(st.booleans()):
        data["languages"] = draw(st.lists(langs, max_size=4, unique=True))
    return data


def _pairs(glossary) -> set[tuple[str, str, str]]:
    """Every term of a glossary: (entry id, language, term), preferred, plural, singular, forms and forbidden."""
    out = set()
    for e in glossary.entries:
        for lang, term in (*e.terms.items(), *e.plural.items(), *e.singular.items()):
            out.add((e.id, lang, term))
        for lang, forms in (*e.forms.items(), *e.forbidden.items()):
            out.update((e.id, lang, f) for f in forms)
    return out


def _terms_only(glossary) -> set[tuple[str, str]]:
    return {(lang, term) for _, lang, term in _pairs(glossary)}


@given(data=glossary_data())
def test_glossaries_load_or_say_why_and_round_trip_every_term(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "g.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        invoke("glossary YAML", "glossary", "list", "-g", str(path))
        try:
            glossary = load_glossary(path)
        except UserError as exc:
            assert str(exc).strip() and all(": " in line for line in str(exc).splitlines())
            return
        canonical = folder / "canonical.yaml"
        canonical.write_text(dump_glossary(glossary), encoding="utf-8")
        again = load_glossary(canonical)
        assert _pairs(again) == _pairs(glossary)  # canonical writing keeps every term
        assert dump_glossary(again) == dump_glossary(glossary)
        if not _pairs(glossary):
            return  # nothing a termbase would carry
        for fmt, version in (("tbx", 3), ("tbx", 2), ("csv", 3)):
            exported = folder / f"g.{fmt}"
            try:
                exported.write_text(write_termbase(glossary, fmt, tbx_version=version), encoding="utf-8")
            except UserError:
                continue  # a term a termbase cannot hold: refused, never dropped
            imported = read_termbase(exported).glossary
            assert _terms_only(imported) >= _terms_only(glossary), _terms_only(glossary) - _terms_only(imported)


YAML_TEXT = ["name: g\n", "entries:\n", "- id: a\n", "  terms: {en: a, es: b}\n", "  terms:\n", "    en: war\n",
             "- ", "  ", ": ", "[", "]", "{", "}", "&x ", "*x", "<<: *x\n", "!!binary x", "!!python/name:os.system",
             "'", '"', "\\x0c", "\\ud800", "\x0c", "\x00", "\t", "#", "\n", "%YAML 1.1\n", "---\n", "...\n",
             "? ", "2014-02-30", "1" + "0" * 20, "|", ">", "@", "`", "\ufeff", "é"]


@given(st.lists(st.one_of(st.sampled_from(YAML_TEXT), st.text(max_size=4)), max_size=30).map("".join))
def test_any_glossary_text_is_read_or_refused_in_one_line_per_mistake(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        invoke("glossary text", "glossary", "list", "-g", str(path))
        invoke("glossary text", "glossary", "lint", "-g", str(path))


# --- TBX and CSV imports ------------------------------------------------------------------------------------------

FRAGMENTS = ['"', '""', ",", ";", "\t", "\n", "\r\n", " ", "\x00", "\x0b", "&amp;", "&#0;", "&#x0B;",
             "&#xD800;", "&#xE000;", "&lt;", "<", ">", "'", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "<![CDATA[x]]>",
             "<!-- c -->", "</term>", "<term>", "</langSec>", "xml:lang='xx'", "id", "note", "forms:en", "grammar:es",
             "2014-02-30", "\ue000", "é", "\ufeff"]


@st.composite
def termbase_text(draw, fmt: str) -> str:
    """A termbase our export writes from a random glossary, then (often) cut and spliced with hostile pieces."""
    from translate.terms.glossary import Glossary

    data = draw(glossary_data())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            glossary = load_glossary(path)
        except UserError:
            glossary = Glossary("g", None, ("en", "es"), ())
    try:
        text = write_termbase(glossary, fmt, tbx_version=draw(st.sampled_from([2, 3])))
    except UserError:
        text = ""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3)) * draw(st.integers(0, 8))
        piece = draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)))
        text = text[:at] + piece + text[at + cut:]
    return text


@given(termbase_text("csv"))
def test_csv_imports_are_read_or_refused_and_keep_every_term(text):
    _import("csv", text)


@given(termbase_text("tbx"))
def test_tbx_imports_are_read_or_refused_and_keep_every_term(text):
    _import("tbx", text)


def _import(fmt: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / f"t.{fmt}"
        source.write_bytes(text.encode("utf-8", "surrogatepass"))
        into = folder / "into.yaml"
        r = invoke(f"{fmt} import", "glossary", "import", str(source), "--into", str(into))
        if r.exit_code == 2:
            assert not into.exists()
            return
        read = read_termbase(source).glossary
        saved = load_glossary(into)
        assert _terms_only(saved) >= _terms_only(read)  # every term imported reached the glossary file


# --- translate.yaml -----------------------------------------------------------------------------------------------

CONFIG_VALUES = {
    "source": ["src", ["src"], "src", "", [], "missing", 5, None, ["src", "src"], "src/a.md"],
    "output": ["out", "", ["out"], "out/sub", 5, "g.yaml/x"],
    "from": ["en", "xx", 5, "", None, ["en"]],
    "to": [["es"], "es", [], ["es", "xx"], "es,es", [5], {"es": 1}, ["ca"]],
    "engine": ["argos", "auto", "google", 1, None],
    "glossaries": [["g.yaml"], "g.yaml", [], ["missing.yaml"], [None]],
    "layout": ["parallel", "columns", 3],
    "paper": ["A4", "B5", None],
    "formats": [["md"], ["md", "html"], "md,html", [], ["pdf2"], "md", ["html"]],
    "jobs": [1, 0, -1, "2", True, 1.5, 10**20],
    "strict_terms": [True, False, "yes", None],
    "memory": [True, False, 1],
    "booklet": [False, "no"],
    "theme": ["theme", 5, ""],
    "unknown": ["x"],
}


@st.composite
def project(draw) -> dict:
    data = {"source": "src", "output": "out", "to": ["es"], "engine": "argos", "glossaries": ["g.yaml"],
            "formats": ["md"]}
    for key in draw(st.lists(st.sampled_from(sorted(CONFIG_VALUES)), max_size=draw(st.integers(0, 3)), unique=True)):
        choice = draw(st.sampled_from(CONFIG_VALUES[key]))
        if choice is None and draw(st.booleans()):
            data.pop(key, None)
        else:
            data[key] = choice
    return data


@given(data=project(), raw=st.sampled_from([""] * 12 + ["when: 2014-02-30\n", "to: [es]\n", "source: &s src\nx: *s\n",
                                                         "\x0c", "source: [\n", "title: \"\\ud800\"\n"]))
def test_project_files_run_or_say_why(argos, data, raw):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "src").mkdir()
        (folder / "src" / "a.md").write_text("---\ntitle: The class war\n---\nThe working class fights the war.\n")
        (folder / "g.yaml").write_text(argos.read_text())
        (folder / "theme").mkdir()
        config = folder / "translate.yaml"
        config.write_text(yaml.safe_dump(data, allow_unicode=True) + raw, encoding="utf-8")
        r = invoke("translate.yaml", "run", "--config", str(config))
        if r.exit_code == 0:
            out = folder / (data["output"] if isinstance(data.get("output"), str) and data["output"] else "out")
            markdown, pages = sorted(out.rglob("*.es.md")), sorted(out.rglob("*.html"))
            assert markdown or pages, r.stdout
            for path in markdown:
                assert read_article(path).meta.lang == "es"
            for path in pages:
                _check_page(path.read_text(encoding="utf-8"))
