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
from .glossary import GlossaryEntry, TermHit, TermMatcher
from .enforce import choose_hypothesis, clean_rendering, substitute, term_forms_to_learn
from .check import segment_realizes
from .protect import mask_hits, markers_kept, restore_terms
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
    runs = [r for _, text in items for r in MARKER_RE.split(text)[::2] if _needs_engine(r)]
    translated = iter(engine.translate(runs, src, tgt)) if runs else iter(())
    out: dict[str, str] = {}
    for key, text in items:
        rebuilt = []
        for i, part in enumerate(MARKER_RE.split(text)):
            if i % 2:
                rebuilt.append(f"\ue000{part}\ue001")
            elif _needs_engine(part):
                lead = " " if part[:1].isspace() else ""
                tail = " " if part[-1:].isspace() else ""
                rebuilt.append(lead + next(translated) + tail)
            else:
                rebuilt.append(part)
        out[key] = "".join(rebuilt)
    return out


def translate_document(
    doc: Document,
    src: str,
    tgt: str,
    engine: Engine,
    entries: Sequence[GlossaryEntry],
    progress: Progress | None = None,
    hypotheses: int = 4,
) -> Translation:
    """Translate every segment of a document in one batch, then enforce the glossary (see enforce.py)."""
    started = time.perf_counter()
    concrete = resolve(engine, src, tgt)
    matcher = TermMatcher(entries, src)
    segments = doc.segments
    block_of = {s.id: b.id for b in doc.blocks for s in b.segments}
    hits = {s.id: matcher.find(s.text) for s in segments} if matcher else {}
    hits = {k: v for k, v in hits.items() if v}
    enforce_hits = {k: [h for h in v if h.entry.preferred(tgt) is not None] for k, v in hits.items()}
    keep_hits = {k: [h for h in v if h.entry.kind == "keep"] for k, v in enforce_hits.items()}
    strategies: dict[tuple[str, str], str] = {}

    # Pass 1: the whole document in one batch, keep entries masked, terms left to the engine.
    masked, markers = mask_hits(doc, keep_hits)
    masked_text = {s.id: s.text for s in masked.segments}
    to_send = [s.id for s in segments if _needs_engine(masked_text[s.id])]
    outputs = {s.id: masked_text[s.id] for s in segments}
    n = hypotheses if any(enforce_hits.values()) else 1
    for sid, hyps in zip(to_send, _hypotheses(concrete, [masked_text[s] for s in to_send], src, tgt, n)):
        choice = choose_hypothesis(masked_text[sid], hyps, enforce_hits.get(sid, []), tgt)
        outputs[sid] = choice.text
        for hit in enforce_hits.get(sid, []):
            strategies[(sid, hit.entry.id)] = "placeholder" if hit.entry.kind == "keep" else choice.strategy
    if progress:
        progress(len(to_send))

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
            for hit in masked_now[sid]:
                strategies[(sid, hit.entry.id)] = "placeholder"
        if broken:
            outputs.update(_translate_runs(concrete, broken, src, tgt))
            for sid, _ in broken:
                for hit in masked_now[sid]:
                    strategies[(sid, hit.entry.id)] = "fallback"
        pending = [sid for sid in pending if not segment_realizes(enforce_hits[sid], restore_terms(
            outputs[sid], block_of[sid], markers, tgt), tgt)]
    # Formatting or keep markers lost in pass 1 outside any term trouble: same fallback.
    broken = [(sid, masked_text[sid]) for sid in to_send
              if sid not in enforce_hits or not any(h.entry.kind != "keep" for h in enforce_hits[sid])
              if not markers_kept(masked_text[sid], outputs[sid])]
    if broken:
        outputs.update(_translate_runs(concrete, broken, src, tgt))

    blocks: list[Block] = []
    finals: dict[str, str] = {}
    for block in doc.blocks:
        new_segments = []
        for seg in block.segments:
            text = restore_terms(outputs[seg.id], block.id, markers, tgt)
            text = _tidy_spacing(text, block.markup)
            finals[seg.id] = text
            new_segments.append(replace(seg, text=text))
        blocks.append(replace(block, segments=tuple(new_segments)))
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
