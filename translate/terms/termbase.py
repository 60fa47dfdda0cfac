"""Termbases: import and export of glossaries in the exchange formats of other tools: TBX (v2 MARTIF and v3 ISO
30042:2019 TBX-Basic), CSV (AWS/DeepL/Google custom terminology) and OmegaT's tab-separated glossaries.

Pure functions: `read_termbase` turns a file into a `Glossary` (plus warnings for what it skipped) and
`write_termbase` turns a `Glossary` into the text of a file.

Mapping. A TBX concept (`termEntry`/`conceptEntry`) is one entry; its id becomes the entry id (lower-cased and
slugified when it breaks our id rule, made unique with -2, -3 ...; ids that are not valid XML ids, such as ones
starting with a digit, are written with a leading `_` that is dropped again on import). Per language the first
preferred term (else the first admitted or unmarked one) is `terms[lang]`, further admitted terms are `forms[lang]`,
deprecated, superseded, forbidden and obsolete terms are `forbidden[lang]`. Concept- and language-level notes and
definitions become `note` (one line each; language-level ones prefixed "xx: "). The entry's kind and case are
written as `<note>translate:kind=keep</note>` and `<note>translate:case=sensitive</note>`, the glossary's language
list as `<p>translate:languages=en,es</p>` in the header, its name as the header title. A term's grammar is written
as termNotes on the preferred term: `grammaticalGender` (masculine, feminine, neuter; `other` for common gender, mf),
`grammaticalNumber` (singular, plural) and `partOfSpeech` (noun, adjective); the term in the other number
(`plural`/`singular`) is an admitted term of its own with its `grammaticalNumber`. On import an admitted term whose
number differs from the preferred term's is that other number. Other data categories (term type, IATE reliability
codes, transactions, contexts, term-level notes) are ignored.
CSV: a header row of language codes (region codes such as es-MX are folded to es), one concept per row, and the
optional columns `id`, `note`, `kind`, `case`, `forms:xx`, `forbidden:xx` (terms separated by `|`), `grammar:xx`
(as the glossary writes it: `f pl`), `plural:xx` and `singular:xx`; the
language column holds the term, so a language may have forms and no term of its own (TBX marks that with
`<note>translate:forms-only=ru,uk</note>`: the admitted terms of those languages are all forms).

Limits. CSV cannot carry the glossary name, description, or a `|` inside a form. OmegaT holds one language pair
with a comment: ids (derived from the source term), forms, forbidden terms, kind and case are lost, and tabs and
line breaks in notes become spaces; several lines with the same source term are merged into one entry, further
targets becoming forms. A TBX language section without a preferred term (and not marked forms-only) gets its
first admitted or unmarked term as the term.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator
from xml.parsers import expat

from .. import languages
from ..data import GlossaryEntry, Grammar
from ..errors import UserError, shown
from ..files import BAD_CHARACTER, MAX_TERMBASE_BYTES, character_name, read_bytes, read_text
from .glossary import Glossary, _grammar_map

FORMATS = ("tbx", "csv", "omegat")
_EXTENSIONS = {".tbx": "tbx", ".csv": "csv", ".tsv": "omegat", ".txt": "omegat", ".utf8": "omegat"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_TAG_RE = re.compile(r"^([a-z]{2,3})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?$")  # language[-Script][-REGION]
TBX3_NS = "urn:iso:std:iso:30042:ed-2"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_META = "translate:"
_SETTING_RE = re.compile(r"^translate:([a-z-]+)=([a-z,]*)$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


@dataclass(frozen=True)
class Imported:
    glossary: Glossary
    warnings: tuple[str, ...] = ()


# --- shared helpers ------------------------------------------------------------------------------------------


def detect_format(path: Path, given: str | None = None) -> str:
    """'tbx', 'csv' or 'omegat', from `given` (the --format option) or else the file's extension."""
    if given:
        fmt = given.strip().lower()
        if fmt not in FORMATS:
            raise UserError(f"unknown termbase format {given!r}: use one of {', '.join(FORMATS)}")
        return fmt
    fmt = _EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UserError(
            f"{path}: cannot tell the termbase format from the extension {Path(path).suffix or '(none)'!r}; "
            f"pass --format {', '.join(FORMATS)} (extensions: .tbx, .csv, .tsv/.txt/.utf8 for OmegaT)"
        )
    return fmt


def language_code(code: str) -> str | None:
    """Our ISO 639-1 code for a language tag ('es-MX', 'EN', 'en_US', 'spa' -> 'es', 'en', 'en', 'es'); None if unknown."""
    tag = code.strip().lower().replace("_", "-") if isinstance(code, str) else ""
    m = _TAG_RE.match(tag)
    if not m:
        return None
    base = m.group(1)
    if base in languages.LANGUAGES:
        return base
    lang = languages.from_iso3(base)
    return lang.code if lang else None


