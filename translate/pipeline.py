"""The only orchestrator: read_article -> protect_terms -> engine -> restore_terms -> check_terms -> write/render.

Everything is read, validated and translated before anything is written, so bad input leaves build/ untouched.
"""

from __future__ import annotations

import functools
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from .config import ProjectConfig
from .data import (
    CLOSE,
    OPEN,
    SPAN_CLOSE,
    SPAN_OPEN,
    Document,
    GlossaryEntry,
    Meta,
    TermHit,
    Translation,
)
from .document import inline_block, read_article
from .engines import Engine, resolve
from .errors import UserError
from .memory import TranslationMemory, entry_fingerprint, segment_key
from .publish.writer import block_markdown
from .terms.check import SegmentCheck, check_signature, check_terms
from .terms.glossary import matcher as shared_matcher

if TYPE_CHECKING:
    from .review.state import Human

MARKER_SPLIT_RE = re.compile(f"([{OPEN}{SPAN_OPEN}{SPAN_CLOSE}]\\d+{CLOSE})")  # split() keeps the markers

Progress = Callable[[str, int], None]  # ("cached" | "reviewed" | "translated", number of segments)


def _tidy_spacing(text: str) -> str:
    """No space just inside emphasis or a link: engines pad markers with spaces."""
    text = re.sub(f"({SPAN_OPEN}\\d+{CLOSE})\\s+", r"\1", text)
    return re.sub(f"\\s+({SPAN_CLOSE}\\d+{CLOSE})", r"\1", text).strip()


def _memory_key(text: str, hits: Sequence[TermHit], identity: str, src: str, tgt: str) -> tuple[str, str]:
    """(key, glossary fingerprint) of a segment in the translation memory."""
    touching = {h.entry.id: h.entry for h in hits}.values()
    fingerprint = entry_fingerprint(touching, tgt)
    return segment_key(identity, src, tgt, text, fingerprint), fingerprint


