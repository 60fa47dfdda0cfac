"""An editor's corrections are kept: the translated Markdown edited and run again, PO and XLIFF 2.0 round trips,
the review store outside build/, stale segments, the colophon, concurrent and killed imports. Real Apertium, real
files, the command as a user runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polib
import pytest
from conftest import ROOT, needs_apertium, pdf_text, run_cli

pytestmark = needs_apertium

ARTICLE = """---
title: The strike goes on
author: A. Writer
---

The *working class* fights for its demands[^1]. The bosses refuse.

## What the strike wants

The union publishes its [demands](https://union.example.org/demands "The list") every week.

NATO is not a friend of the working class.

```sh
make pamphlet
```

[^1]: Agreed at a mass meeting.
"""

SECOND = """---
title: A second article
---

The bosses refuse.

The strike committee meets on Monday.
"""

GLOSSARY = """name: mini
languages: [en, es]
entries:
- id: working-class
  terms: {en: working class, es: clase obrera}
- id: nato
  terms: {en: NATO, es: OTAN}
  case: sensitive
- id: bosses
  terms: {en: bosses, es: patronos}
"""

WHO = "Ana Pérez <ana@example.org>"


def make_project(folder: Path) -> Path:
    """A paper's project folder: two articles, a glossary, translate.yaml; runs happen inside it."""
    (folder / "source").mkdir(parents=True)
    (folder / "source" / "strike.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "source" / "second.md").write_text(SECOND, encoding="utf-8")
    (folder / "mini.yaml").write_text(GLOSSARY, encoding="utf-8")
    (folder / "translate.yaml").write_text(
        "source: source\noutput: build\nto: [es]\nengine: apertium\nglossaries: [mini.yaml]\nformats: [md]\n",
        encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_TRANSLATOR", WHO)
    return make_project(tmp_path / "paper")


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """The project after its first run, made once: each test that starts there gets a copy."""
    folder = make_project(tmp_path_factory.mktemp("template") / "paper")
    ok(run_cli("run", cwd=folder))
    return folder


@pytest.fixture
def ran(translated, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_TRANSLATOR", WHO)
    return Path(shutil.copytree(translated, tmp_path / "paper"))


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=project)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr.decode() + result.stdout.decode()
    return result


def md_path(project: Path, slug: str = "strike") -> Path:
    return project / "build" / slug / f"{slug}.es.md"


def store_entries(project: Path, lang: str = "es") -> dict[str, polib.POEntry]:
    path = project / "translations" / f"{lang}.po"
    return {e.msgid: e for e in polib.pofile(str(path))} if path.exists() else {}


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def correct_first_paragraph(project: Path, corrected: str) -> str:
    path = md_path(project)
    text = path.read_text(encoding="utf-8")
    machine = line_with(text, "[^1]")  # the first paragraph: the only line with the reference that is not the note
    assert not machine.startswith("[^1]:")
    path.write_text(text.replace(machine, corrected), encoding="utf-8")
    return machine


CORRECTED = "La *clase obrera* lucha por sus reivindicaciones[^1]. Los patronos se niegan en redondo."


# --- the Markdown round trip -----------------------------------------------------------------------------------


def test_a_correction_in_the_markdown_is_kept_in_md_pdf_and_store_and_survives_rm_build(ran):
    project = ran
    machine = correct_first_paragraph(project, CORRECTED)
    pending = ok(run(project, "review", "status")).stderr.decode()
    assert "build/strike/strike.es.md: 1 corrected block(s) not in the store yet; the next 'translate run' takes " \
           "them" in pending, pending
    r = ok(run(project, "run", "--format", "md,pdf"))
    out = r.stdout.decode()
    assert "took 1 corrected block(s) from build/strike/strike.es.md into translations/es.po" in out
    assert re.search(r"strike\s+en→es\s+8\s+\d+\s+\S+\s+\d+\s+2/8", out)  # the reviewed column
    assert re.search(r"second\s+en→es\s+3\s+\d+\s+\S+\s+\d+\s+1/3", out)
    text = md_path(project).read_text(encoding="utf-8")
    assert CORRECTED in text and machine not in text

    entries = store_entries(project)
    first = entries["The *working class* fights for its demands[^1]."]
    assert first.msgstr == "La *clase obrera* lucha por sus reivindicaciones[^1]." and not first.fuzzy
    assert entries["The bosses refuse."].msgstr == "Los patronos se niegan en redondo."
    assert ("source/strike.md:b1.s1", "") in first.occurrences
    assert polib.pofile(str(project / "translations" / "es.po")).metadata["Last-Translator"] == WHO

    pdf = project / "build" / "strike" / "strike.en-es.pdf"
    words = re.sub(r"\s+", " ", pdf_text(pdf))
    assert "lucha por sus reivindicaciones" in words and "se niegan en redondo" in words
    # the colophon, in both columns' languages: one paragraph of five (the note counts) revised, and by whom (no
    # e-mail address in print)
    assert "Párrafos revisados por Ana Pérez: 1 de 5." in words
    assert "Paragraphs revised by Ana Pérez: 1 of 5." in words and "ana@example.org" not in words
    assert "REVISADA EN PARTE POR LA REDACCIÓN" in words.upper()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Párrafos revisados por Ana Pérez: 1 de 5" in info and "1 of 5 paragraphs revised by Ana Pérez" in info

    # the second article has the sentence "The bosses refuse." too: it uses the same correction
    assert "Los patronos se niegan en redondo." in md_path(project, "second").read_text(encoding="utf-8")

    shutil.rmtree(project / "build")
    r = ok(run(project, "run", "--format", "md,pdf"))
    assert CORRECTED in md_path(project).read_text(encoding="utf-8")
    assert "lucha por sus reivindicaciones" in re.sub(r"\s+", " ", pdf_text(pdf))
    assert "took" not in r.stdout.decode()  # nothing left to take: the store had it


def test_an_unchanged_rerun_takes_nothing_and_writes_nothing(ran):
    project = ran
    po = project / "translations" / "es.po"
    before = md_path(project).read_bytes()
    r = ok(run(project, "run"))
    assert md_path(project).read_bytes() == before and not po.exists()
    assert "took" not in r.stdout.decode() and "nothing written" in r.stdout.decode()


def test_an_added_paragraph_leaves_the_file_untouched_and_writes_the_new_draft_beside_it(ran):
    project = ran
    path = md_path(project)
    text = path.read_text(encoding="utf-8")
    heading = line_with(text, "## ")
    edited = text.replace(heading, "Un párrafo que el editor añadió.\n\n" + heading.replace("##", "## Nuevo:"))
    path.write_text(edited, encoding="utf-8")
    added = edited.splitlines().index("Un párrafo que el editor añadió.") + 1

    r = ok(run(project, "run"))
    err = r.stderr.decode()
    assert f"build/strike/strike.es.md:{added}: a paragraph the article does not have" in err
    assert "build/strike/strike.es.md: left as it is, with your edits; the new translation is in " \
           "build/strike/strike.es.new.md" in err
    assert path.read_text(encoding="utf-8") == edited
    draft = path.with_name("strike.es.new.md").read_text(encoding="utf-8")
    assert "Nuevo:" not in draft and draft == text  # the tool's own text, as it would have written it
    assert not store_entries(project)  # nothing of a file that does not match is taken

    # the editor takes the paragraph out again: the heading's correction is taken, the draft goes
    path.write_text(edited.replace("Un párrafo que el editor añadió.\n\n", ""), encoding="utf-8")
    r = ok(run(project, "run"))
    assert "took 1 corrected block(s)" in r.stdout.decode()
    assert any(e.msgstr.startswith("Nuevo:") for e in store_entries(project).values())
    assert "Nuevo:" in path.read_text(encoding="utf-8") and not path.with_name("strike.es.new.md").exists()


def test_an_edited_code_block_is_not_overwritten(ran):
    project = ran
    path = md_path(project)
    edited = path.read_text(encoding="utf-8").replace("make pamphlet", "make folleto")
    path.write_text(edited, encoding="utf-8")
    r = ok(run(project, "run"))
    assert re.search(r"strike\.es\.md:\d+: a code block was changed: code is not translated", r.stderr.decode())
    assert path.read_text(encoding="utf-8") == edited and path.with_name("strike.es.new.md").exists()


def test_an_edited_front_matter_is_not_overwritten_and_its_title_is_taken(ran):
    project = ran
    path = md_path(project)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(line_with(text, "title:"), "title: La huelga sigue"), encoding="utf-8")
    r = ok(run(project, "run"))
    assert "took 1 corrected block(s)" in r.stdout.decode()
    assert store_entries(project)["The strike goes on"].msgstr == "La huelga sigue"
    edited = path.read_text(encoding="utf-8").replace("author: A. Writer", "author: A. Escritora")
    path.write_text(edited, encoding="utf-8")
    r = ok(run(project, "run"))
    assert "strike.es.md:2: the front matter's 'author' changed: translate writes it from the article" in \
        r.stderr.decode()
    assert path.read_text(encoding="utf-8") == edited


def test_markup_an_editor_adds_or_removes_comes_back_as_markup(ran):
    project = ran
    path = md_path(project)
    text = path.read_text(encoding="utf-8")
    link_line = line_with(text, "](https://union.example.org/demands")
    # the link is taken off its word, emphasis and a new link are added
    corrected = ("El sindicato publica sus reivindicaciones **cada semana** en "
                 "[su web](https://union.example.org \"Inicio\").")
    path.write_text(text.replace(link_line, corrected), encoding="utf-8")
    ok(run(project, "run", "--format", "md,html"))
    entry = store_entries(project)["The union publishes its [demands](https://union.example.org/demands) every week."]
    assert entry.msgstr == corrected
    page = (project / "build" / "strike" / "strike.en-es.html").read_text(encoding="utf-8")
    assert "<strong>cada semana</strong>" in page and 'href="https://union.example.org"' in page
    assert corrected in path.read_text(encoding="utf-8")


def test_a_file_without_a_record_is_never_overwritten_and_review_import_takes_it(ran):
    project = ran
    path = md_path(project)
    (project / "build" / ".translate-written" / f"{path.name}.json").unlink()  # as after an older version
    machine = correct_first_paragraph(project, CORRECTED)
    edited = path.read_text(encoding="utf-8")
    r = ok(run(project, "run"))
    err = r.stderr.decode()
    assert "strike.es.md: translate has no record of what it wrote here" in err and "(line 12)" in err
    assert "translate review import build/strike/strike.es.md" in err
    assert path.read_text(encoding="utf-8") == edited and machine in path.with_name("strike.es.new.md").read_text()

    r = ok(run(project, "review", "import", "build/strike/strike.es.md"))
    assert "took 2 reviewed translation(s) into translations/es.po" in r.stdout.decode()
    ok(run(project, "run"))
    assert CORRECTED in path.read_text(encoding="utf-8") and not path.with_name("strike.es.new.md").exists()


def test_a_correction_that_conflicts_with_a_newer_one_in_the_store_is_not_lost(ran):
    project = ran
    correct_first_paragraph(project, CORRECTED)
    # meanwhile a colleague's review of the same sentence arrives in the store (a git pull, an import)
    ok(run(project, "review", "export", "--to", "es", "-o", "mine.po"))
    po = polib.pofile(str(project / "mine.po"))
    entry = po.find("The bosses refuse.")
    entry.msgstr, entry.flags = "Los patronos dicen que no.", []
    po.save()
    ok(run(project, "review", "import", "mine.po"))
    edited = md_path(project).read_text(encoding="utf-8")
    r = ok(run(project, "run"))
    err = r.stderr.decode()
    assert re.search(r"strike\.es\.md:12: b1\.s2: also changed in translations/es\.po since translate wrote this "
                     r"file \(now «Los patronos dicen que no\.»\)", err), err
    assert md_path(project).read_text(encoding="utf-8") == edited  # the editor's file, as it is
    entries = store_entries(project)
    assert entries["The bosses refuse."].msgstr == "Los patronos dicen que no."  # the store's, as it is
    assert entries["The *working class* fights for its demands[^1]."].msgstr.startswith("La *clase obrera* lucha")
    # the editor decides: their file wins
    r = ok(run(project, "review", "import", "--force", "build/strike/strike.es.md"))
    assert store_entries(project)["The bosses refuse."].msgstr == "Los patronos se niegan en redondo."
    ok(run(project, "run"))
    assert CORRECTED in md_path(project).read_text(encoding="utf-8")


# --- human first, stale not lost ------------------------------------------------------------------------------


def test_source_change_makes_the_segment_stale_keeps_the_suggestion_and_strict_review_fails(ran):
    project = ran
    path = md_path(project)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(line_with(text, "## "), "## Lo que quiere la huelga"), encoding="utf-8")
    ok(run(project, "run"))
    article = project / "source" / "strike.md"
    article.write_text(ARTICLE.replace("What the strike wants", "What the strikers want"), encoding="utf-8")

    strict = run(project, "run", "--strict-review")
    assert strict.returncode == 1
    err = strict.stderr.decode()
    assert "source/strike.md:8 [es] stale, its source changed since review: «What the strikers want»" in err
    assert "kept as a suggestion (fuzzy) in translations/es.po" in err
    assert "translate: 10 segment(s) not reviewed, 1 stale (--strict-review)" in err
    assert "Lo que quiere la huelga" not in path.read_text(encoding="utf-8")  # a fresh machine translation
    entries = store_entries(project)
    stale = entries["What the strikers want"]
    assert stale.fuzzy and stale.previous_msgid == "What the strike wants" and stale.msgstr == "Lo que quiere la huelga"
    assert entries["What the strike wants"].obsolete  # kept, for when the sentence comes back
    status = json.loads(ok(run(project, "review", "status", "--json")).stdout)
    assert {(s["article"], s["reviewed"], s["stale"]) for s in status} == {("source/strike.md", 0, 1),
                                                                          ("source/second.md", 0, 0)}
    assert ok(run(project, "run")).returncode == 0  # without --strict-review a stale segment is reported only

    # the editors review everything in Poedit: the final print passes
    ok(run(project, "review", "export", "--to", "es", "-o", "all.po"))
    po = polib.pofile(str(project / "all.po"))
    for e in po:
        e.flags = [f for f in e.flags if f != "fuzzy"]
    po.save()
    r = ok(run(project, "review", "import", "all.po"))
    assert "took 10 reviewed translation(s)" in r.stdout.decode()
    ok(run(project, "run", "--strict-review", "--format", "md,pdf"))
    status = json.loads(ok(run(project, "review", "status", "--json")).stdout)
    assert all(s["stale"] == 0 and s["machine"] == 0 for s in status)
    assert store_entries(project)["What the strikers want"].msgstr == "Lo que quiere la huelga"
    # a pamphlet a person revised throughout is not called machine translation
    pdf = project / "build" / "strike" / "strike.en-es.pdf"
    words = re.sub(r"\s+", " ", pdf_text(pdf))
    assert "Todos los párrafos han sido revisados por Ana Pérez." in words
    assert "ESPAÑOL · TRADUCCIÓN DEL INGLÉS, REVISADA POR LA REDACCIÓN" in words.upper()
    assert "AUTOMÁTICA" not in words.upper().split("COLOFÓN")[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Subject:         Original y traducción revisada, en paralelo (inglés → español). Todos los párrafos" in info
    assert "Keywords:        inglés, español, Traducción revisada," in info


def test_a_reviewed_sentence_is_never_sent_to_an_engine_and_its_terms_are_checked_as_human(tmp_path):
    from test_batch import CountingApertium

    from translate.document import read_article
    from translate.pipeline import translate_pair
    from translate.review.markdown import segment_markdown
    from translate.review.state import human_translations
    from translate.review.store import Store
    from translate.terms.glossary import load_glossary

    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "g.yaml").write_text(GLOSSARY, encoding="utf-8")
    doc = read_article(tmp_path / "a.md")
    entries = load_glossary(tmp_path / "g.yaml").entries
    store = Store(tmp_path / "translations")
    nato = next(s for s in doc.segments if s.text.startswith("NATO"))
    first = doc.segments[1]
    with store.edit("es", WHO) as catalog:
        # a reviewed sentence without the glossary's term: reported, not changed
        catalog.save("en", segment_markdown(nato, ()), "La Alianza no es amiga de la *clase obrera*.")
        block = next(b for b in doc.blocks if first in b.segments)
        catalog.save("en", segment_markdown(first, block.markup), "La *clase obrera* lucha[^1].")
    human = [human_translations(doc, store.read("es"), "en", "a.md")]

    class Recording(CountingApertium):
        texts: list[str] = []

        def translate(self, texts, src, tgt):
            self.texts.extend(texts)
            return super().translate(texts, src, tgt)

    engine = Recording()
    [result] = translate_pair([doc], "en", "es", engine, entries, None, None, human)
    assert engine.texts and not [t for t in engine.texts if "NATO" in t or "fights for" in t]
    out = {s.id: s.text for b in result.blocks for s in b.segments}
    assert "La Alianza no es amiga de la" in out[nato.id] and set(result.reviewed) == {nato.id, first.id}
    checks = [c for c in result.report.checks if c.segment_id in (nato.id, first.id)]
    assert {(c.entry_id, c.strategy, c.realized) for c in checks} == {
        ("nato", "human", False), ("working-class", "human", True)}
    assert result.reviewer == WHO


# --- PO and XLIFF --------------------------------------------------------------------------------------------


def test_po_export_edited_as_poedit_would_and_imported_changes_exactly_the_edited_entries(ran):
    project = ran
    ok(run(project, "review", "export", "--to", "es", "--format", "po", "-o", "es-review.po"))
    exported = project / "es-review.po"
    assert msgfmt_check(exported) == ""  # not even a warning
    po = polib.pofile(str(exported))
    assert po.metadata["Language"] == "es" and po.metadata["X-Source-Language"] == "en"
    assert all(e.fuzzy for e in po) and len(po) == 10  # every unit, once (the shared sentence has two references)
    shared = po.find("The bosses refuse.")
    assert sorted(o[0] for o in shared.occurrences) == ["source/second.md:b1.s1", "source/strike.md:b1.s2"]
    nato = po.find("NATO is not a friend of the working class.")
    assert "glossary: NATO → OTAN; working class → clase obrera" in nato.comment
    title = po.find("The list")  # a link's title is a unit of its own
    assert title is not None and ("source/strike.md:b3.m0", "") in title.occurrences

    # Poedit: correct one entry, approve another as it is, save (its own header, wrapping at 79)
    nato.msgstr, nato.flags = "La OTAN no es amiga de la clase obrera.", []
    approved = po.find("The strike committee meets on Monday.")
    approved.flags = []
    po.metadata["Last-Translator"] = "Luis Gil <luis@example.org>"
    po.metadata["X-Generator"] = "Poedit 3.4.2"
    po.wrapwidth = 79
    po.save()
    edited_text = exported.read_text(encoding="utf-8")
    r = ok(run(project, "review", "import", "es-review.po"))
    assert "took 2 reviewed translation(s) into translations/es.po (8 not marked done" in r.stdout.decode()
    store = project / "translations" / "es.po"
    assert msgfmt_check(store) == ""
    entries = store_entries(project)
    assert {k: e.msgstr for k, e in entries.items()} == {
        "NATO is not a friend of the working class.": "La OTAN no es amiga de la clase obrera.",
        "The strike committee meets on Monday.": approved.msgstr}
    assert polib.pofile(str(store)).metadata["Last-Translator"] == "Luis Gil <luis@example.org>"

    # importing the same file again changes nothing; a new export differs from the first only there
    before = store.read_bytes()
    r = ok(run(project, "review", "import", "es-review.po"))
    assert "took 0 reviewed translation(s)" in r.stdout.decode() and store.read_bytes() == before
    ok(run(project, "review", "export", "--to", "es", "-o", "again.po"))
    again = {e.msgid: e for e in polib.pofile(str(project / "again.po"))}
    first = {e.msgid: e for e in polib.pofile(edited_text)}
    changed = {k for k in first if (first[k].msgstr, first[k].fuzzy) != (again[k].msgstr, again[k].fuzzy)}
    assert changed == set() and all(not again[k].fuzzy for k in (nato.msgid, approved.msgid))
    assert sum(not e.fuzzy for e in again.values()) == 2
    assert re.search(r"review-base: [0-9a-f]{12}", again[nato.msgid].comment)


def msgfmt_check(path: Path) -> str:
    """What gettext's own checker says of a PO file ("" when all is well); scripts/setup.sh --test installs it."""
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (gettext) is not installed: bash scripts/setup.sh --test installs it")
    check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    return check.stderr if check.returncode == 0 else f"exit {check.returncode}: {check.stderr}"


def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "xliff" / "xliff_core_2.0.xsd")))


