"""Glossary maintenance: canonical writing, atomic locked edits, lint, coverage.

- `dump_glossary` writes the one canonical YAML text of a glossary (keys in a fixed order, entries sorted by id,
  block mappings per language, flow lists of forms), so a reformatted file only changes where its data changed.
- `save_glossary` replaces a file atomically; `edit_glossary` loads, changes and saves a file under an exclusive
  lock, so editors running at the same time lose nothing.
- `add_entry`, `update_entry` and `remove_entry` are pure: they return a new Glossary or raise a UserError.
- `lint` finds what a loader cannot: duplicate ids and terms, conflicting targets, missing languages, overlaps.
- `coverage` tells which entries a set of articles uses and which frequent phrases have no entry yet.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import yaml

from .. import languages
from ..data import Document, GlossaryEntry, strip_markers
from ..errors import UserError
from .glossary import _ID_RE, KINDS, Glossary, TermMatcher, load_glossary, term_pattern

HEADER = "# Canonical format: written by 'translate glossary fmt'; remarks go in 'note' fields.\n"

# --- canonical writing ---------------------------------------------------------------------------------------

_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Dumper(yaml.SafeDumper):
    """Quotes only when YAML needs it, and then with double quotes when the text has an apostrophe."""

    def choose_scalar_style(self) -> str:
        style = super().choose_scalar_style()
        if style == "'" and "'" in self.event.value:
            return '"'
        return style


def _scalar(value: str) -> yaml.ScalarNode:
    return yaml.ScalarNode(_STR, value)


def _seq(items: Iterable[str], flow: bool) -> yaml.SequenceNode:
    return yaml.SequenceNode(_SEQ, [_scalar(i) for i in items], flow_style=flow)


def _map(pairs: Iterable[tuple[str, yaml.Node]]) -> yaml.MappingNode:
    return yaml.MappingNode(_MAP, [(_scalar(k), v) for k, v in pairs], flow_style=False)


def _lang_order(g_languages: Sequence[str], codes: Iterable[str]) -> list[str]:
    declared = {code: i for i, code in enumerate(g_languages)}
    return sorted(codes, key=lambda c: (0, declared[c], "") if c in declared else (1, 0, c))


def _entry_node(entry: GlossaryEntry, g_languages: Sequence[str]) -> yaml.MappingNode:
    pairs: list[tuple[str, yaml.Node]] = [("id", _scalar(entry.id))]
    if entry.kind != "term":
        pairs.append(("kind", _scalar(entry.kind)))
    if entry.case_sensitive:
        pairs.append(("case", _scalar("sensitive")))
    pairs.append(("terms", _map((lang, _scalar(entry.terms[lang])) for lang in _lang_order(g_languages, entry.terms))))
    if entry.grammar:
        grammar = [(lang, _scalar(str(entry.grammar[lang]))) for lang in _lang_order(g_languages, entry.grammar)
                   if str(entry.grammar[lang])]
        if grammar:
            pairs.append(("grammar", yaml.MappingNode(_MAP, [(_scalar(k), v) for k, v in grammar], flow_style=True)))
    for key in ("plural", "singular"):
        value = getattr(entry, key)
        if value:
            pairs.append((key, _map((lang, _scalar(value[lang])) for lang in _lang_order(g_languages, value))))
    for key in ("forms", "forbidden"):
        value = {lang: items for lang, items in getattr(entry, key).items() if items}
        if value:
            pairs.append((key, _map((lang, _seq(value[lang], flow=True)) for lang in _lang_order(g_languages, value))))
    if entry.note:
        pairs.append(("note", _scalar(entry.note)))
    return _map(pairs)


def dump_glossary(g: Glossary) -> str:
    """The one canonical YAML text of `g`: loading it gives the same entries back, and dumping that, the same text."""
    pairs: list[tuple[str, yaml.Node]] = [("name", _scalar(g.name))]
    if g.description:
        pairs.append(("description", _scalar(g.description)))
    pairs.append(("languages", _seq(g.languages, flow=True)))
    entries = sorted(g.entries, key=lambda e: e.id)  # stable: duplicate ids keep their order
    pairs.append(("entries", yaml.SequenceNode(_SEQ, [_entry_node(e, g.languages) for e in entries], flow_style=False)))
    body = yaml.serialize(_map(pairs), Dumper=_Dumper, allow_unicode=True, width=1 << 30, line_break="\n")
    return HEADER + body


# --- atomic, locked saving -----------------------------------------------------------------------------------


def save_glossary(g: Glossary, path: Path) -> None:
    """Write `g` to `path` atomically: a temporary file in the same folder, synced, checked, then renamed over.
    A symbolic link is followed: the file it points to is replaced, and the link stays a link to it."""
    shown, path = Path(path), Path(os.path.realpath(path))
    text = dump_glossary(g)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:  # a new file: the mode a plain open() would give it
            from ..files import current_umask

            mode = 0o666 & ~current_umask()
        os.chmod(tmp, mode)
        try:  # never replace a good file by one the loader rejects
            load_glossary(tmp)
        except UserError as exc:
            raise UserError(str(exc).replace(str(tmp), str(shown))) from None
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def lock_path(path: Path) -> Path:
    path = Path(os.path.realpath(path))  # editors reaching one file through different links share its lock
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on the lock file beside `path`, held for the `with` block."""
    from ..files import flocked

    with flocked(lock_path(path), os.O_RDWR | os.O_CREAT):
        yield


