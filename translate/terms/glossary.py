"""The glossary: the paper's editorial line as YAML, loaded into frozen entries, and found in source text.

A glossary file is a mapping with `name`, `languages` and `entries`; each entry is one concept:

    - id: working-class
      terms: {en: working class, es: clase obrera, ru: рабочий класс}
      forms: {en: [working classes], ru: [рабочего класса, рабочему классу]}
      forbidden: {es: [clase trabajadora]}
      case: insensitive        # or: sensitive (acronyms such as WHO)
      kind: term               # or: keep (never translated: names of papers, slogans)
      note: why the paper chose this

`terms` holds the preferred term per language; `forms` other accepted forms (plurals and spellings when the language
is the source, inflections when it is the target); `forbidden` renderings the check flags.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .. import languages
from ..data import CATEGORIES, GENDERS, MARKER_CHARS, NUMBERS, GlossaryEntry, Grammar, TermHit
from ..errors import UserError
from ..files import YamlLines, read_yaml

KINDS = ("term", "keep")
CASES = ("insensitive", "sensitive")
_ENTRY_KEYS = {"id", "terms", "forms", "forbidden", "case", "kind", "note", "grammar", "plural", "singular"}
_TOP_KEYS = {"name", "description", "languages", "entries"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Glossary:
    name: str
    path: Path | None
    languages: tuple[str, ...]
    entries: tuple[GlossaryEntry, ...]
    description: str = ""

    def covers(self, src: str, tgt: str) -> list[GlossaryEntry]:
        return [e for e in self.entries if e.source_forms(src) and e.preferred(tgt) is not None]


@functools.lru_cache(maxsize=None)
def term_pattern(term: str, case_sensitive: bool) -> re.Pattern[str]:
    """A whole-word pattern for `term`, any run of spaces matching any run of spaces (compiled once per run)."""
    words = [re.escape(w) for w in term.split()]
    body = r"\s+".join(words)
    return re.compile(rf"(?<!\w){body}(?!\w)", 0 if case_sensitive else re.IGNORECASE)


_FIRST_WORD = re.compile(r"\w+")


def _first_word(form: str) -> str:
    """What a text must contain for `form` to be in it: the form's first run of word characters, folded."""
    m = _FIRST_WORD.search(form)
    return m.group(0).casefold() if m else ""


@functools.lru_cache(maxsize=8)
def matcher(entries: tuple[GlossaryEntry, ...], src: str) -> "TermMatcher":
    """One matcher per glossary and source language for the whole run (every language pair asks for it)."""
    return TermMatcher(entries, src)


class TermMatcher:
    """Finds glossary entries in text of one source language: whole words, longest match wins overlaps.

    The forms are indexed by their first word, so a segment is only searched for the forms whose first word it
    contains: a few patterns per segment instead of the whole glossary's."""

    def __init__(self, entries: Iterable[GlossaryEntry], src: str, tgt: str | None = None):
        self.src = src
        self._found: dict[str, list[TermHit]] = {}  # a text's hits: the same segment for every target language
        self._by_word: dict[str, list[tuple[int, str, GlossaryEntry]]] = {}
        self._always: list[tuple[int, str, GlossaryEntry]] = []  # forms with no word character
        for entry in entries:
            if tgt is not None and entry.preferred(tgt) is None:
                continue
            for form in entry.source_forms(src):
                # the pattern is compiled when a text first has the form's first word (term_pattern caches it)
                item = (len(self._always) + sum(map(len, self._by_word.values())), form, entry)
                key = _first_word(form)
                (self._by_word.setdefault(key, []) if key else self._always).append(item)

    def __bool__(self) -> bool:
        return bool(self._by_word or self._always)

    def _candidates(self, text: str) -> list[tuple[int, str, GlossaryEntry]]:
        words = {w.casefold() for w in _FIRST_WORD.findall(text)}
        found = list(self._always)
        for word in words:
            found.extend(self._by_word.get(word, ()))
        return found

    def find(self, text: str) -> list[TermHit]:
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = self._find(text)
        return list(found)

    def _find(self, text: str) -> list[TermHit]:
        candidates = [
            (order, TermHit(entry, m.start(), m.end(), m.group(0)))
            for order, form, entry in self._candidates(text)
            for m in term_pattern(form, entry.case_sensitive).finditer(text)
        ]
        # Longest first, then leftmost, then the glossary's order; a candidate overlapping a chosen one loses.
        candidates.sort(key=lambda c: (-(c[1].end - c[1].start), c[1].start, c[0]))
        chosen: list[TermHit] = []
        for _, hit in candidates:
            if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)


