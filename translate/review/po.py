"""Review in a PO editor (Poedit, Lokalize, Weblate, OmegaT): every unit of a job's articles in one language,
written with polib. Machine translations are fuzzy (a PO editor's "needs work"), a stale unit's old translation
is fuzzy with its previous msgid (Poedit shows what changed in the source), reviewed ones are translated; the
glossary's terms of a unit, its place and the state it was exported in are comments for translators
(`#.`). On import, entries a person left fuzzy or empty change nothing."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import polib

from ..errors import UserError
from .exchange import Change, Item, Plan, UnitIndex, normalized, target_language
from .state import REVIEWED, STALE
from .store import DEFAULT_TRANSLATOR, WRAP, _occurrence, parse_po

if TYPE_CHECKING:
    from ..pipeline import Job

BASE = re.compile(r"^review-base: ([0-9a-f]{12})$")


def export_po(items: Sequence[Item], src: str, tgt: str, translator: str = "") -> str:
    from .. import __version__

    po = polib.POFile(wrapwidth=WRAP)
    po.header = ("Exported by 'translate review export' for review. Correct the translations, clear\n"
                 "\"fuzzy\" (Poedit: \"Needs work\") on every entry you have checked, and bring the file back\n"
                 "with 'translate review import FILE'. Entries left fuzzy stay machine translations.")
    now = time.strftime("%Y-%m-%d %H:%M%z")
    po.metadata = {
        "Project-Id-Version": "translate review",
        "POT-Creation-Date": now,
        "PO-Revision-Date": now,
        "Last-Translator": translator,
        "Language-Team": "",
        "Language": tgt,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": f"translate {__version__}",
        "X-Source-Language": src,
    }
    entries: dict[tuple[str, str], polib.POEntry] = {}
    for item in items:
        unit = item.unit
        key = ("" if item.src == src else item.src, unit.source)
        entry = entries.get(key)
        if entry is None:
            notes = []
            if item.terms:
                notes.append("glossary: " + "; ".join(item.terms))
            if unit.state == STALE:
                notes.append("stale: the source changed since this was reviewed; machine translation now: "
                             + item.machine)
            elif unit.state != REVIEWED:
                notes.append("machine translation")
            if item.base:
                notes.append(f"review-base: {item.base}")
            entry = polib.POEntry(msgid=unit.source, msgstr=item.target, msgctxt=key[0] or None,
                                  comment="\n".join(notes), occurrences=[])
            if unit.state != REVIEWED:
                entry.flags.append("fuzzy")
            if unit.state == STALE and unit.entry is not None and unit.entry.previous:
                entry.previous_msgid = unit.entry.previous
            elif unit.state == STALE and unit.entry is not None and unit.entry.source != unit.source:
                entry.previous_msgid = unit.entry.source
            entries[key] = entry
            po.append(entry)
        entry.occurrences.append(_occurrence((unit.article, unit.id)))
    return po.__unicode__()


def read_po(path: Path, text: str, job: "Job") -> Plan:
    po = parse_po(text, path)
    tgt = target_language(po.metadata.get("Language", ""), job, f"{path}:1")
    file_src = po.metadata.get("X-Source-Language") or job.config.source_lang or "en"
    translator = (po.metadata.get("Last-Translator") or "").strip()
    plan = Plan(tgt, translator="" if translator == DEFAULT_TRANSLATOR else translator)
    index = UnitIndex(job, tgt)
    for e in po:
        if not e.msgid or e.obsolete:
            continue
        if "fuzzy" in e.flags or not e.msgstr.strip():
            plan.left += 1
            continue
        src = e.msgctxt or file_src
        units = index.by_source.get((src, e.msgid))
        where = f"{path}:{e.linenum}"
        if not units:
            plan.problems.append(f"{where}: «{_short(e.msgid)}» matches no segment of the job's articles in {src} "
                                 "(the article changed since the export? export again)")
            continue
        base = next((m.group(1) for line in (e.comment or "").splitlines() if (m := BASE.match(line.strip()))), None)
        for unit in units:
            plan.changes.append(Change(unit, src, normalized(unit, e.msgstr), base, where))
    return plan


def _short(text: str, width: int = 50) -> str:
    clean = re.sub(r"\s+", " ", text).strip()
    return clean if len(clean) <= width else clean[: width - 1].rsplit(" ", 1)[0] + "…"


def is_po(text: str) -> bool:
    try:
        parse_po(text, "-")
    except UserError:
        return False
    return True
