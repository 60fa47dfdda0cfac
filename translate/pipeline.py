"""The only orchestrator: read_article -> protect_terms -> engine -> restore_terms -> check_terms -> write/render.

Everything is read, validated and translated before anything is written, so bad input leaves build/ untouched.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from .config import ProjectConfig
from .data import (
    CLOSE,
    OPEN,
    SPAN_CLOSE,
    SPAN_OPEN,
    Block,
    Document,
    GlossaryEntry,
    Meta,
    TermHit,
    Translation,
    strip_markers,
)
from .document import inline_block, read_article
from .engines import Engine, resolve
from .errors import UserError
from .memory import TranslationMemory, entry_fingerprint, segment_key
from .publish.writer import block_markdown
from .terms.check import check_terms, segment_realizes
from .terms.enforce import choose_hypothesis, clean_rendering, substitute, term_forms_to_learn
from .terms.glossary import TermMatcher
from .terms.protect import markers_kept, mask_hits, restore_terms

MARKER_SPLIT_RE = re.compile(f"([{OPEN}{SPAN_OPEN}{SPAN_CLOSE}]\\d+{CLOSE})")  # split() keeps the markers

Progress = Callable[[str, int], None]  # ("cached" | "translated", number of segments)


def _needs_engine(text: str) -> bool:
    return any(ch.isalpha() for ch in strip_markers(text))


def _tidy_spacing(text: str) -> str:
    """No space just inside emphasis or a link: engines pad markers with spaces."""
    text = re.sub(f"({SPAN_OPEN}\\d+{CLOSE})\\s+", r"\1", text)
    return re.sub(f"\\s+({SPAN_CLOSE}\\d+{CLOSE})", r"\1", text).strip()


def _hypotheses(engine: Engine, texts: list[str], src: str, tgt: str, n: int) -> list[list[str]]:
    """n-best lists when the engine has them (Argos), else its one translation per text."""
    if not texts:
        return []
    method = getattr(engine, "hypotheses", None)
    if method is not None and n > 1:
        return method(texts, src, tgt, n)
    return [[t] for t in engine.translate(texts, src, tgt)]


def _translate_runs(engine: Engine, items: list[tuple[str, str]], src: str, tgt: str) -> dict[str, str]:
    """Fallback for segments whose markers an engine lost: the runs between markers, each on its own."""
    runs = [r for _, text in items for r in MARKER_SPLIT_RE.split(text)[::2] if _needs_engine(r)]
    translated = iter(engine.translate(runs, src, tgt)) if runs else iter(())
    out: dict[str, str] = {}
    for key, text in items:
        rebuilt = []
        for i, part in enumerate(MARKER_SPLIT_RE.split(text)):
            if i % 2:
                rebuilt.append(part)
            elif _needs_engine(part):
                lead = " " if part[:1].isspace() else ""
                tail = " " if part[-1:].isspace() else ""
                rebuilt.append(lead + next(translated) + tail)
            else:
                rebuilt.append(part)
        out[key] = "".join(rebuilt)
    return out


def _translate_core(
    doc: Document,
    src: str,
    tgt: str,
    concrete: Engine,
    hits: dict[str, list[TermHit]],
    hypotheses: int = 4,
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Translate every segment of `doc` in one batch, then enforce the glossary (see enforce.py).

    Returns the final text of each segment (terms in place, markup markers kept) and each term's strategy."""
    segments = doc.segments
    block_of = {s.id: b.id for b in doc.blocks for s in b.segments}
    enforce_hits = {k: [h for h in v if h.entry.preferred(tgt) is not None] for k, v in hits.items()}
    keep_hits = {k: [h for h in v if h.entry.kind == "keep"] for k, v in enforce_hits.items()}
    strategies: dict[tuple[str, str], str] = {}

    # Pass 1: the whole document in one batch, keep entries masked, terms left to the engine.
    masked, markers = mask_hits(doc, keep_hits)
    masked_text = {s.id: s.text for s in masked.segments}
    to_send = [s.id for s in segments if _needs_engine(masked_text[s.id])]
    outputs = {s.id: masked_text[s.id] for s in segments}
    sent_as = dict(masked_text)  # the text each output was translated from, markers and all
    n = hypotheses if any(enforce_hits.values()) else 1
    for sid, hyps in zip(to_send, _hypotheses(concrete, [masked_text[s] for s in to_send], src, tgt, n)):
        choice = choose_hypothesis(masked_text[sid], hyps, enforce_hits.get(sid, []), tgt)
        outputs[sid] = choice.text
        for hit in enforce_hits.get(sid, []):
            strategies[(sid, hit.entry.id)] = "placeholder" if hit.entry.kind == "keep" else choice.strategy

    def unrealized(sid: str) -> bool:
        return not segment_realizes(enforce_hits.get(sid, []), outputs[sid], tgt)

    # Pass 2: replace the engine's own rendering of a term by the glossary's.
    pending = [sid for sid in enforce_hits if sid in outputs and unrealized(sid)]
    if pending:
        forms = term_forms_to_learn([h for sid in pending for h in enforce_hits[sid]])
        renderings = dict(zip(forms, (clean_rendering(t) for t in concrete.translate(forms, src, tgt))))
        for sid in pending:
            outputs[sid] = substitute(outputs[sid], enforce_hits[sid], renderings, tgt)
            for hit in enforce_hits[sid]:
                if strategies.get((sid, hit.entry.id)) == "engine" and not unrealized(sid):
                    strategies[(sid, hit.entry.id)] = "substitute"
        pending = [sid for sid in pending if unrealized(sid)]

    # Pass 3: mask the terms still missing (then, if the new sentence loses others, every term of the segment);
    # a lost marker sends the segment to the run-by-run fallback.
    masked_now: dict[str, list[TermHit]] = {}
    for widen in (False, True):
        if not pending:
            break
        for sid in pending:
            missing = [h for h in enforce_hits[sid] if widen or not segment_realizes([h], outputs[sid], tgt)]
            masked_now[sid] = sorted({id(h): h for h in masked_now.get(sid, []) + missing}.values(), key=lambda h: h.start)
        masked3, markers3 = mask_hits(doc, {sid: masked_now[sid] for sid in pending})
        text3 = {s.id: s.text for s in masked3.segments}
        markers.update(markers3)
        sent = [sid for sid in pending if _needs_engine(text3[sid])]
        results = dict(zip(sent, concrete.translate([text3[sid] for sid in sent], src, tgt)))
        broken = [(sid, text3[sid]) for sid in sent if not markers_kept(text3[sid], results[sid])]
        for sid in pending:
            outputs[sid] = results.get(sid, text3[sid])
            sent_as[sid] = text3[sid]
            for hit in masked_now[sid]:
                strategies[(sid, hit.entry.id)] = "placeholder"
        if broken:
            outputs.update(_translate_runs(concrete, broken, src, tgt))
            for sid, _ in broken:
                for hit in masked_now[sid]:
                    strategies[(sid, hit.entry.id)] = "fallback"
        pending = [sid for sid in pending if not segment_realizes(enforce_hits[sid], restore_terms(
            outputs[sid], block_of[sid], markers, tgt), tgt)]
    # Any other output that lost a formatting or keep marker: the same run-by-run fallback.
    # Its terms are masked too, so that the pieces carry them.
    lost = [sid for sid in to_send if not markers_kept(sent_as[sid], outputs[sid])]
    if lost:
        masked4, markers4 = mask_hits(doc, {sid: enforce_hits.get(sid, []) for sid in lost})
        markers.update(markers4)
        text4 = {s.id: s.text for s in masked4.segments}
        outputs.update(_translate_runs(concrete, [(sid, text4[sid]) for sid in lost], src, tgt))
        for sid in lost:
            for hit in enforce_hits.get(sid, []):
                strategies[(sid, hit.entry.id)] = "fallback"

    finals: dict[str, str] = {}
    for block in doc.blocks:
        for seg in block.segments:
            text = restore_terms(outputs[seg.id], block.id, markers, tgt)
            finals[seg.id] = _tidy_spacing(text)
    return finals, strategies


