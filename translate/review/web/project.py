"""The project as the review server holds it while editors work: the job, read again whenever an article or a
glossary file changes; each article's translation, made again whenever the review store changes (the translation
memory makes that cheap); saving a unit, reverting it, taking a stale suggestion; adding glossary entries through
the same locked writer as `translate glossary add`; the pamphlet preview and its PDF, rendered the way
`translate run` renders it.

What a request may reach is decided here: an article is found by its slug among the job's articles, never by a
path a request names, and only if the file really lies inside the project's source folders (a symbolic link that
leads out of them is left out); the PDF is served only if it really lies inside the output folder; the store and
the glossaries are only written through their own writers. Engine and analyser work is done one request at a
time (`lock`): Apertium's processes and the memory are not shared between threads."""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ... import review
from ...errors import UserError
from ..state import STALE
from .view import ArticleView, Summary, UnitView, article_view, summary

if TYPE_CHECKING:
    from ...config import ProjectConfig
    from ...data import Document, Translation
    from ...pipeline import Job

MAX_TEXT = 20_000  # characters of one unit's translation an editor may save
MAX_TERM = 200  # characters of a glossary term


class NotFound(Exception):
    """Not an article, language or file of the project (the page says 'not found', whatever was asked)."""


class Gone(Exception):
    """The article changed since the page was opened: the editor must reload it."""


def inside(path: Path, roots: Sequence[Path]) -> bool:
    """Whether `path`, with every symbolic link followed, is one of `roots` or inside one."""
    try:
        real = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return any(real == r or r in real.parents for r in roots)


def _stat(path: Path) -> tuple:
    try:
        s = Path(path).stat()
    except OSError:
        return ()
    return (s.st_ino, s.st_mtime_ns, s.st_size)


@dataclass(frozen=True)
class ArticleRow:
    """One article on the list page: per language, segments per state and term problems."""

    slug: str
    article: str
    title: str
    langs: tuple[tuple[str, dict, Summary], ...]  # (language, counts, summary)


@dataclass
class RenderTask:
    """A PDF being rendered, as the page polls it."""

    id: str
    slug: str
    lang: str
    state: str = "queued"  # queued, reading, translating, typesetting, done, failed
    done: int = 0
    total: int = 0
    message: str = ""
    messages: list[str] = field(default_factory=list)
    pdf: Path | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total, "message": self.message,
                "messages": list(self.messages), "seconds": round(self.seconds, 1)}