def test_xliff_export_is_valid_xliff_2_and_a_round_trip_changes_exactly_the_edited_unit(ran):
    from lxml import etree

    project = ran
    ok(run(project, "review", "export", "--to", "es", "--format", "xliff", "-o", "es.xlf"))
    path = project / "es.xlf"
    tree = etree.parse(str(path))
    schema = _schema()
    assert schema.validate(tree), schema.error_log
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    root = tree.getroot()
    assert root.get("srcLang") == "en" and root.get("trgLang") == "es" and root.get("version") == "2.0"
    assert [f.get("original") for f in root.findall("x:file", ns)] == ["source/second.md", "source/strike.md"]
    units = root.findall(".//x:unit", ns)
    assert len(units) == 11 and all(u.find("x:segment", ns).get("state") == "initial" for u in units)
    first = next(u for u in units if u.get("name") == "b1.s1" and "demands" in "".join(u.itertext()))
    source = first.find("x:segment/x:source", ns)
    assert [c.tag.split("}")[1] for c in source] == ["pc", "ph"]  # *working class*, [^1]
    assert source.find("x:pc", ns).get("dispStart") == "*" and source.find("x:ph", ns).get("disp") == "[^1]"
    notes = [n.text for n in first.findall("x:notes/x:note", ns)]
    assert "working class → clase obrera" in notes and "source/strike.md:6" in notes

    # a CAT tool: the translator corrects one unit and confirms it, keeping the codes
    target = first.find("x:segment/x:target", ns)
    pc = target.find("x:pc", ns)
    ph = target.find("x:ph", ns)
    target.text, pc.text, pc.tail, ph.tail = "La ", "clase obrera", " lucha por lo suyo", "."
    for child in list(target):
        if child is not pc and child is not ph:
            target.remove(child)
    first.find("x:segment", ns).set("state", "translated")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    r = ok(run(project, "review", "import", "es.xlf"))
    assert "took 1 reviewed translation(s)" in r.stdout.decode()
    entries = store_entries(project)
    assert {k: e.msgstr for k, e in entries.items()} == {
        "The *working class* fights for its demands[^1].": "La *clase obrera* lucha por lo suyo[^1]."}
    ok(run(project, "run"))
    assert "La *clase obrera* lucha por lo suyo[^1]." in md_path(project).read_text(encoding="utf-8")

    ok(run(project, "review", "export", "--to", "es", "--format", "xliff", "-o", "again.xlf"))
    again = etree.parse(str(project / "again.xlf"))
    assert schema.validate(again), schema.error_log
    states = {u.get("name") + "@" + u.getparent().get("original"): u.find("x:segment", ns).get("state")
              for u in again.getroot().iter("{urn:oasis:names:tc:xliff:document:2.0}unit")}
    assert [k for k, v in states.items() if v == "final"] == ["b1.s1@source/strike.md"]