def _split_key(key: str) -> tuple[int, str]:
    index, _, rest = key.partition("|")
    return int(index), rest


def translate_pair(
    docs: Sequence[Document],
    src: str,
    tgt: str,
    engine: Engine,
    entries: Sequence[GlossaryEntry],
    memory: "TranslationMemory | None" = None,
    progress: Progress | None = None,
) -> list[Translation]:
    """Translate several documents into one language: what the memory has is reused, everything else goes to the
    engine together, in one batch across all the documents."""
    started = time.perf_counter()
    concrete = resolve(engine, src, tgt)
    identity = concrete.identity(src, tgt)
    matcher = TermMatcher(entries, src)
    hits: list[dict[str, list[TermHit]]] = []
    for doc in docs:
        found = {s.id: matcher.find(s.text) for s in doc.segments} if matcher else {}
        hits.append({k: v for k, v in found.items() if v})

    finals: list[dict[str, str]] = [{} for _ in docs]
    strategies: list[dict[tuple[str, str], str]] = [{} for _ in docs]
    keys: dict[tuple[int, str], tuple[str, str]] = {}
    if memory is not None:
        for i, doc in enumerate(docs):
            for seg in doc.segments:
                touching = {h.entry.id: h.entry for h in hits[i].get(seg.id, [])}.values()
                fingerprint = entry_fingerprint(touching, tgt)
                keys[(i, seg.id)] = (segment_key(identity, src, tgt, seg.text, fingerprint), fingerprint)
        remembered = memory.get_many([k for k, _ in keys.values()])
        for (i, sid), (key, _) in keys.items():
            if key in remembered:
                finals[i][sid] = remembered[key].target
                for entry_id, strategy in remembered[key].strategies.items():
                    strategies[i][(sid, entry_id)] = strategy
    cached_per_doc = [len(f) for f in finals]
    cached = sum(cached_per_doc)
    if progress and cached:
        progress("cached", cached)

    # Everything not remembered, from every document, as one document with prefixed ids.
    blocks: list[Block] = []
    todo_hits: dict[str, list[TermHit]] = {}
    for i, doc in enumerate(docs):
        for block in doc.blocks:
            todo = tuple(replace(s, id=f"{i}|{s.id}") for s in block.segments if s.id not in finals[i])
            if todo:
                blocks.append(replace(block, id=f"{i}|{block.id}", segments=todo))
                for seg in todo:
                    todo_hits[seg.id] = hits[i].get(_split_key(seg.id)[1], [])
    if blocks:
        combined = Document(Path("batch"), "batch", Meta(title=""), tuple(blocks))
        new_finals, new_strategies = _translate_core(combined, src, tgt, concrete, {k: v for k, v in todo_hits.items() if v})
        rows = []
        for key, text in new_finals.items():
            i, sid = _split_key(key)
            finals[i][sid] = text
            seg_strategies = {eid: st for (k, eid), st in new_strategies.items() if k == key}
            for entry_id, strategy in seg_strategies.items():
                strategies[i][(sid, entry_id)] = strategy
            if memory is not None:
                mkey, fingerprint = keys[(i, sid)]
                source_text = next(s.text for s in docs[i].segments if s.id == sid)
                rows.append((mkey, identity, src, tgt, source_text, fingerprint, text, seg_strategies))
        if memory is not None and rows:
            memory.put_many(rows)
        if progress:
            progress("translated", len(new_finals))

    seconds = time.perf_counter() - started
    results = []
    for i, doc in enumerate(docs):
        out_blocks = tuple(
            replace(b, segments=tuple(replace(s, text=finals[i][s.id]) for s in b.segments)) for b in doc.blocks
        )
        report = check_terms(hits[i], finals[i], strategies[i], src, tgt)
        results.append(Translation(doc, src, tgt, out_blocks, identity, report, seconds, cached=cached_per_doc[i]))
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