class Project:
    """The review server's view of one project (translate.yaml, or the defaults in the current folder)."""

    def __init__(self, config: "ProjectConfig"):
        self.config = config
        self.lock = threading.RLock()
        self._job: "Job | None" = None
        self._job_key: tuple | None = None
        self._translations: dict[tuple[str, str], tuple[tuple, "Translation"]] = {}
        self.outside: tuple[Path, ...] = ()  # articles left out: links that lead out of the source folders
        self.renders: dict[str, RenderTask] = {}
        self._ids = itertools.count(1)
        self.source_roots = tuple(Path(p).resolve() for p in config.source)
        self.output_root = Path(config.output).resolve()
        self.store_root = Path(config.translations).resolve()

    # --- the job ------------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, config: "ProjectConfig"):
        """The project, checked as `translate run` checks it (articles, glossaries, an engine for every pair), and
        the corrections already made in the translated Markdown taken into the store (review.job.harvest)."""
        from ..job import harvest

        project = cls(config)
        with project.lock:
            job = project.job()
            harvested = harvest(job)
        return project, harvested

    def _sources(self) -> list[Path]:
        from ...document import find_sources

        links: list[Path] = []
        found = find_sources(list(self.config.source), outside=links)
        kept = [p for p in found if inside(p, self.source_roots)]
        self.outside = tuple(links) + tuple(p for p in found if p not in kept)
        if not kept:
            raise UserError(f"no article inside {', '.join(map(str, self.config.source))} (links that lead out of "
                            "the source folders are left out)")
        return kept

    def glossary_paths(self) -> list[Path]:
        from ...pipeline import default_glossaries

        return list(self.config.glossaries) if self.config.glossaries is not None else default_glossaries()

    def job(self) -> "Job":
        """The job, read again if an article or a glossary changed since."""
        from ...pipeline import plan_job

        with self.lock:
            sources = self._sources()
            key = (tuple((str(p), _stat(p)) for p in sources),
                   tuple((str(p), _stat(p)) for p in self.glossary_paths()))
            if self._job is None or key != self._job_key:
                self._job = plan_job(self.config.override(source=tuple(sources)))
                self._job_key = key
            return self._job

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.config.targets)

    def document(self, slug: str, lang: str) -> tuple["Job", "Document", str]:
        """(job, document, its source language) for a slug and a target language of the job; NotFound else."""
        job = self.job()
        if lang not in self.targets:
            raise NotFound(lang)
        doc = next((d for d in job.documents if d.slug == slug), None)
        if doc is None or job.source_of(doc) == lang:
            raise NotFound(slug)
        return job, doc, job.source_of(doc)

    def article_key(self, doc: "Document") -> str:
        from ..job import article_key

        return article_key(doc.path, self.config.root)

    # --- translations -------------------------------------------------------------------------------------------

    def _store_key(self, lang: str) -> tuple:
        from ..job import store_of

        return _stat(store_of(self.config).path(lang))

    def translation(self, slug: str, lang: str) -> "Translation":
        """The article in `lang` as a run would translate it now, with the store's reviewed translations."""
        from ...pipeline import _translate_pair_job

        with self.lock:
            job, doc, src = self.document(slug, lang)
            key = (self._job_key, self._store_key(lang))
            cached = self._translations.get((slug, lang))
            if cached is not None and cached[0] == key:
                return cached[1]
            # every article of the pair whose translation is out of date, in one batch as a run does
            docs = tuple(d for s, t, ds in job.pairs() if s == src and t == lang for d in ds
                         if (c := self._translations.get((d.slug, lang))) is None or c[0] != key)
            for t in _translate_pair_job(job, src, lang, docs, None):
                self._translations[(t.source.slug, lang)] = (key, t)
            return self._translations[(slug, lang)][1]

    def articles(self) -> list[ArticleRow]:
        from ..exchange import status

        with self.lock:
            job = self.job()
            counts = {(r["slug"], r["lang"]): r for r in status(job, list(self.targets))}
            rows = []
            for doc in job.documents:
                langs = []
                for lang in self.targets:
                    row = counts.get((doc.slug, lang))
                    if row is None:
                        continue
                    found = {k: row[k] for k in ("reviewed", "stale", "machine", "segments")}
                    langs.append((lang, found, summary(self.translation(doc.slug, lang))))
                rows.append(ArticleRow(doc.slug, self.article_key(doc), _title(doc), tuple(langs)))
            return rows

    def article(self, slug: str, lang: str) -> ArticleView:
        from ...engines.morphology import morphology
        from ...terms.glossary import matcher

        with self.lock:
            job, doc, src = self.document(slug, lang)
            translation = self.translation(slug, lang)
            units = review.segments(self.config, doc, lang)
            find = matcher(tuple(job.entries), src)
            hits = {s.id: find.find(s.text) for s in doc.segments} if find else {}
            return article_view(translation, units, hits, self.article_key(doc), morphology(src), morphology(lang))

    def unit(self, slug: str, lang: str, unit_id: str) -> UnitView:
        found = next((u for u in self.article(slug, lang).units if u.id == unit_id), None)
        if found is None:
            raise Gone("this segment is no longer in the article; reload the page")
        return found

    # --- saving -------------------------------------------------------------------------------------------------

    def save(self, slug: str, lang: str, unit_id: str, seen: str, action: str, text: str, base: str,
             translator: str) -> UnitView:
        """Approve `text` as the unit's translation, take the stale suggestion, or revert to machine translation,
        if the store's version of the unit is still `base` (else review.Conflict, nothing changed) and the article
        still says what the page showed (`seen`, else Gone)."""
        from .view import source_key

        if action not in ("approve", "suggestion", "revert"):
            raise UserError(f"unknown action {action!r}")
        with self.lock:
            _, doc, _ = self.document(slug, lang)
            unit = next((u for u in review.segments(self.config, doc, lang) if u.id == unit_id), None)
            if unit is None or source_key(unit) != seen:
                raise Gone("the article changed since you opened this page; reload it")
            self._check_store(lang)
            if action == "approve":
                clean = text.replace("\r\n", "\n").strip()
                if not clean:
                    raise UserError("an empty translation cannot be approved (Revert to machine gives the engine's "
                                    "back)")
                if len(clean) > MAX_TEXT:
                    raise UserError(f"a translation of more than {MAX_TEXT} characters; split the paragraph")
                review.save(self.config, lang, unit, clean, base, translator)
            elif action == "suggestion":
                if unit.state != STALE or unit.entry is None:
                    raise UserError("this segment has no suggestion")
                review.save(self.config, lang, unit, unit.entry.target, base, translator)
            else:
                review.revert(self.config, lang, unit, base, translator)
            return self.unit(slug, lang, unit_id)

    def _check_store(self, lang: str) -> None:
        from ..job import check_location, store_of

        check_location(self.config)
        path = store_of(self.config).path(lang)
        if path.exists() and not inside(path, [self.store_root]):
            raise UserError(f"{path}: a link that leads out of the store folder; not written")

    # --- the glossary ---------------------------------------------------------------------------------------------

    def glossaries(self) -> list[tuple[int, str]]:
        """(index, name) of each glossary file an entry can be added to: the index is what a request names."""
        return [(i, _shown(p, self.config.root)) for i, p in enumerate(self.glossary_paths())]

    def suggest_term(self, slug: str, lang: str, phrase: str) -> dict:
        """For a phrase an editor selected: the engine's translation of it (a start for the target term), its
        gender and number from the analyser, and the entry that already has it, if one does."""
        from ...engines import get_engine, resolve
        from ...pipeline import translate_text

        from ...data import strip_markers
        from ...terms.glossary import term_pattern

        phrase = _clean_term(phrase, "the selected words")
        with self.lock:
            job, doc, src = self.document(slug, lang)
            pattern = term_pattern(phrase, False)
            # a coverage candidate is lower-cased: the engine does better with the article's own spelling
            written = next((m.group(0) for s in doc.segments if (m := pattern.search(strip_markers(s.text)))), None)
            if written is not None and written.casefold() == phrase.casefold():
                phrase = written
            existing = self._existing(job, phrase, src)
            target = ""
            if existing is not None:
                target = existing.preferred(lang) or ""
            if not target:
                engine = resolve(get_engine(self.config.engine), src, lang)
                target = translate_text(phrase, src, lang, engine, job.entries).strip()
                target = re.sub(r"[.!?;:,]+$", "", target).strip()
                if phrase[:1].islower() and target[:1].isupper() and target[1:2].islower():
                    target = target[0].lower() + target[1:]  # the engine's sentence capital, not the term's
            return {"source": phrase, "target": target, "grammar": self.grammar(lang, target),
                    "existing": existing.id if existing is not None else ""}

    def grammar(self, lang: str, term: str) -> str:
        """Gender and number of `term` ("f", "m pl") from the language's analyser, "" where it has none or does
        not know the word."""
        from ...engines.morphology import morphology
        from ...terms.edit import suggested_grammar

        if lang not in self.targets:
            raise NotFound(lang)
        term = term.strip()
        if not term:
            return ""
        morph = morphology(lang)
        if morph is None:
            return ""
        with self.lock:
            return suggested_grammar(_clean_term(term, "the term"), morph)

    def _existing(self, job: "Job", phrase: str, src: str):
        folded = " ".join(phrase.split()).casefold()
        return next((e for e in job.entries if any(" ".join(f.split()).casefold() == folded
                                                     for f in e.source_forms(src))), None)

    def add_term(self, slug: str, lang: str, source: str, target: str, grammar: str, glossary: int,
                 note: str = "") -> tuple[str, str]:
        """Add an entry (source term, target term, its grammar) to the job's glossary number `glossary`, through
        the locked canonical writer `translate glossary add` uses. Returns (entry id, the file as the project
        names it)."""
        from ...data import GlossaryEntry
        from ...terms.edit import add_entry, edit_glossary
        from ...terms.glossary import parse_grammar

        source = _clean_term(source, "the source term")
        target = _clean_term(target, "the target term")
        if len(note) > 2000:
            raise UserError("a note of more than 2000 characters")
        paths = self.glossary_paths()
        if not 0 <= glossary < len(paths):
            raise UserError("no such glossary in this project")
        path = paths[glossary]
        with self.lock:
            job, _, src = self.document(slug, lang)
            existing = self._existing(job, source, src)
            if existing is not None:
                raise UserError(f"'{source}' is already in the glossary (entry {existing.id!r}); change it with "
                                f"translate glossary edit {existing.id}")
            spec = grammar.strip()
            entry = GlossaryEntry(id="", terms={src: source, lang: target}, note=note.strip(),
                                  grammar={lang: parse_grammar(spec, "grammar")} if spec else {})
            added: list[str] = []

            def change(g):
                new = add_entry(g, entry)
                added.append(new.entries[-1].id)
                return new

            edit_glossary(path, change)
            return added[-1], _shown(path, self.config.root)

    def coverage(self, slug: str | None = None) -> list[tuple[str, int]]:
        """Frequent phrases without a glossary entry (as `translate glossary coverage` finds them), in one article
        or in all of them."""
        from ...terms.edit import coverage

        with self.lock:
            job = self.job()
            docs = [d for d in job.documents if slug is None or d.slug == slug]
            by_src: dict[str, list] = {}
            for d in docs:
                by_src.setdefault(job.source_of(d), []).append(d)
            found: dict[str, int] = {}
            for src, group in by_src.items():
                for phrase, count in coverage(job.entries, group, src).candidates:
                    found[phrase] = found.get(phrase, 0) + count
            return sorted(found.items(), key=lambda x: (-x[1], x[0]))

    # --- preview and PDF ------------------------------------------------------------------------------------------

    def preview_html(self, slug: str, lang: str) -> str:
        """The pamphlet's web page for the article with the current translations (the layout `--format html`
        writes)."""
        from ...pipeline import render_options
        from ...publish.render import to_html
        from ..state import reviewed_paragraphs

        with self.lock:
            job, doc, _ = self.document(slug, lang)
            translation = self.translation(slug, lang)
            return to_html(translation, render_options(job), standalone=True,
                           reviewed=reviewed_paragraphs(doc, translation.reviewed))

    def pdf_path(self, slug: str, lang: str) -> Path:
        """The article's PDF in the output folder, if it is there and really inside it; NotFound else."""
        from ...pipeline import output_paths

        job, doc, src = self.document(slug, lang)
        path = output_paths(job.out, _Probe(doc, src, lang))["pdf"]
        if not path.is_file() or not inside(path, [self.output_root]):
            raise NotFound(str(path))
        return path

    def render(self, slug: str, lang: str) -> RenderTask:
        """Start rendering the article's PDF (one at a time per article and language) and return its task."""
        self.document(slug, lang)
        with self.lock:
            for task in self.renders.values():
                if task.slug == slug and task.lang == lang and task.state not in ("done", "failed"):
                    return task
            task = RenderTask(f"r{next(self._ids)}", slug, lang)
            self.renders[task.id] = task
        threading.Thread(target=self._render, args=(task,), name=f"render {slug} {lang}", daemon=True).start()
        return task

    def _render(self, task: RenderTask) -> None:
        """What `translate run` does for one article and language: plan, take corrections from the Markdown,
        translate, write the Markdown and the PDF (and whatever else the job's formats say)."""
        import logging

        from ... import pipeline
        from ..job import harvest

        try:
            task.state = "reading"
            _, doc, _ = self.document(task.slug, task.lang)
            formats = tuple(dict.fromkeys((*self.config.formats, "pdf")))
            config = self.config.override(source=(doc.path,), targets=(task.lang,), formats=formats)
            with self.lock:
                plan = pipeline.plan_job(config)
                harvested = harvest(plan)
                task.total = plan.segment_count(task.lang)
                task.state = "translating"

                def progress(tgt: str, kind: str, n: int) -> None:
                    task.done = min(task.total, task.done + n)

                results = pipeline.translate_all(plan, progress)
            task.state = "typesetting"
            task.done = task.total
            written = pipeline.write_all(plan, results, harvests=harvested)
            task.messages = [*harvested.messages, *(m for w in written for m in w.messages)]
            task.pdf = pipeline.output_paths(plan.out, results[0])["pdf"]
            task.state = "done"
            fresh = any(task.pdf in w.paths for w in written)
            task.message = f"{task.pdf.name} " + ("written" if fresh else "is up to date (nothing in it changed)")
        except UserError as exc:
            task.state, task.message = "failed", str(exc)
        except Exception as exc:  # the page must hear of it; the server goes on
            logging.getLogger(__name__).exception("rendering %s [%s]", task.slug, task.lang)
            task.state, task.message = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            task.seconds = time.monotonic() - task.started

    def whoami(self) -> str:
        from ..harvest import whoami

        return whoami(self.config.root)


@dataclass(frozen=True)
class _Probe:
    """Enough of a Translation for pipeline.output_paths."""

    source: "Document"
    source_lang: str
    target_lang: str


def _shown(path: Path, root: Path) -> str:
    """A path as the editor knows it: from the project's folder when it is inside."""
    full, base = Path(path).resolve(), Path(root).resolve()
    return full.relative_to(base).as_posix() if base in full.parents else str(path)


def _title(doc: "Document") -> str:
    return re.sub(r"\s+", " ", doc.meta.title).strip() or doc.slug


def _clean_term(text: str, what: str) -> str:
    clean = " ".join(str(text).split()).strip(" \t.,;:!?\"'‘’“”()[]")
    if not clean:
        raise UserError(f"{what}: empty")
    if len(clean) > MAX_TERM:
        raise UserError(f"{what}: more than {MAX_TERM} characters; a glossary term is a word or a phrase")
    return clean

