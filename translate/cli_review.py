"""`translate review ...` and `translate memory import`: the editors' commands over reviewed translations (part
of the CLI: it talks to the terminal), and what `translate run` says about review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from .errors import UserError

app = typer.Typer(help="Translations corrected by people: status, export for a PO editor or CAT tool, import.",
                  no_args_is_help=True, rich_markup_mode=None)

CONFIG_HELP = "Project file [default: ./translate.yaml if present]."
PATHS_HELP = "Markdown articles or folders [default: translate.yaml's source, else source/]."


def fail(message: str, code: int = 2) -> None:
    for line in message.splitlines() or [message]:
        typer.echo(f"translate: error: {line}", err=True)
    raise typer.Exit(code)


def _config(config: Optional[Path], paths: Optional[List[Path]] = None, to: Optional[str] = None, **more):
    from . import languages
    from .cli import _project_config

    project = _project_config(config)
    return project.override(
        source=tuple(paths) if paths else None,
        targets=tuple(l.code for l in languages.parse_list(to, what="target language")) if to is not None else None,
        **more,
    )


@app.command("status")
def status(
    paths: Optional[List[Path]] = typer.Argument(None, help=PATHS_HELP),
    to: Optional[str] = typer.Option(None, "--to", "-t", help="Target languages, comma-separated [default: the "
                                                              "job's]."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON list: article, lang, reviewed, stale, machine."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Per article and language: how many segments a person reviewed, how many are stale (their source changed
    since), how many are machine translation."""
    from .review.exchange import pending, review_job
    from .review.exchange import status as review_status

    try:
        project = _config(config, paths, to)
        job = review_job(project)
        rows = review_status(job, list(project.targets))
        waiting = pending(job, list(project.targets))
    except UserError as exc:
        fail(str(exc))
    if json_:
        typer.echo(json.dumps([{k: r[k] for k in ("article", "lang", "reviewed", "stale", "machine")} for r in rows],
                              ensure_ascii=False, indent=2))
    else:
        from rich import box
        from rich.console import Console
        from rich.table import Table

        out = Console(width=min(Console().width, 100))
        table = Table(title=f"review status ({project.translations})", title_justify="left", box=box.SIMPLE_HEAD,
                      pad_edge=False, show_edge=False)
        table.add_column("article", overflow="ellipsis", no_wrap=True, max_width=max(12, out.width - 40))
        for name in ("lang", "reviewed", "stale", "machine"):
            table.add_column(name, justify="left" if name == "lang" else "right", no_wrap=True)
        for r in rows:
            stale = f"[red]{r['stale']}[/red]" if r["stale"] else "0"
            table.add_row(r["article"], r["lang"], f"{r['reviewed']}/{r['segments']}", stale, str(r["machine"]))
        out.print(table)
    for line in waiting:
        typer.echo(line, err=True)