def empty_glossary(path: Path) -> Glossary:
    path = Path(path)
    return Glossary(name=path.stem, path=path, languages=(), entries=())


def edit_glossary(path: Path, change: Callable[[Glossary], Glossary]) -> Glossary:
    """Under an exclusive lock: load the current file (or start an empty glossary), apply `change`, save."""
    path = Path(path)
    with locked(path):
        current = load_glossary(path) if path.exists() else empty_glossary(path)
        changed = change(current)
        if not path.exists() or dump_glossary(changed) != path.read_text(encoding="utf-8"):
            save_glossary(changed, path)
        return replace(changed, path=path)


# --- entry editing -------------------------------------------------------------------------------------------

_CYRILLIC = dict(zip(
    "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя",
    "a b v g g d e e ie zh z i i i i k l m n o p r s t u f kh ts ch sh shch _ y _ e iu ia".split(),
))


def make_id(term: str) -> str:
    """An entry id from a term: 'Workers\u2019 state' -> 'workers-state', 'рабочий класс' -> 'rabochii-klass'."""
    text = re.sub(r"['\u2019`]", "", term.lower())
    text = "".join(_CYRILLIC.get(c, c) for c in text).replace("_", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if not slug:
        raise UserError(f"cannot make an id from {term!r}: give the id yourself (lower-case letters, digits, '-')")
    return slug


def _norm(term: str) -> str:
    return " ".join(str(term).split())


def _check_langs(codes: Iterable[str], what: str) -> None:
    unknown = [c for c in codes if c not in languages.LANGUAGES]
    if unknown:
        raise UserError(f"{what}: unknown language code {', '.join(map(repr, unknown))}; use ISO 639-1 codes "
                        f"({', '.join(sorted(languages.LANGUAGES))})")


def _clean_terms(terms: Mapping[str, str], what: str) -> dict[str, str]:
    _check_langs(terms, what)
    out = {}
    for lang, term in terms.items():
        if not isinstance(term, str) or not _norm(term):
            raise UserError(f"{what}: the {lang} term is empty")
        out[lang] = _norm(term)
    return out


def _clean_lists(value: Mapping[str, Iterable[str] | str], what: str, key: str) -> dict[str, tuple[str, ...]]:
    _check_langs(value, what)
    out = {}
    for lang, items in value.items():
        items = [items] if isinstance(items, str) else list(items)
        if not all(isinstance(i, str) and _norm(i) for i in items):
            raise UserError(f"{what}: '{key}.{lang}' has an empty term")
        cleaned = tuple(dict.fromkeys(_norm(i) for i in items))
        if cleaned:
            out[lang] = cleaned
    return out


def _checked(entry: GlossaryEntry) -> GlossaryEntry:
    what = f"entry {entry.id!r}"
    if not _ID_RE.match(entry.id):
        raise UserError(f"{what}: an id must be lower-case letters, digits, '-', '.' or '_'")
    if entry.kind not in KINDS:
        raise UserError(f"{what}: 'kind' must be one of {', '.join(KINDS)}, not {entry.kind!r}")
    terms = _clean_terms(entry.terms, what)
    if not terms:
        raise UserError(f"{what}: give the term in at least one language")
    return replace(
        entry,
        terms=terms,
        forms=_clean_lists(entry.forms, what, "forms"),
        forbidden=_clean_lists(entry.forbidden, what, "forbidden"),
        note=(entry.note or "").strip(),
    )


def _unknown_id(g: Glossary, entry_id: str) -> UserError:
    close = difflib.get_close_matches(entry_id, [e.id for e in g.entries], n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return UserError(f"no entry {entry_id!r} in glossary {g.name!r}{hint}")


def add_entry(g: Glossary, entry: GlossaryEntry) -> Glossary:
    """`g` with `entry` added; an empty id is made from the English term (or the first term)."""
    if not entry.id:
        source = entry.terms.get("en") or next(iter(entry.terms.values()), "")
        entry = replace(entry, id=make_id(source))
    entry = _checked(entry)
    for other in g.entries:
        if other.id == entry.id:
            where = f" ({other.origin})" if other.origin else ""
            raise UserError(f"glossary {g.name!r} already has an entry {entry.id!r}{where}: change it with 'translate glossary edit', or give another --id")
    return replace(g, entries=(*g.entries, entry))


def update_entry(
    g: Glossary,
    id: str,
    *,
    terms: Mapping[str, str] | None = None,
    forms: Mapping[str, Iterable[str]] | None = None,
    forbidden: Mapping[str, Iterable[str]] | None = None,
    note: str | None = None,
    kind: str | None = None,
    case_sensitive: bool | None = None,
    remove_langs: Iterable[str] = (),
) -> Glossary:
    """`g` with entry `id` changed: languages given replace those of the entry, the others are kept; an empty list
    of forms or forbidden renderings removes that language's list; `remove_langs` drops languages altogether."""
    index = next((i for i, e in enumerate(g.entries) if e.id == id), None)
    if index is None:
        raise _unknown_id(g, id)
    old = g.entries[index]
    what = f"entry {id!r}"
    drop = set(remove_langs)
    _check_langs(drop, what)
    new_terms = {k: v for k, v in old.terms.items() if k not in drop} | _clean_terms(terms or {}, what)
    new_forms = {k: v for k, v in old.forms.items() if k not in drop and k not in (forms or {})}
    new_forms |= _clean_lists(forms or {}, what, "forms")
    new_forbidden = {k: v for k, v in old.forbidden.items() if k not in drop and k not in (forbidden or {})}
    new_forbidden |= _clean_lists(forbidden or {}, what, "forbidden")
    if not new_terms:
        raise UserError(f"{what}: removing {', '.join(sorted(drop))} would leave no term; remove the entry instead")
    new = replace(
        old,
        terms=new_terms,
        forms=new_forms,
        forbidden=new_forbidden,
        note=old.note if note is None else note,
        kind=old.kind if kind is None else kind,
        case_sensitive=old.case_sensitive if case_sensitive is None else case_sensitive,
    )
    entries = list(g.entries)
    entries[index] = _checked(new)
    return replace(g, entries=tuple(entries))


def remove_entry(g: Glossary, id: str) -> Glossary:
    """`g` without entry `id` (every entry with that id, should it be duplicated)."""
    if not any(e.id == id for e in g.entries):
        raise _unknown_id(g, id)
    return replace(g, entries=tuple(e for e in g.entries if e.id != id))


# --- lint ----------------------------------------------------------------------------------------------------

RULES = (
    "duplicate-id",
    "invalid-id",
    "empty-term",
    "unknown-language",
    "duplicate-source-term",
    "conflicting-target",
    "forbidden-is-preferred",
    "missing-language",
    "overlapping-terms",
    "grammar-mismatch",
)


@dataclass(frozen=True)
class LintIssue:
    rule: str
    entry_id: str  # "" for an issue of the glossary as a whole; "a, b" when two entries are involved
    message: str
    origin: str  # "file:line" of the entry, or the file
    severity: str = "error"  # or "warning"


def format_issue(issue: LintIssue) -> str:
    where = f"{issue.origin}: " if issue.origin else ""
    return f"{where}{issue.severity}: {issue.message} [{issue.rule}]"


def _fold(term: str) -> str:
    return " ".join(term.split()).casefold()


def _where(g: Glossary, entry: GlossaryEntry | None = None) -> str:
    if entry is not None and entry.origin:
        return entry.origin
    return str(g.path) if g.path else ""


def _source_terms(entry: GlossaryEntry, lang: str) -> tuple[str, ...]:
    """The entry's own terms in `lang` (term, its other number and forms; a keep entry only where it names the
    language)."""
    return tuple(dict.fromkeys(t for t in (entry.terms.get(lang, ""), entry.plural.get(lang, ""),
                                           entry.singular.get(lang, ""), *entry.forms.get(lang, ())) if t and t.strip()))


def lint(g: Glossary, morphology: Callable[[str], object] | None = None) -> list[LintIssue]:
    """Problems of a glossary, errors first; each message names the entries and the term concerned.
    `morphology(lang)` gives a language's analyser (Apertium's, where a pair is installed) to check grammar with."""
    if morphology is None:
        from ..engines.morphology import morphology
    issues: list[LintIssue] = []

    def add(rule: str, entry: GlossaryEntry | None, message: str, severity: str = "error", ids: str | None = None):
        issues.append(LintIssue(rule, ids if ids is not None else (entry.id if entry else ""), message,
                                _where(g, entry), severity))

    entries = list(g.entries)
    # duplicate-id
    seen: dict[str, GlossaryEntry] = {}
    for e in entries:
        if e.id in seen:
            first = seen[e.id]
            add("duplicate-id", e, f"id {e.id!r} is used twice" + (f" (first at {first.origin})" if first.origin else ""))
        else:
            seen[e.id] = e
    for e in entries:
        if not _ID_RE.match(e.id or ""):
            add("invalid-id", e, f"id {e.id!r} must be lower-case letters, digits, '-', '.' or '_'")
    # empty-term
    for e in entries:
        if not any(t and t.strip() for t in e.terms.values()):
            add("empty-term", e, f"entry {e.id!r} gives no term in any language")
        for lang, term in e.terms.items():
            if e.terms and (not term or not term.strip()):
                add("empty-term", e, f"entry {e.id!r} has an empty {lang} term")
        for key in ("forms", "forbidden"):
            for lang, items in getattr(e, key).items():
                if any(not t or not t.strip() for t in items):
                    add("empty-term", e, f"entry {e.id!r} has an empty item in '{key}.{lang}'")
    # unknown-language
    for code in g.languages:
        if code not in languages.LANGUAGES:
            add("unknown-language", None, f"glossary {g.name!r} declares unknown language code {code!r}")
    for e in entries:
        codes = set(e.terms) | set(e.forms) | set(e.forbidden)
        for code in sorted(c for c in codes if c not in languages.LANGUAGES):
            add("unknown-language", e, f"entry {e.id!r} uses unknown language code {code!r}")
    # duplicate-source-term / conflicting-target: the same text claimed by two entries in one language
    langs = _lang_order(g.languages, {lang for e in entries for lang in (*e.terms, *e.forms)})
    for lang in langs:
        claims: dict[str, list[tuple[int, str]]] = {}
        for i, e in enumerate(entries):
            for term in _source_terms(e, lang):
                claims.setdefault(_fold(term), []).append((i, term))
        shared: dict[tuple[int, int], list[str]] = {}
        for owners in claims.values():
            for a in range(len(owners)):
                for b in range(a + 1, len(owners)):
                    (i, ti), (j, tj) = owners[a], owners[b]
                    ei, ej = entries[i], entries[j]
                    if i == j or ei.id == ej.id:
                        continue
                    if ei.case_sensitive and ej.case_sensitive and ti != tj:
                        continue
                    shared.setdefault((min(i, j), max(i, j)), []).append(ti)
        for (i, j), terms in shared.items():
            ei, ej = entries[i], entries[j]
            terms = list(dict.fromkeys(terms))
            said = ", ".join(repr(t) for t in terms[:3]) + (f" (+{len(terms) - 3} forms)" if len(terms) > 3 else "")
            ids = f"{ei.id}, {ej.id}"
            differ = [
                (other, ei.preferred(other), ej.preferred(other))
                for other in _lang_order(g.languages, set(ei.terms) | set(ej.terms))
                if other != lang and ei.preferred(other) and ej.preferred(other)
                and _fold(ei.preferred(other)) != _fold(ej.preferred(other))
            ]
            if differ:
                other, ti, tj = differ[0]
                more = f"; also {', '.join(d[0] for d in differ[1:])}" if len(differ) > 1 else ""
                add("conflicting-target", ej,
                    f"{lang} {said} is in entries {ei.id!r} and {ej.id!r}, which render it differently "
                    f"({other} {ti!r} vs {tj!r}{more})", ids=ids)
            else:
                add("duplicate-source-term", ej, f"{lang} {said} is in both entries {ei.id!r} and {ej.id!r}", ids=ids)
    # forbidden-is-preferred
    for e in entries:
        for lang, items in e.forbidden.items():
            accepted = {_fold(t): t for t in e.accepted(lang)}
            for bad in items:
                if bad and _fold(bad) in accepted:
                    good = accepted[_fold(bad)]
                    role = "preferred term" if good == e.preferred(lang) else "an accepted form"
                    add("forbidden-is-preferred", e,
                        f"entry {e.id!r} forbids {lang} {bad!r}, which is its {role}")
    # missing-language
    for e in entries:
        if e.kind == "term":
            missing = [lang for lang in g.languages if lang not in e.terms]
            if missing:
                term = e.terms.get("en") or next(iter(e.terms.values()), "")
                add("missing-language", e, f"entry {e.id!r} ({term!r}) has no term in {', '.join(missing)}",
                    severity="warning")
    # overlapping-terms
    issues.extend(_overlaps(g, entries, langs))
    # grammar-mismatch: what the glossary says of a term against what the language's analyser knows of it
    for e in entries:
        for lang, grammar in e.grammar.items():
            morph = morphology(lang)
            if morph is None or e.kind != "term" or lang not in e.terms:
                continue
            for problem in grammar_mismatches(e, lang, morph):
                add("grammar-mismatch", e, problem, severity="warning")
    order = {rule: i for i, rule in enumerate(RULES)}
    return sorted(issues, key=lambda x: (x.severity != "error", order.get(x.rule, len(order)), x.entry_id))


def analysed_grammar(term: str, morph) -> tuple[str, str]:
    """(gender, number) of a noun term's head as the analyser knows it, "" where it does not or cannot tell."""
    from .forms import head_readings, term_gender

    head = head_readings(term, morph)
    numbers = {r.number for r in head if r.category == "n" and r.number in ("sg", "pl")}
    return term_gender(term, morph), (numbers.pop() if len(numbers) == 1 else "")


def grammar_mismatches(entry: GlossaryEntry, lang: str, morph) -> list[str]:
    grammar = entry.grammar[lang]
    if grammar.category != "noun":
        return []
    out = []
    name = getattr(morph, "identity", lambda: "the analyser")()
    term = entry.terms[lang]
    gender, number = analysed_grammar(term, morph)
    if grammar.gender in ("m", "f") and gender in ("m", "f") and gender != grammar.gender:
        out.append(f"entry {entry.id!r}: {lang} {term!r} is {_GENDER_NAMES[gender]} to Apertium's analyser "
                   f"({name}), the glossary says {_GENDER_NAMES[grammar.gender]} (grammar.{lang}: {grammar})")
    if number and number != grammar.number:
        out.append(f"entry {entry.id!r}: {lang} {term!r} is {_NUMBER_NAMES[number]} to Apertium's analyser "
                   f"({name}), the glossary says {_NUMBER_NAMES[grammar.number]} (grammar.{lang}: {grammar})")
    for key, wanted in (("plural", "pl"), ("singular", "sg")):
        other = getattr(entry, key).get(lang)
        if other:
            _, said = analysed_grammar(other, morph)
            if said and said != wanted:
                out.append(f"entry {entry.id!r}: {key}.{lang} {other!r} is {_NUMBER_NAMES[said]} to Apertium's "
                           f"analyser ({name})")
    return out


_GENDER_NAMES = {"m": "masculine", "f": "feminine"}
_NUMBER_NAMES = {"sg": "singular", "pl": "plural"}


def suggested_grammar(term: str, morph) -> str:
    """What `glossary add` writes in `grammar` for a new term the analyser knows ("f", "m pl"), else ""."""
    gender, number = analysed_grammar(term, morph)
    if not gender:
        return ""
    return gender + (" pl" if number == "pl" else "")


_WORD = re.compile(r"\w+")


def _overlaps(g: Glossary, entries: list[GlossaryEntry], langs: list[str]) -> list[LintIssue]:
    """One entry's term containing another entry's term as whole words, in any language (a warning: the matcher
    takes the longest match, but the shorter entry then never applies inside the longer phrase)."""
    found: dict[tuple[int, int], tuple[str, str, str, list[str]]] = {}
    for lang in langs:
        by_first: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
        forms: list[tuple[int, str, tuple[str, ...]]] = []
        for i, e in enumerate(entries):
            for term in _source_terms(e, lang):
                words = tuple(w.casefold() for w in _WORD.findall(term))
                if words:
                    forms.append((i, term, words))
                    by_first.setdefault(words[0], []).append((i, term, words))
        for i, long_term, long_words in forms:
            for pos, word in enumerate(long_words):
                for j, short_term, short_words in by_first.get(word, ()):
                    if j == i or entries[j].id == entries[i].id or len(short_words) >= len(long_words):
                        continue
                    if long_words[pos:pos + len(short_words)] != short_words:
                        continue
                    if not term_pattern(short_term, entries[j].case_sensitive).search(long_term):
                        continue
                    key = (i, j)
                    if key not in found:
                        found[key] = (lang, long_term, short_term, [lang])
                    elif lang not in found[key][3]:
                        found[key][3].append(lang)
    issues = []
    for (i, j), (lang, long_term, short_term, in_langs) in found.items():
        ei, ej = entries[i], entries[j]
        also = f" (also in {', '.join(in_langs[1:])})" if len(in_langs) > 1 else ""
        issues.append(LintIssue(
            "overlapping-terms", f"{ei.id}, {ej.id}",
            f"{lang} {long_term!r} of entry {ei.id!r} contains {short_term!r} of entry {ej.id!r}{also}; "
            "the longer match wins",
            _where(g, ei), "warning"))
    return issues


# --- coverage ------------------------------------------------------------------------------------------------

ENGLISH_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each either even ever every few for from further had has have having
he her here hers herself him himself his how i if in into is it it's its itself just let may me might more most much
must my myself neither no nor not now of off on once one only onto or other our ours ourselves out over own per quite
rather said same says shall she should so some such than that that's the their theirs them themselves then there
these they this those though through throughout thus to too under until up upon us very via was we were what when
where whether which while who whom whose why will with within without would yet you your yours yourself
""".split())

_TOKEN = re.compile(r"\w+(?:['\u2019-]\w+)*")


@dataclass(frozen=True)
class Coverage:
    used: list[tuple[str, int]]  # (entry id, occurrences), most frequent first
    candidates: list[tuple[str, int]]  # (lower-cased phrase without an entry, occurrences), best first


def _texts(documents: Iterable[Document | str]) -> Iterator[str]:
    for doc in documents:
        if isinstance(doc, str):
            yield strip_markers(doc)
        else:
            for segment in doc.segments:
                yield strip_markers(segment.text)


def _chunks(text: str, hits: list) -> Iterator[list[str]]:
    """Runs of lower-cased words separated only by spaces, cut at punctuation and at glossary hits."""
    run: list[str] = []
    last_end = 0
    for m in _TOKEN.finditer(text):
        inside_hit = any(m.start() < h.end and m.end() > h.start for h in hits)
        gap = text[last_end:m.start()]
        if inside_hit or gap.strip():
            if run:
                yield run
            run = []
        if not inside_hit:
            run.append(m.group(0).lower().replace("\u2019", "'"))
        last_end = m.end()
    if run:
        yield run


def coverage(entries: Iterable[GlossaryEntry], documents: Iterable[Document | str], src: str,
             limit: int = 20) -> Coverage:
    """Which entries the documents use (all of them), and the `limit` best phrases of 1-3 words without an entry.

    A candidate occurs at least twice, overlaps no glossary hit, has a word of four letters or more and, in English,
    neither starts nor ends with a stopword (other languages have no stopword list: there it needs two words or
    more). Rank: occurrences x words, then alphabetical; a phrase inside a longer candidate as frequent is dropped.
    """
    matcher = TermMatcher(list(entries), src)
    used: Counter[str] = Counter()
    grams: Counter[tuple[str, ...]] = Counter()
    stop = ENGLISH_STOPWORDS if src == "en" else frozenset()
    min_n = 1 if src == "en" else 2
    for text in _texts(documents):
        hits = matcher.find(text)
        used.update(h.entry.id for h in hits)
        for run in _chunks(text, hits):
            for n in range(min_n, 4):
                for k in range(len(run) - n + 1):
                    gram = tuple(run[k:k + n])
                    if gram[0] in stop or gram[-1] in stop:
                        continue
                    if not any(sum(c.isalpha() for c in w) >= 4 for w in gram):
                        continue
                    grams[gram] += 1
    kept = {gram: count for gram, count in grams.items() if count >= 2}
    inside_longer: set[tuple[str, ...]] = set()
    for gram, count in kept.items():
        for n in range(1, len(gram)):
            for k in range(len(gram) - n + 1):
                sub = gram[k:k + n]
                if kept.get(sub) == count:
                    inside_longer.add(sub)
    ranked = sorted(
        ((" ".join(gram), count, len(gram)) for gram, count in kept.items() if gram not in inside_longer),
        key=lambda x: (-x[1] * x[2], x[0]),
    )
    return Coverage(
        used=sorted(used.items(), key=lambda x: (-x[1], x[0])),
        candidates=[(phrase, count) for phrase, count, _ in ranked[:limit]],
    )


__all__ = [
    "Coverage", "ENGLISH_STOPWORDS", "HEADER", "LintIssue", "RULES", "add_entry", "coverage", "dump_glossary",
    "edit_glossary", "empty_glossary", "format_issue", "lint", "lock_path", "locked", "make_id", "remove_entry",
    "save_glossary", "update_entry",
]
