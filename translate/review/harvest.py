"""Corrections made in the translated Markdown (`build/<slug>/<slug>.<lang>.md`) are taken into the store.

Each time it writes that file, translate keeps a record of what it wrote
(`build/.translate-written/<slug>.<lang>.md.json`: the text, the source blocks it translated, the version of each
reviewed unit it wrote). Before anything rewrites
the file, the file is read with the article reader and compared with the record, block by block, matched by the
document's structure: every block whose text differs from what was written is a correction of that block's
source, and becomes a reviewed translation (per sentence when the editor kept the block's sentences, else of the
whole block). The record is written before the file, and remembers the text written before, so a run killed
between the two takes no machine text for a correction.

Nothing the editor wrote is overwritten without a word: when the blocks no longer match (an added or removed
paragraph), a code block was changed, a correction conflicts with a newer one in the store, the record is missing,
or the file changed while translate ran, the file is left as it is, the new translation goes beside it as
`<slug>.<lang>.new.md` (with a record of its own, so `translate review import` can take the editor's file against
it), and the run says which lines.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..data import Block, Markup, Segment
from ..errors import UserError
from ..publish.writer import inline_markdown
from ..sentences import split_sentences
from .markdown import balanced, block_source, remap_with, segment_markdown, sentences, text_markdown
from .store import Conflict, Entry, Store

RECORD_VERSION = 1


RECORDS = ".translate-written"  # in the output folder, beside the memory: the article folders stay what is printed


def record_path(md: Path) -> Path:
    """build/<slug>/<slug>.<lang>.md -> build/.translate-written/<slug>.<lang>.md.json"""
    return md.parent.parent / RECORDS / f"{md.name}.json"


def draft_path(md: Path) -> Path:
    """Where the new translation goes when the editor's file must stay as it is: x.es.md -> x.es.new.md."""
    return md.with_name(md.name[: -len(".md")] + ".new.md")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the record of what was written ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What translate wrote into one file: its text, the source blocks it translated, and the version of each
    reviewed unit it wrote (a correction of another version is a conflict)."""

    text: str
    blocks: dict[str, Block]
    human: dict[str, str]
    previous: str | None = None  # the text written before, until the file is known to hold this one

    def to_json(self) -> dict:
        return {"sha256": sha(self.text), "text": self.text, "previous": self.previous, "human": self.human,
                "blocks": {k: _block_json(b) for k, b in self.blocks.items()}}

    @staticmethod
    def from_json(data: dict) -> "Written":
        return Written(str(data["text"]), {k: _block_from(k, v) for k, v in data["blocks"].items()},
                       {str(k): str(v) for k, v in data.get("human", {}).items()}, data.get("previous"))


def _block_json(b: Block) -> dict:
    return {"kind": b.kind, "line": b.line, "markup": [[m.kind, m.value, m.extra] for m in b.markup],
            "segments": [[s.id, s.text, s.title_of] for s in b.segments]}


def _block_from(block_id: str, data: dict) -> Block:
    return Block(block_id, data["kind"], tuple(Segment(i, t, n) for i, t, n in data["segments"]),
                 tuple(Markup(*m) for m in data["markup"]), line=int(data.get("line", 0)))


@dataclass(frozen=True)
class Records:
    """The record beside one translated file: what was written to it (`md`) and to its draft (`new`)."""

    article: str = ""
    src: str = ""
    tgt: str = ""
    md: Written | None = None
    new: Written | None = None
    unreadable: bool = False


def load_records(md: Path) -> Records:
    path = record_path(md)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != RECORD_VERSION:
            return Records(unreadable=True)
        return Records(data.get("article", ""), data.get("src", ""), data.get("tgt", ""),
                       Written.from_json(data["md"]) if data.get("md") else None,
                       Written.from_json(data["new"]) if data.get("new") else None)
    except FileNotFoundError:
        return Records()
    except (OSError, ValueError, KeyError, TypeError):
        return Records(unreadable=True)


def save_records(md: Path, records: Records) -> None:
    from ..files import write_atomic

    data = {"version": RECORD_VERSION, "article": records.article, "src": records.src, "tgt": records.tgt,
            "md": records.md.to_json() if records.md else None,
            "new": records.new.to_json() if records.new else None}
    write_atomic(record_path(md), json.dumps(data, ensure_ascii=False, indent=1) + "\n")


# --- reading a translated file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    head: dict[str, str]  # title and subtitle of the front matter
    meta: dict  # the rest of the front matter
    shape: tuple[tuple[str, str, int], ...]  # (id, kind, level or list start) of every node and leaf, in order
    lines: tuple[int, ...]  # the line of each
    blocks: dict[str, Block]


def parse_translated(text: str, path: Path) -> Parsed:
    """A translated Markdown file as the article reader reads it; malformed front matter is a UserError."""
    from ..document import parse_body, split_front_matter

    data, body, first = split_front_matter(path, text.lstrip("\ufeff").replace("\r\n", "\n"))
    head = {k: re.sub(r"\s+", " ", str(data[k])).strip() for k in ("title", "subtitle") if data.get(k) is not None}
    meta = {k: v for k, v in data.items() if k not in ("title", "subtitle")}
    tree, blocks = parse_body(body, first)
    by_id = {b.id: b for b in blocks}
    shape: list[tuple[str, str, int]] = []
    lines: list[int] = []

    def walk(nodes) -> None:
        for node in nodes:
            if isinstance(node, str):
                b = by_id[node]
                shape.append((b.id, b.kind, b.level))
                lines.append(b.line)
            else:
                shape.append((node.id, node.kind, node.start if node.kind == "ordered_list" else 0))
                lines.append(node.line)
                walk(node.children)

    walk(tree)
    return Parsed(head, meta, tuple(shape), tuple(lines), by_id)


def _content(b: Block) -> tuple:
    titles = tuple((s.title_of, s.text) for s in b.segments if s.title_of is not None)
    return (b.text, b.markup, titles, b.literal, b.info)


_KIND_NAMES = {"paragraph": "a paragraph", "heading": "a heading", "cell": "a table cell", "code": "a code block",
               "rule": "a rule", "bullet_list": "a list", "ordered_list": "a numbered list", "item": "a list item",
               "quote": "a quote", "table": "a table", "row": "a table row", "footnote": "a footnote"}


def _name(kind: str) -> str:
    return _KIND_NAMES.get(kind, kind)


def mismatch(written: Parsed, current: Parsed) -> list[tuple[int, str]]:
    """Where `current`'s structure departs from `written`'s: (line in current, what) for each difference. Blocks
    whose words did not change anchor the comparison, so an added paragraph is found where it was added, not
    beside an identical neighbour."""
    def items(p: Parsed) -> list[tuple]:
        return [(k, n, _content(p.blocks[i]) if i in p.blocks else None) for i, k, n in p.shape]

    a, b = items(written), items(current)
    out: list[tuple[int, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        # within a region whose words differ, align by structure alone: an edited block is no mismatch
        shape_a, shape_b = [x[:2] for x in a[i1:i2]], [x[:2] for x in b[j1:j2]]
        for sub, k1, k2, l1, l2 in difflib.SequenceMatcher(None, shape_a, shape_b, autojunk=False).get_opcodes():
            out.extend(_describe(sub, shape_a[k1:k2], shape_b[l1:l2], current, j1 + l1, i1 + k1, written))
    return out


def _describe(op: str, was: list, now: list, current: Parsed, at: int, at_was: int, written: Parsed
              ) -> list[tuple[int, str]]:
    last = current.lines[-1] if current.lines else 1
    line = current.lines[at] if at < len(current.lines) else last
    if op == "insert":
        return [(line, f"{_name(now[0][0])} the article does not have")]
    if op == "delete":
        return [(line, f"{_name(was[0][0])} of the article is missing here (line {written.lines[at_was]} of what "
                       "translate wrote)")]
    if op == "replace":
        if was[0][0] == now[0][0] == "heading":
            return [(line, f"a level-{now[0][1]} heading where the article has a level-{was[0][1]} one")]
        if was[0][0] == now[0][0] == "ordered_list":
            return [(line, f"a list numbered from {now[0][1]} where the article's starts at {was[0][1]}")]
        return [(line, f"{_name(now[0][0])} where the article has {_name(was[0][0])}")]
    return []


# --- corrections -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    unit: str  # segment id, or block id for a correction of a whole block
    source: str  # msgid
    target: str  # msgstr
    base: str  # the version of the unit the editor corrected ("" for machine translation)
    line: int
    block: str = ""  # the block corrected


@dataclass
class Reading:
    corrections: list[Correction] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what): the file must stay as it is
    mismatched: bool = False


def read_corrections(path: Path, text: str, written: Written) -> Reading:
    """Compare the file's `text` with what was written there: the corrections, or why the file must stay."""
    reading = Reading()
    try:
        current = parse_translated(text, path)
    except UserError as exc:
        reading.problems.append((_line_of(str(exc)), str(exc).split(": ", 2)[-1]))
        return reading
    then = parse_translated(written.text, path)
    before = None
    if written.previous:
        with contextlib.suppress(UserError):
            before = parse_translated(written.previous, path)
    if [s[:2] for s in current.shape] != [s[:2] for s in then.shape] or \
            [s[2] for s in current.shape] != [s[2] for s in then.shape]:
        reading.mismatched = True
        reading.problems.extend(mismatch(then, current))
        return reading
    same_before = before is not None and before.shape == then.shape
    changed = [k for k in sorted(set(current.meta) | set(then.meta), key=str)
               if current.meta.get(k) != then.meta.get(k) and not (same_before and current.meta.get(k) ==
                                                                   before.meta.get(k))]
    if changed:
        reading.problems.append((2, f"the front matter's {', '.join(map(repr, changed))} changed: translate writes "
                                    "it from the article; change it there"))

    for key in ("title", "subtitle"):
        now = current.head.get(key)
        if now is None or now == then.head.get(key) or (same_before and now == before.head.get(key)):
            continue
        source = written.blocks.get(key)
        if source is None:
            continue
        # the front matter holds the title as plain text
        plain = re.sub(r"([\\`*_\[\]<>!#~|])", r"\\\1", now)
        reading.corrections.extend(_block_corrections(source, plain, (), {}, written, 1))
    for block_id, kind, _ in current.shape:
        if block_id not in current.blocks:
            continue
        now, was = current.blocks[block_id], then.blocks[block_id]
        if _content(now) == _content(was) or (same_before and _content(now) == _content(before.blocks[block_id])):
            continue
        if kind in ("code", "rule"):
            reading.problems.append((now.line, "a code block was changed: code is not translated; change it in "
                                               "the article"))
            continue
        source = written.blocks.get(block_id)
        if source is None:
            reading.problems.append((now.line, f"{_name(kind)} translate did not write (no source for it)"))
            continue
        titles = {s.title_of: s.text for s in now.segments if s.title_of is not None}
        reading.corrections.extend(_block_corrections(source, now.text, now.markup, titles, written, now.line))
    return reading