def translate_pair(
    docs: Sequence[Document],
    src: str,
    tgt: str,
    engine: Engine,
    entries: Sequence[GlossaryEntry],
    memory: "TranslationMemory | None" = None,
    progress: Progress | None = None,
    human: "Sequence[Human] | None" = None,
) -> list[Translation]:
    """Translate several documents into one language: what a person reviewed (`human`, one per document, from the
    review store) is used as it is and only checked; what the memory has is reused; everything else goes to the
    glossary's enforcement flow together, in one batch across all the documents."""
    from .engines.morphology import morphology
    from .terms.enforce import Context, Item, enforce

    started = time.perf_counter()
    concrete = resolve(engine, src, tgt)
    identity = concrete.identity(src, tgt)
    matcher = shared_matcher(tuple(entries), src)
    hits: list[dict[str, list[TermHit]]] = []
    for doc in docs:
        found = {s.id: matcher.find(s.text) for s in doc.segments} if matcher else {}
        hits.append({k: v for k, v in found.items() if v})

    finals: list[dict[str, str]] = [{} for _ in docs]
    strategies: list[dict[tuple[str, str], str]] = [{} for _ in docs]
    unknown: list[dict[str, tuple[str, ...]]] = [{} for _ in docs]
    keys: dict[tuple[int, str], tuple[str, str]] = {}
    reviewed = 0
    for i, found in enumerate(human or ()):
        # a person's translation is never sent to an engine; its terms are checked, not changed
        finals[i].update(found.texts)
        reviewed += len(found.texts)
        for sid in found.texts:
            for hit in hits[i].get(sid, []):
                strategies[i][(sid, hit.entry.id)] = "human"
    if progress and reviewed:
        progress("reviewed", reviewed)
    kept: list[dict[str, "SegmentCheck"]] = [{} for _ in docs]  # term checks the memory kept for its texts
    if memory is not None:
        for i, doc in enumerate(docs):
            for seg in doc.segments:
                if seg.id in finals[i]:
                    continue  # a reviewed translation: neither remembered nor sent
                keys[(i, seg.id)] = _memory_key(seg.text, hits[i].get(seg.id, []), identity, src, tgt)
        remembered = memory.get_many([k for k, _ in keys.values()])
        for (i, sid), (key, _) in keys.items():
            if key in remembered:
                finals[i][sid] = remembered[key].target
                unknown[i][sid] = remembered[key].unknown
                for entry_id, strategy in remembered[key].strategies.items():
                    strategies[i][(sid, entry_id)] = strategy
    context = Context(concrete, src, tgt, morphology(src), morphology(tgt))
    signature = check_signature(context.source_morph, context.target_morph)
    if memory is not None:
        for (i, sid), (key, _) in keys.items():
            if key in remembered and remembered[key].check is not None:
                check = SegmentCheck.from_json(sid, remembered[key].check, signature)
                if check is not None:
                    kept[i][sid] = check
    cached_per_doc = [len(f) - len(human[i].texts if human else ()) for i, f in enumerate(finals)]
    cached = sum(cached_per_doc)
    if progress and cached:
        progress("cached", cached)

    if memory is not None:
        context.learnt.update(memory.renderings(identity, src, tgt))
    known = set(context.learnt)
    # Everything not remembered, from every document, in one batch; a sentence that occurs more than once is
    # translated once, so all its occurrences read the same, this run and every later one (the memory keeps one
    # translation of it, and Apertium's tagger would read each occurrence in the light of its neighbours).
    items: list[Item] = []
    where: list[tuple[int, str, str]] = []  # (document, segment id, source text) of each item
    item_of: dict[str, int] = {}
    for i, doc in enumerate(docs):
        for block in doc.blocks:
            for seg in block.segments:
                if seg.id in finals[i]:
                    continue
                if seg.text not in item_of:
                    item_of[seg.text] = len(items)
                    enforceable = tuple(h for h in hits[i].get(seg.id, []) if h.entry.preferred(tgt) is not None)
                    items.append(Item(f"{i}|{seg.id}", seg.text, enforceable, len(block.markup)))
                where.append((i, seg.id, seg.text))
    if items:
        rows = []
        outcomes = enforce(items, context)
        for (i, sid, source_text), outcome in ((w, outcomes[item_of[w[2]]]) for w in where):
            finals[i][sid] = _tidy_spacing(outcome.text)
            unknown[i][sid] = outcome.unknown
            for entry_id, strategy in outcome.strategies.items():
                strategies[i][(sid, entry_id)] = strategy
            if memory is not None:
                mkey, fingerprint = keys[(i, sid)]
                rows.append((mkey, identity, src, tgt, source_text, fingerprint, finals[i][sid],
                             outcome.strategies, {"unknown": list(outcome.unknown)}))
        if memory is not None and rows:
            memory.put_many(rows)
        if memory is not None and set(context.learnt) - known:
            memory.put_renderings(identity, src, tgt, {f: r for f, r in context.learnt.items() if f not in known})
        if progress:
            progress("translated", len(where))

    seconds = time.perf_counter() - started
    results = []
    new_checks: dict[str, dict] = {}
    for i, doc in enumerate(docs):
        found = human[i] if human else None
        markup = found.markup if found else {}
        out_blocks = tuple(
            replace(b, segments=tuple(replace(s, text=finals[i][s.id]) for s in b.segments),
                    markup=markup.get(b.id, b.markup)) for b in doc.blocks
        )
        left = tuple(dict.fromkeys(w for s in doc.segments for w in unknown[i].get(s.id, ())))
        checked = hits[i]
        if found and found.check_in:
            # a correction of a whole block is in its first sentence: the block's terms are checked there
            checked = {k: list(v) for k, v in hits[i].items()}
            for sid, into in found.check_in.items():
                moved = checked.pop(sid, [])
                checked.setdefault(into, []).extend(moved)
                for hit in moved:
                    strategies[i][(into, hit.entry.id)] = "human"
        usable = kept[i] if checked is hits[i] else {}  # a reviewed block's terms moved: everything afresh
        made: dict[str, SegmentCheck] = {}
        report = check_terms(checked, finals[i], strategies[i], src, tgt, context.source_morph,
                             context.target_morph, left, usable, made)
        if memory is not None:
            # kept for the next run: the check of a segment is its memory row's, as long as the analysers are
            new_checks.update({keys[(i, sid)][0]: c.to_json(signature) for sid, c in made.items() if (i, sid) in keys})
        results.append(Translation(doc, src, tgt, out_blocks, identity, report, seconds, cached=cached_per_doc[i],
                                   reviewed=tuple(sorted(found.reviewed)) if found else (),
                                   stale=tuple(sorted(found.stale)) if found else (),
                                   reviewer=found.translator if found else ""))
    if memory is not None and new_checks:
        memory.put_checks(new_checks)
    return results


