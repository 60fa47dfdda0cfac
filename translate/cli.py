"""The `translate` command: the only module that talks to the terminal. Errors become one line and exit 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .cli_glossary import app as glossary_app
from .errors import UserError

app = typer.Typer(
    name="translate",
    help="Offline translation of articles into glossary-checked translations and bilingual PDF pamphlets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Argos Translate packages installed on this machine.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(glossary_app, name="glossary")

DEFAULT_SOURCE = Path("source")
DEFAULT_OUT = Path("build")
DEFAULT_GLOSSARIES = Path("glossaries")


def _fail(message: str, code: int = 2) -> None:
    for line in message.splitlines() or [message]:
        typer.echo(f"translate: error: {line}", err=True)
    raise typer.Exit(code)


def _glossary_paths(given: Optional[List[Path]]) -> list[Path]:
    if given:
        return list(given)
    if DEFAULT_GLOSSARIES.is_dir():
        return sorted(DEFAULT_GLOSSARIES.glob("*.yaml")) + sorted(DEFAULT_GLOSSARIES.glob("*.yml"))
    return []


def _load_entries(paths: list[Path]):
    from .glossary import load_glossary, merge

    return merge(load_glossary(p) for p in paths)


ENGINE_HELP = "auto (Argos when a package is installed, else Apertium), argos or apertium."


@app.command()
def run(
    paths: Optional[List[Path]] = typer.Argument(None, help="Markdown articles or folders of them [default: source/]."),
    to: str = typer.Option(..., "--to", "-t", help="Target language codes, comma-separated: es,ru,fr."),
    from_: Optional[str] = typer.Option(None, "--from", "-f", help="Source language [default: the article's lang, else en]."),
    engine: str = typer.Option("auto", "--engine", "-e", help=ENGINE_HELP),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help="Glossary YAML (repeatable) [default: glossaries/*.yaml]."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="Output folder."),
    strict_terms: bool = typer.Option(False, "--strict-terms", help="Exit 1 when a glossary term was not realized."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write the bilingual PDF."),
    terms: bool = typer.Option(False, "--terms", help="Print every glossary term of every article and language."),
) -> None:
    """Translate articles and write build/<slug>/<slug>.<lang>.md and the bilingual PDF."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from . import pipeline as jobs

    console = Console(stderr=True)
    try:
        plan = jobs.plan_job(paths or [DEFAULT_SOURCE], to, from_, engine, _glossary_paths(glossary), out)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("translating", total=plan.segment_count)
            results = jobs.translate_all(plan, lambda n: progress.advance(task, n))
            progress.update(task, description="writing")
            written = jobs.write_all(plan, results, pdf=pdf)
    except UserError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("translate: interrupted; outputs already written are complete, nothing else was written", err=True)
        raise typer.Exit(130)

    table = Table(title="translate run", title_justify="left")
    for col in ("article", "lang", "engine", "terms", "seconds"):
        table.add_column(col, overflow="fold")
    missing = 0
    for item in written:
        t = item.translation
        missing += t.report.total - t.report.realized
        terms = f"{t.report.realized}/{t.report.total}"
        if t.report.realized < t.report.total:
            terms += " [red]incomplete[/red]"
        table.add_row(t.source.slug, f"{t.source_lang}->{t.target_lang}", t.engine, terms, f"{t.seconds:.1f}")
    Console().print(table)
    for item in written:
        for path in item.paths:
            typer.echo(f"wrote {path}")
    if terms:
        for item in written:
            Console().print(_terms_table(item.translation))
    for item in written:
        for check in item.translation.report.missing:
            typer.echo(f"{item.translation.source.slug} [{item.translation.target_lang}] {check.segment_id}: "
                       f"'{check.source}' not realized: {check.reason}", err=True)
    if strict_terms and missing:
        typer.echo(f"translate: {missing} glossary term(s) not realized (--strict-terms)", err=True)
        raise typer.Exit(1)


def _terms_table(translation):
    """One row per glossary entry found: where, what the source says, what the glossary expects, how it went."""
    from collections import Counter

    from rich.table import Table

    report = translation.report
    table = Table(
        title=f"{translation.source.slug} {report.source_lang}->{report.target_lang}: "
        f"{report.realized}/{report.total} terms ({report.rate:.0%}), "
        f"{len(report.forbidden_found)} with forbidden renderings",
        title_justify="left",
    )
    for col in ("entry", "source", "expected", "found", "strategy", "realized", "segments"):
        table.add_column(col, overflow="fold")
    groups: dict[str, list] = {}
    for check in report.checks:
        groups.setdefault(check.entry_id, []).append(check)
    for entry_id, checks in groups.items():
        ok = sum(c.realized for c in checks)
        strategies = Counter(c.strategy for c in checks)
        table.add_row(
            entry_id,
            ", ".join(dict.fromkeys(c.source for c in checks)),
            checks[0].expected,
            ", ".join(dict.fromkeys(c.found for c in checks if c.found)) or "-",
            ", ".join(f"{k} {v}" if v > 1 else k for k, v in strategies.items()),
            f"{ok}/{len(checks)}" if ok == len(checks) else f"[red]{ok}/{len(checks)}[/red]",
            " ".join(dict.fromkeys(c.segment_id for c in checks)),
        )
    return table