def _block_corrections(source: Block, text: str, own: tuple[Markup, ...], titles: dict[int, str], written: Written,
                       line: int) -> list[Correction]:
    """One block's correction as units: a sentence each when the editor kept the block's sentences (and the
    block was not corrected as a whole before), else the whole block; and the titles of its links and images."""
    if not own and text and source.kind in ("title", "subtitle"):
        from .markdown import parse_inline

        text, own, titles = parse_inline(text)
    mapped, extra, mapping = remap_with(text, own, titles, source.markup, range(len(source.markup)))
    markup = source.markup + extra
    sents = sentences(source)
    pieces = split_sentences(mapped) if mapped else []
    out: list[Correction] = []

    def unit(unit_id: str, msgid: str, text: str) -> Correction:
        return Correction(unit_id, msgid, text_markdown(text, markup, len(source.markup)),
                          written.human.get(unit_id, ""), line, source.id)

    if len(sents) == 1:
        out.append(unit(sents[0].id, segment_markdown(sents[0], source.markup), mapped))
    elif sents and source.id not in written.human and len(pieces) == len(sents) and all(map(balanced, pieces)):
        out.extend(unit(seg.id, segment_markdown(seg, source.markup), piece) for seg, piece in zip(sents, pieces))
    elif sents:
        out.append(unit(source.id, block_source(source), mapped))
    inverse = {v: k for k, v in mapping.items()}
    for seg in source.segments:
        if seg.title_of is None:
            continue
        title = titles.get(inverse.get(seg.title_of, -1), "").strip()
        if title:
            out.append(Correction(seg.id, segment_markdown(seg, source.markup), inline_markdown(title, ()),
                                  written.human.get(seg.id, ""), line, source.id))
    return out