def translate_document(
    doc: Document,
    src: str,
    tgt: str,
    engine: Engine,
    entries: Sequence[GlossaryEntry],
    memory: "TranslationMemory | None" = None,
    progress: Progress | None = None,
) -> Translation:
    return translate_pair([doc], src, tgt, engine, entries, memory, progress)[0]


def translate_text(text: str, src: str, tgt: str, engine: Engine, entries: Sequence[GlossaryEntry]) -> str:
    """Plain text (paragraphs separated by blank lines) through the same stages as an article."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    blocks = tuple(inline_block(f"b{i + 1}", "paragraph", p) for i, p in enumerate(paragraphs))
    doc = Document(path=Path("-"), slug="text", meta=Meta(title=""), blocks=blocks)
    result = translate_document(doc, src, tgt, engine, entries)
    return "\n\n".join(block_markdown(b) for b in result.blocks)


# --- jobs: many articles into many languages -----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A checked plan: every article read, every glossary loaded, an engine for every pair."""

    config: ProjectConfig
    documents: tuple[Document, ...]
    entries: tuple[GlossaryEntry, ...]
    glossaries: tuple[tuple[str, str], ...]  # (name, content hash) of each glossary used, for colophons

    @property
    def out(self) -> Path:
        return self.config.output

    def source_of(self, doc: Document) -> str:
        return self.config.source_lang or doc.meta.lang

    def pairs(self) -> list[tuple[str, str, tuple[Document, ...]]]:
        """(source, target, documents) for every language pair the job translates."""
        groups: dict[tuple[str, str], list[Document]] = {}
        for tgt in self.config.targets:
            for doc in self.documents:
                src = self.source_of(doc)
                if src != tgt:
                    groups.setdefault((src, tgt), []).append(doc)
        return [(s, t, tuple(d)) for (s, t), d in groups.items()]

    def segment_count(self, tgt: str | None = None) -> int:
        return sum(len(d.segments) for s, t, docs in self.pairs() if tgt in (None, t) for d in docs)


@dataclass(frozen=True)
class Written:
    translation: Translation
    paths: tuple[Path, ...]
    skipped: tuple[Path, ...] = ()  # outputs already up to date
    messages: tuple[str, ...] = ()  # about an editor's file left as it is (review.job.write_markdown)


def plan_job(config: ProjectConfig) -> Job:
    """Read and check every input (articles, languages, glossaries, engines, render options) before any work."""
    from .document import find_sources
    from .engines import get_engine
    from .terms.glossary import load_glossary, merge

    if not config.targets:
        raise UserError("no target language: give --to es[,fr,...] or 'to:' in translate.yaml")
    if config.output.exists() and not config.output.is_dir():
        raise UserError(f"{config.output}: output folder is a file")
    for above in config.output.parents:
        if above.exists() and not above.is_dir():
            raise UserError(f"{config.output}: cannot be the output folder: {above} is a file; choose another --out")
    engine = get_engine(config.engine)
    documents = tuple(read_article(p) for p in find_sources(list(config.source), config.output))
    paths = list(config.glossaries) if config.glossaries is not None else default_glossaries()
    glossaries = [load_glossary(p) for p in paths]
    from .publish.render import glossary_stamp

    job = Job(config, documents, merge(glossaries), tuple(glossary_stamp(p, g.name) for g, p in zip(glossaries, paths)))
    if not job.pairs():
        raise UserError(f"nothing to do: the articles are already in {', '.join(config.targets)}")
    for src, tgt, _ in job.pairs():
        resolve(engine, src, tgt)
    if "pdf" in config.formats or "html" in config.formats:
        from .publish.render import check_design

        src, tgt, docs = job.pairs()[0]
        check_design(render_options(job), docs[0], src, tgt)
    return job


def default_glossaries() -> list[Path]:
    folder = Path("glossaries")
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []


def open_memory(job: Job) -> TranslationMemory | None:
    from .memory import MEMORY_NAME

    return TranslationMemory(job.out / MEMORY_NAME) if job.config.memory else None


