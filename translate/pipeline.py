"""The only orchestrator: read_article -> protect_terms -> engine -> restore_terms -> check_terms -> write/render.

Everything is read, validated and translated before anything is written, so bad input leaves build/ untouched.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from .check import TermReport, check_terms
from .document import MARKER_RE, Block, Document, Markup, Meta, Segment, inline_block, read_article, strip_markers
from .errors import UserError
from .engines import Engine, resolve
from .glossary import GlossaryEntry, TermMatcher
from .protect import markers_kept, protect_terms, restore_terms
from .writer import inline_markdown

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Translation:
    """One document in one target language: blocks with the same ids and markup as the source."""

    source: Document
    source_lang: str
    target_lang: str
    blocks: tuple[Block, ...]
    engine: str  # engine and model identity
    report: TermReport
    seconds: float = 0.0

    def block(self, block_id: str) -> Block:
        return next(b for b in self.blocks if b.id == block_id)

    @property
    def title(self) -> str:
        return plain_text(self.block("title"))


def plain_text(block: Block) -> str:
    return re.sub(r"\s+", " ", strip_markers(block.text)).strip()


def _needs_engine(text: str) -> bool:
    return any(ch.isalpha() for ch in strip_markers(text))


def _runs(text: str) -> list[str]:
    """Text between markers: what a segment falls back to when an engine lost its markers."""
    return [part for part in MARKER_RE.split(text)[::2]]


def _tidy_spacing(text: str, markup: tuple[Markup, ...]) -> str:
    """No space just inside emphasis or a link: engines pad placeholders with spaces."""
    return re.sub(r"\s*\ue000(\d+)\ue001\s*", lambda m: _fix_one(m, markup), text).strip()


def _fix_one(m: re.Match[str], markup: tuple[Markup, ...]) -> str:
    n = int(m.group(1))
    kind = markup[n].kind if n < len(markup) else ""
    token = f"\ue000{n}\ue001"
    before, after = m.group(0).split(token)
    if kind.endswith("_open"):
        return before + token
    if kind.endswith("_close"):
        return token + after
    return m.group(0)


def translate_document(
    doc: Document,
    src: str,
    tgt: str,
    engine: Engine,
    entries: Sequence[GlossaryEntry],
    progress: Progress | None = None,
) -> Translation:
    started = time.perf_counter()
    concrete = resolve(engine, src, tgt)
    matcher = TermMatcher(entries, src)
    protected, hits = protect_terms(doc, matcher, tgt)
    by_id = {e.id: e for e in entries}

    segments: list[Segment] = protected.segments
    to_send = [s for s in segments if _needs_engine(s.text)]
    outputs: dict[str, str] = {s.id: s.text for s in segments}
    if to_send:
        for seg, out in zip(to_send, concrete.translate([s.text for s in to_send], src, tgt)):
            outputs[seg.id] = out
        if progress:
            progress(len(to_send))

    # Markers lost or doubled by the engine: translate the runs between markers on their own, in one more batch.
    strategies = {s.id: "placeholder" for s in segments}
    broken = [s for s in to_send if not markers_kept(s.text, outputs[s.id])]
    if broken:
        runs = [r for s in broken for r in _runs(s.text) if _needs_engine(r)]
        translated = iter(concrete.translate(runs, src, tgt)) if runs else iter(())
        for seg in broken:
            parts = MARKER_RE.split(seg.text)
            rebuilt = []
            for i, part in enumerate(parts):
                if i % 2:
                    rebuilt.append(f"\ue000{part}\ue001")
                else:
                    lead = " " if part[:1].isspace() else ""
                    tail = " " if part[-1:].isspace() else ""
                    rebuilt.append(lead + next(translated) + tail if _needs_engine(part) else part)
            outputs[seg.id] = "".join(rebuilt)
            strategies[seg.id] = "fallback"

    blocks: list[Block] = []
    finals: dict[str, str] = {}
    for pblock, oblock in zip(protected.blocks, doc.blocks):
        new_segments = []
        for seg in pblock.segments:
            text = restore_terms(outputs[seg.id], pblock.markup, by_id, tgt)
            text = _tidy_spacing(text, oblock.markup)
            finals[seg.id] = text
            new_segments.append(replace(seg, text=text))
        blocks.append(replace(oblock, segments=tuple(new_segments)))
    report = check_terms(hits, finals, strategies, src, tgt)
    return Translation(
        source=doc,
        source_lang=src,
        target_lang=tgt,
        blocks=tuple(blocks),
        engine=concrete.identity(src, tgt),
        report=report,
        seconds=time.perf_counter() - started,
    )


def translate_text(text: str, src: str, tgt: str, engine: Engine, entries: Sequence[GlossaryEntry]) -> str:
    """Plain text (paragraphs separated by blank lines) through the same stages as an article."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    blocks = tuple(inline_block(f"b{i + 1}", "paragraph", p) for i, p in enumerate(paragraphs))
    doc = Document(path=Path("-"), slug="text", meta=Meta(title=""), blocks=blocks)
    result = translate_document(doc, src, tgt, engine, entries)
    return "\n\n".join(inline_markdown(b.text, b.markup) for b in result.blocks)