def plan_job(config: ProjectConfig) -> Job:
    """Read and check every input (articles, languages, glossaries, engines, render options) before any work."""
    from .document import find_sources
    from .engines import get_engine
    from .terms.glossary import load_glossary, merge

    if not config.targets:
        raise UserError("no target language: give --to es[,fr,...] or 'to:' in translate.yaml")
    if config.output.exists() and not config.output.is_dir():
        raise UserError(f"{config.output}: output folder is a file")
    engine = get_engine(config.engine)
    documents = tuple(read_article(p) for p in find_sources(list(config.source)))
    paths = list(config.glossaries) if config.glossaries is not None else default_glossaries()
    glossaries = [load_glossary(p) for p in paths]
    from .publish.render import glossary_stamp

    job = Job(config, documents, merge(glossaries), tuple(glossary_stamp(p, g.name) for g, p in zip(glossaries, paths)))
    if not job.pairs():
        raise UserError(f"nothing to do: the articles are already in {', '.join(config.targets)}")
    for src, tgt, _ in job.pairs():
        resolve(engine, src, tgt)
    if "pdf" in config.formats or "html" in config.formats:
        from .publish.render import validate_options

        validate_options(render_options(job))
    return job


def default_glossaries() -> list[Path]:
    folder = Path("glossaries")
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []


def open_memory(job: Job) -> TranslationMemory | None:
    from .memory import MEMORY_NAME

    return TranslationMemory(job.out / MEMORY_NAME) if job.config.memory else None


def _translate_pair_job(job: Job, src: str, tgt: str, docs: tuple[Document, ...], threads: int | None,
                        progress: Progress | None = None) -> list[Translation]:
    from .engines import get_engine

    if threads:
        from .engines import argos

        argos.set_threads(threads)
    memory = open_memory(job)
    try:
        return translate_pair(docs, src, tgt, get_engine(job.config.engine), job.entries, memory, progress)
    finally:
        if memory is not None:
            memory.close()


