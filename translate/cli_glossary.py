"""`translate glossary ...`: the editors' commands over glossary files (part of the CLI: it talks to the terminal)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .errors import UserError

app = typer.Typer(help="Read, edit, check and convert glossaries.", no_args_is_help=True, rich_markup_mode=None)

DEFAULT_GLOSSARY = Path("glossaries") / "political.yaml"
GLOSSARY_HELP = "Glossary YAML file [default: glossaries/political.yaml, or the only file in glossaries/]."
LANG_OPTIONS = {"context_settings": {"allow_extra_args": True, "ignore_unknown_options": True}}


def checked_argument(value: str, option: str) -> str:
    """Text from the command line: bytes that were not UTF-8 (Python keeps them as lone surrogates) and control
    characters are refused here, naming the option, rather than failing later in a file or an engine."""
    from .files import BAD_CHARACTER, character_name

    bad = BAD_CHARACTER.search(value)
    if bad is None:
        return value
    if "\udc80" <= bad.group() <= "\udcff":
        raise UserError(f"{option}: not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02X}); set the terminal "
                        "to UTF-8 or give the text as UTF-8")
    raise UserError(f"{option}: {character_name(bad.group())}; remove it")


def default_glossary(given: Optional[Path]) -> Path:
    if given is not None:
        return given
    if DEFAULT_GLOSSARY.exists():
        return DEFAULT_GLOSSARY
    found = sorted(Path("glossaries").glob("*.yaml")) if Path("glossaries").is_dir() else []
    if len(found) == 1:
        return found[0]
    raise UserError("no default glossary here: pass --glossary FILE")


def _language_args(args: list[str]) -> dict[str, str]:
    """`--es clase obrera --fr "classe ouvrière"` (any ISO 639-1 code) from the extra arguments."""
    from . import languages

    terms: dict[str, str] = {}
    i = 0
    while i < len(args):
        flag = args[i]
        if not flag.startswith("--"):
            raise UserError(f"unexpected argument {flag!r}: give terms as --LANG TERM, e.g. --es 'clase obrera'")
        code, _, value = flag[2:].partition("=")
        if not value:
            if i + 1 >= len(args):
                raise UserError(f"{flag} needs a term")
            value = args[i + 1]
            i += 1
        i += 1
        terms[languages.get(code, what="option --" + code + ": language").code] = checked_argument(value, flag)
    return terms


def _pairs(values: Optional[List[str]], option: str) -> dict[str, list[str]]:
    """`--form es=clases obreras --form es=...` -> {"es": [...]}; '|' separates several forms in one value."""
    from . import languages

    out: dict[str, list[str]] = {}
    for value in values or []:
        code, sep, terms = value.partition("=")
        if not sep or not terms.strip():
            raise UserError(f"{option} takes LANG=TERM, e.g. {option} es=clases obreras")
        code = languages.get(code.strip(), what=f"{option} language").code
        checked_argument(terms, option)
        out.setdefault(code, []).extend(t.strip() for t in terms.split("|") if t.strip())
    return out


def _entry_lines(entry) -> list[str]:
    lines = [f"id: {entry.id}"]
    if entry.kind != "term":
        lines.append(f"kind: {entry.kind}")
    if entry.case_sensitive:
        lines.append("case: sensitive")
    for lang, term in entry.terms.items():
        grammar = str(entry.grammar[lang]) if lang in entry.grammar else ""
        lines.append(f"  {lang}: {term}" + (f"  ({grammar})" if grammar else ""))
        for key in ("plural", "singular"):
            if getattr(entry, key).get(lang):
                lines.append(f"      {key}: {getattr(entry, key)[lang]}")
        if entry.forms.get(lang):
            lines.append(f"      forms: {', '.join(entry.forms[lang])}")
        if entry.forbidden.get(lang):
            lines.append(f"      forbidden: {', '.join(entry.forbidden[lang])}")
    for lang in entry.forms:
        if lang not in entry.terms:
            lines.append(f"  {lang} forms: {', '.join(entry.forms[lang])}")
    for lang in entry.forbidden:
        if lang not in entry.terms:
            lines.append(f"  {lang} forbidden: {', '.join(entry.forbidden[lang])}")
    if entry.note:
        lines.append(f"note: {entry.note}")
    return lines


@app.command("list")
def list_entries(
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Columns to show, comma-separated [default: all]."),
    search: Optional[str] = typer.Option(None, "--search", "-s", help="Only entries with this text in an id or term."),
) -> None:
    """Every entry: id and term per language."""
    from rich.console import Console
    from rich.table import Table

    from . import languages
    from .terms.glossary import load_glossary

    g = load_glossary(default_glossary(glossary))
    cols = [x.code for x in languages.parse_list(lang)] if lang else list(g.languages) or sorted(
        {code for e in g.entries for code in e.terms})
    table = Table(title=f"{g.name}: {len(g.entries)} entries", title_justify="left")
    table.add_column("id", overflow="fold")
    for code in cols:
        table.add_column(code, overflow="fold")
    needle = (search or "").casefold()
    shown = 0
    for e in g.entries:
        if needle and needle not in e.id and not any(needle in t.casefold() for t in e.terms.values()):
            continue
        shown += 1
        table.add_row(e.id + (" (keep)" if e.kind == "keep" else ""), *[e.preferred(c) or "" for c in cols])
    Console().print(table)
    if needle:
        typer.echo(f"{shown} of {len(g.entries)} entries match {search!r}")


@app.command()
def show(
    entry_id: str = typer.Argument(..., metavar="ID"),
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP),
) -> None:
    """One entry in full: terms, accepted forms, forbidden renderings, note."""
    from .terms.edit import _unknown_id
    from .terms.glossary import load_glossary

    g = load_glossary(default_glossary(glossary))
    entry = next((e for e in g.entries if e.id == entry_id), None)
    if entry is None:
        raise _unknown_id(g, entry_id)
    typer.echo("\n".join(_entry_lines(entry)))


def _edit(path: Path, change, create: bool = False):
    """Change a glossary file under its lock; `create`: a missing file is started empty (add, import)."""
    from .terms.edit import edit_glossary

    if not path.exists():
        if not create:
            raise UserError(f"{path}: no such glossary file")
        if not path.parent.is_dir():
            raise UserError(f"{path}: the folder {path.parent} does not exist; create it first")
    return edit_glossary(path, change)


@app.command(**LANG_OPTIONS)
def add(
    ctx: typer.Context,
    entry_id: Optional[str] = typer.Option(None, "--id", help="Entry id [default: made from the English term]."),
    note: str = typer.Option("", "--note", help="Why the paper chose this term."),
    kind: str = typer.Option("term", "--kind", help="term, or keep (never translated)."),
    case: str = typer.Option("insensitive", "--case", help="insensitive, or sensitive (acronyms)."),
    form: Optional[List[str]] = typer.Option(None, "--form", help="Accepted form LANG=TERM (repeatable)."),
    forbidden: Optional[List[str]] = typer.Option(None, "--forbidden", help="Forbidden rendering LANG=TERM (repeatable)."),
    grammar: Optional[List[str]] = typer.Option(
        None, "--grammar", help="Gender, number, part of speech LANG=SPEC, e.g. es=f, es='m pl', es=adj [default: "
        "from Apertium's analyser where it knows the word]."),
    plural: Optional[List[str]] = typer.Option(None, "--plural", help="The term in the plural LANG=TERM (repeatable)."),
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP),
) -> None:
    """Add an entry: one option per language, e.g. --en 'working class' --es 'clase obrera'."""
    from .data import GlossaryEntry
    from .terms.edit import add_entry, make_id
    from .terms.glossary import parse_grammar

    terms = _language_args(ctx.args)
    if not terms:
        raise UserError("give the term in at least one language, e.g. --en 'working class' --es 'clase obrera'")
    if kind not in ("term", "keep") or case not in ("insensitive", "sensitive"):
        raise UserError("--kind is term or keep; --case is insensitive or sensitive")
    new_id = entry_id or make_id(terms.get("en") or next(iter(terms.values())))
    given = {lang: parse_grammar(spec[-1], f"--grammar {lang}") for lang, spec in _pairs(grammar, "--grammar").items()}
    filled = _analysed(terms, given) if kind == "term" else {}
    entry = GlossaryEntry(
        id=new_id, terms=terms, forms={k: tuple(v) for k, v in _pairs(form, "--form").items()},
        forbidden={k: tuple(v) for k, v in _pairs(forbidden, "--forbidden").items()},
        case_sensitive=case == "sensitive", kind=kind, note=checked_argument(note, "--note"), grammar=given | filled,
        plural={k: v[-1] for k, v in _pairs(plural, "--plural").items()},
    )
    path = default_glossary(glossary)
    _edit(path, lambda g: add_entry(g, entry), create=True)
    typer.echo(f"added {new_id} to {path}")
    for lang, value in filled.items():
        typer.echo(f"  grammar.{lang}: {value} (from Apertium's analyser; give --grammar {lang}=... to change it)")


def _analysed(terms: dict[str, str], given: dict) -> dict:
    """Gender and number of each term the user gave none for, where the language's analyser knows its head."""
    from .data import Grammar
    from .engines.morphology import morphology
    from .terms.edit import analysed_grammar

    out = {}
    for lang, term in terms.items():
        morph = morphology(lang) if lang not in given else None
        if morph is None:
            continue
        gender, number = analysed_grammar(term, morph)
        if gender or number == "pl":
            out[lang] = Grammar(gender=gender, number=number or "sg")
    return out