class _Meter:
    """Progress of one language pair, segment by segment: engines report segments as they finish them
    (engines.reporting_segments), translate_pair reports cached and translated totals; the bar never goes past the
    segments that needed the engine, whatever the glossary's extra passes send."""

    def __init__(self, report: Progress):
        self.report = report
        self.budget: int | None = None
        self.live = 0

    def engine(self, n: int) -> None:
        room = n if self.budget is None else max(0, min(n, self.budget - self.live))
        if room:
            self.live += room
            self.report("translated", room)

    def pipeline(self, kind: str, n: int) -> None:
        if kind in ("cached", "reviewed"):
            self.budget = (self.budget or 0) - n
            self.report(kind, n)
        elif n > self.live:
            self.report("translated", n - self.live)
            self.live = n


def _translate_pair_job(job: Job, src: str, tgt: str, docs: tuple[Document, ...], threads: int | None,
                        progress: Progress | None = None) -> list[Translation]:
    from .engines import get_engine, reporting_segments

    if threads:
        from .engines import argos

        argos.set_threads(threads)
    if progress is None and _WORKER_QUEUE is not None:
        progress = lambda kind, n: _WORKER_QUEUE.put((tgt, kind, n))  # noqa: E731
    meter = _Meter(progress) if progress else None
    if meter is not None:
        meter.budget = sum(len(d.segments) for d in docs)
    from .review.job import human_for

    human = human_for(job.config, src, tgt, docs)
    memory = open_memory(job)
    try:
        with reporting_segments(meter.engine if meter else (lambda n: None)):
            return translate_pair(docs, src, tgt, get_engine(job.config.engine), job.entries, memory,
                                  meter.pipeline if meter else None, human)
    finally:
        if memory is not None:
            memory.close()


_WORKER_QUEUE = None  # in a worker process of translate_all: where its progress goes


def _init_worker(queue, parent: int) -> None:
    """A worker of translate_all dies with its parent, even by kill -9 (it would hold the caller's terminal and the
    memory for minutes), and leaves Ctrl-C to the parent, which stops every worker and says so once."""
    import os
    import signal

    global _WORKER_QUEUE
    _WORKER_QUEUE = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in this block (main thread only): a worker process started in it starts with it ignored,
    so a Ctrl-C while it is still importing does not print its traceback."""
    import signal

    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    try:
        yield
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)


def _stop_workers(pool, before: set) -> None:
    """Kill the pool's processes (those started since `before`) and leave without waiting for their work."""
    import multiprocessing

    children = set(multiprocessing.active_children()) - before
    for child in children:
        child.kill()
    for child in children:
        child.join(5)  # reaped: what they leave can be told from what live processes write
    pool.shutdown(wait=False, cancel_futures=True)


def _die_with_parent() -> None:
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the parent still stops its workers on any error or Ctrl-C
        pass


def _translate_pair_worker(job: Job, src: str, tgt: str, docs: tuple[Document, ...], threads: int):
    """In a worker process: the translations and the warnings raised there, which the parent shows."""
    import warnings

    from .errors import TranslateWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default", TranslateWarning)
        translations = _translate_pair_job(job, src, tgt, docs, threads)
    return translations, [str(w.message) for w in caught if issubclass(w.category, TranslateWarning)]