def test_xliff_keeps_markup_an_editor_added_through_a_round_trip(ran):
    """A reviewed translation with markup the source does not have: exported as codes with their Markdown, valid,
    and imported back unchanged."""
    project = ran
    path = md_path(project)
    text = path.read_text(encoding="utf-8")
    corrected = "La OTAN *no* es amiga de la [clase obrera](https://example.org/clase)."
    path.write_text(text.replace(line_with(text, "OTAN"), corrected), encoding="utf-8")
    ok(run(project, "run"))
    ok(run(project, "review", "export", "--to", "es", "--format", "xliff", "-o", "es.xlf"))
    from lxml import etree

    tree = etree.parse(str(project / "es.xlf"))
    assert _schema().validate(tree)
    before = (project / "translations" / "es.po").read_bytes()
    ok(run(project, "review", "import", "es.xlf"))
    assert (project / "translations" / "es.po").read_bytes() == before  # the same translations: nothing to change
    assert store_entries(project)["NATO is not a friend of the working class."].msgstr == corrected


BAD_IMPORTS = {
    "malformed PO": ("bad.po", 'msgid "a"\nmsgstr "b"\n<<<<<<< HEAD\n', "bad.po:3: not a valid PO file"),
    "language the job does not have": (
        "fr.po", 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgid "The bosses refuse."\nmsgstr "Les patrons"\n',
        "fr.po:1: language 'fr' is not one of the job's (es)"),
    "source matching no segment": (
        "es.po", 'msgid ""\nmsgstr ""\n"Language: es\\n"\n\nmsgid "The bosses refuse."\nmsgstr "Los patronos no."\n\n'
                 'msgid "A sentence no article has."\nmsgstr "Una frase."\n',
        "es.po:8: «A sentence no article has.» matches no segment of the job's articles"),
    "malformed XML": ("bad.xlf", '<?xml version="1.0"?>\n<xliff version="2.0">\n<file>\n</xliff>\n',
                      "bad.xlf:4: not well-formed XML"),
    "XLIFF 1.2": ("old.xlf", '<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
                             'version="1.2"><file/></xliff>\n', "old.xlf:2: XLIFF 1.2 is not read here"),
    "entity expansion": ("bomb.xlf", '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                                     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                                     '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" '
                                     'trgLang="es"><file id="f"><unit id="u"><segment state="final"><source>&b;'
                                     '</source><target>&b;</target></segment></unit></file></xliff>\n',
                     "matches no segment"),
}