def _user_language(code: str, what: str) -> str:
    found = language_code(code)
    if found is None:
        languages.get(code, what=what)  # raises the usual message naming the known codes
    return found  # type: ignore[return-value]


def slugify(text: str) -> str:
    """An id after our rule (^[a-z0-9][a-z0-9._-]*$) from any text; '' when nothing Latin is left."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")
    if len(slug) > 60:
        slug = slug[:60].rstrip("-._")
    return slug


def _clean(term: str) -> str:
    return " ".join(term.split())


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


class _Ids:
    """Hands out entry ids: valid after our rule and unique, with -2, -3 ... suffixes on clashes."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(
        self, wanted: str | None, terms: dict[str, str], source: str | None, warn: _Warnings | None = None, line: int = 0
    ) -> str:
        base = ""
        if wanted:
            wanted = wanted.strip()
            if wanted.startswith("_") and _ID_RE.match(wanted[1:]):
                wanted = wanted[1:]  # our escape for ids that are not XML names
            base = wanted if _ID_RE.match(wanted) else slugify(wanted)
        if not base:
            base = _derived_id(terms, source)
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self.used.add(candidate)
        if warn is not None and n > 1 and wanted:
            warn.add(line, f"id {wanted!r} used twice, this one renamed {candidate!r}")
        return candidate


def _derived_id(terms: dict[str, str], source: str | None) -> str:
    ordered = ([terms[source]] if source in terms else []) + list(terms.values())
    for term in ordered:
        slug = slugify(term)
        if slug:
            return slug
    return "entry"


def _language_order(glossary: Glossary, source_lang: str | None) -> list[str]:
    """Source language first, then the glossary's languages, then any other language an entry uses (sorted)."""
    used: set[str] = set()
    for e in glossary.entries:
        used.update(e.terms, e.forms, e.forbidden, e.plural, e.singular)
    order = [source_lang] if source_lang and (source_lang in used or source_lang in glossary.languages) else []
    order += [lang for lang in glossary.languages if lang not in order]
    order += sorted(lang for lang in used if lang not in order)
    return order


def _sorted_entries(glossary: Glossary) -> list[GlossaryEntry]:
    return sorted(glossary.entries, key=lambda e: e.id)


def _entry_from(
    entry_id: str,
    terms: dict[str, list[str]],
    forbidden: dict[str, list[str]],
    *,
    order: list[str],
    note: str = "",
    kind: str = "term",
    case_sensitive: bool = False,
    origin: str = "",
    preferred: dict[str, str] | None = None,
    forms_only: Iterable[str] = (),
    grammar: dict[str, Grammar] | None = None,
    numbered: dict[str, str] | None = None,
) -> GlossaryEntry:
    """Per language, `preferred[lang]` (else the first of `terms[lang]`) is the term and the rest are forms;
    a language in `forms_only` has forms and no term of its own. `numbered[lang]`, the term in the other number
    than `grammar[lang]` gives (singular by default), becomes the entry's `plural` or `singular`."""
    pref: dict[str, str] = {}
    forms: dict[str, tuple[str, ...]] = {}
    grammar = {lang: g for lang, g in (grammar or {}).items() if lang in order}
    plural: dict[str, str] = {}
    singular: dict[str, str] = {}
    for lang in order:
        accepted = _unique(_clean(t) for t in terms.get(lang, ()))
        chosen = (preferred or {}).get(lang) or (accepted[0] if accepted and lang not in forms_only else None)
        if chosen:
            pref[lang] = chosen
        other = _clean((numbered or {}).get(lang, "")) if chosen else ""
        if other and other != chosen:
            (singular if grammar.get(lang, Grammar()).number == "pl" else plural)[lang] = other
        rest = tuple(t for t in accepted if t not in (chosen, other))
        if rest:
            forms[lang] = rest
    bad = {lang: _unique(_clean(t) for t in forbidden[lang]) for lang in order if forbidden.get(lang)}
    return GlossaryEntry(
        id=entry_id,
        terms=pref,
        forms=forms,
        forbidden={k: v for k, v in bad.items() if v},
        case_sensitive=case_sensitive,
        kind=kind,
        note=note,
        origin=origin,
        grammar=grammar,
        plural=plural,
        singular=singular,
    )


