"""The review store in a job: corrections taken from the translated Markdown before a run translates, the human
translations each language pair uses, the translated Markdown written without overwriting an editor's work, and
the store's references and suggestions brought up to date afterwards."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..data import Document, Translation
from ..errors import UserError
from .harvest import (
    Records,
    Written,
    blocks_differing,
    conflict_text,
    draft_path,
    load_records,
    read_corrections,
    same_blocks,
    save_records,
    sha,
    take,
    whoami,
)
from .state import REVIEWED, STALE, Human, article_units, human_translations
from .store import Catalog, Store

if TYPE_CHECKING:
    from ..config import ProjectConfig
    from ..pipeline import Job


def store_of(config: "ProjectConfig", source_lang: str = "en") -> Store:
    return Store(Path(config.translations), config.source_lang or source_lang)


def article_key(path: Path, root: Path) -> str:
    """How the store's references name an article: its path from the project's folder (an article outside it:
    its absolute path)."""
    full, base = Path(path).resolve(), Path(root).resolve()
    return full.relative_to(base).as_posix() if base in full.parents else full.as_posix()


def markdown_path(out: Path, doc: Document, tgt: str) -> Path:
    return out / doc.slug / f"{doc.slug}.{tgt}.md"


def shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


# --- before translating: corrections in the translated Markdown ---------------------------------------------


@dataclass
class Harvest:
    """What reading one translated file found: its text's hash then, whether it must stay as it is, and what to
    tell the user."""

    path: Path
    tgt: str
    sha: str | None = None
    hold: bool = False
    taken: int = 0
    messages: list[str] = field(default_factory=list)  # problems, each "file:line: what"


@dataclass
class Harvests:
    files: dict[str, Harvest] = field(default_factory=dict)

    def get(self, path: Path) -> Harvest | None:
        return self.files.get(str(path))

    @property
    def messages(self) -> list[str]:
        return [m for h in self.files.values() for m in h.messages]

    @property
    def taken(self) -> list[Harvest]:
        return [h for h in self.files.values() if h.taken]


def check_location(config: "ProjectConfig") -> None:
    """The store must not be inside the output folder: deleting build/ must lose nothing a person wrote."""
    store, out = Path(config.translations).resolve(), Path(config.output).resolve()
    if store == out or out in store.parents:
        where = f"{config.path}: " if config.path else ""
        raise UserError(f"{where}'translations' ({config.translations}) is inside the output folder ({config.output}), "
                        "which a clean build deletes; keep reviewed translations outside it (the default is "
                        "translations/ beside translate.yaml)")


def harvest(job: "Job", targets: Sequence[str] | None = None) -> Harvests:
    """Take every correction made in the job's translated Markdown files into the store, before anything is
    translated or written: a file that cannot be read against its record is marked to stay as it is."""
    check_location(job.config)
    found = Harvests()
    store = store_of(job.config)
    root = job.config.root
    translator = None
    for src, tgt, docs in job.pairs():
        if targets is not None and tgt not in targets:
            continue
        for doc in docs:
            md = markdown_path(job.out, doc, tgt)
            if not md.is_file():
                continue
            try:
                text = md.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                found.files[str(md)] = Harvest(md, tgt, None, True, 0,
                                               [f"{shown(md)}: cannot be read ({exc}); left as it is"])
                continue
            item = Harvest(md, tgt, sha(text))
            found.files[str(md)] = item
            records = load_records(md)
            if records.md is None or text in (records.md.text, records.md.previous):
                continue  # nothing edited (or no record: decided when the new text is known)
            reading = read_corrections(md, text, records.md)
            for line, what in reading.problems:
                item.messages.append(f"{shown(md)}:{line}: {what}")
            if reading.problems:
                item.hold = True
            if reading.mismatched or not reading.corrections:
                continue
            if translator is None:
                translator = whoami(root)
            article = article_key(doc.path, root)
            taken, conflicts = take(store, tgt, src, article, reading.corrections, translator)
            item.taken = len({c.block for c in taken})
            for c, current in conflicts:
                item.hold = True
                item.messages.append(f"{shown(md)}:{c.line}: {conflict_text(c, current, store.path(tgt))}")
    return found


# --- translating: what the store gives each pair ----------------------------------------------------------------


def human_for(config: "ProjectConfig", src: str, tgt: str, docs: Sequence[Document]) -> list[Human] | None:
    """The reviewed translations (and stale segments) of each document, or None when the language has no store."""
    store = store_of(config, src)
    if not store.path(tgt).is_file():
        return None
    catalog = store.read(tgt)
    root = config.root
    return [human_translations(doc, catalog, src, article_key(doc.path, root)) for doc in docs]


# --- writing: the translated Markdown, never over an editor's work ---------------------------------------------


@dataclass(frozen=True)
class MarkdownOutcome:
    written: tuple[Path, ...] = ()
    skipped: tuple[Path, ...] = ()
    messages: tuple[str, ...] = ()


def write_markdown(job: "Job", translation: Translation, path: Path, text: str, harvests: Harvests | None,
                   catalog: Catalog | None) -> MarkdownOutcome:
    """Write the translated Markdown at `path` unless the file there holds work translate has not taken in; then
    the file is left as it is and the new text goes to <slug>.<lang>.new.md."""
    from ..files import refuse_folder, write_atomic

    refuse_folder(path)  # not an editor's file: nothing to keep, and nothing can be written there
    doc = translation.source
    article = article_key(doc.path, job.config.root)
    units = article_units(doc, catalog, translation.source_lang, article) if catalog is not None else []
    human = {u.id: u.entry.version for u in units if u.state == REVIEWED and u.entry is not None}
    blocks = {b.id: b for b in doc.blocks if b.segments}
    records = load_records(path)
    written = Written(text, blocks, human)
    base = Records(article, translation.source_lang, translation.target_lang, records.md, records.new)
    item = harvests.get(path) if harvests is not None else None
    current = _read(path)
    messages: list[str] = []
    if current is None:
        safe = True
    elif item is not None and item.hold:
        safe = False
    elif records.md is not None and current in (records.md.text, records.md.previous):
        safe = True
    elif item is not None and item.sha == sha(current) and records.md is not None:
        safe = True  # read before translating, and every correction in it taken
    elif same_blocks(current, text, path):
        safe = True
    else:
        safe = False
        if item is not None and item.sha != sha(current):
            messages.append(f"{shown(path)}: changed while translate was running")
        elif records.md is None:
            lines = blocks_differing(current, text, path)
            where = f" (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:8]))})" if lines else ""
            messages.append(f"{shown(path)}: translate has no record of what it wrote here, so edits cannot be told "
                            f"from its own text{where}; to take the blocks that differ from the new draft as "
                            f"corrections: translate review import {shown(path)}")
    if not safe:
        draft = draft_path(path)
        save_records(path, Records(article, base.src, base.tgt, records.md, written))
        changed = not draft.exists() or draft.read_text(encoding="utf-8") != text
        if changed:
            write_atomic(draft, text)
        messages.append(f"{shown(path)}: left as it is, with your edits; the new translation is in {shown(draft)}")
        return MarkdownOutcome((draft,) if changed else (), () if changed else (draft,), tuple(messages))
    previous = records.md.text if records.md is not None and records.md.text != text else (
        records.md.previous if records.md is not None else None)
    if current is not None and (records.md is None or current not in (records.md.text, records.md.previous)):
        previous = current  # the file as it was (its corrections taken): not to be read as an edit again
    draft = draft_path(path)
    new = records.new
    if new is not None and draft.exists() and _read(draft) == new.text:
        draft.unlink()  # the draft nobody edited is not needed any more
        new = None
    wanted = Records(article, base.src, base.tgt, Written(text, blocks, human, previous), new)
    if records.md is None or records.md.to_json() != wanted.md.to_json() or records.new != new or \
            records.article != article:
        save_records(path, wanted)
    if current == text:
        return MarkdownOutcome((), (path,), tuple(messages))
    write_atomic(path, text)
    return MarkdownOutcome((path,), (), tuple(messages))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "\0unreadable"


# --- after translating: references and suggestions ------------------------------------------------------------


def record(job: "Job", translations: Sequence[Translation]) -> None:
    """Bring the store's references up to date with the articles translated, and keep the old translation of
    every segment whose source changed as a suggestion (fuzzy, with the previous msgid)."""
    store = store_of(job.config)
    root = job.config.root
    by_lang: dict[str, list[Translation]] = {}
    for t in translations:
        by_lang.setdefault(t.target_lang, []).append(t)
    for tgt, group in by_lang.items():
        if not store.path(tgt).is_file():
            continue
        plan = _record_plan(store.read(tgt), group, root)
        if not plan:
            continue
        with store.edit(tgt) as catalog:
            for action in _record_plan(catalog, group, root):
                action(catalog)


def _record_plan(catalog: Catalog, translations: Sequence[Translation], root: Path) -> list:
    actions = []
    for t in translations:
        article = article_key(t.source.path, root)
        src = t.source_lang
        units = article_units(t.source, catalog, src, article)
        for unit in units:
            ref = (article, unit.id)
            if unit.state == REVIEWED and ref not in unit.entry.refs:
                actions.append(lambda c, s=src, u=unit, r=ref: c.add_refs(s, u.source, [r]))
            elif unit.state == STALE and unit.entry is not None and unit.entry.source != unit.source:
                actions.append(lambda c, s=src, u=unit, r=ref: (
                    c.suggest(s, u.source, u.entry.target, u.entry.source, r), c.drop_refs(s, u.entry.source, [r])))
        # references to units the article no longer has, or that now say something else (a stale unit's old
        # entry gives its reference to the suggestion above)
        by_id = {u.id: u for u in units}
        for unit_id, entries in catalog.referring(article).items():
            for entry in entries:
                here = by_id.get(unit_id)
                if entry.src == src and (here is None or here.source != entry.source):
                    actions.append(lambda c, s=src, e=entry, r=(article, unit_id): c.drop_refs(s, e.source, [r]))
    return actions


# --- review import FILE.md --------------------------------------------------------------------------------------


def import_markdown(job: "Job", path: Path, data: bytes, force: bool = False) -> tuple[str, int]:
    """Take an edited translated file (build/<slug>/<slug>.<lang>.md, or its .new.md draft) against what translate
    last wrote for it: every block that differs is a correction. All or nothing. Returns (language, saved)."""
    from .harvest import record_path

    name = path.name
    stem = name[: -len(".new.md")] if name.endswith(".new.md") else name[: -len(".md")]
    slug, _, tgt = stem.rpartition(".")
    pair = next(((src, t, d) for src, t, docs in job.pairs() for d in docs if d.slug == slug and t == tgt), None)
    if pair is None:
        raise UserError(f"{path}: not the translated Markdown of an article of the job (<slug>.<lang>.md, with a "
                        f"language among {', '.join(job.config.targets)})")
    src, tgt, doc = pair
    md = markdown_path(job.out, doc, tgt)
    records = load_records(md)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    candidates = [w for w in ((records.new, records.md) if name.endswith(".new.md") or records.md is None
                              else (records.md, records.new)) if w is not None]
    if not candidates:
        raise UserError(f"{path}: translate has no record of what it wrote for this article ({shown(record_path(md))}"
                        f"); run 'translate run' first: it writes the new draft beside the file")
    reading = None
    for written in candidates:
        reading = read_corrections(path, text, written)
        if not reading.mismatched:
            break
    if reading.problems:
        raise UserError("\n".join(f"{shown(path)}:{line}: {what}" for line, what in reading.problems))
    store = store_of(job.config)
    taken, conflicts = take(store, tgt, src, article_key(doc.path, job.config.root), reading.corrections,
                            whoami(job.config.root), force=force, all_or_nothing=True)
    if conflicts:
        raise UserError("\n".join(f"{shown(path)}:{c.line}: {conflict_text(c, cur, store.path(tgt))}; --force to "
                                  "take this file's" for c, cur in conflicts))
    return tgt, len({c.unit for c in taken})