def occurrences(text: str, forms: Iterable[str], case_sensitive: bool) -> list[tuple[int, int]]:
    """Non-overlapping whole-word occurrences of any of `forms` in `text` (longest form first), in order."""
    spans: list[tuple[int, int]] = []
    for form in sorted(dict.fromkeys(forms), key=len, reverse=True):
        for m in term_pattern(form, case_sensitive).finditer(text):
            if all(m.end() <= s or m.start() >= e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def count_forms(text: str, forms: Iterable[str], case_sensitive: bool) -> int:
    """How many non-overlapping whole-word occurrences of any of `forms` `text` has (longest form first)."""
    return len(occurrences(text, forms, case_sensitive))


# --- loading -------------------------------------------------------------------------------------------------


def parse_grammar(spec: str, what: str) -> Grammar:
    """One grammar value as a user types it ("f", "m pl", "adj"); a UserError naming `what` if it is not one."""
    errors: list[str] = []
    found = _grammar_map({"xx": spec}, where=what, errors=errors, known=lambda code: True)
    if errors:
        raise UserError(errors[0].replace("'grammar.xx': ", ""))
    return found["xx"]


def _grammar_map(value: Any, *, where: str, errors: list[str], known=lambda code: code in languages.LANGUAGES
                 ) -> dict[str, Grammar]:
    """`grammar: {es: f, ru: m pl, it: adj}`: per language a gender, a number and a part of speech, in any order."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: 'grammar' must be a mapping of language code to gender and number (es: f)")
        return {}
    out: dict[str, Grammar] = {}
    for lang, spec in value.items():
        if not known(str(lang)):
            errors.append(f"{where}: 'grammar' names unknown language code {lang!r}")
            continue
        words = str(spec).split() if isinstance(spec, str) else None
        if not words:
            errors.append(f"{where}: 'grammar.{lang}' must be a gender ({', '.join(GENDERS)}), a number "
                          f"({', '.join(NUMBERS)}) and/or 'adj', e.g. 'f' or 'm pl'")
            continue
        found: dict[str, str] = {}
        for word in words:
            slot = "gender" if word in GENDERS else "number" if word in NUMBERS else "category" if word in CATEGORIES else None
            if slot is None or slot in found:
                errors.append(f"{where}: 'grammar.{lang}': " + (
                    f"{word!r} is not a gender ({', '.join(GENDERS)}), a number ({', '.join(NUMBERS)}) or 'adj'"
                    if slot is None else f"{spec!r} gives two of one kind ({slot}); give one"))
                break
            found[slot] = word
        else:
            out[str(lang)] = Grammar(**found)
    return out


def _lang_map(value: Any, *, where: str, key: str, listy: bool, errors: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: '{key}' must be a mapping of language code to {'terms' if listy else 'term'}")
        return {}
    out: dict = {}
    for lang, terms in value.items():
        if any(c in str(terms) for c in MARKER_CHARS):
            errors.append(f"{where}: '{key}.{lang}' holds one of U+E000-U+E003, which stand for markup in "
                          "translations; remove it")
            continue
        if str(lang) not in languages.LANGUAGES:
            errors.append(f"{where}: '{key}' names unknown language code {lang!r}")
            continue
        if listy:
            items = [terms] if isinstance(terms, str) else terms
            if not isinstance(items, list) or not all(isinstance(t, str) and t.strip() for t in items):
                errors.append(f"{where}: '{key}.{lang}' must be a term or a list of terms")
                continue
            out[str(lang)] = tuple(" ".join(t.split()) for t in items)
        else:
            if not isinstance(terms, str) or not terms.strip():
                errors.append(f"{where}: '{key}.{lang}' must be a non-empty term")
                continue
            out[str(lang)] = " ".join(terms.split())
    return out


def load_glossary(path: Path) -> Glossary:
    """Read and validate one glossary file, reporting every mistake at once."""
    data, root = read_yaml(path)
    lines = YamlLines(str(path), root)
    errors: list[str] = []
    if not isinstance(data, dict):
        raise UserError(f"{lines.at(root)}: a glossary must be a mapping with 'name', 'languages' and 'entries'")
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(f"{lines.at(lines.child(root, str(key)))}: unknown key {key!r} (expected one of {', '.join(sorted(_TOP_KEYS))})")
    name = str(data.get("name") or path.stem)
    langs = data.get("languages") or []
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        errors.append(f"{lines.at(lines.child(root, 'languages'))}: 'languages' must be a list of language codes")
        langs = []
    for code in langs:
        if code not in languages.LANGUAGES:
            errors.append(f"{lines.at(lines.child(root, 'languages'))}: unknown language code {code!r}")
    raw_entries = data.get("entries")
    entries_node = lines.child(root, "entries")
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        errors.append(f"{lines.at(entries_node)}: 'entries' must be a list")
        raw_entries = []
    entries: list[GlossaryEntry] = []
    for index, raw in enumerate(raw_entries):
        node = lines.child(entries_node, index)
        where = lines.at(node)
        if not isinstance(raw, dict):
            errors.append(f"{where}: entry {index + 1} must be a mapping with 'id' and 'terms'")
            continue
        entry_id = raw.get("id")
        if not isinstance(entry_id, str) or not _ID_RE.match(entry_id):
            errors.append(f"{where}: entry {index + 1}: 'id' must be lower-case letters, digits, '-', '.' or '_'")
            entry_id = f"#{index + 1}"
        where = f"{where}: entry {entry_id!r}"
        for key in raw:
            if key not in _ENTRY_KEYS:
                errors.append(f"{where}: unknown key {key!r} (expected one of {', '.join(sorted(_ENTRY_KEYS))})")
        terms = _lang_map(raw.get("terms"), where=where, key="terms", listy=False, errors=errors)
        if not terms and isinstance(raw.get("terms"), dict | None):
            errors.append(f"{where}: 'terms' must give the term in at least one language")
        forms = _lang_map(raw.get("forms"), where=where, key="forms", listy=True, errors=errors)
        forbidden = _lang_map(raw.get("forbidden"), where=where, key="forbidden", listy=True, errors=errors)
        grammar = _grammar_map(raw.get("grammar"), where=where, errors=errors)
        plural = _lang_map(raw.get("plural"), where=where, key="plural", listy=False, errors=errors)
        singular = _lang_map(raw.get("singular"), where=where, key="singular", listy=False, errors=errors)
        for key, numbered in (("plural", plural), ("singular", singular)):
            for lang in numbered:
                wanted = "sg" if key == "plural" else "pl"
                if grammar.get(lang, Grammar()).number != wanted:
                    errors.append(f"{where}: '{key}.{lang}' is the other number of the term, but the {lang} term is "
                                  f"{'plural' if wanted == 'sg' else 'singular'}: "
                                  f"give '{'singular' if key == 'plural' else 'plural'}.{lang}' instead")
        kind = raw.get("kind", "term")
        if kind not in KINDS:
            errors.append(f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
        case = raw.get("case", "insensitive")
        if case not in CASES:
            errors.append(f"{where}: 'case' must be one of {', '.join(CASES)}, not {case!r}")
        note = raw.get("note", "")
        if not isinstance(note, str):
            errors.append(f"{where}: 'note' must be text")
            note = ""
        entries.append(
            GlossaryEntry(
                id=entry_id,
                terms=terms,
                forms=forms,
                forbidden=forbidden,
                case_sensitive=case == "sensitive",
                kind=kind if kind in KINDS else "term",
                note=note,
                origin=lines.at(node),
                grammar=grammar,
                plural=plural,
                singular=singular,
            )
        )
    if errors:
        raise UserError("\n".join(errors))
    description = data.get("description") or ""
    if not isinstance(description, str):
        errors.append(f"{lines.at(lines.child(root, 'description'))}: 'description' must be text")
        description = ""
    if errors:
        raise UserError("\n".join(errors))
    return Glossary(name=name, path=path, languages=tuple(langs), entries=tuple(entries), description=description)


def merge(glossaries: Iterable[Glossary]) -> tuple[GlossaryEntry, ...]:
    """Entries of several glossaries; a later file's entry replaces an earlier one with the same id."""
    by_id: dict[str, GlossaryEntry] = {}
    for glossary in glossaries:
        for entry in glossary.entries:
            by_id[entry.id] = entry
    return tuple(by_id.values())