@app.command(**LANG_OPTIONS)
def edit(
    ctx: typer.Context,
    entry_id: str = typer.Argument(..., metavar="ID"),
    note: Optional[str] = typer.Option(None, "--note", help="Replace the note."),
    kind: Optional[str] = typer.Option(None, "--kind", help="term or keep."),
    case: Optional[str] = typer.Option(None, "--case", help="insensitive or sensitive."),
    form: Optional[List[str]] = typer.Option(None, "--form", help="Accepted forms LANG=A|B (replace that language's)."),
    forbidden: Optional[List[str]] = typer.Option(None, "--forbidden", help="Forbidden LANG=A|B (replace that language's)."),
    remove_lang: Optional[List[str]] = typer.Option(None, "--remove-lang", help="Drop a language from the entry."),
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP),
) -> None:
    """Change an entry: --es 'new term' replaces the Spanish term; languages not named are kept."""
    from .terms.edit import update_entry

    if kind is not None and kind not in ("term", "keep"):
        raise UserError("--kind is term or keep")
    if case is not None and case not in ("insensitive", "sensitive"):
        raise UserError("--case is insensitive or sensitive")
    terms = _language_args(ctx.args)
    path = default_glossary(glossary)
    forms = _pairs(form, "--form") or None
    forbid = _pairs(forbidden, "--forbidden") or None
    _edit(path, lambda g: update_entry(
        g, entry_id, terms=terms or None, forms=forms, forbidden=forbid,
        note=None if note is None else checked_argument(note, "--note"), kind=kind,
        case_sensitive=None if case is None else case == "sensitive", remove_langs=tuple(remove_lang or ())))
    typer.echo(f"changed {entry_id} in {path}")