@app.command()
def text(
    text: str = typer.Argument(..., help="Text to translate; '-' reads standard input."),
    to: str = typer.Option(..., "--to", "-t", help="Target language code."),
    from_: str = typer.Option("en", "--from", "-f", help="Source language code."),
    engine: str = typer.Option("auto", "--engine", "-e", help=ENGINE_HELP),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help="Glossary YAML (repeatable)."),
) -> None:
    """Translate a piece of text and print it (Markdown inline formatting is kept)."""
    from . import languages
    from .engines import get_engine, resolve
    from .pipeline import translate_text

    try:
        if text == "-":
            try:
                text = sys.stdin.buffer.read().decode("utf-8")
            except UnicodeDecodeError:
                raise UserError("standard input is not UTF-8 text") from None
        src = languages.get(from_, what="source language").code
        tgt = languages.get(to, what="target language").code
        chosen = resolve(get_engine(engine), src, tgt)
        entries = _load_entries(_glossary_paths(glossary))
        typer.echo(translate_text(text, src, tgt, chosen, entries))
    except UserError as exc:
        _fail(str(exc))


@app.command("eval")
def eval_(
    refs: Path = typer.Argument(..., help="TSV of 'source<TAB>reference' lines ('#' lines are comments)."),
    to: str = typer.Option(..., "--to", "-t", help="Target language code."),
    from_: str = typer.Option("en", "--from", "-f", help="Source language code."),
    engine: str = typer.Option("auto", "--engine", "-e", help=ENGINE_HELP),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help="Glossary YAML (repeatable) [default: glossaries/*.yaml]."),
    json_: bool = typer.Option(False, "--json", help="Print one JSON object: with_glossary and without_glossary."),
) -> None:
    """Score translations against references (chrF, BLEU, term success rate), with and without the glossary."""
    import json

    from . import languages
    from .engines import get_engine
    from .evaluate import evaluate, read_references

    try:
        src = languages.get(from_, what="source language").code
        tgt = languages.get(to, what="target language").code
        pairs = read_references(refs)
        entries = _load_entries(_glossary_paths(glossary))
        scores = evaluate(pairs, src, tgt, get_engine(engine), entries)
    except UserError as exc:
        _fail(str(exc))
    if json_:
        typer.echo(json.dumps({k: v.to_json() for k, v in scores.items()}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{refs.name}: {len(pairs)} segments, {src}->{tgt}", title_justify="left")
    for col in ("run", "chrF", "BLEU", "term success", "terms"):
        table.add_column(col, justify="right" if col != "run" else "left")
    for name, s in scores.items():
        table.add_row(name.replace("_", " "), f"{s.chrf:.2f}", f"{s.bleu:.2f}", f"{s.term_success_rate:.2%}",
                      f"{s.terms_realized}/{s.terms_total}")
    Console().print(table)


@models_app.command("list")
def models_list() -> None:
    """Installed Argos packages, and the Apertium pairs this machine has."""
    from .engines.apertium import ApertiumEngine
    from . import models

    installed = models.installed()
    typer.echo(f"Argos packages in {models.packages_dir()}:")
    for m in installed:
        typer.echo(f"  {m.from_code} -> {m.to_code}  {m.name}  version {m.version}")
    if not installed:
        typer.echo("  (none: 'translate models install FILE.argosmodel', or 'translate models install en es' online)")
    pairs = sorted(ApertiumEngine().pairs())
    typer.echo("Apertium pairs: " + (", ".join(f"{a}->{b}" for a, b in pairs) or "(none: apt-get install apertium-eng-spa)"))


@models_app.command("install")
def models_install(
    what: List[str] = typer.Argument(..., help="FILE.argosmodel, or two language codes: en es"),
) -> None:
    """Install an Argos package from a file, or from the Argos package index (needs the network)."""
    from . import languages, models

    try:
        if len(what) == 1:
            model = models.install_file(Path(what[0]))
        elif len(what) == 2:
            src = languages.get(what[0], what="source language").code
            tgt = languages.get(what[1], what="target language").code
            model = models.install_pair(src, tgt)
        else:
            raise UserError("give FILE.argosmodel or two language codes (translate models install en es)")
    except UserError as exc:
        _fail(str(exc))
    typer.echo(f"installed {model.from_code} -> {model.to_code} ({model.name}, version {model.version})")


@models_app.command("remove")
def models_remove(
    src: str = typer.Argument(..., help="Source language code."),
    tgt: str = typer.Argument(..., help="Target language code."),
) -> None:
    """Remove the installed Argos package(s) for a pair."""
    from . import languages, models

    try:
        gone = models.remove(languages.get(src).code, languages.get(tgt).code)
    except UserError as exc:
        _fail(str(exc))
    for m in gone:
        typer.echo(f"removed {m.from_code} -> {m.to_code} ({m.name})")


def main() -> None:
    app()
