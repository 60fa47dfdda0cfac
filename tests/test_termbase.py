"""Termbase import/export: the real TBX and CSV samples in the shared corpus, round trips per format, errors."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import GLOSSARY, SHARED

from translate.data import GlossaryEntry, Grammar
from translate.errors import UserError
from translate.terms.glossary import Glossary, load_glossary
from translate.terms.termbase import Imported, detect_format, language_code, read_termbase, slugify, write_termbase

CORPUS = SHARED / "corpus" / "terminology"
IATE = CORPUS / "tbx2-default_iate-export-excerpt_en-es.tbx"
WEBLATE = CORPUS / "tbx2-martif_weblate-test_en-cs.tbx"
ASTRONOMY = CORPUS / "tbx3-basic-dca_astronomy_en-es-zu.tbx"
AWS = CORPUS / "aws-translate-custom-terminology_en-es-fr-hi-ta.csv"
TBX3_NS = "urn:iso:std:iso:30042:ed-2"


def sample(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"sample {path} is not here")
    return path


def by_id(glossary: Glossary) -> dict[str, GlossaryEntry]:
    return {e.id: e for e in glossary.entries}


def plain(glossary: Glossary) -> Glossary:
    """The glossary without what a file cannot know: where the entries came from, their order, the path."""
    entries = sorted((dataclasses.replace(e, origin="") for e in glossary.entries), key=lambda e: e.id)
    return dataclasses.replace(glossary, path=None, entries=tuple(entries))


def write_read(tmp_path: Path, glossary: Glossary, fmt: str, name: str, **kwargs) -> Imported:
    path = tmp_path / name
    path.write_text(write_termbase(glossary, fmt, **kwargs), encoding="utf-8")
    return read_termbase(path)


PARTY = Glossary(
    name="party",
    path=None,
    languages=("en", "es", "ru"),
    description="The paper's line.\nSecond paragraph: <b> & \"quotes\".",
    entries=(
        GlossaryEntry(
            id="working-class",
            terms={"en": "working class", "es": "clase obrera", "ru": "рабочий класс"},
            forms={"en": ("working classes",), "ru": ("рабочего класса", "рабочему классу")},
            forbidden={"es": ("clase trabajadora", "clases trabajadoras")},
            note="Class, not 'workers' in general.\n\nSecond line, with a comma, and <xml> & ampersand.",
        ),
        GlossaryEntry(id="1917-revolution", terms={"en": "October Revolution", "es": "Revolución de Octubre"}),
        GlossaryEntry(id="who", terms={"en": "WHO", "es": "OMS", "ru": "ВОЗ"}, case_sensitive=True, note="acronym"),
        GlossaryEntry(
            id="the-militant",
            terms={"en": "The Militant"},
            forms={"ru": ("Милитанта", "Милитанту")},  # inflections of a kept name: forms without a term
            kind="keep",
            note="Name of the paper.",
        ),
        GlossaryEntry(
            id="strike.general",
            terms={"en": "general strike", "es": "huelga general"},
            forms={"es": ("huelgas generales",)},
            forbidden={"en": ("general stoppage",)},
            case_sensitive=True,
            kind="keep",
        ),
    ),
)


# --- helpers -------------------------------------------------------------------------------------------------


def test_detect_format():
    assert detect_format(Path("a.tbx")) == "tbx"
    assert detect_format(Path("a.TBX")) == "tbx"
    assert detect_format(Path("a.csv")) == "csv"
    for name in ("glossary.en-es.txt", "g.tsv", "g.utf8"):
        assert detect_format(Path(name)) == "omegat"
    assert detect_format(Path("a.xml"), "TBX") == "tbx"
    assert detect_format(Path("a.tbx"), "csv") == "csv"
    with pytest.raises(UserError, match=r"a\.xml.*--format"):
        detect_format(Path("a.xml"))
    with pytest.raises(UserError, match="unknown termbase format 'xliff'"):
        detect_format(Path("a.tbx"), "xliff")


def test_language_codes_fold_regions_and_skip_unknown():
    assert language_code("es-MX") == "es"
    assert language_code("EN") == "en"
    assert language_code("en_US") == "en"
    assert language_code("zh-Hant-TW") == "zh"
    assert language_code("spa") == "es"  # ISO 639-3
    assert language_code("zu") == "zu"
    assert language_code("tlh") is None  # Klingon: not a language the pipeline knows
    assert language_code("en_official") is None
    assert language_code("") is None


def test_slugify():
    assert slugify("IATE-84") == "iate-84"
    assert slugify("Revolución de Octubre") == "revolucion-de-octubre"
    assert slugify("  always on top!! ") == "always-on-top"
    assert slugify("рабочий класс") == ""


# --- the real samples ----------------------------------------------------------------------------------------


def test_iate_tbx2_export():
    imported = read_termbase(sample(IATE))
    g = imported.glossary
    assert imported.warnings == ()
    assert g.path is None and g.name == IATE.stem
    assert g.languages == ("en", "es")
    assert "downloaded from the IATE website" in g.description
    assert [e.id for e in g.entries] == ["iate-84", "iate-290", "iate-662", "iate-1326"]
    entries = by_id(g)
    assert entries["iate-84"].terms == {"en": "competence of the Member States", "es": "competencias de los Estados miembros"}
    assert entries["iate-662"].terms["es"] == "restriccione cuantitativa a la exportación"  # IATE's typo, kept
    assert entries["iate-1326"].terms["es"] == "el régimen especial de las agencias de viajes"
    # term types, reliability codes and subject fields are not notes, forms or forbidden terms
    assert all(not e.note and not e.forms and not e.forbidden and e.kind == "term" for e in g.entries)
    assert entries["iate-290"].origin == f"{IATE}:38"


def test_weblate_tbx2_without_ids_takes_ids_from_english_terms():
    imported = read_termbase(sample(WEBLATE))
    g = imported.glossary
    assert imported.warnings == ()
    assert g.languages == ("en", "cs")
    assert g.description == "Translate Toolkit"
    assert [e.id for e in read_termbase(WEBLATE, source_lang="cs").glossary.entries][0] == "adresni-radek"
    assert [(e.id, e.terms["en"], e.terms["cs"]) for e in g.entries] == [
        ("address-bar", "address bar", "adresní řádek"),
        ("administrator", "administrator", "správce"),
        ("administrate", "administrate", "spravovat"),
        ("always-on-top", "always on top", "vždy navrchu"),
    ]


def test_tbx3_basic_astronomy():
    imported = read_termbase(sample(ASTRONOMY))
    g = imported.glossary
    assert g.languages == ("en", "es", "zu")
    # 45 concepts, six of them with Zulu terms only
    assert len(g.entries) == 45 and imported.warnings == ()
    assert set(by_id(g)["c17"].terms) == {"zu"} and set(by_id(g)["c40"].terms) == {"zu"}
    entries = by_id(g)
    c1 = entries["c1"]
    assert c1.terms == {"en": "open cluster", "es": "cúmulo abierto"}
    assert c1.forbidden == {"en": ("galactic cluster",)}  # supersededTerm-admn-sts
    assert c1.note.splitlines()[0] == "G-Source: http://www.physics.drexel.edu/observatory/dump.shtml"
    # a definition laid over two indented lines is reflowed into one
    assert "en: A group of stars formed together in the spiral arms of a galaxy." in c1.note.splitlines()
    # the preferred term wins though an admitted one comes first; deprecated terms become forbidden
    cno = entries["c38"]
    assert cno.terms == {"en": "CNO cycle", "es": "ciclo del carbono-nitrógeno"}
    assert cno.forms["en"] == ("carbon-nitrogen cycle", "carbon-nitrogen-oxygen cycle", "Bethe-Weizsäcker-cycle", "CN cycle")
    assert cno.forms["es"] == ("ciclo CNO",)
    assert cno.forbidden == {"en": ("carbon cycle",), "es": ("ciclo del carbono-nitrógeno-oxígeno", "ciclo del carbono")}
    assert entries["c4"].forms == {"en": ("GRB",), "es": ("brote de rayos gamma",)}
    assert sum(len(v) for e in g.entries for v in e.forbidden.values()) == 4


def test_aws_csv():
    imported = read_termbase(sample(AWS))
    g = imported.glossary
    assert g.languages == ("en", "es", "fr", "hi", "ta")
    assert imported.warnings == ()
    assert [e.id for e in g.entries] == ["echo", "show", "amazon", "alexa", "az2"]
    assert by_id(g)["az2"].terms == {"en": "AZ2", "es": "AZ2", "fr": "AZ2", "hi": "AZ2", "ta": "AZ2"}
    assert by_id(g)["show"].origin == f"{AWS}:3"


def test_aws_csv_round_trip(tmp_path):
    first = read_termbase(sample(AWS)).glossary
    text = write_termbase(first, "csv")
    # nothing beyond the language columns is needed, so the file stays an AWS custom terminology file
    assert text.splitlines()[0] == "en,es,fr,hi,ta"
    assert text.splitlines()[1].startswith("Alexa,Alexa,Alexa,Alexa,")
    path = tmp_path / f"{AWS.stem}.csv"
    path.write_text(text, encoding="utf-8")
    again = read_termbase(path).glossary
    assert plain(again) == plain(first)


def test_samples_survive_tbx_round_trip(tmp_path):
    for path in (IATE, WEBLATE, ASTRONOMY):
        original = read_termbase(sample(path)).glossary
        for version in (2, 3):
            again = write_read(tmp_path, original, "tbx", "again.tbx", tbx_version=version)
            assert again.warnings == ()
            assert plain(again.glossary) == plain(original)


# --- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [2, 3])
def test_tbx_round_trip_is_exact(tmp_path, version):
    again = write_read(tmp_path, PARTY, "tbx", "party.tbx", tbx_version=version)
    assert again.warnings == ()
    assert plain(again.glossary) == plain(PARTY)


def test_tbx3_is_well_formed_with_namespace_and_statuses():
    text = write_termbase(PARTY, "tbx")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{{{TBX3_NS}}}tbx"
    assert root.get("type") == "TBX-Basic" and root.get("style") == "dca"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    concepts = root.findall(f".//{{{TBX3_NS}}}conceptEntry")
    # sorted by id; an id starting with a digit is not an XML name and is written with a leading '_'
    assert [c.get("id") for c in concepts] == ["_1917-revolution", "strike.general", "the-militant", "who", "working-class"]
    wc = concepts[-1]
    assert [n.text for n in wc.findall(f"{{{TBX3_NS}}}note")] == [
        "Class, not 'workers' in general.", None, "Second line, with a comma, and <xml> & ampersand."]
    langs = [ls.get("{http://www.w3.org/XML/1998/namespace}lang") for ls in wc.findall(f"{{{TBX3_NS}}}langSec")]
    assert langs == ["en", "es", "ru"]
    statuses = {
        ts.findtext(f"{{{TBX3_NS}}}term"): ts.findtext(f"{{{TBX3_NS}}}termNote[@type='administrativeStatus']")
        for ts in wc.iter(f"{{{TBX3_NS}}}termSec")
    }
    assert statuses["clase obrera"] == "preferredTerm-admn-sts"
    assert statuses["working classes"] == "admittedTerm-admn-sts"
    assert statuses["clase trabajadora"] == "deprecatedTerm-admn-sts"
    keep = concepts[2]
    assert [n.text for n in keep.findall(f"{{{TBX3_NS}}}note")] == [
        "Name of the paper.", "translate:kind=keep", "translate:forms-only=ru"]


def test_tbx2_is_well_formed_martif():
    text = write_termbase(PARTY, "tbx", tbx_version=2, source_lang="es")
    assert "<!DOCTYPE martif" in text
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "martif" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert root.findtext("martifHeader/fileDesc/titleStmt/title") == "party"
    entry = root.find("text/body/termEntry[@id='who']")
    assert [ls.get("{http://www.w3.org/XML/1998/namespace}lang") for ls in entry.findall("langSet")] == ["es", "en", "ru"]
    assert entry.findtext("langSet/tig/term") == "OMS"
    assert [n.text for n in entry.findall("note")] == ["acronym", "translate:case=sensitive"]


def test_output_is_deterministic():
    shuffled = dataclasses.replace(PARTY, entries=tuple(reversed(PARTY.entries)))
    for fmt, kwargs in (("tbx", {}), ("tbx", {"tbx_version": 2}), ("csv", {}), ("omegat", {"target_lang": "es"})):
        assert write_termbase(PARTY, fmt, **kwargs) == write_termbase(shuffled, fmt, **kwargs)


def test_csv_round_trip_keeps_everything_but_name_and_description(tmp_path):
    text = write_termbase(PARTY, "csv")
    assert text.splitlines()[0] == "id,en,es,ru,forms:en,forms:es,forms:ru,forbidden:en,forbidden:es,note,kind,case"
    again = write_read(tmp_path, PARTY, "csv", "party.csv")
    assert again.warnings == ()
    assert plain(again.glossary) == plain(dataclasses.replace(PARTY, name="party", description=""))


GRAMMAR = Glossary(
    name="grammar",
    path=None,
    languages=("en", "es", "ru"),
    entries=(
        GlossaryEntry(
            id="working-class",
            terms={"en": "working class", "es": "clase obrera", "ru": "рабочий класс"},
            grammar={"es": Grammar("f"), "ru": Grammar("m")},
            plural={"en": "working classes", "es": "clases obreras", "ru": "рабочие классы"},
            forms={"ru": ("рабочего класса",)},
        ),
        GlossaryEntry(
            id="bankers",
            terms={"en": "bankers", "es": "banqueros", "ru": "банкиры"},
            grammar={"en": Grammar(number="pl"), "es": Grammar("m", "pl"), "ru": Grammar("m", "pl")},
            singular={"en": "banker", "es": "banquero", "ru": "банкир"},
        ),
        GlossaryEntry(
            id="stalinist",
            terms={"en": "Stalinist", "es": "estalinista", "ru": "сталинистский"},
            grammar={"es": Grammar("mf", category="adj"), "ru": Grammar("m", category="adj")},
            plural={"en": "Stalinists", "es": "estalinistas", "ru": "сталинисты"},
        ),
        GlossaryEntry(id="peace-talks", terms={"en": "peace talks", "ru": "мирные переговоры"},
                      grammar={"en": Grammar(number="pl"), "ru": Grammar(number="pl")}),
    ),
)


@pytest.mark.parametrize("version", [2, 3])
def test_tbx_carries_grammar_as_termnotes_and_the_other_number_as_a_term(tmp_path, version):
    text = write_termbase(GRAMMAR, "tbx", tbx_version=version)
    root = ET.fromstring(text.encode("utf-8"))
    ns = f"{{{TBX3_NS}}}" if version == 3 else ""
    container = "termSec" if version == 3 else "tig"
    notes = {
        c.findtext(f"{ns}term"): [(n.get("type"), n.text) for n in c.findall(f"{ns}termNote")]
        for c in root.iter(f"{ns}{container}")
    }
    assert notes["clase obrera"] == [("administrativeStatus", "preferredTerm-admn-sts"),
                                     ("grammaticalGender", "feminine"), ("grammaticalNumber", "singular"),
                                     ("partOfSpeech", "noun")]
    assert notes["clases obreras"] == [("administrativeStatus", "admittedTerm-admn-sts"),
                                       ("grammaticalNumber", "plural")]
    assert notes["banquero"][1:] == [("grammaticalNumber", "singular")]
    assert notes["estalinista"][1:] == [("grammaticalGender", "other"), ("grammaticalNumber", "singular"),
                                        ("partOfSpeech", "adjective")]
    assert notes["мирные переговоры"][1:] == [("grammaticalNumber", "plural"), ("partOfSpeech", "noun")]
    assert notes["working class"] == [("administrativeStatus", "preferredTerm-admn-sts")]  # no grammar given
    again = write_read(tmp_path, GRAMMAR, "tbx", "grammar.tbx", tbx_version=version)
    assert again.warnings == ()
    assert plain(again.glossary) == plain(GRAMMAR)


def test_csv_carries_grammar_and_the_other_number(tmp_path):
    text = write_termbase(GRAMMAR, "csv")
    assert text.splitlines()[0] == ("en,es,ru,forms:ru,grammar:en,grammar:es,grammar:ru,plural:en,plural:es,plural:ru,"
                                    "singular:en,singular:es,singular:ru")
    assert "bankers,banqueros,банкиры,,pl,m pl,m pl,,,,banker,banquero,банкир" in text.splitlines()
    again = write_read(tmp_path, GRAMMAR, "csv", "grammar.csv")
    assert again.warnings == ()
    assert plain(again.glossary).entries == plain(GRAMMAR).entries


def test_tbx_import_reads_foreign_grammar_termnotes(tmp_path):
    path = tmp_path / "foreign.tbx"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en"><text><body>
  <termEntry id="strike">
    <langSet xml:lang="es">
      <tig><term>huelga</term><termNote type="grammaticalGender">feminine</termNote>
        <termNote type="partOfSpeech">noun</termNote></tig>
      <tig><term>paro</term></tig>
      <tig><term>huelgas</term><termNote type="grammaticalNumber">plural</termNote></tig>
      <tig><term>paros</term><termNote type="grammaticalNumber">plural</termNote></tig>
    </langSet>
    <langSet xml:lang="en"><tig><term>strike</term><termNote type="partOfSpeech">noun</termNote></tig></langSet>
  </termEntry>
  <termEntry id="red">
    <langSet xml:lang="es"><tig><term>rojo</term><termNote type="partOfSpeech">adjective</termNote>
      <termNote type="grammaticalGender">common</termNote></tig></langSet>
  </termEntry>
</body></text></martif>
""", encoding="utf-8")
    imported = read_termbase(path)
    strike, red = by_id(imported.glossary)["strike"], by_id(imported.glossary)["red"]
    # the first admitted term in the other number is the aligned plural; a part of speech 'noun' alone says nothing
    assert strike.grammar == {"es": Grammar("f")} and strike.plural == {"es": "huelgas"}
    assert strike.forms == {"es": ("paro", "paros")}
    assert red.grammar == {"es": Grammar(category="adj")}  # 'common' is not a TBX gender: ignored
    assert imported.warnings == ()