@pytest.mark.parametrize("case", sorted(BAD_IMPORTS))
def test_a_bad_import_is_one_line_per_problem_exit_2_and_changes_nothing(ran, case):
    project = ran
    md = md_path(project)
    md.write_text(md.read_text(encoding="utf-8").replace("## ", "## Corregido: "), encoding="utf-8")
    ok(run(project, "run"))  # a store with one entry
    store = project / "translations" / "es.po"
    before = store.read_bytes()
    name, content, message = BAD_IMPORTS[case]
    (project / name).write_text(content, encoding="utf-8")
    r = run(project, "review", "import", name)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert message in err, err
    assert all(line.startswith("translate: error: ") for line in err.splitlines())
    assert store.read_bytes() == before


# --- concurrency and crashes -------------------------------------------------------------------------------------


def _po(entries: dict[str, str]) -> str:
    po = polib.POFile()
    po.metadata = {"Language": "es", "Content-Type": "text/plain; charset=UTF-8"}
    for msgid, msgstr in entries.items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    return po.__unicode__()


def test_two_processes_importing_at_once_lose_no_entry(ran):
    project = ran
    sources = [e.msgid for e in polib.pofile(ok(run(project, "review", "export", "--to", "es", "-o", "x.po")) and
                                             str(project / "x.po"))]
    assert len(sources) >= 8
    for round_ in range(3):
        halves = {f"a{round_}.po": sources[0::2], f"b{round_}.po": sources[1::2]}
        for name, mine in halves.items():
            (project / name).write_text(_po({s: f"{name}: {s}" for s in mine}), encoding="utf-8")
        # after the first round the store has other reviewed translations of these sentences: --force takes them
        force = ["--force"] if round_ else []
        procs = [subprocess.Popen([sys.executable, "-m", "translate", "review", "import", name, *force], cwd=project,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in halves]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()
        entries = store_entries(project)
        for name, mine in halves.items():
            for s in mine:
                assert entries[s].msgstr == f"{name}: {s}", (round_, s)
    assert not list((project / "translations").glob(".*.tmp"))


def test_kill_9_during_an_import_leaves_the_old_store_or_the_new_one(ran):
    from translate.review.store import Store

    project = ran
    # a big store, so that writing it takes a while
    store = Store(project / "translations")
    with store.edit("es") as catalog:
        for i in range(6000):
            catalog.save("en", f"An old sentence number {i} that no article has any more, kept by the store.",
                         f"Una frase antigua número {i} que ningún artículo tiene ya, guardada por el almacén.")
    old = {(e.msgid, e.msgstr) for e in polib.pofile(str(store.path("es")))}
    (project / "new.po").write_text(_po({"The bosses refuse.": "Los patronos se niegan."}), encoding="utf-8")
    new = old | {("The bosses refuse.", "Los patronos se niegan.")}
    folder = project / "translations"
    caught = 0
    # kill -9 the moment the new store's temporary file appears, that is while it is being written
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-m", "translate", "review", "import", "new.po"], cwd=project,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and not any(n.endswith(".tmp") for n in os.listdir(folder)):
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = {(e.msgid, e.msgstr) for e in polib.pofile(str(store.path("es")))}
        assert found in (old, new)
        if found == old:
            caught += 1
        else:
            break
    assert caught, "no kill landed while the store was being written"
    # and once more, killed at no particular moment
    proc = subprocess.Popen([sys.executable, "-m", "translate", "review", "import", "new.po"], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert {(e.msgid, e.msgstr) for e in polib.pofile(str(store.path("es")))} in (old, new)
    # a killed write leaves at most its temporary file, which the next write removes
    ok(run(project, "review", "import", "new.po"))
    assert {(e.msgid, e.msgstr) for e in polib.pofile(str(store.path("es")))} == new
    assert not list(folder.glob(".*.tmp"))


# --- TMX -----------------------------------------------------------------------------------------------------


def test_memory_import_tmx_human_units_to_the_store_machine_units_to_the_memory(ran):
    project = ran
    ok(run(project, "memory", "export", "--tmx", "machine.tmx"))
    shutil.rmtree(project / "build")
    r = ok(run(project, "memory", "import", "machine.tmx"))
    assert "machine translation(s) into build/.translate-memory.sqlite3" in r.stdout.decode()
    r = ok(run(project, "run"))
    rows = [line.split() for line in r.stdout.decode().splitlines() if line.startswith(("strike", "second"))]
    assert rows and all(row[2] == row[3] for row in rows), r.stdout.decode()  # every segment from the memory
    assert not (project / "translations").exists()  # machine output is not a person's

    human = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="OmegaT" creationtoolversion="6.0" segtype="sentence" o-tmf="OmegaT"
 adminlang="en" srclang="en-US" datatype="plaintext"/><body>
<tu><tuv xml:lang="en-US"><seg>The <bpt i="1">&lt;g0&gt;</bpt>working class<ept i="1">&lt;/g0&gt;</ept> fights for its
 demands<ph x="2">&lt;x1/&gt;</ph>.</seg></tuv>
<tuv xml:lang="es-ES" changeid="ana"><seg>La <bpt i="1">&lt;g0&gt;</bpt>clase obrera<ept i="1">&lt;/g0&gt;</ept>
 lucha<ph x="2">&lt;x1/&gt;</ph>.</seg></tuv></tu>
<tu><tuv xml:lang="en"><seg>A sentence of another project.</seg></tuv><tuv xml:lang="es"><seg>Otra.</seg></tuv></tu>
<tu><tuv xml:lang="en"><seg>The bosses refuse.</seg></tuv><tuv xml:lang="fr"><seg>Les patrons refusent.</seg></tuv>
</tu>
</body></tmx>
"""
    (project / "omegat.tmx").write_text(human, encoding="utf-8")
    r = ok(run(project, "memory", "import", "omegat.tmx"))
    out = r.stdout.decode()
    assert "took 1 reviewed translation(s) into translations/es.po" in out
    assert "left out 1 human translation(s) of sentences no article of the job has" in out
    assert "left out 1 unit(s) in fr: not a language of the job" in out
    assert store_entries(project)["The *working class* fights for its demands[^1]."].msgstr == \
        "La *clase obrera* lucha[^1]."


# --- the Markdown reader and writer agree -------------------------------------------------------------------


def test_every_segment_of_the_structure_article_round_trips_through_its_markdown():
    from translate.document import read_article
    from translate.review.markdown import from_markdown, numbers, segment_markdown

    doc = read_article(ROOT / "tests" / "data" / "structure.md")
    for block in doc.blocks:
        for seg in block.segments:
            md = segment_markdown(seg, block.markup)
            if seg.title_of is not None:
                assert from_markdown(md, ())[0] == seg.text
            else:
                assert from_markdown(md, block.markup, numbers(seg.text)) == (seg.text, ()), md


def test_an_editors_markdown_is_numbered_as_the_source_and_unknown_markup_stays_text():
    from translate.data import Markup, span_close, span_open
    from translate.review.markdown import from_markdown

    source = (Markup("em", extra="*"), Markup("link", "https://a.example"))
    text, extra = from_markdown("La [huelga](https://a.example) *sigue* ^[nota] <b>x</b> [^9]", source)
    assert text.startswith(f"La {span_open(1)}huelga{span_close(1)} {span_open(0)}sigue{span_close(0)}")
    assert "^[nota]" in text and "[^9]" in text and extra == (Markup("verbatim", "<b>"), Markup("verbatim", "</b>"))
    text, extra = from_markdown("**nuevo** [otro](https://b.example)", source)
    assert extra == (Markup("strong", extra="**"), Markup("link", "https://b.example"))
    assert text == f"{span_open(2)}nuevo{span_close(2)} {span_open(3)}otro{span_close(3)}"


def test_the_store_refuses_a_save_made_from_an_older_version(tmp_path):
    from translate.review.store import Conflict, Store

    store = Store(tmp_path / "translations")
    with store.edit("es") as catalog:
        first = catalog.save("en", "The strike.", "La huelga.", base="")
    with store.edit("es") as catalog:  # the first editor saves again from the version they saw
        second = catalog.save("en", "The strike.", "La huelga sigue.", base=first.version)
    with pytest.raises(Conflict) as raised, store.edit("es") as catalog:  # the second editor saw the first version
        catalog.save("en", "The strike.", "La huelga continúa.", base=first.version)
    assert raised.value.current.target == "La huelga sigue."
    assert store.read("es").get("en", "The strike.").version == second.version


def test_the_review_api_lists_units_with_state_and_two_editors_saving_one_unit_get_a_conflict(project):
    from translate import review
    from translate.config import load_config
    from translate.document import read_article

    config = load_config(project / "translate.yaml")
    doc = read_article(project / "source" / "strike.md")
    units = review.segments(config, doc, "es")
    assert [u.id for u in units][:4] == ["title.s1", "b1.s1", "b1.s2", "b2.s1"]
    assert {u.state for u in units} == {review.MACHINE}
    heading = units[3]
    seen = review.version(heading)  # both editors open the page
    saved = review.save(config, "es", heading, "Lo que quiere la *huelga*", seen, "Ana")
    with pytest.raises(review.Conflict) as raised:
        review.save(config, "es", heading, "Qué quiere la huelga", seen, "Luis")
    assert raised.value.current.target == "Lo que quiere la *huelga*"
    again = {u.id: u for u in review.segments(config, doc, "es")}["b2.s1"]
    assert again.state == review.REVIEWED and review.version(again) == saved.version
    assert review.save(config, "es", again, "Qué quiere la huelga", review.version(again), "Luis").target == \
        "Qué quiere la huelga"


def test_a_correction_that_merges_sentences_is_kept_for_the_whole_block(ran):
    project = ran
    merged = "La *clase obrera* lucha por sus reivindicaciones[^1], que los patronos rechazan."
    correct_first_paragraph(project, merged)
    ok(run(project, "run", "--format", "md,html"))
    whole = "The *working class* fights for its demands[^1]. The bosses refuse."
    entry = store_entries(project)[whole]
    assert entry.msgstr == merged and ("source/strike.md:b1", "") in entry.occurrences
    assert merged in md_path(project).read_text(encoding="utf-8")
    # the sentence on its own (in the second article) is still the machine's: the block's correction is the unit
    assert "The bosses refuse." not in store_entries(project)
    status = {s["article"]: s for s in json.loads(ok(run(project, "review", "status", "--json")).stdout)}
    assert status["source/strike.md"]["reviewed"] == 2  # both sentences of the block
    report = json.loads((project / "build" / "strike" / "strike.en-es.terms.json").read_text(encoding="utf-8"))
    checks = {(c["segment_id"], c["entry_id"]): c for c in report["occurrences"]}
    assert checks[("b1.s1", "working-class")]["strategy"] == "human" and checks[("b1.s1", "working-class")]["realized"]
    assert checks[("b1.s1", "bosses")]["strategy"] == "human"  # the second sentence's term, checked in the block
    assert checks[("b1.s1", "bosses")]["found"] == "patronos"
    ok(run(project, "review", "export", "--to", "es", "-o", "es.po"))
    exported = polib.pofile(str(project / "es.po")).find(whole)
    assert exported is not None and not exported.fuzzy and exported.msgstr == merged
    before = (project / "translations" / "es.po").read_bytes()
    ok(run(project, "review", "import", "es.po"))
    assert (project / "translations" / "es.po").read_bytes() == before


def test_the_store_keeps_sentences_of_another_source_language_apart(tmp_path):
    from translate.review.store import Store

    store = Store(tmp_path / "translations", "en")
    with store.edit("es") as catalog:
        catalog.save("en", "Workers.", "Trabajadores.")
        catalog.save("fr", "Workers.", "Obreros.")  # the same letters, in another language
    po = polib.pofile(str(store.path("es")))
    assert {(e.msgctxt, e.msgstr) for e in po} == {(None, "Trabajadores."), ("fr", "Obreros.")}
    assert store.read("es").get("fr", "Workers.").target == "Obreros."


def test_a_run_killed_between_the_record_and_the_file_takes_no_machine_text_for_a_correction(ran):
    project = ran
    path = md_path(project)
    first = path.read_text(encoding="utf-8")
    # the glossary changes, so the next run writes another translation; it is killed after writing its record of
    # the new text and before the file: the file still holds the old machine text
    glossary = project / "mini.yaml"
    glossary.write_text(GLOSSARY.replace("es: patronos", "es: empresarios"), encoding="utf-8")
    ok(run(project, "run"))
    second = path.read_text(encoding="utf-8")
    assert "empresarios" in second and second != first
    path.write_text(first, encoding="utf-8")
    r = ok(run(project, "run"))
    assert "took" not in r.stdout.decode() and not (project / "translations").exists()
    assert path.read_text(encoding="utf-8") == second