@app.command("export")
def export(
    paths: Optional[List[Path]] = typer.Argument(None, help=PATHS_HELP),
    to: str = typer.Option(..., "--to", "-t", help="The target language."),
    format_: Optional[str] = typer.Option(None, "--format", help="po or xliff [default: from the file name]."),
    output: Path = typer.Option(..., "-o", "--output", help="File to write (.po, .xlf or .xliff)."),
    engine: Optional[str] = typer.Option(None, "--engine", "-e", help="auto, argos or apertium [default: the job's]."),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help="Glossary YAML (repeatable)."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Every segment of the articles in one language with its current translation, for Poedit (PO) or a CAT tool
    (XLIFF 2.0): machine translations fuzzy / state "initial", reviewed ones translated / "final", glossary terms
    as notes. Translates what the memory does not have yet."""
    from .review.exchange import items, pending, translate_for_export
    from .review.po import export_po
    from .review.xliff import export_xliff

    try:
        by_name = {".po": "po", ".pot": "po", ".xlf": "xliff", ".xliff": "xliff"}.get(output.suffix.lower(), "")
        fmt = (format_ or by_name).lower()
        if fmt not in ("po", "xliff"):
            raise UserError(f"--format: expected po or xliff (or a file name ending in .po, .xlf or .xliff), got "
                            f"{format_ or output.name!r}")
        if "," in to:
            raise UserError("--to: export one language at a time")
        project = _config(config, paths, to, engine=engine, glossaries=tuple(glossary) if glossary else None)
        from . import pipeline

        job = pipeline.plan_job(project.override(formats=("md",)))
        tgt = project.targets[0]
        translations = translate_for_export(job, tgt)
        groups = items(job, tgt, translations)
        found = [i for _, group in groups for i in group]
        if not found:
            raise UserError(f"nothing to export: no article of the job is translated into {tgt}")
        src = found[0].src
        from .files import write_atomic
        from .review.job import store_of

        store = store_of(job.config)
        translator = store.read(tgt).translator if store.path(tgt).is_file() else ""
        data = export_po(found, src, tgt, translator) if fmt == "po" else export_xliff(groups, src, tgt)
        write_atomic(output, data)
        waiting = pending(job, [tgt])
    except UserError as exc:
        fail(str(exc))
    from .review.state import MACHINE, REVIEWED, STALE

    n = {s: sum(len(i.unit.segments) for i in found if i.unit.state == s) for s in (REVIEWED, STALE, MACHINE)}
    typer.echo(f"wrote {output}: {len(found)} unit(s) to review in {tgt} ({n[REVIEWED]} segment(s) reviewed, "
               f"{n[STALE]} stale, {n[MACHINE]} machine)")
    for line in waiting:
        typer.echo(line, err=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A PO or XLIFF 2.0 file (from 'review export' or a tool), or an edited "
                                          "build/<slug>/<slug>.<lang>.md."),
    force: bool = typer.Option(False, "--force", help="Take the file's translations even where the store's changed "
                                                      "since the file was exported."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Bring reviewed translations in: every entry whose translation is filled in and marked done (PO: not fuzzy;
    XLIFF: state translated, reviewed or final) becomes the store's. Any problem: nothing is changed."""
    from .files import read_bytes
    from .review.exchange import apply, detect, review_job
    from .review.job import shown, store_of

    try:
        data = read_bytes(file)
        kind = detect(file, data)
        project = _config(config)
        job = review_job(project)
        if kind == "md":
            from .review.job import import_markdown

            tgt, saved = import_markdown(job, file, data, force)
            unchanged = left = 0
        else:
            if kind == "tmx":
                raise UserError(f"{file}: a TMX file: bring it in with 'translate memory import {file}'")
            if kind == "xml":
                raise UserError(f"{file}: XML, but not XLIFF 2.0")
            if kind == "xliff":
                from .review.xliff import read_xliff

                plan = read_xliff(file, data, job)
            else:
                from .review.po import read_po

                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise UserError(f"{file}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
                plan = read_po(file, text, job)
            saved, unchanged = apply(job, plan, file, force)
            tgt, left = plan.tgt, plan.left
        store = store_of(job.config)
    except UserError as exc:
        fail(str(exc))
    more = [f"{unchanged} unchanged"] if unchanged else []
    more += [f"{left} not marked done (fuzzy or initial): left as they were"] if left else []
    typer.echo(f"took {saved} reviewed translation(s) into {shown(store.path(tgt))}"
               + (f" ({'; '.join(more)})" if more else ""))


@app.command("serve")
def serve(
    paths: Optional[List[Path]] = typer.Argument(None, help=PATHS_HELP),
    to: Optional[str] = typer.Option(None, "--to", "-t", help="Target languages, comma-separated [default: the "
                                                              "job's]."),
    port: int = typer.Option(0, "--port", "-p", help="Port on 127.0.0.1 [default: any free port]."),
    browser: bool = typer.Option(True, "--browser/--no-browser", help="Open the page in the browser."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """A review page in the browser, on this machine only: the articles and their translations side by side, to
    correct and approve segment by segment, add glossary terms, preview the pamphlet and render its PDF. Saves go
    to the same store as 'review import'. Ctrl-C stops it."""
    from .review.web.app import make_app
    from .review.web.project import Project
    from .review.web.security import Keys
    from .review.web.server import bind, make_server, url

    try:
        project = _config(config, paths, to)
        site, harvested = Project.open(project)
        sock = bind(port)
    except UserError as exc:
        fail(str(exc))
    print_taken(harvested, project)
    for line in harvested.messages:
        typer.echo(line, err=True)
    keys = Keys.new()
    address = url(sock, keys.token)
    typer.echo(f"review page: {address}")
    typer.echo("only this machine can open it, and only with this address (it carries the key); Ctrl-C stops it")
    if browser:
        import webbrowser

        if not webbrowser.open(address):
            typer.echo("no browser found here: open the address above in one", err=True)
    from .cli import Interrupted

    try:
        make_server(make_app(site, keys), sock).run(sockets=[sock])
    except Interrupted:
        pass
    finally:
        sock.close()
    typer.echo("review page stopped")


def memory_import(
    file: Path = typer.Argument(..., help="TMX 1.4b file."),
    force: bool = typer.Option(False, "--force", help="Take the file's human translations even where the store has "
                                                      "other ones."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder holding the memory [default: "
                                                                 "translate.yaml's output, else build/]."),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Import TMX 1.4b from another tool: a person's translations into the review store (those of the job's
    segments), machine output (translate's own export, units marked x-engine or x-mt) into the memory."""
    from .files import read_bytes
    from .memory import MEMORY_NAME, TranslationMemory
    from .review.exchange import apply, detect, review_job
    from .review.job import shown, store_of
    from .review.tmx import read_tmx

    try:
        data = read_bytes(file)
        if detect(file, data) != "tmx":
            raise UserError(f"{file}: not a TMX file (PO and XLIFF go to 'translate review import')")
        project = _config(config, output=out)
        job = review_job(project)
        from .pipeline import default_glossaries
        from .terms.glossary import load_glossary, merge

        paths = list(project.glossaries) if project.glossaries is not None else default_glossaries()
        entries = merge(load_glossary(p) for p in paths)
        found = read_tmx(file, data, job, entries)
        saved = {}
        for tgt, plan in found.human.items():
            saved[tgt] = apply(job, plan, file, force)[0]
        if found.machine:
            memory = TranslationMemory(project.output / MEMORY_NAME)
            try:
                memory.put_many(found.machine)
            finally:
                memory.close()
        store = store_of(project)
    except UserError as exc:
        fail(str(exc))
    for tgt, n in saved.items():
        typer.echo(f"took {n} reviewed translation(s) into {shown(store.path(tgt))}")
    if found.machine:
        typer.echo(f"took {len(found.machine)} machine translation(s) into {shown(project.output / MEMORY_NAME)}")
    if found.outside:
        typer.echo(f"left out {found.outside} human translation(s) of sentences no article of the job has")
    for lang, n in sorted(found.languages.items()):
        typer.echo(f"left out {n} unit(s) in {lang}: not a language of the job ('to:')")


# --- what a run says -------------------------------------------------------------------------------------------


def print_taken(harvested, project) -> None:
    """The corrections a run took from the translated Markdown before translating."""
    from .cli import _shown
    from .review.job import store_of

    store = store_of(project)
    for item in harvested.taken:
        typer.echo(f"took {item.taken} corrected block(s) from {_shown(item.path)} into {_shown(store.path(item.tgt))}")


def print_review(harvested, written, project) -> str:
    """After a run: the corrections taken from the translated Markdown, every file left as it is and why, the
    stale segments (file:line and the source's words). Returns what --strict-review complains of ("" if nothing)."""
    from .cli import _shown, _where, snippet

    for line in harvested.messages:
        typer.echo(line, err=True)
    for item in written:
        for line in item.messages:
            typer.echo(line, err=True)
    stale = machine = 0
    stores = set()
    for item in written:
        t = item.translation
        stale += len(t.stale)
        machine += len(t.source.segments) - len(t.reviewed) - len(t.stale)
        said_for: set[str] = set()
        for sid in t.stale:
            block = sid.rsplit(".", 1)[0]
            if block in said_for:
                continue  # one line per block
            said_for.add(block)
            place, text = _where(t, sid)
            typer.echo(f"{place} [{t.target_lang}] stale, its source changed since review: «{snippet(text, '', 40)}»",
                       err=True)
            stores.add(t.target_lang)
    if stores:
        from .review.job import store_of

        names = ", ".join(_shown(store_of(project).path(lang)) for lang in sorted(stores))
        typer.echo(f"translate: stale segments get a new machine translation; what a person wrote for the old "
                   f"source is kept as a suggestion (fuzzy) in {names}", err=True)
    said = [f"{machine} segment(s) not reviewed"] if machine else []
    said += [f"{stale} stale"] if stale else []
    return ", ".join(said)
