"""The review store: translations a person made or approved, one gettext PO file per target language in the
project's `translations/` folder (`translations:` in translate.yaml moves it), outside the output folder, so
`rm -rf build` loses nothing human and git diffs it line by line.

An entry's msgid is the source segment as Markdown inline source (review.markdown), its msgstr the reviewed
translation in the same Markdown; references name article and unit (`source/x.md:b3.s1`, or `source/x.md:b3`
for a correction of a whole block that did not keep its sentences apart); `msgctxt` is the source language
when it is not the file's (`X-Source-Language`). A fuzzy entry is a suggestion, not a reviewed translation: the
old translation of a segment whose source has changed since (its previous msgid says from what). Entries no
article refers to any more are kept obsolete (`#~`), and come back when their sentence does.

Every change is made under an exclusive lock on the folder, on the file as it is on disk at that moment, and
written through a temporary file and a rename: two processes at once lose no entry, and a process killed
mid-write leaves the old file or the new one. Each entry has a version (a hash of its translation and state),
so a change based on an older version is refused as a Conflict instead of overwriting someone else's work.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import polib

from ..errors import UserError

WRAP = 79  # as msgmerge and Poedit wrap, so a file saved by either diffs little
DEFAULT_TRANSLATOR = "FULL NAME <EMAIL@ADDRESS>"  # gettext's placeholder: nobody


def version_of(target: str, fuzzy: bool) -> str:
    """What a save must name to replace an entry: it changes whenever the translation or its state does."""
    return hashlib.sha256(f"{int(fuzzy)}\0{target}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Entry:
    source: str  # msgid: the source segment (or block) as Markdown
    target: str  # msgstr: the translation as Markdown
    src: str  # source language
    fuzzy: bool = False  # a suggestion (stale), not a reviewed translation
    previous: str = ""  # for a suggestion: the source it translated
    refs: tuple[tuple[str, str], ...] = ()  # (article, unit id)
    obsolete: bool = False
    line: int = 0  # in the PO file, for messages

    @property
    def version(self) -> str:
        return version_of(self.target, self.fuzzy)

    @property
    def reviewed(self) -> bool:
        return bool(self.target) and not self.fuzzy


class Conflict(Exception):
    """A save named a version that is no longer the store's: someone else changed the entry in between."""

    def __init__(self, current: Entry | None, message: str = ""):
        super().__init__(message or "the translation was changed by someone else in the meantime")
        self.current = current


def parse_ref(occurrence: tuple[str, str]) -> tuple[str, str] | None:
    # polib reads "source/x.md:b3.s1" as a file with no line (the line is not a number): split it again
    text = f"{occurrence[0]}:{occurrence[1]}" if occurrence[1] else occurrence[0]
    article, sep, unit = text.rpartition(":")
    return (article.replace("%20", " "), unit) if sep and article and unit else None


def _occurrence(ref: tuple[str, str]) -> tuple[str, str]:
    return (ref[0].replace(" ", "%20"), ref[1])  # references are separated by spaces


def _entry(e: polib.POEntry, default_src: str) -> Entry:
    refs = tuple(r for r in (parse_ref(o) for o in e.occurrences) if r)
    return Entry(e.msgid, e.msgstr, e.msgctxt or default_src, "fuzzy" in e.flags, e.previous_msgid or "", refs,
                 bool(e.obsolete), e.linenum)