@app.command()
def remove(
    entry_id: str = typer.Argument(..., metavar="ID"),
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP),
) -> None:
    """Remove an entry."""
    from .terms.edit import remove_entry

    path = default_glossary(glossary)
    _edit(path, lambda g: remove_entry(g, entry_id))
    typer.echo(f"removed {entry_id} from {path}")


@app.command()
def lint(
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too."),
) -> None:
    """Check a glossary: duplicate ids and terms, conflicting targets, missing languages, overlaps, ... Exit 1 on errors."""
    from .terms.edit import format_issue
    from .terms.edit import lint as run_lint
    from .terms.glossary import load_glossary

    path = default_glossary(glossary)
    issues = run_lint(load_glossary(path))
    for issue in issues:
        typer.echo(format_issue(issue))
    errors = sum(i.severity == "error" for i in issues)
    warnings = len(issues) - errors
    typer.echo(f"{path}: {errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        raise typer.Exit(1)


@app.command()
def fmt(
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help=GLOSSARY_HELP + " Repeatable."),
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 when a file is not canonical."),
) -> None:
    """Rewrite glossaries in the one canonical format (sorted, stable) so diffs stay small."""
    from .terms.edit import dump_glossary, locked, save_glossary
    from .terms.glossary import load_glossary

    paths = glossary or [default_glossary(None)]
    not_canonical = []
    for path in paths:
        canonical = dump_glossary(load_glossary(path))
        if path.read_text(encoding="utf-8") != canonical:
            not_canonical.append(path)
            if not check:
                with locked(path):
                    save_glossary(load_glossary(path), path)
    for path in not_canonical:
        typer.echo(f"{'not canonical' if check else 'rewrote'}: {path}")
    if check and not_canonical:
        raise typer.Exit(1)


