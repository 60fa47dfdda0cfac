"""The `translate` command: the only module that talks to the terminal. Errors become one line and exit 2."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import List, Optional

import click
import typer
from typer.core import TyperGroup

from .cli_glossary import app as glossary_app
from .cli_review import app as review_app
from .cli_review import memory_import
from .cli_glossary import checked_argument
from .errors import MESSAGE_LIMIT, TranslateWarning, UserError, user_error


class Interrupted(BaseException):
    """Ctrl-C, raised past click (which would turn KeyboardInterrupt into "Aborted!" and exit 1)."""


class _Commands(TyperGroup):
    """The one place where what a command raises becomes what the user sees: a UserError, or an OS or library error
    that `errors.user_error` knows (a full disk, a read-only folder, a damaged database), is one line per mistake
    on stderr and exit 2, for every command of every group, including ones added later."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort, Interrupted):
            raise
        except Exception as exc:
            error = user_error(exc)
            if error is None:
                raise
            _fail(str(error))


app = typer.Typer(
    cls=_Commands,
    name="translate",
    help="Offline translation of articles into glossary-checked translations and bilingual PDF pamphlets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: importing rich's Markdown renderer costs a tenth of a second per call
)
models_app = typer.Typer(help="Argos Translate packages installed on this machine.", no_args_is_help=True,
                         rich_markup_mode=None)
app.add_typer(models_app, name="models")
app.add_typer(glossary_app, name="glossary")
memory_app = typer.Typer(help="The translation memory under the output folder.", no_args_is_help=True,
                         rich_markup_mode=None)
app.add_typer(memory_app, name="memory")
app.add_typer(review_app, name="review")
memory_app.command("import")(memory_import)

DEFAULT_GLOSSARIES = Path("glossaries")


def _fail(message: str, code: int = 2) -> None:
    lines = message.splitlines() or [message]
    for line in lines[:50]:
        cut = line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"
        typer.echo(f"translate: error: {cut}", err=True)
    if len(lines) > 50:
        typer.echo(f"translate: error: ... and {len(lines) - 50} more", err=True)
    raise typer.Exit(code)


def _glossary_paths(given: Optional[List[Path]]) -> list[Path]:
    if given:
        return list(given)
    if DEFAULT_GLOSSARIES.is_dir():
        return sorted(DEFAULT_GLOSSARIES.glob("*.yaml")) + sorted(DEFAULT_GLOSSARIES.glob("*.yml"))
    return []


def _load_entries(paths: list[Path]):
    from .terms.glossary import load_glossary, merge

    return merge(load_glossary(p) for p in paths)


ENGINE_HELP = "auto (Argos when a package is installed, else Apertium), argos or apertium."


def _project_config(config: Optional[Path]):
    from .config import ProjectConfig, find_config, load_config

    path = config or find_config()
    if config is not None and not config.is_file():
        raise UserError(f"{config}: no such file")
    return load_config(path) if path else ProjectConfig()