class Catalog:
    """One target language's store as read from disk: entries found by source language and msgid, or by the
    units of an article that refer to them. Changed only inside Store.edit."""

    def __init__(self, path: Path, tgt: str, po: polib.POFile, default_src: str):
        self.path = path
        self.tgt = tgt
        self.po = po
        self.source_lang = po.metadata.get("X-Source-Language") or default_src
        self._index: dict[tuple[str, str], polib.POEntry] = {}
        self._refs: dict[str, dict[str, list[polib.POEntry]]] | None = None
        self.changed = False  # translations changed (not only references)
        self.touched = False  # anything changed
        for e in po:
            if e.msgid:
                self._index.setdefault((e.msgctxt or "", e.msgid), e)

    # --- reading ------------------------------------------------------------------------------------------------

    def _ctx(self, src: str) -> str:
        return "" if src == self.source_lang else src

    def __len__(self) -> int:
        return len(self._index)

    def get(self, src: str, source: str) -> Entry | None:
        e = self._index.get((self._ctx(src), source))
        return _entry(e, self.source_lang) if e is not None else None

    def entries(self) -> list[Entry]:
        return [_entry(e, self.source_lang) for e in self._index.values()]

    def referring(self, article: str) -> dict[str, list[Entry]]:
        """{unit id: entries whose references name that unit of `article`}."""
        if self._refs is None:
            self._refs = {}
            for e in self._index.values():
                for ref in (parse_ref(o) for o in e.occurrences):
                    if ref:
                        self._refs.setdefault(ref[0], {}).setdefault(ref[1], []).append(e)
        return {unit: [_entry(e, self.source_lang) for e in found]
                for unit, found in self._refs.get(article, {}).items()}

    @property
    def translator(self) -> str:
        """Last-Translator, as the header says (empty when nobody, or gettext's placeholder)."""
        value = (self.po.metadata.get("Last-Translator") or "").strip()
        return "" if value == DEFAULT_TRANSLATOR else value

    # --- changing (inside Store.edit) -------------------------------------------------------------------------

    def _find_or_new(self, src: str, source: str) -> polib.POEntry:
        key = (self._ctx(src), source)
        e = self._index.get(key)
        if e is None:
            e = polib.POEntry(msgid=source, msgstr="", msgctxt=key[0] or None)
            self.po.append(e)
            self._index[key] = e
        return e

    def _touch(self, translation: bool) -> None:
        self.touched = True
        self._refs = None
        self.changed = self.changed or translation

    def save(self, src: str, source: str, target: str, base: str | None = None,
             refs: Iterable[tuple[str, str]] = ()) -> Entry:
        """Make `target` the reviewed translation of `source`. `base` is the version the change was made from
        ("" when it was made from no entry, i.e. from machine translation); another version now is a Conflict.
        None: no check (the caller has decided)."""
        current = self.get(src, source)
        if current is not None and current.target == target and not current.fuzzy:
            self.add_refs(src, source, refs)
            return self.get(src, source)
        if base is not None:
            now = current.version if current is not None and current.reviewed else ""
            if now != base:
                raise Conflict(current)
        e = self._find_or_new(src, source)
        e.msgstr = target
        if "fuzzy" in e.flags:
            e.flags.remove("fuzzy")
        e.previous_msgid = None
        e.previous_msgctxt = None
        e.obsolete = False
        self._touch(True)
        self.add_refs(src, source, refs)
        return self.get(src, source)

    def remove(self, src: str, source: str, base: str) -> None:
        """Drop the reviewed translation of `source` (the segment goes back to machine translation), if its
        version is still `base`; else Conflict, and nothing changes."""
        current = self.get(src, source)
        if current is None or not current.reviewed:
            return
        if current.version != base:
            raise Conflict(current)
        e = self._index.pop((self._ctx(src), source))
        del self.po[next(i for i, x in enumerate(self.po) if x is e)]  # by identity: POEntry compares by value
        self._touch(True)

    def suggest(self, src: str, source: str, suggestion: str, previous: str, ref: tuple[str, str]) -> None:
        """Keep `suggestion` (the translation of `previous`) as a fuzzy entry for `source`, unless it has an entry."""
        current = self.get(src, source)
        if current is None:
            e = self._find_or_new(src, source)
            e.msgstr = suggestion
            e.flags.append("fuzzy")
            e.previous_msgid = previous
            self._touch(True)
        self.add_refs(src, source, [ref])

    def add_refs(self, src: str, source: str, refs: Iterable[tuple[str, str]]) -> None:
        e = self._index.get((self._ctx(src), source))
        if e is None:
            return
        have = {r for r in (parse_ref(o) for o in e.occurrences) if r}
        new = [r for r in refs if r not in have]
        if new or e.obsolete:
            e.occurrences = [_occurrence(r) for r in sorted(have | set(new))]
            if e.obsolete and (have or new):
                e.obsolete = False
            self._touch(False)

    def drop_refs(self, src: str, source: str, refs: Iterable[tuple[str, str]]) -> None:
        """Remove references; an entry no article refers to any more is kept obsolete."""
        e = self._index.get((self._ctx(src), source))
        if e is None:
            return
        gone = set(refs)
        have = [r for r in (parse_ref(o) for o in e.occurrences) if r]
        kept = [r for r in have if r not in gone]
        if len(kept) != len(have):
            e.occurrences = [_occurrence(r) for r in kept]
            if not kept:
                e.obsolete = True
            self._touch(False)

    def set_translator(self, translator: str) -> None:
        if translator and self.po.metadata.get("Last-Translator") != translator:
            self.po.metadata["Last-Translator"] = translator
            self._touch(False)

    def text(self) -> str:
        return self.po.__unicode__()