def _line_of(message: str) -> int:
    m = re.match(r"[^:]*:(\d+):", message)
    return int(m.group(1)) if m else 1


def take(store: Store, tgt: str, src: str, article: str, corrections: Iterable[Correction], translator: str,
         force: bool = False, all_or_nothing: bool = False
         ) -> tuple[list[Correction], list[tuple[Correction, Entry | None]]]:
    """Save corrections as reviewed translations, each checked against the version the editor corrected (unless
    `force`). Returns (taken, conflicts); `all_or_nothing`: any conflict and nothing is saved (the conflicts are
    still returned)."""
    taken: list[Correction] = []
    conflicts: list[tuple[Correction, Entry | None]] = []

    class _Abort(Exception):
        pass

    try:
        with store.edit(tgt, translator) as catalog:
            for c in corrections:
                try:
                    before = catalog.get(src, c.source)
                    catalog.save(src, c.source, c.target, base=None if force else c.base, refs=[(article, c.unit)])
                    if before is None or before.target != c.target or before.fuzzy:
                        taken.append(c)
                except Conflict as exc:
                    conflicts.append((c, exc.current))
            if conflicts and all_or_nothing:
                raise _Abort()
    except _Abort:
        return [], conflicts
    return taken, conflicts


def whoami(root: Path) -> str:
    """Who corrects, for Last-Translator: TRANSLATE_TRANSLATOR, else git's user.name and user.email."""
    named = os.environ.get("TRANSLATE_TRANSLATOR", "").strip()
    if named:
        return named

    def git(key: str) -> str:
        try:
            done = subprocess.run(["git", "config", key], cwd=root if root.is_dir() else None, capture_output=True,
                                  text=True, timeout=5)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    name, email = git("user.name"), git("user.email")
    return f"{name} <{email}>" if name and email else name


