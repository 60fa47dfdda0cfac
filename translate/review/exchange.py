"""What an editor reviews outside translate: every unit of a job's articles in one language with its current
translation (the reviewed one, the stale one's suggestion, or the machine's), its glossary terms and where it is;
written as PO or XLIFF 2.0 (review.po, review.xliff), and read back as changes to the store: only entries a
person marked done (PO: translated and not fuzzy; XLIFF: state translated, reviewed or final), each checked
against the version exported, all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..data import Document, Markup, Translation, strip_markers
from ..errors import UserError
from .job import article_key, markdown_path, shown, store_of
from .markdown import canonical, from_markdown, numbers, text_markdown
from .state import MACHINE, REVIEWED, STALE, Unit, article_units, counts
from .store import Catalog, Conflict

if TYPE_CHECKING:
    from ..pipeline import Job


@dataclass(frozen=True)
class Item:
    """One unit to review, with its current translation."""

    unit: Unit
    src: str
    tgt: str
    text: str  # the current translation, text with markers numbered as `markup`
    markup: tuple[Markup, ...]
    machine: str = ""  # for a stale unit: the machine translation the run uses (Markdown)
    terms: tuple[str, ...] = ()  # "working class → clase obrera"
    place: str = ""  # "source/x.md:14"

    @property
    def target(self) -> str:
        """The current translation as Markdown (the PO msgstr)."""
        if self.unit.is_title:
            return text_markdown(self.text, ())
        return text_markdown(self.text, self.markup, len(self.unit.block.markup))

    @property
    def base(self) -> str:
        """The store's version this translation is (\"\" for machine translation): what an import is checked
        against."""
        return self.unit.entry.version if self.unit.state == REVIEWED and self.unit.entry is not None else ""


def review_job(config) -> "Job":
    """The job's articles and languages, without engines or glossaries: enough to know each segment's state."""
    from ..document import find_sources, read_article
    from ..pipeline import Job

    from .job import check_location

    if not config.targets:
        raise UserError("no target language: give --to es[,fr,...] or 'to:' in translate.yaml")
    check_location(config)
    documents = tuple(read_article(p) for p in find_sources(list(config.source)))
    return Job(config, documents, (), ())


def status(job: "Job", targets: Sequence[str]) -> list[dict]:
    """Per article and language: segments reviewed, stale and machine."""
    store = store_of(job.config)
    rows = []
    catalogs: dict[str, Catalog | None] = {}
    for src, tgt, docs in job.pairs():
        if tgt not in targets:
            continue
        if tgt not in catalogs:
            catalogs[tgt] = store.read(tgt) if store.path(tgt).is_file() else None
        for doc in docs:
            article = article_key(doc.path, job.config.root)
            found = counts(article_units(doc, catalogs[tgt], src, article))
            rows.append({"article": article, "slug": doc.slug, "lang": tgt, **found,
                         "segments": sum(found.values())})
    order = {doc.slug: i for i, doc in enumerate(job.documents)}
    return sorted(rows, key=lambda r: (order[r["slug"]], targets.index(r["lang"])))


def pending(job: "Job", targets: Sequence[str]) -> list[str]:
    """Translated Markdown files whose corrections are not in the store yet (the next run takes them)."""
    from .harvest import load_records, read_corrections

    lines = []
    for src, tgt, docs in job.pairs():
        if tgt not in targets:
            continue
        for doc in docs:
            md = markdown_path(job.out, doc, tgt)
            records = load_records(md) if md.is_file() else None
            if records is None or records.md is None:
                continue
            text = md.read_text(encoding="utf-8")
            if text in (records.md.text, records.md.previous):
                continue
            reading = read_corrections(md, text, records.md)
            store = store_of(job.config)
            catalog = store.read(tgt)
            new = [c for c in reading.corrections if (e := catalog.get(src, c.source)) is None or e.target != c.target]
            if new:
                lines.append(f"{shown(md)}: {len({c.block for c in new})} corrected block(s) not in the store "
                             "yet; the next 'translate run' takes them")
            elif reading.problems:
                lines.append(f"{shown(md)}: edited in a way the next run cannot take ({reading.problems[0][1]})")
    return lines


def items(job: "Job", tgt: str, translations: Sequence[Translation]) -> list[tuple[Document, list[Item]]]:
    """Every unit of every article into `tgt`, with its current translation (from `translations`, made with the
    store's reviewed translations in place)."""
    store = store_of(job.config)
    catalog = store.read(tgt) if store.path(tgt).is_file() else None
    out = []
    for t in translations:
        if t.target_lang != tgt:
            continue
        doc = t.source
        article = article_key(doc.path, job.config.root)
        blocks = {b.id: b for b in t.blocks}
        terms: dict[str, list[str]] = {}
        for c in t.report.checks:
            if c.expected:
                terms.setdefault(c.segment_id, []).append(f"{c.source} → {c.expected}")
        found = []
        for unit in article_units(doc, catalog, t.source_lang, article):
            block = blocks[unit.block.id]
            first = unit.segments[0]
            text = next(s.text for s in block.segments if s.id == first)
            if len(unit.segments) > 1:  # a whole block
                text = " ".join(s.text for s in block.segments if s.id in unit.segments and s.text)
            markup = block.markup
            machine = ""
            if unit.state == STALE and unit.entry is not None:
                machine = text_markdown(text, markup) if not unit.is_title else text_markdown(text, ())
                prefer = [n for s in unit.block.segments if s.id in unit.segments for n in numbers(s.text)]
                text, extra = from_markdown(unit.entry.target, unit.block.markup if not unit.is_title else (), prefer)
                markup = unit.block.markup + extra
            unit_terms = tuple(dict.fromkeys(x for sid in unit.segments for x in terms.get(sid, ())))
            found.append(Item(unit, t.source_lang, tgt, text, markup, machine, unit_terms,
                              f"{article}:{unit.line}" if unit.line else article))
        out.append((doc, found))
    return out


def translate_for_export(job: "Job", tgt: str) -> list[Translation]:
    """The job's articles into `tgt` as a run would translate them (the memory spares the engine what it did)."""
    from ..pipeline import _translate_pair_job

    translations = []
    for src, t, docs in job.pairs():
        if t == tgt:
            translations.extend(_translate_pair_job(job, src, tgt, docs, None))
    return translations


# --- reading a reviewed file back -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One reviewed translation an import brings: for the unit `unit`, `target` (canonical Markdown), made from
    the store's version `base` (None: unknown, any newer reviewed translation in the store is a conflict)."""

    unit: Unit
    src: str
    target: str
    base: str | None
    where: str  # "FILE:line", for messages


@dataclass
class Plan:
    tgt: str
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    translator: str = ""
    left: int = 0  # entries not marked done (fuzzy, initial, empty)


class UnitIndex:
    """The job's units in one language, found by source (msgid) or by article and unit id."""

    def __init__(self, job: "Job", tgt: str):
        store = store_of(job.config)
        catalog = store.read(tgt) if store.path(tgt).is_file() else None
        self.by_source: dict[tuple[str, str], list[Unit]] = {}
        self.by_place: dict[tuple[str, str], Unit] = {}
        self.by_plain: dict[tuple[str, str], list[Unit]] = {}
        self.source_langs: set[str] = set()
        for src, t, docs in job.pairs():
            if t != tgt:
                continue
            self.source_langs.add(src)
            for doc in docs:
                article = article_key(doc.path, job.config.root)
                for unit in article_units(doc, catalog, src, article):
                    self.by_source.setdefault((src, unit.source), []).append(unit)
                    self.by_place[(article, unit.id)] = unit
                    self.by_plain.setdefault((src, plain(unit)), []).append(unit)
                    # a unit corrected as a whole block can also be corrected sentence by sentence
                    if len(unit.segments) > 1:
                        for seg in unit.block.segments:
                            if seg.id in unit.segments:
                                from .markdown import segment_markdown

                                piece = Unit(article, seg.id, unit.block, (seg.id,),
                                             segment_markdown(seg, unit.block.markup), MACHINE, src=src)
                                self.by_source.setdefault((src, piece.source), []).append(piece)
                                self.by_place.setdefault((article, seg.id), piece)


def plain(unit: Unit) -> str:
    texts = [s.text for s in unit.block.segments if s.id in unit.segments]
    return re.sub(r"\s+", " ", strip_markers(" ".join(texts))).strip()


def normalized(unit: Unit, target: str) -> str:
    """An editor's translation of `unit` as the store keeps it."""
    if unit.is_title:
        from ..publish.writer import inline_markdown

        text, _ = from_markdown(target, ())
        return inline_markdown(re.sub(r"\s+", " ", strip_markers(text)).strip(), ())
    prefer = [n for s in unit.block.segments if s.id in unit.segments for n in numbers(s.text)]
    return canonical(target, unit.block.markup, prefer)


def apply(job: "Job", plan: Plan, source_file: Path, force: bool = False) -> tuple[int, int]:
    """Save the plan's changes in the store, all or nothing: a change made from an older version than the store
    has now is a conflict (unless `force`), reported with the others as one UserError. Returns (saved,
    unchanged)."""
    store = store_of(job.config)
    problems = list(plan.problems)
    seen: dict[tuple[str, str], Change] = {}
    refs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for change in plan.changes:
        key = (change.src, change.unit.source)
        other = seen.setdefault(key, change)
        refs.setdefault(key, []).append((change.unit.article, change.unit.id))
        if other is not change and other.target != change.target:
            problems.append(f"{change.where}: the same source as {other.where}, with another translation; keep one")
    if problems:
        raise UserError("\n".join(problems))
    saved = unchanged = 0
    conflicts: list[str] = []
    if not seen:
        return 0, 0

    class _Abort(Exception):
        pass

    try:
        with store.edit(plan.tgt, plan.translator) as catalog:
            for key, change in seen.items():
                current = catalog.get(change.src, change.unit.source)
                if current is not None and current.reviewed and current.target == change.target:
                    unchanged += 1
                    catalog.add_refs(change.src, change.unit.source, refs[key])
                    continue
                try:
                    base = None if force else (change.base if change.base is not None else "")
                    catalog.save(change.src, change.unit.source, change.target, base=base, refs=refs[key])
                    saved += 1
                except Conflict as exc:
                    now = f" (now «{_short(exc.current.target)}»)" if exc.current is not None else ""
                    conflicts.append(f"{change.where}: {change.unit.id}: changed in {shown(store.path(plan.tgt))} "
                                     f"since this file was exported{now}; export again, or --force to take this "
                                     "file's")
            if conflicts:
                raise _Abort()
    except _Abort:
        raise UserError("\n".join(conflicts)) from None
    return saved, unchanged


def _short(text: str, width: int = 40) -> str:
    clean = re.sub(r"\s+", " ", text).strip()
    return clean if len(clean) <= width else clean[: width - 1].rsplit(" ", 1)[0] + "…"


def target_language(code: str, job: "Job", where: str) -> str:
    """A file's language as one of the job's targets ("es_ES" is es), or a UserError."""
    targets = job.config.targets
    raw = (code or "").strip()
    for candidate in (raw, raw.replace("_", "-"), re.split(r"[-_@.]", raw)[0].lower()):
        if candidate in targets:
            return candidate
    if not raw:
        raise UserError(f"{where}: the file names no target language")
    raise UserError(f"{where}: language {raw!r} is not one of the job's ({', '.join(targets)}); add it to 'to:' "
                    "or import the file into the project it came from")


def detect(path: Path, data: bytes) -> str:
    """po, xliff, tmx or md, from the file's content (and name, for Markdown)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        text = head.decode("utf-8", "replace")
        if "<tmx" in text:
            return "tmx"
        if "<xliff" in text:
            return "xliff"
        return "xml"
    if path.suffix.lower() == ".md":
        return "md"
    return "po"