@dataclass(frozen=True)
class Store:
    """The folder of PO files; `source_lang` is the X-Source-Language of files it creates."""

    folder: Path
    source_lang: str = "en"

    def path(self, tgt: str) -> Path:
        return self.folder / f"{tgt}.po"

    def languages(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.po")) if self.folder.is_dir() else []

    def read(self, tgt: str) -> Catalog:
        """The language's catalog as it is on disk now (empty when there is no file yet)."""
        path = self.path(tgt)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Catalog(path, tgt, _new_po(tgt, self.source_lang), self.source_lang)
        except UnicodeDecodeError as exc:
            raise UserError(f"{_shown(path)}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
        except OSError as exc:
            raise UserError(f"{_shown(path)}: cannot read: {exc.strerror or exc}") from None
        return Catalog(path, tgt, parse_po(text, _shown(path)), self.source_lang)

    @contextlib.contextmanager
    def edit(self, tgt: str, translator: str = "") -> Iterator[Catalog]:
        """The catalog as it is on disk, under the store's lock; saved (atomically) if the block changed it and
        raised nothing. `translator` becomes Last-Translator when a translation changed."""
        with self.locked():
            catalog = self.read(tgt)
            yield catalog
            if catalog.changed and translator:
                catalog.set_translator(translator)
            if catalog.touched:
                if catalog.changed:
                    catalog.po.metadata["PO-Revision-Date"] = time.strftime("%Y-%m-%d %H:%M%z")
                    catalog.po.metadata["X-Generator"] = _generator()
                self._write(catalog)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        # A lock on the folder itself: no lock file is left in a folder that is under version control.
        from ..files import flocked

        self.folder.mkdir(parents=True, exist_ok=True)
        with flocked(self.folder):
            yield

    def _write(self, catalog: Catalog) -> None:
        from ..files import write_atomic

        # Under the lock no other write is under way: a temporary file left here is from a killed process.
        for stale in catalog.path.parent.glob(f".{catalog.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        write_atomic(catalog.path, catalog.text())
        with contextlib.suppress(OSError):  # the rename itself durable
            fd = os.open(catalog.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _generator() -> str:
    from .. import __version__

    return f"translate {__version__}"


HEADER_COMMENT = ("Reviewed translations for translate: what the editors corrected or approved.\n"
                  "msgid: the source sentence as Markdown; msgstr: its translation. Kept up to date by\n"
                  "'translate run' (corrections made in build/*.md) and 'translate review import';\n"
                  "Poedit and other PO editors may edit it too.")


def _new_po(tgt: str, src: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=WRAP)
    po.header = HEADER_COMMENT
    po.metadata = {
        "Project-Id-Version": "translate reviewed translations",
        "PO-Revision-Date": time.strftime("%Y-%m-%d %H:%M%z"),
        "Last-Translator": "",  # nobody yet (gettext's placeholder would make msgfmt --check warn)
        "Language-Team": "",
        "Language": tgt,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": _generator(),
        "X-Source-Language": src,
    }
    return po


def parse_po(text: str, path: Path | str) -> polib.POFile:
    """A PO text, or a UserError naming the file and line."""
    try:
        po = polib.pofile(text, wrapwidth=WRAP)
    except (OSError, ValueError) as exc:
        raise UserError(f"{_where(path, str(exc))}: not a valid PO file ({_reason(str(exc))}); fix it (a "
                        "merge conflict?) or restore it") from None
    seen: dict[tuple[str, str], polib.POEntry] = {}
    for e in po:
        if not e.msgid or e.obsolete:
            continue
        key = (e.msgctxt or "", e.msgid)
        first = seen.setdefault(key, e)
        if first is not e and first.msgstr != e.msgstr and not e.fuzzy and not first.fuzzy:
            raise UserError(f"{path}:{e.linenum}: the msgid of line {first.linenum} again, with another "
                            "translation; keep one of them")
    return po


def _where(path: Path | str, message: str) -> str:
    import re

    m = re.search(r"line (\d+)", message)
    return f"{path}:{m.group(1)}" if m else str(path)


def _reason(message: str) -> str:
    import re

    return re.sub(r"\s*\(line \d+\)", "", message).replace(" in po file", "").strip() or "syntax error"


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
