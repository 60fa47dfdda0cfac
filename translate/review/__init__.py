"""Human post-editing: the review store (translations/<lang>.po, outside the output folder) and everything that
reads or writes it.

- `store`: the PO files, locked and atomic writes, entry versions and conflicts.
- `markdown`: segments as the Markdown an editor reads and writes, and back to the pipeline's markers.
- `state`: each segment's state (reviewed, stale, machine) and what a run takes from the store.
- `harvest`: corrections made in the translated Markdown, taken before a run rewrites it.
- `job`: the store in a run (harvest, the pair's human translations, writing the Markdown, references).
- `exchange`, `po`, `xliff`, `tmx`: review outside translate (Poedit, CAT tools) and TMX from other tools.

For a review page (issue 14), the API is this module's: `segments` lists an article's units with their state and
current version, `save` stores one unit's translation if nobody changed it since the version the editor saw.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .state import MACHINE, REVIEWED, STALE, Unit, article_units
from .store import Conflict, Entry, Store

if TYPE_CHECKING:
    from ..config import ProjectConfig
    from ..data import Document

__all__ = ["MACHINE", "REVIEWED", "STALE", "Conflict", "Entry", "Store", "Unit", "revert", "segments", "save",
           "version"]


def segments(config: "ProjectConfig", doc: "Document", tgt: str) -> list[Unit]:
    """Every unit of `doc` into `tgt`, in order: its id, source (Markdown), state (REVIEWED, STALE, MACHINE), the
    store's entry (reviewed: the translation; stale: the suggestion) and `version(unit)` to save against."""
    from .job import article_key, store_of

    store = store_of(config, config.source_lang or doc.meta.lang)
    catalog = store.read(tgt) if store.path(tgt).is_file() else None
    return article_units(doc, catalog, config.source_lang or doc.meta.lang, article_key(doc.path, config.root))


def version(unit: Unit) -> str:
    """What a save of `unit` must name: the version of its reviewed translation, "" when it has none yet."""
    return unit.entry.version if unit.state == REVIEWED and unit.entry is not None else ""


def save(config: "ProjectConfig", tgt: str, unit: Unit, target: str, base: str, translator: str = "") -> Entry:
    """Store `target` (Markdown, as the editor wrote it) as the reviewed translation of `unit`, if the store's
    version of it is still `base` (what `version` gave when the editor opened it); else raise Conflict, with the
    entry now in the store, and change nothing. Two editors saving the same unit from the same version: the first
    is saved, the second gets the Conflict."""
    from .exchange import normalized
    from .job import store_of

    store = store_of(config, unit.src)
    with store.edit(tgt, translator) as catalog:
        return catalog.save(unit.src, unit.source, normalized(unit, target), base=base,
                            refs=[(unit.article, unit.id)])


def revert(config: "ProjectConfig", tgt: str, unit: Unit, base: str, translator: str = "") -> None:
    """Drop the reviewed translation of `unit` from the store, so the engine's is used again, if the store's
    version of it is still `base`; else raise Conflict and change nothing."""
    from .job import store_of

    store = store_of(config, unit.src)
    with store.edit(tgt, translator) as catalog:
        catalog.remove(unit.src, unit.source, base)


def folder(config: "ProjectConfig") -> Path:
    return Path(config.translations)