@app.command()
def coverage(
    paths: Optional[List[Path]] = typer.Argument(None, help="Articles or folders [default: source/]."),
    from_: str = typer.Option("en", "--from", "-f", help="Source language of the articles."),
    limit: int = typer.Option(20, "--limit", "-n", help="How many candidate phrases to list."),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help="Glossary YAML (repeatable)."),
) -> None:
    """Which glossary terms the articles use, and the most frequent phrases that have no entry."""
    from rich.console import Console
    from rich.table import Table

    from . import languages
    from .document import find_sources, read_article
    from .terms.edit import coverage as run_coverage
    from .terms.glossary import load_glossary, merge

    src = languages.get(from_, what="source language").code
    files = find_sources(list(paths or [Path("source")]))
    docs = [read_article(p) for p in files]
    entries = merge(load_glossary(p) for p in (glossary or [default_glossary(None)]))
    result = run_coverage(entries, docs, src, limit=limit)
    console = Console()
    used = Table(title=f"glossary terms in {len(docs)} article(s)", title_justify="left")
    used.add_column("entry")
    used.add_column("occurrences", justify="right")
    for entry_id, count in result.used:
        used.add_row(entry_id, str(count))
    console.print(used)
    cand = Table(title="frequent phrases with no entry (candidates)", title_justify="left")
    cand.add_column("phrase")
    cand.add_column("occurrences", justify="right")
    for phrase, count in result.candidates:
        cand.add_row(phrase, str(count))
    console.print(cand)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="TBX (v2 or v3), CSV with a header of language codes, or OmegaT glossary."),
    into: Path = typer.Option(..., "--into", help="Glossary YAML to add the entries to (created if missing)."),
    format: Optional[str] = typer.Option(None, "--format", help="tbx, csv or omegat [default: from the extension]."),
    from_: Optional[str] = typer.Option(None, "--from", help="OmegaT: source language [default: from the file name]."),
    to: Optional[str] = typer.Option(None, "--to", help="OmegaT: target language [default: from the file name]."),
) -> None:
    """Add a termbase's concepts to a glossary: entries with an id already there are replaced."""
    from .terms.glossary import Glossary
    from .terms.termbase import read_termbase

    imported = read_termbase(file, format, source_lang=from_, target_lang=to)

    def merge_into(g: Glossary) -> Glossary:
        new = {e.id: e for e in imported.glossary.entries}
        entries = tuple(new.pop(e.id, e) for e in g.entries) + tuple(new.values())
        langs = tuple(dict.fromkeys(g.languages + imported.glossary.languages))
        return Glossary(g.name, g.path, langs, entries, g.description or imported.glossary.description)

    before = len(_edit(into, lambda g: g).entries) if into.exists() else 0
    after = _edit(into, merge_into, create=True)
    for warning in imported.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"imported {len(imported.glossary.entries)} entries from {file} into {into} "
               f"({len(after.entries) - before} new, {len(imported.glossary.entries) - (len(after.entries) - before)} replaced)")


@app.command()
def export(
    glossary: Path = typer.Argument(..., help="Glossary YAML to export."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    format: Optional[str] = typer.Option(None, "--format", help="tbx, csv or omegat [default: from the extension]."),
    tbx_version: int = typer.Option(3, "--tbx-version", help="TBX 3 (ISO 30042:2019, TBX-Basic) or 2 (MARTIF)."),
    from_: str = typer.Option("en", "--from", help="Source language (TBX source, CSV first column, OmegaT)."),
    to: Optional[str] = typer.Option(None, "--to", help="OmegaT: target language."),
) -> None:
    """Write a glossary as TBX, CSV or an OmegaT glossary."""
    from .files import write_atomic
    from .terms.glossary import load_glossary
    from .terms.termbase import detect_format, write_termbase

    if tbx_version not in (2, 3):
        raise UserError("--tbx-version is 2 or 3")
    fmt = detect_format(output, format)
    text = write_termbase(load_glossary(glossary), fmt, source_lang=from_, target_lang=to, tbx_version=tbx_version)
    write_atomic(output, text)
    typer.echo(f"wrote {output} ({fmt})")