# --- jobs: many articles into many languages -----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    documents: tuple[Document, ...]
    source_lang: str | None  # None: each article's own lang
    targets: tuple[str, ...]
    engine: Engine
    entries: tuple[GlossaryEntry, ...]
    out: Path

    def pairs(self) -> list[tuple[Document, str, str]]:
        return [
            (doc, self.source_lang or doc.meta.lang, tgt)
            for doc in self.documents
            for tgt in self.targets
            if tgt != (self.source_lang or doc.meta.lang)
        ]

    @property
    def segment_count(self) -> int:
        return sum(len(doc.segments) for doc, _, _ in self.pairs())


@dataclass(frozen=True)
class Written:
    translation: Translation
    paths: tuple[Path, ...]


def plan_job(
    paths: Sequence[Path], to: str, source_lang: str | None, engine_name: str, glossaries: Sequence[Path], out: Path
) -> Job:
    """Read and check every input (articles, languages, glossaries, engines) before any work is done."""
    from . import languages
    from .document import find_sources
    from .engines import get_engine
    from .glossary import load_glossary, merge

    targets = tuple(lang.code for lang in languages.parse_list(to, what="target language"))
    src = languages.get(source_lang, what="source language").code if source_lang else None
    engine = get_engine(engine_name)
    documents = tuple(read_article(p) for p in find_sources(list(paths)))
    entries = merge(load_glossary(p) for p in glossaries)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: output folder is a file")
    job = Job(documents, src, targets, engine, entries, out)
    if not job.pairs():
        raise UserError(f"nothing to do: the articles are already in {', '.join(targets)}")
    for _, s, t in job.pairs():
        resolve(engine, s, t)
    return job


def translate_all(job: Job, progress: Progress | None = None) -> list[Translation]:
    return [translate_document(doc, s, t, job.engine, job.entries, progress) for doc, s, t in job.pairs()]


def output_paths(out: Path, translation: Translation) -> dict[str, Path]:
    slug = translation.source.slug
    folder = out / slug
    pair = f"{translation.source_lang}-{translation.target_lang}"
    return {
        "markdown": folder / f"{slug}.{translation.target_lang}.md",
        "pdf": folder / f"{slug}.{pair}.pdf",
        "terms": folder / f"{slug}.{pair}.terms.json",
    }


def write_all(job: Job, translations: Sequence[Translation], pdf: bool = True) -> list[Written]:
    import json

    from .writer import translation_markdown, write_atomic

    written = []
    for translation in translations:
        paths = output_paths(job.out, translation)
        write_atomic(paths["markdown"], translation_markdown(translation))
        write_atomic(paths["terms"], json.dumps(translation.report.to_json(), ensure_ascii=False, indent=2) + "\n")
        done = [paths["markdown"], paths["terms"]]
        if pdf:
            from .render import render_pdf

            render_pdf(translation, paths["pdf"])
            done.append(paths["pdf"])
        written.append(Written(translation, tuple(done)))
    return written