def translate_all(job: Job, progress: Callable[[str, str, int], None] | None = None) -> list[Translation]:
    """Every language pair, one batch per pair; with jobs > 1, pairs run in parallel processes that share the
    machine's cores between them. progress(target, kind, n) reports segments cached or translated as they are,
    from the worker processes too."""
    pairs = job.pairs()
    jobs = min(workers(job), len(pairs))
    if jobs > 1 and not job.config.jobs and _to_translate(job) < PARALLEL_SEGMENTS:
        jobs = 1  # the default: a small job, or one the memory mostly has, is quicker in one process
    results: dict[tuple[str, str], list[Translation]] = {}
    if jobs <= 1:
        for src, tgt, docs in pairs:
            report = (lambda kind, n, t=tgt: progress(t, kind, n)) if progress else None
            results[(src, tgt)] = _translate_pair_job(job, src, tgt, docs, None, report)
    else:
        import multiprocessing
        import os
        import queue as queues
        import warnings
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        from .engines.argos import available_cpus
        from .errors import TranslateWarning

        # The memory is made here, once, before any worker opens it: workers never race to create it.
        memory = open_memory(job)
        if memory is not None:
            memory.close()
        threads = max(1, available_cpus() // jobs)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited model or DB handles
        messages = context.Queue() if progress else None

        def drain() -> None:
            while messages is not None:
                try:
                    progress(*messages.get_nowait())
                except queues.Empty:
                    return

        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                                   initargs=(messages, os.getpid()))
        try:
            # Workers are started by submit; ignoring SIGINT meanwhile, they start with it ignored, so a Ctrl-C
            # while one is still importing does not print its traceback (the parent's handler is not inherited).
            with _sigint_ignored():
                futures = {pool.submit(_translate_pair_worker, job, s, t, d, threads): (s, t) for s, t, d in pairs}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                drain()
                for future in done:
                    future.result()  # a pair that failed stops the others at once
            for future, (src, tgt) in futures.items():
                translations, warned = future.result()
                results[(src, tgt)] = translations
                for message in warned:
                    warnings.warn(message, TranslateWarning, stacklevel=2)
            drain()
        except BaseException:
            _stop_workers(pool, before)  # Ctrl-C or a failed pair: the other workers are stopped, not waited for
            raise
        pool.shutdown(wait=True)
    order = {doc.path: i for i, doc in enumerate(job.documents)}
    flat = [t for (_, _), ts in results.items() for t in ts]
    return sorted(flat, key=lambda t: (order[t.source.path], job.config.targets.index(t.target_lang)))


def _to_translate(job: Job) -> int:
    """How many segments of the job the translation memory does not have (all of them without a memory)."""
    memory = open_memory(job)
    if memory is None:
        return job.segment_count()
    from .engines import get_engine

    engine = get_engine(job.config.engine)
    missing = 0
    try:
        for src, tgt, docs in job.pairs():
            identity = resolve(engine, src, tgt).identity(src, tgt)
            matcher = shared_matcher(tuple(job.entries), src)
            keys = [_memory_key(seg.text, matcher.find(seg.text) if matcher else [], identity, src, tgt)[0]
                    for doc in docs for seg in doc.segments]
            missing += len(set(keys)) - len(memory.get_many(list(set(keys))))
    finally:
        memory.close()
    return missing


def output_paths(out: Path, translation: Translation) -> dict[str, Path]:
    slug = translation.source.slug
    folder = out / slug
    pair = f"{translation.source_lang}-{translation.target_lang}"
    return {
        "md": folder / f"{slug}.{translation.target_lang}.md",
        "pdf": folder / f"{slug}.{pair}.pdf",
        "booklet": folder / f"{slug}.{pair}.booklet.pdf",
        "html": folder / f"{slug}.{pair}.html",
        "terms": folder / f"{slug}.{pair}.terms.json",
    }


def render_options(job: Job):
    from .publish.render import RenderOptions

    c = job.config
    return RenderOptions(layout=c.layout, source_side=c.source_side, paper=c.paper, booklet=c.booklet,
                         pdf_variant=c.pdf_variant, marks=c.marks, theme=c.theme, glossaries=job.glossaries)


