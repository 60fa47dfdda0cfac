"""The translation memory: an SQLite database (WAL) under the output folder that remembers every translated
segment, keyed by everything that decides its translation, and the inputs of every output written.

A segment's key: engine and model identity, source and target language, the source segment (with its markup
markers), and the glossary entries that touch it. So an unchanged re-run makes no engine call, an edited paragraph
re-translates only its segments, and a glossary edit only the segments whose terms changed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .data import GlossaryEntry
from .errors import UserError

MEMORY_NAME = ".translate-memory.sqlite3"

# Numbered schema changes, applied in order inside one transaction each (PRAGMA user_version counts them).
MIGRATIONS = (
    """
    CREATE TABLE segments (
        key TEXT PRIMARY KEY,
        engine TEXT NOT NULL,
        src TEXT NOT NULL,
        tgt TEXT NOT NULL,
        source TEXT NOT NULL,
        glossary TEXT NOT NULL,
        target TEXT NOT NULL,
        strategies TEXT NOT NULL,
        created REAL NOT NULL,
        used REAL NOT NULL
    );
    CREATE INDEX segments_pair ON segments (src, tgt);
    CREATE TABLE outputs (
        path TEXT PRIMARY KEY,
        inputs TEXT NOT NULL,
        written REAL NOT NULL
    );
    """,
    # what the engine could not translate in the segment ({"unknown": [...]})
    """
    ALTER TABLE segments ADD COLUMN notes TEXT NOT NULL DEFAULT '{}';
    """,
    # the SHA-256 of an output as written, so an unchanged re-run can tell it is still the file it wrote
    """
    ALTER TABLE outputs ADD COLUMN digest TEXT NOT NULL DEFAULT '';
    """,
    # what an engine makes of a glossary term's source form on its own (the substitute strategy's input)
    """
    CREATE TABLE renderings (
        engine TEXT NOT NULL,
        src TEXT NOT NULL,
        tgt TEXT NOT NULL,
        form TEXT NOT NULL,
        rendering TEXT NOT NULL,
        PRIMARY KEY (engine, src, tgt, form)
    );
    """,
)

# Bumped when the glossary's enforcement changes what it writes, so remembered segments are made again.
ENFORCEMENT = 2


@dataclass(frozen=True)
class Remembered:
    target: str
    strategies: dict[str, str]  # entry id -> strategy
    unknown: tuple[str, ...] = ()  # source words the engine left untranslated


def entry_fingerprint(entries: Iterable[GlossaryEntry], tgt: str) -> str:
    """What of the glossary can change a segment's translation into `tgt`: the touching entries, canonically."""
    data = [
        [e.id, e.kind, e.case_sensitive, sorted(e.terms.items()), sorted((k, list(v)) for k, v in e.forms.items()),
         sorted((k, list(v)) for k, v in e.forbidden.items() if k == tgt),
         sorted((k, str(v)) for k, v in e.grammar.items()), sorted(e.plural.items()), sorted(e.singular.items())]
        for e in sorted(entries, key=lambda e: e.id)
    ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def segment_key(engine: str, src: str, tgt: str, source: str, glossary: str) -> str:
    payload = json.dumps([engine, src, tgt, source, glossary, ENFORCEMENT], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class TranslationMemory:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            self._wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{path}: not a usable translation memory ({exc}); move it away or run "
                            "'translate memory clear'") from None

    def _wal(self) -> None:
        # Switching to WAL takes the database for a moment without waiting on the busy timeout: processes
        # opening a new memory at once (--jobs) retry.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        # The version is read inside the write transaction: two processes opening a new memory at once (--jobs)
        # take turns, and the second finds the schema made.
        with self.atomic():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={number}")

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # --- segments ---------------------------------------------------------------------------------------------

    def get_many(self, keys: Sequence[str]) -> dict[str, Remembered]:
        found: dict[str, Remembered] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self.db.execute(
                f"SELECT key, target, strategies, notes FROM segments WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for key, target, strategies, notes in rows:
                found[key] = Remembered(target, json.loads(strategies), tuple(json.loads(notes).get("unknown", ())))
        if found:
            now = time.time()
            with self.atomic():
                self.db.executemany("UPDATE segments SET used=? WHERE key=?", [(now, k) for k in found])
        return found

    def put_many(self, rows: Iterable[tuple]) -> None:
        """rows: (key, engine, src, tgt, source, glossary, target, strategies[, notes])."""
        now = time.time()
        values = []
        for row in rows:
            k, e, s, t, so, g, ta, st, *rest = row
            notes = json.dumps(rest[0] if rest else {}, sort_keys=True, ensure_ascii=False)
            values.append((k, e, s, t, so, g, ta, json.dumps(st, sort_keys=True), now, now, notes))
        with self.atomic():
            self.db.executemany(
                "INSERT OR REPLACE INTO segments (key, engine, src, tgt, source, glossary, target, strategies, "
                "created, used, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?)", values)

    # --- term renderings -------------------------------------------------------------------------------------

    def renderings(self, engine: str, src: str, tgt: str) -> dict[str, str]:
        rows = self.db.execute("SELECT form, rendering FROM renderings WHERE engine=? AND src=? AND tgt=?",
                               (engine, src, tgt)).fetchall()
        return dict(rows)

    def put_renderings(self, engine: str, src: str, tgt: str, renderings: dict[str, str]) -> None:
        with self.atomic():
            self.db.executemany("INSERT OR REPLACE INTO renderings VALUES (?,?,?,?,?)",
                                [(engine, src, tgt, f, r) for f, r in renderings.items()])

    # --- outputs ----------------------------------------------------------------------------------------------

    def output_inputs(self, path: Path) -> str | None:
        row = self.db.execute("SELECT inputs FROM outputs WHERE path=?", (str(path.resolve()),)).fetchone()
        return row[0] if row else None

    def record_output(self, path: Path, inputs: str, digest: str = "") -> None:
        with self.atomic():
            self.db.execute("INSERT OR REPLACE INTO outputs (path, inputs, written, digest) VALUES (?,?,?,?)",
                            (str(path.resolve()), inputs, time.time(), digest))

    def output_digest(self, path: Path) -> str:
        row = self.db.execute("SELECT digest FROM outputs WHERE path=?", (str(path.resolve()),)).fetchone()
        return row[0] if row else ""

    # --- maintenance ------------------------------------------------------------------------------------------

    def stats(self) -> dict:
        total = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
        pairs = self.db.execute(
            "SELECT src, tgt, engine, COUNT(*) FROM segments GROUP BY src, tgt, engine ORDER BY src, tgt, engine"
        ).fetchall()
        outputs = self.db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {"segments": total, "outputs": outputs, "bytes": size,
                "pairs": [{"src": s, "tgt": t, "engine": e, "segments": n} for s, t, e, n in pairs]}

    def clear(self) -> int:
        with self.atomic():
            n = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
            self.db.execute("DELETE FROM segments")
            self.db.execute("DELETE FROM renderings")
            self.db.execute("DELETE FROM outputs")
        self.db.execute("VACUUM")
        return n

    def rows(self) -> Iterator[tuple[str, str, str, str, str, float, str]]:
        """(src, tgt, engine, source, target, created, glossary fingerprint) of every segment."""
        yield from self.db.execute(
            "SELECT src, tgt, engine, source, target, created, glossary FROM segments ORDER BY src, tgt, created, key"
        )


def integrity_ok(path: Path) -> bool:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def export_tmx(memory: TranslationMemory, path: Path) -> int:
    """Write the memory as TMX 1.4b: one <tu> per segment; inline markup becomes <ph/> (points) and <bpt/>/<ept/> (spans)."""
    import xml.etree.ElementTree as ET

    from . import __version__
    from .data import MARKER_PARTS_RE, OPEN, SPAN_OPEN
    from .files import write_atomic

    rows = list(memory.rows())
    srclang = rows[0][0] if rows else "en"
    tmx = ET.Element("tmx", version="1.4")
    ET.SubElement(tmx, "header", {
        "creationtool": "translate", "creationtoolversion": __version__, "segtype": "sentence",
        "o-tmf": "translate-memory", "adminlang": "en", "srclang": srclang, "datatype": "plaintext"})
    body = ET.SubElement(tmx, "body")

    def seg(parent: ET.Element, text: str) -> None:
        # points as <ph/>, a span's two ends as <bpt/> and <ept/> paired by i
        element = ET.SubElement(parent, "seg")
        pieces = MARKER_PARTS_RE.split(text)
        element.text = pieces[0]
        for i in range(1, len(pieces), 3):
            kind, n = pieces[i], int(pieces[i + 1]) + 1
            if kind == OPEN:
                child = ET.SubElement(element, "ph", x=str(n))
            else:
                child = ET.SubElement(element, "bpt" if kind == SPAN_OPEN else "ept", i=str(n))
            child.tail = pieces[i + 2]

    for src, tgt, engine, source, target, created, glossary in rows:
        tu = ET.SubElement(body, "tu", creationdate=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(created)))
        prop = ET.SubElement(tu, "prop", type="x-engine")
        prop.text = engine
        # the glossary entries the segment was made with: 'translate memory import' keys it again exactly
        ET.SubElement(tu, "prop", type="x-glossary").text = glossary
        for lang, text in ((src, source), (tgt, target)):
            tuv = ET.SubElement(tu, "tuv", {"xml:lang": lang})
            seg(tuv, text)
    ET.indent(tmx)
    write_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tmx, encoding="unicode") + "\n")
    return len(rows)