def test_csv_grammar_cell_that_does_not_parse_is_warned_and_ignored(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("en,es,grammar:es,plural:es\nstrike,huelga,feminine,huelgas\n", encoding="utf-8")
    imported = read_termbase(path)
    (entry,) = imported.glossary.entries
    assert entry.grammar == {} and entry.plural == {"es": "huelgas"}
    assert len(imported.warnings) == 1 and f"{path}:2:" in imported.warnings[0]
    assert "'feminine' is not a gender" in imported.warnings[0] and imported.warnings[0].endswith("; ignored")


def test_omegat_round_trip_keeps_the_pair_and_notes(tmp_path):
    text = write_termbase(PARTY, "omegat", source_lang="en", target_lang="es")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    # one line per entry having both languages; the keep entry is written as itself
    assert lines[0] == "October Revolution\tRevolución de Octubre"
    assert "The Militant\tThe Militant\tName of the paper." in lines
    assert len(lines) == 5
    again = write_read(tmp_path, PARTY, "omegat", "party.en-es.txt", target_lang="es")
    g = again.glossary
    assert again.warnings == () and g.name == "party" and g.languages == ("en", "es")
    got = {e.terms["en"]: (e.terms["es"], e.note) for e in g.entries}
    want = {
        e.preferred("en"): (e.preferred("es"), " ".join(e.note.split()))
        for e in PARTY.entries
    }
    assert got == want
    assert all(not e.forms and not e.forbidden and e.kind == "term" and not e.case_sensitive for e in g.entries)


def test_political_glossary_round_trips(tmp_path):
    if not GLOSSARY.exists():
        pytest.skip("no glossaries/political.yaml")
    try:
        original = load_glossary(GLOSSARY)
    except UserError as exc:  # the file is being edited by others; its own tests report that
        pytest.skip(f"glossaries/political.yaml does not load: {exc}")
    for version in (2, 3):
        again = write_read(tmp_path, original, "tbx", "political.tbx", tbx_version=version)
        assert again.warnings == ()
        assert plain(again.glossary) == plain(original)
    again = write_read(tmp_path, original, "csv", "political.csv")
    assert plain(again.glossary).entries == plain(original).entries


# --- reading variants ----------------------------------------------------------------------------------------


def test_tbx_variants_ntig_normative_authorization_dct_and_weblate(tmp_path):
    path = tmp_path / "variants.tbx"
    path.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="EN-GB">
  <text><body>
    <termEntry id="Concept 1">
      <descrip>Source explanation.</descrip>
      <langSet xml:lang="en-GB">
        <ntig><termGrp><term>  trade   union </term>
          <termNote type="normativeAuthorization">preferredTerm</termNote></termGrp></ntig>
        <ntig><termGrp><term>labour union</term></termGrp></ntig>
        <ntig><termGrp><term>syndicate</term>
          <termNote type="normativeAuthorization">deprecatedTerm</termNote></termGrp></ntig>
      </langSet>
      <langSet xml:lang="es-MX"><tig><term>sindicato</term>
        <termNote type="administrativeStatus">obsolete</termNote></tig>
        <tig><term>gremio</term><termNote type="translationNote">no</termNote></tig>
      </langSet>
      <langSet xml:lang="tlh"><tig><term>ghom</term></tig></langSet>
    </termEntry>
    <termEntry id="concept-1"><langSet xml:lang="de"><tig><term>Gewerkschaft</term></tig></langSet></termEntry>
  </body></text>
</martif>
""",
        encoding="utf-8",
    )
    imported = read_termbase(path)
    [first, second] = imported.glossary.entries
    assert first.id == "concept-1" and second.id == "concept-1-2"
    assert first.terms == {"en": "trade union", "es": "gremio"}
    assert first.forms == {"en": ("labour union",)}
    assert first.forbidden == {"en": ("syndicate",), "es": ("sindicato",)}
    assert first.kind == "keep"  # Weblate's read-only mark
    assert first.note == "Source explanation."
    assert imported.glossary.languages == ("en", "es", "de")
    assert f"{path}:17: term language 'tlh' unknown, skipped" in imported.warnings
    assert f"{path}:19: id 'concept-1' used twice, this one renamed 'concept-1-2'" in imported.warnings


def test_tbx3_dct_style(tmp_path):
    path = tmp_path / "dct.tbx"
    path.write_text(
        f"""<?xml version="1.0"?>
<tbx type="TBX-Basic" style="dct" xml:lang="en" xmlns="{TBX3_NS}" xmlns:basic="http://www.tbxinfo.net/ns/basic">
  <tbxHeader><fileDesc><titleStmt><title>Unions</title></titleStmt><sourceDesc><p>from DCT</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="u1">
      <langSec xml:lang="en">
        <basic:definition>An organisation of workers.</basic:definition>
        <termSec><term>union</term><basic:administrativeStatus>admittedTerm-admn-sts</basic:administrativeStatus></termSec>
        <termSec><term>trade union</term><basic:administrativeStatus>preferredTerm-admn-sts</basic:administrativeStatus></termSec>
        <termSec><term>combination</term><basic:administrativeStatus>supersededTerm-admn-sts</basic:administrativeStatus></termSec>
      </langSec>
    </conceptEntry>
  </body></text>
</tbx>
""",
        encoding="utf-8",
    )
    g = read_termbase(path).glossary
    assert g.name == "Unions" and g.description == "from DCT"
    [e] = g.entries
    assert (e.terms, e.forms, e.forbidden) == ({"en": "trade union"}, {"en": ("union",)}, {"en": ("combination",)})
    assert e.note == "en: An organisation of workers."


def test_csv_variants(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_bytes(
        "\ufeffID;EN-us;es-MX;Kind;notes;tlh;forbidden:ES\r\n"
        'Bolsheviks;"Bolshevik; the party";bolchevique;keep;x;y;"bolchevista | bolcheviki"\r\n'
        ";;;;;;\r\n"
        ';working class;"clase ""obrera""";;;;\r\n'
        ";;;;;;only forbidden\r\n"
        .encode("utf-8")
    )
    imported = read_termbase(path)
    g = imported.glossary
    assert g.languages == ("en", "es")
    assert [e.id for e in g.entries] == ["bolsheviks", "working-class"]
    bolsheviks, wc = g.entries
    assert bolsheviks.terms == {"en": "Bolshevik; the party", "es": "bolchevique"}
    assert bolsheviks.forbidden == {"es": ("bolchevista", "bolcheviki")}
    assert bolsheviks.kind == "keep"
    assert wc.terms == {"en": "working class", "es": 'clase "obrera"'} and wc.origin == f"{path}:4"
    assert f"{path}:1: column 'notes' not understood, ignored" in imported.warnings
    assert f"{path}:1: column language 'tlh' unknown, skipped" in imported.warnings
    assert f"{path}:5: row has no term in a known language, skipped" in imported.warnings


