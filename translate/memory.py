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
    check: object = None  # the segment's term check as last made (terms.check.SegmentCheck.to_json), if kept


_FINGERPRINTS: dict[tuple, tuple[tuple[GlossaryEntry, ...], str]] = {}


def entry_fingerprint(entries: Iterable[GlossaryEntry], tgt: str) -> str:
    """What of the glossary can change a segment's translation into `tgt`: the touching entries, canonically.
    Remembered per set of entry objects (the cache holds them, so their ids stay theirs)."""
    entries = tuple(entries)
    key = (tuple(id(e) for e in entries), tgt)
    found = _FINGERPRINTS.get(key)
    if found is not None:
        return found[1]
    if len(_FINGERPRINTS) > 50_000:
        _FINGERPRINTS.clear()
    fingerprint = _entry_fingerprint(entries, tgt)
    _FINGERPRINTS[key] = (entries, fingerprint)
    return fingerprint


def _entry_fingerprint(entries: tuple[GlossaryEntry, ...], tgt: str) -> str:
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


def _db_error(path: Path, exc: sqlite3.Error) -> UserError:
    """What a failing memory means for the user, and what to do: it is a cache, so deleting it loses only time."""
    text = str(exc)
    folder = path.parent
    if ("disk is full" in text) or ("disk I/O" in text and _full(folder)):
        return UserError(f"{path}: cannot write the translation memory: the disk is full; free some space (or use "
                         "another --out, or --no-memory) and run again")
    if "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text.lower():
        return UserError(f"{path}: cannot write the translation memory ({text}): the file or the folder {folder} is "
                         "read-only or protected; make it writable, use another --out, or run with --no-memory")
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text or
                                                     "corrupt" in text):
        return UserError(f"{path}: the translation memory is damaged ({text}); delete the file (it is only a cache: "
                         "the next run translates again) or run with --no-memory")
    if "locked" in text or "busy" in text:
        return UserError(f"{path}: the translation memory is in use by another program ({text}); wait for it to "
                         "finish and run again")
    return UserError(f"{path}: the translation memory failed ({text}); delete the file (it is only a cache) or run "
                     "with --no-memory")