def conflict_text(c: Correction, current: Entry | None, store_path: Path) -> str:
    now = f" (now «{_short(current.target)}»)" if current is not None and current.target else ""
    return f"{c.unit}: also changed in {_shown(store_path)} since translate wrote this file{now}"


def _short(text: str, width: int = 50) -> str:
    clean = re.sub(r"\s+", " ", text).strip()
    return clean if len(clean) <= width else clean[: width - 1].rsplit(" ", 1)[0] + "…"


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def same_blocks(a: str, b: str, path: Path) -> bool:
    """Whether two translated files say the same, block by block (formatting aside)."""
    try:
        x, y = parse_translated(a, path), parse_translated(b, path)
    except UserError:
        return False
    return x.shape == y.shape and x.head == y.head and x.meta == y.meta and all(
        _content(x.blocks[k]) == _content(y.blocks[k]) for k in x.blocks)


def blocks_differing(a: str, b: str, path: Path) -> list[int]:
    """Lines of `a` whose blocks differ from `b`'s (same structure assumed; [] when it differs)."""
    try:
        x, y = parse_translated(a, path), parse_translated(b, path)
    except UserError:
        return []
    if [s[:2] for s in x.shape] != [s[:2] for s in y.shape]:
        return []
    lines = [1] if x.head != y.head else []
    return lines + [b.line for k, b in x.blocks.items() if k in y.blocks and _content(b) != _content(y.blocks[k])]