@app.command()
def run(
    paths: Optional[List[Path]] = typer.Argument(None, help="Markdown articles or folders [default: translate.yaml's source, else source/]."),
    to: Optional[str] = typer.Option(None, "--to", "-t", help="Target language codes, comma-separated: es,ru,fr."),
    from_: Optional[str] = typer.Option(None, "--from", "-f", help="Source language [default: the article's lang, else en]."),
    engine: Optional[str] = typer.Option(None, "--engine", "-e", help=ENGINE_HELP),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g", help="Glossary YAML (repeatable) [default: glossaries/*.yaml]."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder [default: build/]."),
    strict_terms: Optional[bool] = typer.Option(None, "--strict-terms/--no-strict-terms", help="Exit 1 when a glossary term was not realized."),
    formats: Optional[str] = typer.Option(None, "--format", help="Outputs, comma-separated: md,pdf,html [default: md,pdf]."),
    pdf: Optional[bool] = typer.Option(None, "--pdf/--no-pdf", help="Write (or not) the bilingual PDF."),
    layout: Optional[str] = typer.Option(None, "--layout", help="parallel, interleaved or target."),
    source_side: Optional[str] = typer.Option(None, "--source-side", help="left or right."),
    paper: Optional[str] = typer.Option(None, "--paper", help="A4, A5 or Letter."),
    booklet: Optional[bool] = typer.Option(None, "--booklet/--no-booklet", help="Pages of half the paper (A5 on A4, A6 on A5), two per sheet side in saddle-stitch order, in <slug>.<src>-<tgt>.booklet.pdf beside the reading copy."),
    pdf_variant: Optional[str] = typer.Option(None, "--pdf-variant", help="pdf/a-3u+pdf/ua-1 (default), pdf/a-3u, pdf/ua-1 or none."),
    marks: Optional[bool] = typer.Option(None, "--marks/--no-marks", help="Crop marks (and fold marks on booklet sheets) in a bleed around the page."),
    theme: Optional[Path] = typer.Option(None, "--theme", help="Folder of templates/CSS that override the built-in design."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes for language pairs and PDFs [default: the CPUs this process may use]."),
    memory: Optional[bool] = typer.Option(None, "--memory/--no-memory", help="Use the translation memory under the output folder."),
    terms: bool = typer.Option(False, "--terms", help="Print every glossary term of every article and language."),
    strict_review: Optional[bool] = typer.Option(None, "--strict-review/--no-strict-review", help="Exit 1 while a segment is not reviewed by a person, or is stale (for the final print)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Project file [default: ./translate.yaml if present]."),
) -> None:
    """Translate articles and write build/<slug>/<slug>.<lang>.md, the term report and the bilingual PDF.

    With no arguments, runs the whole job that translate.yaml describes; options override it."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import languages
    from . import pipeline as jobs_

    console = Console(stderr=True)
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        project = _project_config(config)
        fmt = None
        if formats is not None:
            from .config import _formats

            try:
                fmt = _formats(formats)
            except ValueError as exc:
                raise UserError(f"--format: expected {exc}") from None
        if pdf is not None:
            base = list(fmt or project.formats)
            fmt = tuple(f for f in base if f != "pdf") + (("pdf",) if pdf and "pdf" not in base else ())
        if jobs is not None and jobs < 1:
            raise UserError("--jobs must be 1 or more")
        project = project.override(
            source=tuple(paths) if paths else None,
            targets=tuple(l.code for l in languages.parse_list(to, what="target language")) if to is not None else None,
            source_lang=languages.get(from_, what="source language").code if from_ else None,
            engine=engine, glossaries=tuple(glossary) if glossary else None, output=out, strict_terms=strict_terms,
            formats=fmt, layout=layout, source_side=source_side, paper=paper, booklet=booklet,
            pdf_variant=pdf_variant, marks=marks, theme=theme, jobs=jobs, memory=memory, strict_review=strict_review,
        )
        plan = jobs_.plan_job(project)
        from .review.job import harvest

        harvested = harvest(plan)  # an editor's corrections are in the store before anything is rewritten
        timings["read"] = time.perf_counter() - started
        with Progress(
            TextColumn("{task.description}"), BarColumn(bar_width=24), MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=console, transient=True,
            disable=not console.is_terminal,
        ) as progress:
            tasks = {t: progress.add_task(f"{t}", total=plan.segment_count(t), detail="") for t in project.targets
                     if plan.segment_count(t)}
            counts: dict[str, dict[str, int]] = {t: {"cached": 0, "translated": 0, "reviewed": 0} for t in tasks}

            def advance(tgt: str, kind: str, n: int) -> None:
                counts[tgt][kind] += n
                progress.update(tasks[tgt], advance=n,
                                detail=f"{counts[tgt]['translated']} translated, {counts[tgt]['cached']} from memory"
                                + (f", {counts[tgt]['reviewed']} reviewed" if counts[tgt]["reviewed"] else ""))

            started = time.perf_counter()
            results = jobs_.translate_all(plan, advance)
            timings["translate"] = time.perf_counter() - started
            started = time.perf_counter()
            renders = _render_count(plan, results)
            rendering = progress.add_task("render", total=renders or 1, detail="", visible=bool(renders))
            written = jobs_.write_all(
                plan, results,
                on_render=lambda path: progress.update(rendering, detail=_shown(path)),
                on_written=lambda path: progress.update(rendering, advance=1),
                harvests=harvested,
            )
            timings["write"] = time.perf_counter() - started
    except UserError as exc:
        _fail(str(exc))

    out = Console(width=min(Console().width, 100))
    out.print(_summary_table(written, out.width))
    engines = dict.fromkeys((f"{i.translation.source_lang}→{i.translation.target_lang}", i.translation.engine)
                            for i in written)
    for pair, engine_name in engines:
        typer.echo(f"engine {pair}: {engine_name}")
    from .cli_review import print_taken, print_review

    print_taken(harvested, project)
    changed = [path for item in written for path in item.paths]
    unchanged = sum(len(item.skipped) for item in written)
    for path in changed:
        typer.echo(f"wrote {_shown(path)}")
    if unchanged:
        typer.echo(f"{unchanged} output(s) already up to date" + ("" if changed else "; nothing written"))
    typer.echo("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    missing = sum(item.translation.report.total - item.translation.report.realized for item in written)
    ungrammatical = sum(len(item.translation.report.ungrammatical) for item in written)
    if terms:
        for item in written:
            out.print(_terms_table(item.translation))
    for item in written:
        for line in term_problems(item.translation):
            typer.echo(line, err=True)
    for line in untranslated_lines(written, bool(terms)):
        typer.echo(line, err=True)
    unreviewed = print_review(harvested, written, project)
    if project.strict_terms and (missing or ungrammatical):
        said = [f"{missing} glossary term(s) not realized"] if missing else []
        said += [f"{ungrammatical} in a phrase that does not agree (grammar)"] if ungrammatical else []
        typer.echo(f"translate: {', '.join(said)} (--strict-terms)", err=True)
        raise typer.Exit(1)
    if project.strict_review and unreviewed:
        typer.echo(f"translate: {unreviewed} (--strict-review)", err=True)
        raise typer.Exit(1)


def _render_count(plan, results) -> int:
    formats = plan.config.formats
    return len(results) * (("pdf" in formats) + ("html" in formats))


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when under it."""
    import os

    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _summary_table(written, width: int = 80):
    """One row per article and language, narrow enough for an 80-column terminal: the engine, the same on every row
    of a pair, is printed once below the table; a long slug is cut with an ellipsis, never broken mid-word."""
    from rich import box
    from rich.table import Table

    table = Table(title="translate run", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    # the review column only when a person reviewed something (or something went stale)
    review = any(i.translation.reviewed or i.translation.stale for i in written)
    # the other columns take 5 + 8 + 6 + 9 + 9 (+ 8) characters, and the padding and separators the rest
    table.add_column("article", overflow="ellipsis", no_wrap=True, max_width=max(12, width - 56 - 10 * review))
    columns = [("lang", 5), ("segments", 8), ("memory", 6), ("terms", 9), ("agreement", 9)]
    for name, width in columns + ([("reviewed", 8)] if review else []):
        table.add_column(name, justify="left" if name == "lang" else "right", no_wrap=True, min_width=width)
    for item in written:
        t = item.translation
        cell = f"{t.report.realized}/{t.report.total}"
        if t.report.realized < t.report.total:
            cell = f"[red]{cell} ✗[/red]"
        # agreement problems in the whole translation, where the language has an analyser; "-" where it has none
        agreement = str(t.report.problems) if t.report.words and _has_analyser(t.target_lang) else "-"
        if t.report.ungrammatical:
            agreement = f"[red]{agreement} ✗[/red]"
        row = [t.source.slug, f"{t.source_lang}→{t.target_lang}", str(len(t.source.segments)), str(t.cached), cell,
               agreement]
        if review:
            reviewed = f"{len(t.reviewed)}/{len(t.source.segments)}"
            row.append(f"[red]{reviewed} ✗[/red]" if t.stale else reviewed)
        table.add_row(*row)
    return table


def _has_analyser(lang: str) -> bool:
    from .engines.morphology import morphology

    return morphology(lang) is not None


SNIPPET = 60  # characters of context shown around a term in a problem line


def snippet(text: str, found: str, width: int = SNIPPET) -> str:
    """The part of `text` around the first `found` (case-insensitive), cut at word ends, with ellipses."""
    import re

    clean = re.sub(r"\s+", " ", text).strip()
    at = clean.casefold().find(found.casefold()) if found else -1
    if at < 0 or len(clean) <= width:
        return clean if len(clean) <= width else clean[: width - 1].rsplit(" ", 1)[0] + "…"
    start = max(0, at - (width - len(found)) // 2)
    end = min(len(clean), start + width)
    start = max(0, end - width)
    piece = clean[start:end]
    if start > 0:
        piece = "…" + piece.split(" ", 1)[-1]
    if end < len(clean):
        piece = piece.rsplit(" ", 1)[0] + "…"
    return piece


def _where(translation, segment_id: str) -> tuple[str, str]:
    """(file[:line], source text of the segment): the line when the document model gives blocks one."""
    block_id = segment_id.rsplit(".s", 1)[0]
    doc = translation.source
    block = next((b for b in doc.blocks if b.id == block_id), None)
    text = next((s.text for s in doc.segments if s.id == segment_id), "")
    from .data import strip_markers

    line = getattr(block, "line", None)
    place = _shown(doc.path) + (f":{line}" if line else "")
    return place, strip_markers(text)


def term_problems(translation) -> list[str]:
    """Lines for the terms not realized. Entries without a term in the target language are a gap in the glossary,
    not in the text: one line names them. Every other entry not realized: where (file and line), why, and the
    source words around its first occurrence."""
    lines = []
    slug, tgt = _shown(translation.source.path), translation.target_lang
    no_term = list(dict.fromkeys(c.entry_id for c in translation.report.missing if c.strategy == "none"))
    if no_term:
        count = sum(1 for c in translation.report.missing if c.strategy == "none")
        lines.append(f"{slug} [{tgt}]: {count} term(s) not realized: the glossary has no {tgt} term for "
                     f"{', '.join(no_term)}")
    by_entry: dict[str, list] = {}
    for check in translation.report.missing:
        if check.strategy != "none":
            by_entry.setdefault(check.entry_id, []).append(check)
    for checks in by_entry.values():
        first = checks[0]
        place, text = _where(translation, first.segment_id)
        times = f" ({len(checks)}×)" if len(checks) > 1 else ""
        lines.append(f"{place} [{tgt}] '{first.source}'{times} not realized: {first.reason or first.strategy}: "
                     f"«{snippet(text, first.source)}»")
    for check in translation.report.ungrammatical:
        place, _ = _where(translation, check.segment_id)
        target = next((s.text for b in translation.blocks for s in b.segments if s.id == check.segment_id), "")
        from .data import strip_markers

        lines.append(f"{place} [{tgt}] '{check.source}' → '{check.found}' in a phrase that does not agree: "
                     f"grammar: \"{check.grammar}\": «{snippet(strip_markers(target), check.grammar)}»")
    return lines


def untranslated_lines(written, every: bool) -> list[str]:
    """The words engines left in the source language: per translation with --terms, else one line for the run
    (they are in each terms.json, 'left_untranslated')."""
    with_words = [item.translation for item in written if item.translation.report.unknown]
    if not with_words:
        return []
    if every:
        return [f"{_shown(t.source.path)} [{t.target_lang}]: left in {_language_name(t.source_lang)} by the engine: "
                f"{', '.join(t.report.unknown)}" for t in with_words]
    words = sum(len(t.report.unknown) for t in with_words)
    return [f"{words} word(s) left untranslated by the engine in {len(with_words)} translation(s): names, and "
            f"words its dictionary lacks (listed in each .terms.json; --terms shows them)"]


def _language_name(code: str) -> str:
    from . import languages

    info = languages.LANGUAGES.get(code)
    return info.name if info else code


def _terms_table(translation):
    """One row per glossary entry found: where, what the source says, what the glossary expects, how it went."""
    from collections import Counter

    from rich.table import Table

    report = translation.report
    table = Table(
        title=f"{translation.source.slug} {report.source_lang}->{report.target_lang}: "
        f"{report.realized}/{report.total} terms ({report.rate:.0%}), "
        f"{len(report.forbidden_found)} with forbidden renderings, "
        f"{len(report.ungrammatical)} in a phrase that does not agree, "
        f"{report.problems} agreement problem(s) in the text",
        title_justify="left",
    )
    for col in ("entry", "source", "expected", "found", "strategy", "realized", "grammar", "segments"):
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
            "; ".join(dict.fromkeys(f"[red]{c.grammar}[/red]" for c in checks if c.grammar)) or "ok",
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
    from .document import check_article_text
    from .engines import get_engine, resolve
    from .files import MAX_ARTICLE_BYTES
    from .pipeline import translate_text

    given = "standard input" if text == "-" else "TEXT"
    if text == "-":
        data = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
        if len(data) > MAX_ARTICLE_BYTES:
            raise UserError(f"standard input: more than {MAX_ARTICLE_BYTES // (1 << 20)} MiB; translate it as "
                            "articles (translate run)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError("standard input is not UTF-8 text") from None
    checked_argument(text, given)
    check_article_text(text, given)
    src = languages.get(from_, what="source language").code
    tgt = languages.get(to, what="target language").code
    chosen = resolve(get_engine(engine), src, tgt)
    entries = _load_entries(_glossary_paths(glossary))
    typer.echo(translate_text(text, src, tgt, chosen, entries))


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

    src = languages.get(from_, what="source language").code
    tgt = languages.get(to, what="target language").code
    pairs = read_references(refs)
    entries = _load_entries(_glossary_paths(glossary))
    scores = evaluate(pairs, src, tgt, get_engine(engine), entries)
    if json_:
        typer.echo(json.dumps({k: v.to_json() for k, v in scores.items()}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{refs.name}: {len(pairs)} segments, {src}->{tgt}", title_justify="left")
    for col in ("run", "chrF", "BLEU", "term success", "terms", "agreement /1000 words"):
        table.add_column(col, justify="right" if col != "run" else "left")
    for name, s in scores.items():
        per = s.problems_per_1000_words
        agreement = f"{per:.2f} ({s.agreement_problems})" if per is not None else "- (no analyser)"
        table.add_row(name.replace("_", " "), f"{s.chrf:.2f}", f"{s.bleu:.2f}", f"{s.term_success_rate:.2%}",
                      f"{s.terms_realized}/{s.terms_total}", agreement)
    Console().print(table)


@models_app.command("list")
def models_list() -> None:
    """Installed Argos packages with their versions (the newest of a pair is used), and the Apertium pairs."""
    from . import models
    from .engines.apertium import ApertiumEngine

    installed = models.installed()
    folder = models.packages_dir()
    used = models.newest(installed)
    typer.echo(f"Argos packages in {folder}:")
    for m in installed:
        newest = used[(m.from_code, m.to_code)]
        note = "" if newest == m else f"  (not used: version {newest.version} is newer)"
        typer.echo(f"  {m.from_code} -> {m.to_code}  {m.name}  version {m.version}{note}")
    if not installed:
        typer.echo("  (none: 'translate models install FILE.argosmodel', or 'translate models install en es' online)")
    pairs = sorted(ApertiumEngine().pairs())
    typer.echo("Apertium pairs: " + (", ".join(f"{a}->{b}" for a, b in pairs) or "(none: apt-get install apertium-eng-spa)"))


def _package_code(value: str, what: str) -> str:
    """A language code as Argos packages write them; which exist, the index or the installed packages say."""
    import re

    code = value.strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
        raise UserError(f"{what} {value!r} is not a language code such as en, pb or zt")
    return code if "-" in code else code.lower()


@models_app.command("install")
def models_install(
    what: List[str] = typer.Argument(..., help="FILE.argosmodel, or two language codes: en es"),
    replace: bool = typer.Option(False, "--replace", help="Remove the other installed versions of the pair."),
) -> None:
    """Install an Argos package from a file, or the newest from the Argos package index (needs the network)."""
    from . import models

    already = False
    if len(what) == 1:
        model = models.install_file(Path(what[0]))
    elif len(what) == 2:
        src = _package_code(what[0], "source language")
        tgt = _package_code(what[1], "target language")
        model, already = models.install_pair(src, tgt)
    else:
        raise UserError("give FILE.argosmodel or two language codes (translate models install en es)")
    removed = models.remove_others(model) if replace else []
    kept = models.others(model)
    verb = "already installed" if already else "installed"
    typer.echo(f"{verb} {model.from_code} -> {model.to_code} ({model.name}, version {model.version})")
    for m in removed:
        typer.echo(f"removed {m.from_code} -> {m.to_code} ({m.name}, version {m.version})")
    if kept:
        used = models.newest([model, *kept])
        names = ", ".join(f"{m.name} (version {m.version})" for m in kept)
        typer.echo(f"also installed: {names}; version {used[(model.from_code, model.to_code)].version} is the one "
                   f"used; 'translate models install --replace {' '.join(what)}' keeps only this one")


@models_app.command("remove")
def models_remove(
    src: str = typer.Argument(..., help="Source language code."),
    tgt: str = typer.Argument(..., help="Target language code."),
) -> None:
    """Remove the installed Argos package(s) for a pair."""
    from . import models

    gone = models.remove(_package_code(src, "source language"), _package_code(tgt, "target language"))
    for m in gone:
        typer.echo(f"removed {m.from_code} -> {m.to_code} ({m.name})")


MEMORY_OUT_HELP = "Output folder holding the memory [default: translate.yaml's output, else build/]."
CONFIG_HELP = "Project file [default: ./translate.yaml]."


def _with_memory(out: Optional[Path], config: Optional[Path], action):
    """Open the memory of a project's output folder, run `action` on it, close it; errors are one line."""
    from .memory import MEMORY_NAME, TranslationMemory

    path = (out or _project_config(config).output) / MEMORY_NAME
    if not path.exists():
        raise UserError(f"{path}: no translation memory yet (a 'translate run' makes one)")
    memory = TranslationMemory(path)
    try:
        return path, action(memory)
    finally:
        memory.close()


@memory_app.command("stats")
def memory_stats(
    out: Optional[Path] = typer.Option(None, "--out", "-o", help=MEMORY_OUT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Segments remembered, per language pair and engine."""
    path, stats = _with_memory(out, config, lambda m: m.stats())
    typer.echo(f"{path}: {stats['segments']} segments, {stats['outputs']} rendered outputs, {stats['bytes'] / 1024:.0f} KiB")
    for pair in stats["pairs"]:
        typer.echo(f"  {pair['src']} -> {pair['tgt']}  {pair['segments']} segments  ({pair['engine']})")


@memory_app.command("clear")
def memory_clear(
    out: Optional[Path] = typer.Option(None, "--out", "-o", help=MEMORY_OUT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Forget every remembered segment (the next run translates everything again)."""
    path, n = _with_memory(out, config, lambda m: m.clear())
    typer.echo(f"cleared {n} segments from {path}")


@memory_app.command("export")
def memory_export(
    tmx: Path = typer.Option(..., "--tmx", help="TMX 1.4b file to write, for CAT tools."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help=MEMORY_OUT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Export the memory as TMX 1.4b."""
    from .memory import export_tmx

    _, n = _with_memory(out, config, lambda m: export_tmx(m, tmx))
    typer.echo(f"wrote {n} translation units to {tmx}")


_default_showwarning = warnings.showwarning


def _interrupt(signum, frame) -> None:
    raise Interrupted()


_warned: set[str] = set()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, TranslateWarning):
        # Once per run, wherever it was raised (a worker process's warnings are raised again by the parent).
        if str(message) not in _warned:
            _warned.add(str(message))
            sys.stderr.write(f"translate: warning: {message}\n")
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


def _unraisable(info) -> None:
    # Ctrl-C that landed in a finalizer (WeasyPrint's font clean-up) is swallowed there: it is sent again a moment
    # later, when the finalizer (and this hook) are over, so the run stops instead of carrying on. Should it land in
    # a finalizer again, it comes back here.
    if isinstance(info.exc_value, Interrupted):
        import os
        import signal
        import threading

        resend = threading.Timer(0.05, os.kill, args=(os.getpid(), signal.SIGINT))
        resend.daemon = True
        resend.start()
        return
    sys.__unraisablehook__(info)


def main() -> None:
    import signal

    global _default_showwarning
    _default_showwarning = warnings.showwarning
    warnings.showwarning = _show_warning
    signal.signal(signal.SIGINT, _interrupt)
    sys.unraisablehook = _unraisable
    for stream in (sys.stdout, sys.stderr):
        # a file name that is not UTF-8 is shown with escapes rather than ending the run
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        app()
    except Interrupted:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # one message, however often Ctrl-C is pressed
        # Temporary files were removed on the way out (write_atomic); finished outputs and the memory are whole.
        sys.stderr.write("translate: interrupted; every output written so far is complete, and the translation "
                         "memory keeps what was translated\n")
        sys.exit(130)