def _full(folder: Path) -> bool:
    import os

    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def _reporting(method):
    """SQLite's errors from a method of the memory become one line naming the file and what to do."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise _db_error(self.path, exc) from None

    return wrapper


class TranslationMemory:
    def __init__(self, path: Path):
        from .files import make_folder

        self.path = path
        if path.is_symlink():
            raise UserError(f"{path}: the translation memory is a symbolic link; it is written only as a file of its "
                            "own under the output folder: remove the link")
        if path.exists() and not path.is_file():
            raise UserError(f"{path}: the translation memory is not a file; move it away")
        make_folder(path.parent)
        try:
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        except sqlite3.Error as exc:
            raise _db_error(path, exc) from None
        try:
            self._check(*self._schema())  # before anything is written: a file that is not ours stays as it was
            self._wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except UserError:
            self.db.close()
            raise
        except sqlite3.Error as exc:
            self.db.close()
            raise _db_error(path, exc) from None

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

    def _schema(self) -> tuple[int, set[str]]:
        # One statement, so one snapshot: read apart, another process could create the schema in between.
        version, names = self.db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), group_concat(name, char(31)) "
            "FROM sqlite_master WHERE type='table'").fetchone()
        return version, set(names.split("\x1f")) if names else set()

    def _check(self, version: int, tables: set[str]) -> None:
        if version > len(MIGRATIONS):
            raise UserError(f"{self.path}: the translation memory was made by a newer version of translate; "
                            "use that version, or delete the file (it is only a cache)")
        if version == 0 and tables:
            raise UserError(f"{self.path}: not a translation memory (an SQLite database with other tables: "
                            f"{', '.join(sorted(tables)[:5])}); it is left alone: move it away")
        if version and not {"segments", "outputs"} <= tables:
            raise UserError(f"{self.path}: the translation memory is damaged (its tables are missing); delete "
                            "the file (it is only a cache) or run with --no-memory")
        if version:
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(segments)")}
            wanted = {"key", "source", "target", "strategies", "used"} | ({"notes"} if version >= 2 else set())
            if not wanted <= columns:
                raise UserError(f"{self.path}: the translation memory is damaged (its segments table lacks "
                                f"{', '.join(sorted(wanted - columns))}); delete the file (it is only a cache) or "
                                "run with --no-memory")

    def _migrate(self) -> None:
        # The version is read inside the write transaction: two processes opening a new memory at once (--jobs)
        # take turns, and the second finds the schema made.
        with self.atomic():
            version, tables = self._schema()
            self._check(version, tables)
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

    @_reporting
    def get_many(self, keys: Sequence[str]) -> dict[str, Remembered]:
        found: dict[str, Remembered] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self.db.execute(
                f"SELECT key, source, target, strategies, notes FROM segments WHERE key IN "
                f"({','.join('?' * len(chunk))})", chunk,
            ).fetchall()
            for key, source, target, strategies, notes in rows:
                remembered = _remembered(source, target, strategies, notes)
                if remembered is not None:
                    found[key] = remembered
        if found:
            now = time.time()
            with self.atomic():
                self.db.executemany("UPDATE segments SET used=? WHERE key=?", [(now, k) for k in found])
        return found

    @_reporting
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

    @_reporting
    def put_checks(self, checks: dict[str, dict]) -> None:
        """Keep each segment's term check beside its translation (key -> SegmentCheck.to_json)."""
        if not checks:
            return
        with self.atomic():
            self.db.executemany("UPDATE segments SET notes=json_set(notes, '$.check', json(?)) WHERE key=?",
                                [(json.dumps(c, ensure_ascii=False), k) for k, c in checks.items()])

    def put_renderings(self, engine: str, src: str, tgt: str, renderings: dict[str, str]) -> None:
        with self.atomic():
            self.db.executemany("INSERT OR REPLACE INTO renderings VALUES (?,?,?,?,?)",
                                [(engine, src, tgt, f, r) for f, r in renderings.items()])

    # --- outputs ----------------------------------------------------------------------------------------------

    @_reporting
    def output_inputs(self, path: Path) -> str | None:
        row = self.db.execute("SELECT inputs FROM outputs WHERE path=?", (str(path.resolve()),)).fetchone()
        return row[0] if row else None

    @_reporting
    def record_output(self, path: Path, inputs: str, digest: str = "") -> None:
        with self.atomic():
            self.db.execute("INSERT OR REPLACE INTO outputs (path, inputs, written, digest) VALUES (?,?,?,?)",
                            (str(path.resolve()), inputs, time.time(), digest))

    @_reporting
    def output_digest(self, path: Path) -> str:
        row = self.db.execute("SELECT digest FROM outputs WHERE path=?", (str(path.resolve()),)).fetchone()
        return row[0] if row else ""

    # --- maintenance ------------------------------------------------------------------------------------------

    @_reporting
    def stats(self) -> dict:
        total = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
        pairs = self.db.execute(
            "SELECT src, tgt, engine, COUNT(*) FROM segments GROUP BY src, tgt, engine ORDER BY src, tgt, engine"
        ).fetchall()
        outputs = self.db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {"segments": total, "outputs": outputs, "bytes": size,
                "pairs": [{"src": s, "tgt": t, "engine": e, "segments": n} for s, t, e, n in pairs]}

    @_reporting
    def clear(self) -> int:
        with self.atomic():
            n = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
            self.db.execute("DELETE FROM segments")
            self.db.execute("DELETE FROM renderings")
            self.db.execute("DELETE FROM outputs")
        self.db.execute("VACUUM")
        return n

    @_reporting
    def rows(self) -> list[tuple[str, str, str, str, str, float, str]]:
        """(src, tgt, engine, source, target, created, glossary fingerprint) of every segment."""
        return self.db.execute(
            "SELECT src, tgt, engine, source, target, created, glossary FROM segments ORDER BY src, tgt, created, key"
        ).fetchall()


def _remembered(source: object, target: object, strategies: object, notes: object) -> Remembered | None:
    """A row as the memory wrote it, or None for one it cannot have written (an empty translation of a sentence,
    values that are not its JSON): such a segment is translated again rather than published as it is."""
    if not isinstance(target, str) or not isinstance(source, str) or (source.strip() and not target.strip()):
        return None
    try:
        kinds = json.loads(strategies) if isinstance(strategies, str) else None
        extra = json.loads(notes) if isinstance(notes, str) else None
    except ValueError:
        return None
    if not isinstance(kinds, dict) or not isinstance(extra, dict):
        return None
    unknown = extra.get("unknown", [])
    if not isinstance(unknown, list) or not all(isinstance(w, str) for w in unknown):
        return None
    return Remembered(target, {str(k): str(v) for k, v in kinds.items()}, tuple(unknown), extra.get("check"))


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

    rows = memory.rows()
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