def _render_inputs(translation: Translation, options, fmt: str) -> str:
    """Everything a rendered output depends on, hashed: like make, an unchanged output is not rendered again."""
    import hashlib
    import json

    from . import __version__
    from .publish.render import design_fingerprint

    data = {
        "format": fmt,
        "version": __version__,
        "design": design_fingerprint(options) if options is not None else _writer_fingerprint(),
        "file": translation.source.path.name,
        "options": repr(options),
        "engine": translation.engine,
        "meta": repr(translation.source.meta),
        "source": repr((translation.source.tree, translation.source.blocks)),
        "target": [(b.id, [s.text for s in b.segments], repr(b.markup)) for b in translation.blocks],
        "terms": translation.report.to_json(),
        "reviewed": [translation.reviewed, translation.reviewer],
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _writer_fingerprint() -> str:
    """The Markdown writer's code and mdformat's version: what a translated .md looks like besides its text."""
    import hashlib
    from importlib.metadata import version

    from .publish import writer

    return hashlib.sha256(Path(writer.__file__).read_bytes() + version("mdformat").encode()).hexdigest()


def _digest(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _unchanged(path: Path, memory: TranslationMemory) -> bool:
    """The file is as the run that recorded it wrote it (an editor's change is not 'up to date')."""
    recorded = memory.output_digest(path)
    return bool(recorded) and recorded == _digest(path)


def _write_if_changed(path: Path, text: str) -> bool:
    from .files import write_atomic

    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text)
    return True


# A worker process costs about a second to start (Python, WeasyPrint, fontconfig): below these sizes a job is
# quicker in one process, unless --jobs says otherwise. Workers are replaced after RENDERS_PER_WORKER PDFs, so a
# long job's memory stays bounded.
PARALLEL_SEGMENTS = 300
PARALLEL_RENDERS = 4
RENDERS_PER_WORKER = 20


def workers(job: Job) -> int:
    """Worker processes the job may use: --jobs, else the CPUs this process may use."""
    from .engines.argos import available_cpus

    return job.config.jobs or available_cpus()


@dataclass(frozen=True)
class _Render:
    translation: Translation
    path: Path
    fmt: str
    outputs: tuple[Path, ...]
    inputs: str
    review: dict = field(default_factory=dict)  # what the renderer is told of the editors' review


def _render(task: _Render, options) -> Path:
    """One PDF or HTML page, in this process or a worker's."""
    from .publish.render import render_html, render_pdf

    (render_pdf if task.fmt == "pdf" else render_html)(task.translation, task.path, options, **task.review)
    return task.path


def write_all(job: Job, translations: Sequence[Translation], on_written: Callable[[Path], None] | None = None,
              on_render: Callable[[Path], None] | None = None, harvests=None) -> list[Written]:
    """Write every output; an output whose inputs have not changed since it was written is left alone, and a
    translated Markdown file an editor changed is never overwritten before its corrections are in the review store
    (`harvests`: what review.job.harvest took before translating). Then the store's references and suggestions
    are brought up to date. PDFs and HTML pages are rendered in worker processes when there are several (see
    workers()). on_render(path) is called as a PDF or HTML page starts, on_written(path) when it is written.

    The outputs of the whole batch are renamed into place together at the end (files.staged): a batch that fails
    half-way, on a full disk or by Ctrl-C, leaves every output as it was. A translated Markdown file an editor saves
    while the batch runs is left as they saved it; the new translation goes beside it (<slug>.<lang>.new.md)."""
    import json

    from .files import remove_stale_temporaries, staged, write_atomic
    from .publish.writer import translation_markdown
    from .review.harvest import draft_path, record_path
    from .review.job import record, shown, store_of, write_markdown
    from .review.state import reviewed_paragraphs

    formats = job.config.formats
    memory = open_memory(job)
    options = render_options(job) if ("pdf" in formats or "html" in formats) else None
    store = store_of(job.config)
    catalogs = {t: store.read(t) for t in {x.target_lang for x in translations} if store.path(t).is_file()}
    done: dict[int, list[Path]] = {}
    skipped: dict[int, list[Path]] = {}
    messages: dict[int, tuple[str, ...]] = {}
    tasks: list[tuple[int, _Render]] = []
    markdown: dict[Path, tuple[int, str]] = {}  # Markdown files this batch writes: (translation, text)
    guarded: dict[Path, tuple[Path, ...]] = {}  # ... each with the record written beside it
    md_inputs: list[tuple[Path, str]] = []  # (file, its inputs), remembered once it is in place
    rendered: list[tuple[Path, str]] = []
    try:
        with staged(guarded=guarded) as staging:
            for i, translation in enumerate(translations):
                paths = output_paths(job.out, translation)
                for folder in {paths["terms"].parent, record_path(paths["terms"]).parent}:
                    remove_stale_temporaries(folder)  # what a run killed with -9 left
                done[i], skipped[i], messages[i] = [], [], ()
                report_json = json.dumps(translation.report.to_json(), ensure_ascii=False, indent=2) + "\n"
                (done[i] if _write_if_changed(paths["terms"], report_json) else skipped[i]).append(paths["terms"])
                if "md" in formats:
                    path = paths["md"]
                    inputs = _render_inputs(translation, None, "md")
                    if memory is not None and memory.output_inputs(path) == inputs and _unchanged(path, memory):
                        skipped[i].append(path)  # the file as this job wrote it, from the same translation
                    else:
                        text = translation_markdown(translation)
                        outcome = write_markdown(job, translation, path, text, harvests,
                                                 catalogs.get(translation.target_lang))
                        done[i].extend(outcome.written)
                        skipped[i].extend(outcome.skipped)
                        messages[i] = outcome.messages
                        if path in outcome.written:
                            markdown[path] = (i, text)
                            guarded[path] = (record_path(path),)
                        if memory is not None and not outcome.messages and path in (*outcome.written,
                                                                                    *outcome.skipped):
                            md_inputs.append((path, inputs))
                review = {"reviewed": reviewed_paragraphs(translation.source, translation.reviewed)}
                for fmt in ("pdf", "html"):
                    if fmt not in formats:
                        continue
                    path = paths[fmt]
                    outputs = (path,) + ((paths["booklet"],) if fmt == "pdf" and options.booklet else ())
                    inputs = _render_inputs(translation, options, fmt)
                    if memory is not None and all(p.exists() for p in outputs) and memory.output_inputs(path) == inputs:
                        skipped[i].extend(outputs)
                        continue
                    tasks.append((i, _Render(translation, path, fmt, outputs, inputs, review)))

            def finished(i: int, task: _Render) -> None:
                rendered.append((task.path, task.inputs))
                done[i].extend(task.outputs)
                if on_written:
                    on_written(task.path)

            count = min(workers(job), len(tasks))
            if count <= 1 or (not job.config.jobs and len(tasks) < PARALLEL_RENDERS):
                for i, task in tasks:
                    if on_render:
                        on_render(task.path)
                    _render(task, options)
                    finished(i, task)
            else:
                _render_in_workers(tasks, options, count, on_render, finished, staging)
        for path in staging.changed:  # saved by someone while the batch ran: theirs stays, ours goes beside it
            i, text = markdown[path]
            draft = draft_path(path)
            write_atomic(draft, text)
            done[i] = [draft if p == path else p for p in done[i]]
            messages[i] += (f"{shown(path)}: changed while translate was running; left as it is, with your edits; "
                            f"the new translation is in {shown(draft)}",)
        if memory is not None:
            for path, inputs in md_inputs:
                if path not in staging.changed:
                    memory.record_output(path, inputs, _digest(path))
            for path, inputs in rendered:
                memory.record_output(path, inputs)
    finally:
        if memory is not None:
            memory.close()
    record(job, translations)
    return [Written(t, tuple(done[i]), tuple(skipped[i]), messages[i]) for i, t in enumerate(translations)]


def _render_staged(task: _Render, options) -> tuple[dict, dict]:
    """In a render worker: the task's files written to their temporary names, for the parent's batch to rename."""
    from .files import staged

    with staged(commit=False) as staging:
        _render(task, options)
    return staging.pending, staging.seen


def _render_in_workers(tasks, options, count: int, on_render, finished, staging) -> None:
    """Render in `count` spawned processes, at most `count` tasks out at a time (each carries its translation),
    reported in the order they finish. Their files join the parent's staged batch. Workers die with the parent
    and leave Ctrl-C to it; on any error or Ctrl-C they are stopped at once and what they left is removed."""
    import multiprocessing
    import os
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .files import remove_temporaries

    context = multiprocessing.get_context("spawn")
    pending = list(reversed(tasks))
    running: dict = {}
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=count, mp_context=context, max_tasks_per_child=RENDERS_PER_WORKER,
                               initializer=_init_worker, initargs=(None, os.getpid()))
    try:
        while pending or running:
            while pending and len(running) < count:
                i, task = pending.pop()
                if on_render:
                    on_render(task.path)
                with _sigint_ignored():  # a worker started now starts with Ctrl-C ignored
                    running[pool.submit(_render_staged, task, options)] = (i, task)
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in ready:
                i, task = running.pop(future)
                staging.adopt(*future.result())  # a worker's error (a theme's, a full disk) is the run's
                finished(i, task)
    except BaseException:
        _stop_workers(pool, before)
        for _, task in running.values():
            for path in task.outputs:
                remove_temporaries(path)
        raise
    pool.shutdown(wait=True)