def translate_all(job: Job, progress: Callable[[str, str, int], None] | None = None) -> list[Translation]:
    """Every language pair, one batch per pair; with jobs > 1, pairs run in parallel processes that share the
    machine's cores between them. progress(target, kind, n) reports segments cached or translated."""
    import os

    pairs = job.pairs()
    jobs = min(job.config.jobs, len(pairs))
    results: dict[tuple[str, str], list[Translation]] = {}
    if jobs <= 1:
        for src, tgt, docs in pairs:
            report = (lambda kind, n, t=tgt: progress(t, kind, n)) if progress else None
            results[(src, tgt)] = _translate_pair_job(job, src, tgt, docs, None, report)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        threads = max(1, (os.cpu_count() or 1) // jobs)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited model or DB handles
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_translate_pair_job, job, s, t, d, threads): (s, t) for s, t, d in pairs}
            for future, (src, tgt) in futures.items():
                results[(src, tgt)] = translations = future.result()
                if progress:
                    cached = sum(t.cached for t in translations)
                    progress(tgt, "cached", cached)
                    progress(tgt, "translated", sum(len(t.source.segments) for t in translations) - cached)
    order = {doc.path: i for i, doc in enumerate(job.documents)}
    flat = [t for (_, _), ts in results.items() for t in ts]
    return sorted(flat, key=lambda t: (order[t.source.path], job.config.targets.index(t.target_lang)))


def output_paths(out: Path, translation: Translation) -> dict[str, Path]:
    slug = translation.source.slug
    folder = out / slug
    pair = f"{translation.source_lang}-{translation.target_lang}"
    return {
        "md": folder / f"{slug}.{translation.target_lang}.md",
        "pdf": folder / f"{slug}.{pair}.pdf",
        "html": folder / f"{slug}.{pair}.html",
        "terms": folder / f"{slug}.{pair}.terms.json",
    }


def render_options(job: Job):
    from .publish.render import RenderOptions

    c = job.config
    return RenderOptions(layout=c.layout, source_side=c.source_side, paper=c.paper, booklet=c.booklet,
                         pdf_variant=c.pdf_variant, theme=c.theme, glossaries=job.glossaries)


def _render_inputs(translation: Translation, options, fmt: str) -> str:
    """Everything a rendered output depends on, hashed: like make, an unchanged output is not rendered again."""
    import hashlib
    import json

    from . import __version__
    from .publish.render import design_fingerprint

    data = {
        "format": fmt,
        "version": __version__,
        "design": design_fingerprint(options),
        "options": repr(options),
        "engine": translation.engine,
        "meta": repr(translation.source.meta),
        "source": repr((translation.source.tree, translation.source.blocks)),
        "target": [(b.id, [s.text for s in b.segments]) for b in translation.blocks],
        "terms": translation.report.to_json(),
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _write_if_changed(path: Path, text: str) -> bool:
    from .files import write_atomic

    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text)
    return True


def write_all(job: Job, translations: Sequence[Translation], on_written: Callable[[Path], None] | None = None) -> list[Written]:
    """Write every output; an output whose inputs have not changed since it was written is left alone."""
    import json

    from .publish.writer import translation_markdown

    formats = job.config.formats
    memory = open_memory(job)
    options = render_options(job) if ("pdf" in formats or "html" in formats) else None
    written = []
    try:
        for translation in translations:
            paths = output_paths(job.out, translation)
            done: list[Path] = []
            skipped: list[Path] = []
            report_json = json.dumps(translation.report.to_json(), ensure_ascii=False, indent=2) + "\n"
            texts = {"terms": report_json}
            if "md" in formats:
                texts["md"] = translation_markdown(translation)
            for kind, text in texts.items():
                (done if _write_if_changed(paths[kind], text) else skipped).append(paths[kind])
            for fmt in ("pdf", "html"):
                if fmt not in formats:
                    continue
                path = paths[fmt]
                inputs = _render_inputs(translation, options, fmt)
                if memory is not None and path.exists() and memory.output_inputs(path) == inputs:
                    skipped.append(path)
                    continue
                from .publish.render import render_html, render_pdf

                (render_pdf if fmt == "pdf" else render_html)(translation, path, options)
                if memory is not None:
                    memory.record_output(path, inputs)
                done.append(path)
                if on_written:
                    on_written(path)
            written.append(Written(translation, tuple(done), tuple(skipped)))
    finally:
        if memory is not None:
            memory.close()
    return written