class _Warnings:
    def __init__(self, path: Path):
        self.path = path
        self.items: list[str] = []
        self.unknown: dict[str, tuple[int, int, str]] = {}  # code -> (first line, count, what)

    def add(self, line: int | None, message: str) -> None:
        self.items.append(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")

    def unknown_language(self, code: str, line: int, what: str) -> None:
        first, count, _ = self.unknown.get(code, (line, 0, what))
        self.unknown[code] = (first, count + 1, what)

    def done(self) -> tuple[str, ...]:
        out = list(self.items)
        for code, (line, count, what) in self.unknown.items():
            more = f" ({count} times)" if count > 1 else ""
            out.append(f"{self.path}:{line}: {what} language {code!r} unknown, skipped{more}")
        return tuple(out)


def read_termbase(
    path: Path,
    fmt: str | None = None,
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Imported:
    """Import a TBX, CSV or OmegaT file as a glossary; what cannot be imported is skipped with a warning.

    `source_lang`/`target_lang` name the pair of an OmegaT file (else taken from a name like glossary.en-es.txt);
    for TBX and CSV `source_lang` picks the language whose term gives an id to entries without one (default: the
    file's xml:lang, or the first language column)."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    if fmt == "tbx":
        imported = _read_tbx(path, _user_language(source_lang, "source language") if source_lang else None)
    elif fmt == "csv":
        imported = _read_csv(path, source_lang)
    else:
        imported = _read_omegat(path, source_lang, target_lang)
    _check_characters(imported.glossary, path)
    return imported


def _check_characters(glossary: Glossary, path: Path) -> None:
    """A term holding a control character (a NUL in a CSV cell, U+000B in a TBX) is refused at its row, before it
    can reach a glossary file."""
    for entry in glossary.entries:
        texts = [entry.note, *entry.terms.values(), *entry.plural.values(), *entry.singular.values()]
        texts += [t for forms in (*entry.forms.values(), *entry.forbidden.values()) for t in forms]
        for text in texts:
            bad = BAD_CHARACTER.search(text)
            if bad:
                raise UserError(f"{entry.origin or path}: {shown(text)} holds {character_name(bad.group())}; "
                                "remove it")
    bad = BAD_CHARACTER.search(glossary.name + glossary.description)
    if bad:
        raise UserError(f"{path}: the title or description holds {character_name(bad.group())}; remove it")


def write_termbase(
    glossary: Glossary,
    fmt: str,
    *,
    source_lang: str = "en",
    target_lang: str | None = None,
    tbx_version: int = 3,
) -> str:
    """The text of `glossary` as a termbase file: entries sorted by id, the source language first.

    OmegaT needs `target_lang`; `tbx_version` is 2 (MARTIF) or 3 (ISO 30042:2019 TBX-Basic, DCA style)."""
    if (fmt or "").strip().lower() not in FORMATS:
        raise UserError(f"unknown termbase format {fmt!r}: use one of {', '.join(FORMATS)}")
    fmt = fmt.strip().lower()
    source = _user_language(source_lang, "source language")
    if fmt == "tbx":
        if isinstance(tbx_version, str) and tbx_version.strip().isdigit():
            tbx_version = int(tbx_version)
        if tbx_version not in (2, 3):
            raise UserError(f"unknown TBX version {tbx_version!r}: use 2 (MARTIF) or 3 (ISO 30042:2019)")
        return _write_tbx(glossary, source, tbx_version)
    if fmt == "csv":
        return _write_csv(glossary, source)
    if not target_lang:
        raise UserError("an OmegaT glossary holds one language pair: name the target language (--to)")
    target = _user_language(target_lang, "target language")
    if target == source:
        raise UserError(f"an OmegaT glossary needs two different languages, not {source}-{target}")
    return _write_omegat(glossary, source, target)


# --- TBX -----------------------------------------------------------------------------------------------------


@dataclass
class _Node:
    tag: str  # local name, namespace dropped
    attrs: dict[str, str]  # local names: xml:lang is "lang"
    line: int
    parts: list = field(default_factory=list)  # text and child nodes, in order

    @property
    def children(self) -> list[_Node]:
        return [p for p in self.parts if isinstance(p, _Node)]

    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def iter(self, *tags: str) -> Iterator[_Node]:
        for child in self.children:
            if not tags or child.tag in tags:
                yield child
            yield from child.iter(*tags)

    def find(self, *tags: str) -> _Node | None:
        return next(self.iter(*tags), None)


_MAX_DEPTH = 100  # TBX nests about 8 deep; the tree is walked recursively


def _parse_xml(path: Path) -> _Node:
    data = read_bytes(path, "a termbase file", MAX_TERMBASE_BYTES)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        declared = re.match(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", data)
        if declared is None or declared.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                raise UserError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    stack: list[_Node] = []
    root: list[_Node] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if len(stack) >= _MAX_DEPTH:
            line = parser.CurrentLineNumber
            raise UserError(f"{path}:{line}: elements nested more than {_MAX_DEPTH} deep; not a termbase")
        local_attrs = {k.rsplit(" ", 1)[-1]: v for k, v in attrs.items()}
        node = _Node(name.rsplit(" ", 1)[-1], local_attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].parts.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(name: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].parts.append(text)

    def entity_decl(*args) -> None:
        raise UserError(f"{path}:{parser.CurrentLineNumber}: entity declarations are not allowed in a termbase")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = entity_decl
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UserError(f"{path}:{exc.lineno}: malformed XML: {expat.ErrorString(exc.code)}") from None
    return root[0]


def _prose(node: _Node) -> str:
    """Text of a note or definition: pretty-printed (multi-line) text is reflowed, one-line text kept as is."""
    text = node.text()
    return _clean(text) if "\n" in text else text


def _status(container: _Node) -> str:
    """'preferred', 'admitted' or 'forbidden' for a tig/ntig/termSec, from its administrative status or authorization."""
    values = []
    for node in container.iter():
        if node.tag == "termNote" and node.attrs.get("type") in ("administrativeStatus", "normativeAuthorization"):
            values.append(_clean(node.text()))
        elif node.tag in ("administrativeStatus", "normativeAuthorization"):  # DCT style
            values.append(_clean(node.text()))
    for value in values:
        v = value.lower()
        if v.startswith(("deprecated", "superseded", "forbidden", "obsolete", "notrecommended", "rejected")):
            return "forbidden"
        if v.startswith("preferred"):
            return "preferred"
    return "admitted"


_GENDERS = {"masculine": "m", "feminine": "f", "neuter": "n", "other": "mf"}
_NUMBERS = {"singular": "sg", "plural": "pl"}


def _grammar_notes(container: _Node) -> dict[str, str]:
    """The grammar a tig/ntig/termSec gives its term: gender, number, category (only 'adj': noun is the default)."""
    found: dict[str, str] = {}
    for node in container.iter("termNote"):
        kind, value = node.attrs.get("type"), _clean(node.text()).lower()
        if kind == "grammaticalGender" and value in _GENDERS:
            found.setdefault("gender", _GENDERS[value])
        elif kind == "grammaticalNumber" and value in _NUMBERS:
            found.setdefault("number", _NUMBERS[value])
        elif kind == "partOfSpeech" and value == "adjective":
            found.setdefault("category", "adj")
    return found


def _untranslatable(container: _Node) -> bool:
    """Weblate's read-only mark: <termNote type="translationNote">no</termNote>."""
    return any(
        n.tag == "termNote" and n.attrs.get("type") == "translationNote" and _clean(n.text()).lower() == "no"
        for n in container.iter()
    )


_NOTE_DESCRIPS = {"", "definition", "explanation", "usage note", "usagenote"}


def _is_note(node: _Node) -> bool:
    if node.tag in ("note", "definition"):  # definition: DCT style
        return True
    return node.tag == "descrip" and (node.attrs.get("type") or "").strip().lower() in _NOTE_DESCRIPS


def _notes_of(node: _Node) -> list[str]:
    """Notes and definitions directly on a concept or language section (or in their descripGrp), in order."""
    out = []
    for child in node.children:
        for c in child.children if child.tag == "descripGrp" else [child]:
            if _is_note(c):
                out.append(_prose(c))
    return out


def _read_tbx(path: Path, source_lang: str | None = None) -> Imported:
    root = _parse_xml(path)
    if root.tag not in ("martif", "tbx"):
        raise UserError(f"{path}:{root.line}: not a TBX file: the root element is <{root.tag}>, expected <martif> or <tbx>")
    warn = _Warnings(path)
    header = root.find("martifHeader", "tbxHeader")
    name = ""
    description_lines: list[str] = []
    declared: list[str] | None = None
    if header is not None:
        title = header.find("title")
        name = _clean(title.text()) if title is not None else ""
        source_desc = header.find("sourceDesc")
        for p in source_desc.iter("p") if source_desc is not None else ():
            text = _prose(p)
            if text.startswith(f"{_META}languages="):
                codes = [c for c in text.split("=", 1)[1].split(",") if c.strip()]
                declared = [c for c in (language_code(c) for c in codes) if c]
            else:
                description_lines.append(text)
    root_lang = language_code(root.attrs.get("lang", "")) if root.attrs.get("lang") else None

    ids = _Ids()
    entries: list[GlossaryEntry] = []
    seen_langs: list[str] = []
    for concept in root.iter("termEntry", "conceptEntry"):
        notes: list[str] = []
        kind, case_sensitive = "term", False
        forms_only: set[str] = set()
        for text in _notes_of(concept):
            setting = _SETTING_RE.match(text.strip())
            if setting is None:
                notes.append(text)
            elif setting.group(1) == "kind" and setting.group(2) in ("term", "keep"):
                kind = setting.group(2)
            elif setting.group(1) == "case" and setting.group(2) in ("sensitive", "insensitive"):
                case_sensitive = setting.group(2) == "sensitive"
            elif setting.group(1) == "forms-only":
                forms_only = {code for code in setting.group(2).split(",") if code}
            else:
                warn.add(concept.line, f"unknown setting {text.strip()!r} ignored")
        accepted: dict[str, list[str]] = {}
        preferred: dict[str, str] = {}
        forbidden: dict[str, list[str]] = {}
        said: dict[tuple[str, str], dict[str, str]] = {}  # (lang, term) -> its grammar notes
        order: list[str] = []
        for lang_node in concept.iter("langSet", "langSec"):
            raw = lang_node.attrs.get("lang")
            if not raw:
                warn.add(lang_node.line, f"<{lang_node.tag}> without xml:lang, skipped")
                continue
            lang = language_code(raw)
            if lang is None:
                warn.unknown_language(raw, lang_node.line, "term")
                continue
            if lang not in order:
                order.append(lang)
            notes += [f"{lang}: {text}" for text in _notes_of(lang_node)]
            for container in lang_node.iter("tig", "ntig", "termSec"):
                term_node = container.find("term")
                term = _clean(term_node.text()) if term_node is not None else ""
                if not term:
                    warn.add(container.line, f"<{container.tag}> without a term, skipped")
                    continue
                status = _status(container)
                if _untranslatable(container):
                    kind = "keep"
                if status == "forbidden":
                    forbidden.setdefault(lang, []).append(term)
                else:
                    accepted.setdefault(lang, []).append(term)
                    if status == "preferred":
                        preferred.setdefault(lang, term)
                    said.setdefault((lang, term), _grammar_notes(container))
        first_terms = {
            lang: (preferred.get(lang) or accepted[lang][0])
            for lang in order
            if accepted.get(lang) and (lang in preferred or lang not in forms_only)
        }
        raw_id = concept.attrs.get("id")
        if not first_terms:
            what = f"concept {raw_id!r}" if raw_id else f"<{concept.tag}>"
            warn.add(concept.line, f"{what} has no accepted term in a known language, skipped")
            continue
        for lang in order:
            if lang not in seen_langs:
                seen_langs.append(lang)
        entry_id = ids.take(raw_id, first_terms, source_lang or root_lang, warn, concept.line)
        grammar: dict[str, Grammar] = {}
        numbered: dict[str, str] = {}
        for lang, term in first_terms.items():
            if said.get((lang, term)):
                grammar[lang] = Grammar(**said[(lang, term)])
            own = grammar.get(lang, Grammar()).number
            numbered_terms = [t for t in accepted[lang] if t != term and said.get((lang, t), {}).get("number", own) != own]
            if numbered_terms:
                numbered[lang] = numbered_terms[0]
        entries.append(
            _entry_from(
                entry_id, accepted, forbidden, order=order, preferred=preferred, forms_only=forms_only,
                note="\n".join(notes), kind=kind,
                case_sensitive=case_sensitive, origin=f"{path}:{concept.line}", grammar=grammar, numbered=numbered,
            )
        )
    if declared is not None:
        langs = declared
    else:
        langs = ([root_lang] if root_lang in seen_langs else []) + [x for x in seen_langs if x != root_lang]
    glossary = Glossary(
        name=name or path.stem,
        path=None,
        languages=tuple(langs),
        entries=tuple(entries),
        description="\n".join(description_lines),
    )
    return Imported(glossary, warn.done())


def _xml_id(entry_id: str) -> str:
    """Our ids may start with a digit, XML ids (NCName) may not: those are written with a leading '_'."""
    return entry_id if re.match(r"^[a-z_]", entry_id) else f"_{entry_id}"


_TBX3_PROLOG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/'
    'TBXcoreStructV03_TBX-Basic_integrated.rng" type="application/xml" '
    'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/'
    'TBX-Basic_DCA.sch" type="application/xml" schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'
)
_TBX2_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">\n'


def _grammar_termnotes(entry: GlossaryEntry, lang: str) -> list[tuple[str, str]]:
    """TBX termNotes (type, value) for the grammar of `entry`'s term in `lang`; none when the glossary gives none."""
    if lang not in entry.grammar:
        return []
    g = entry.grammar[lang]
    notes = [("grammaticalGender", next(k for k, v in _GENDERS.items() if v == g.gender))] if g.gender else []
    notes.append(("grammaticalNumber", "plural" if g.number == "pl" else "singular"))
    notes.append(("partOfSpeech", "adjective" if g.category == "adj" else "noun"))
    return notes


def _write_tbx(glossary: Glossary, source: str, version: int) -> str:
    lang_attr = f"{{{_XML_NS}}}lang"
    names = (
        {"root": "tbx", "header": "tbxHeader", "concept": "conceptEntry", "lang": "langSec", "term": "termSec"}
        if version == 3
        else {"root": "martif", "header": "martifHeader", "concept": "termEntry", "lang": "langSet", "term": "tig"}
    )

    def el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
        if text is not None:
            bad = _XML_BAD.search(text)
            if bad:  # XML 1.0 cannot hold it: refused, never dropped
                raise UserError(f"{glossary.path or glossary.name}: {shown(text)} holds {character_name(bad.group())}, "
                                "which a TBX file cannot hold; remove it from the glossary")
            node.text = text
        return node

    order = _language_order(glossary, source)
    root_attrs = {"type": "TBX-Basic", "style": "dca"} if version == 3 else {"type": "TBX"}
    root = el(None, names["root"], **root_attrs)
    root.set(lang_attr, source)
    if version == 3:  # written as a plain attribute: ElementTree's default_namespace rejects unqualified attributes
        root.set("xmlns", TBX3_NS)
    file_desc = el(el(root, names["header"]), "fileDesc")
    el(el(file_desc, "titleStmt"), "title", glossary.name)
    source_desc = el(file_desc, "sourceDesc")
    el(source_desc, "p", f"{_META}languages={','.join(glossary.languages)}")
    if glossary.description:
        for line in glossary.description.split("\n"):
            el(source_desc, "p", line)
    if version == 2:
        el(el(root[0], "encodingDesc"), "p", "TBXXCS.xcs", type="XCSURI")
    body = el(el(root, "text"), "body")
    for entry in _sorted_entries(glossary):
        concept = el(body, names["concept"], id=_xml_id(entry.id))
        if entry.note:
            for line in entry.note.split("\n"):
                el(concept, "note", line)
        if entry.kind != "term":
            el(concept, "note", f"{_META}kind={entry.kind}")
        if entry.case_sensitive:
            el(concept, "note", f"{_META}case=sensitive")
        forms_only = [lang for lang in order if entry.forms.get(lang) and lang not in entry.terms]
        if forms_only:
            el(concept, "note", f"{_META}forms-only={','.join(forms_only)}")
        for lang in order:
            rows = [(t, "preferredTerm-admn-sts", _grammar_termnotes(entry, lang))
                    for t in ([entry.terms[lang]] if lang in entry.terms else [])]
            for key, number in (("plural", "plural"), ("singular", "singular")):
                if lang in getattr(entry, key):
                    rows.append((getattr(entry, key)[lang], "admittedTerm-admn-sts", [("grammaticalNumber", number)]))
            rows += [(t, "admittedTerm-admn-sts", []) for t in entry.forms.get(lang, ())]
            rows += [(t, "deprecatedTerm-admn-sts", []) for t in entry.forbidden.get(lang, ())]
            if not rows:
                continue
            lang_node = el(concept, names["lang"])
            lang_node.set(lang_attr, lang)
            for term, status, grammar_notes in rows:
                container = el(lang_node, names["term"])
                el(container, "term", term)
                el(container, "termNote", status, type="administrativeStatus")
                for kind, value in grammar_notes:
                    el(container, "termNote", value, type=kind)
    ET.indent(root, space="  ")
    prolog = _TBX3_PROLOG if version == 3 else _TBX2_PROLOG
    return prolog + ET.tostring(root, encoding="unicode") + "\n"


# --- CSV -----------------------------------------------------------------------------------------------------

_EXTRA_COLUMNS = ("id", "note", "kind", "case")
_NUMBERED_COLUMNS = ("grammar", "plural", "singular")  # grammar:xx, and the term in the other number


def _split_list(cell: str) -> list[str]:
    return [_clean(part) for part in cell.split("|") if part.strip()]


def _read_csv(path: Path, source_lang: str | None) -> Imported:
    text = read_text(path, "a termbase file", MAX_TERMBASE_BYTES)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise UserError(f"{path}:1: no header row: the first line must name the columns' languages, such as en,es,fr")
    delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
    # strict: a quote never closed is an error, not one field holding the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    warn = _Warnings(path)
    line = 1
    try:
        header = next(reader)
        columns: list[tuple[str, str | None]] = []  # (role, language): role is lang, forms, forbidden, id, note...
        lang_columns: list[str] = []
        for index, cell in enumerate(header):
            name = cell.strip()
            low = name.lower()
            if low in _EXTRA_COLUMNS:
                columns.append((low, None))
                continue
            role, _, code = low.partition(":") if ":" in low else ("lang", "", low)
            if role not in ("lang", "forms", "forbidden", *_NUMBERED_COLUMNS):
                warn.add(1, f"column {name!r} not understood, ignored")
                columns.append(("skip", None))
                continue
            lang = language_code(code)
            if lang is None:
                if _TAG_RE.match(code.replace("_", "-")):
                    warn.unknown_language(code, 1, "column")
                else:
                    warn.add(1, f"column {name!r} not understood, ignored")
                columns.append(("skip", None))
                continue
            if role == "lang":
                if lang in lang_columns:
                    warn.add(1, f"column {name!r} repeats language {lang!r}, ignored")
                    columns.append(("skip", None))
                    continue
                lang_columns.append(lang)
            columns.append((role, lang))
        if not lang_columns:
            raise UserError(
                f"{path}:1: no header row of language codes (such as en,es,fr); the first row is {first_line.strip()[:60]!r}"
            )
        source = _user_language(source_lang, "source language") if source_lang else lang_columns[0]
        ids = _Ids()
        entries: list[GlossaryEntry] = []
        line = reader.line_num + 1
        for row in reader:
            row_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            accepted: dict[str, list[str]] = {}
            forbidden: dict[str, list[str]] = {}
            extra: dict[str, str] = {}
            has_term: set[str] = set()
            numbered_cells: dict[str, dict[str, str]] = {role: {} for role in _NUMBERED_COLUMNS}
            for (role, lang), cell in zip(columns, row):
                if role == "lang" and cell.strip():
                    accepted.setdefault(lang, []).insert(0, _clean(cell))
                    has_term.add(lang)
                elif role == "forms":
                    accepted.setdefault(lang, []).extend(_split_list(cell))
                elif role == "forbidden":
                    forbidden.setdefault(lang, []).extend(_split_list(cell))
                elif role in _NUMBERED_COLUMNS and cell.strip():
                    numbered_cells[role][lang] = cell
                elif role in _EXTRA_COLUMNS:
                    extra[role] = cell
            if len(row) > len(columns) and any(c.strip() for c in row[len(columns):]):
                warn.add(row_line, f"{len(row) - len(columns)} cell(s) beyond the header ignored")
            kind = extra.get("kind", "").strip().lower() or "term"
            if kind not in ("term", "keep"):
                warn.add(row_line, f"kind {kind!r} not understood (term or keep), taken as term")
                kind = "term"
            case = extra.get("case", "").strip().lower() or "insensitive"
            if case not in ("sensitive", "insensitive"):
                warn.add(row_line, f"case {case!r} not understood (sensitive or insensitive), taken as insensitive")
                case = "insensitive"
            order = lang_columns + [lang for role, lang in columns if lang and lang not in lang_columns]
            firsts = {lang: accepted[lang][0] for lang in order if lang in has_term}
            if not firsts:
                warn.add(row_line, "row has no term in a known language, skipped")
                continue
            entry_id = ids.take(extra.get("id"), firsts, source, warn, row_line)
            problems: list[str] = []
            grammar = _grammar_map(numbered_cells["grammar"], where="", errors=problems)
            for problem in problems:
                warn.add(row_line, f"{problem.removeprefix(': ')}; ignored")
            numbered = {**numbered_cells["singular"], **numbered_cells["plural"]}
            entries.append(
                _entry_from(
                    entry_id, accepted, forbidden, order=order, note=extra.get("note", "").replace("\r\n", "\n"), kind=kind,
                    forms_only=set(order) - has_term,
                    case_sensitive=case == "sensitive", origin=f"{path}:{row_line}",
                    grammar=grammar, numbered=numbered,
                )
            )
    except csv.Error as exc:
        hint = "; a quote opened in this row is never closed" if "end of data" in str(exc) else ""
        raise UserError(f"{path}:{line}: malformed CSV: {exc}{hint}") from None
    glossary = Glossary(name=path.stem, path=None, languages=tuple(lang_columns), entries=tuple(entries))
    return Imported(glossary, warn.done())


def _numbered_cell(entry: GlossaryEntry, key: str, lang: str) -> str:
    if key == "grammar":
        return (str(entry.grammar[lang]) or "sg") if lang in entry.grammar else ""
    return getattr(entry, key).get(lang, "")


def _write_csv(glossary: Glossary, source: str) -> str:
    order = _language_order(glossary, source)
    entries = _sorted_entries(glossary)
    ids = _Ids()
    derived = [ids.take(None, {lang: e.terms[lang] for lang in order if lang in e.terms}, order[0] if order else None)
               for e in entries]
    need_id = derived != [e.id for e in entries]
    forms_langs = [lang for lang in order if any(e.forms.get(lang) for e in entries)]
    forbidden_langs = [lang for lang in order if any(e.forbidden.get(lang) for e in entries)]
    numbered_langs = {key: [lang for lang in order if any(lang in getattr(e, key) for e in entries)]
                      for key in _NUMBERED_COLUMNS}
    need_note = any(e.note for e in entries)
    need_kind = any(e.kind != "term" for e in entries)
    need_case = any(e.case_sensitive for e in entries)
    header = (["id"] if need_id else []) + order + [f"forms:{lang}" for lang in forms_langs]
    header += [f"forbidden:{lang}" for lang in forbidden_langs]
    header += [f"{key}:{lang}" for key in _NUMBERED_COLUMNS for lang in numbered_langs[key]]
    header += (["note"] if need_note else []) + (["kind"] if need_kind else []) + (["case"] if need_case else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for e in entries:
        for term in (t for forms in (*e.forms.values(), *e.forbidden.values()) for t in forms):
            if "|" in term:  # refused, not split in two on the way back
                raise UserError(f"{glossary.path or glossary.name}: entry {e.id!r}: {shown(term)} holds '|', which "
                                "separates the forms of a CSV cell; export as TBX, or write the form without it")
        row = ([e.id] if need_id else []) + [e.terms.get(lang, "") for lang in order]
        row += ["|".join(e.forms.get(lang, ())) for lang in forms_langs]
        row += ["|".join(e.forbidden.get(lang, ())) for lang in forbidden_langs]
        row += [_numbered_cell(e, key, lang) for key in _NUMBERED_COLUMNS for lang in numbered_langs[key]]
        row += ([e.note] if need_note else []) + ([e.kind if e.kind != "term" else ""] if need_kind else [])
        row += (["sensitive" if e.case_sensitive else ""] if need_case else [])
        writer.writerow(row)
    return out.getvalue()


# --- OmegaT --------------------------------------------------------------------------------------------------

_PAIR_RE = re.compile(r"(?:^|[._ -])([A-Za-z]{2,3})[-_]([A-Za-z]{2,3})$")


def _pair_from_name(path: Path) -> tuple[str, str] | None:
    stem = path.name
    for _ in range(2):  # glossary.en-es.txt, glossary.en-es.utf8, en_es.tsv
        stem = stem.rsplit(".", 1)[0] if "." in stem else stem
        m = _PAIR_RE.search(stem)
        if m:
            return m.group(1), m.group(2)
    return None


def _read_omegat(path: Path, source_lang: str | None, target_lang: str | None) -> Imported:
    from_name = _pair_from_name(path)
    src_raw = source_lang or (from_name[0] if from_name else None)
    tgt_raw = target_lang or (from_name[1] if from_name else None)
    if not src_raw or not tgt_raw:
        raise UserError(
            f"{path}: an OmegaT glossary does not say its languages: pass --from and --to "
            "(or name the file like glossary.en-es.txt)"
        )
    src = language_code(src_raw)
    tgt = language_code(tgt_raw)
    for raw, code, what in ((src_raw, src, "source"), (tgt_raw, tgt, "target")):
        if code is None:
            known = ", ".join(sorted(languages.LANGUAGES))
            raise UserError(f"{path}: unknown {what} language {raw!r}: pass --from and --to, one of {known}")
    if src == tgt:
        raise UserError(f"{path}: source and target language are both {src!r}: pass --from and --to")
    text = read_text(path, "a termbase file", MAX_TERMBASE_BYTES)
    warn = _Warnings(path)
    groups: dict[str, dict] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        source_term = _clean(cells[0])
        target_term = _clean(cells[1]) if len(cells) > 1 else ""
        if not source_term or not target_term:
            warn.add(number, "line without a source and a target term (separated by a tab), skipped")
            continue
        group = groups.setdefault(source_term, {"line": number, "targets": [], "notes": []})
        group["targets"].append(target_term)
        comment = cells[2].strip() if len(cells) > 2 else ""
        if comment and comment not in group["notes"]:
            group["notes"].append(comment)
    ids = _Ids()
    entries = []
    for source_term, group in groups.items():
        terms = {src: [source_term], tgt: group["targets"]}
        entry_id = ids.take(None, {src: source_term, tgt: group["targets"][0]}, src)
        entries.append(
            _entry_from(entry_id, terms, {}, order=[src, tgt], note="\n".join(group["notes"]),
                        origin=f"{path}:{group['line']}")
        )
    name = re.sub(r"[._ -]*[A-Za-z]{2,3}[-_][A-Za-z]{2,3}$", "", path.stem) if from_name else path.stem
    glossary = Glossary(name=name or path.stem, path=None, languages=(src, tgt), entries=tuple(entries))
    return Imported(glossary, warn.done())


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def _write_omegat(glossary: Glossary, source: str, target: str) -> str:
    lines = [f"# {_one_line(glossary.name)}: {source} -> {target} (source, target, comment; tab-separated, UTF-8)"]
    for entry in _sorted_entries(glossary):
        src, tgt = entry.preferred(source), entry.preferred(target)
        if src is None or tgt is None:
            continue
        cells = [_one_line(src), _one_line(tgt)] + ([_one_line(entry.note)] if entry.note.strip() else [])
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"