def test_omegat_import(tmp_path):
    path = tmp_path / "glossary.en-ru.utf8"
    path.write_text(
        "# OmegaT glossary\n"
        "working class\tрабочий класс\tclass, not workers\n"
        "working class\tрабочего класса\n"
        "\n"
        "strike\tзабастовка\n"
        "lonely\n",
        encoding="utf-8",
    )
    imported = read_termbase(path)
    g = imported.glossary
    assert g.name == "glossary" and g.languages == ("en", "ru")
    wc, strike = g.entries
    assert (wc.id, wc.terms, wc.forms, wc.note) == (
        "working-class", {"en": "working class", "ru": "рабочий класс"}, {"ru": ("рабочего класса",)}, "class, not workers")
    assert strike.terms == {"en": "strike", "ru": "забастовка"} and strike.origin == f"{path}:5"
    assert imported.warnings == (f"{path}:6: line without a source and a target term (separated by a tab), skipped",)
    # parameters win over the file name
    other = read_termbase(path, source_lang="en-GB", target_lang="uk").glossary
    assert other.languages == ("en", "uk")


# --- errors --------------------------------------------------------------------------------------------------


def test_malformed_xml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.tbx"
    path.write_text('<?xml version="1.0"?>\n<martif>\n<text><body>\n<termEntry></body>\n</martif>\n', encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:4: malformed XML: mismatched tag$"):
        read_termbase(path)


def test_not_utf8(tmp_path):
    tbx = tmp_path / "latin.tbx"
    tbx.write_bytes(b"<martif>\n<text>caf\xe9</text></martif>")
    with pytest.raises(UserError, match=rf"^{tbx}:2: not UTF-8 text"):
        read_termbase(tbx)
    declared = tmp_path / "declared.tbx"
    declared.write_bytes(
        b'<?xml version="1.0" encoding="ISO-8859-1"?><martif><text><body><termEntry id="c">'
        b'<langSet xml:lang="fr"><tig><term>caf\xe9</term></tig></langSet></termEntry></body></text></martif>'
    )
    assert read_termbase(declared).glossary.entries[0].terms == {"fr": "café"}
    csv_path = tmp_path / "latin.csv"
    csv_path.write_bytes(b"en,es\nworker,trabajador\ncoffee,caf\xe9\n")
    with pytest.raises(UserError, match=rf"^{csv_path}:3: not UTF-8 text"):
        read_termbase(csv_path)


def test_other_xml_and_entities_are_refused(tmp_path):
    html = tmp_path / "page.tbx"
    html.write_text("<html><body/></html>", encoding="utf-8")
    with pytest.raises(UserError, match=r"not a TBX file: the root element is <html>"):
        read_termbase(html)
    bomb = tmp_path / "bomb.tbx"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE martif [\n<!ENTITY a "aaaa">\n]>\n<martif>&a;</martif>', encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{bomb}:3: entity declarations are not allowed"):
        read_termbase(bomb)


def test_deep_nesting_is_refused(tmp_path):
    deep = tmp_path / "deep.tbx"
    deep.write_text("<martif>" + "<p>" * 5000 + "</p>" * 5000 + "</martif>", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{deep}:1: elements nested more than"):
        read_termbase(deep)


def test_csv_without_header(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("war,guerra\nstrike,huelga\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:1: no header row of language codes"):
        read_termbase(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{empty}:1: no header row"):
        read_termbase(empty)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UserError, match=r"no such file"):
        read_termbase(tmp_path / "nope.tbx")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(UserError, match=r"is a folder"):
        read_termbase(folder)


def test_omegat_needs_languages(tmp_path):
    path = tmp_path / "glossary.txt"
    path.write_text("strike\thuelga\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"pass --from and --to"):
        read_termbase(path)
    assert read_termbase(path, source_lang="en", target_lang="es").glossary.entries[0].terms == {"en": "strike", "es": "huelga"}
    with pytest.raises(UserError, match=r"unknown target language 'tlh'"):
        read_termbase(path, source_lang="en", target_lang="tlh")


def test_write_errors():
    with pytest.raises(UserError, match="name the target language"):
        write_termbase(PARTY, "omegat")
    with pytest.raises(UserError, match="two different languages"):
        write_termbase(PARTY, "omegat", source_lang="en", target_lang="en-US")
    with pytest.raises(UserError, match="unknown termbase format"):
        write_termbase(PARTY, "xlsx")
    with pytest.raises(UserError, match="unknown TBX version"):
        write_termbase(PARTY, "tbx", tbx_version=4)
    with pytest.raises(UserError, match="unknown source language code"):
        write_termbase(PARTY, "csv", source_lang="klingon")
