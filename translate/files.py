"""Users' files: reading (every failure one UserError line naming the file, YAML with line numbers, within the
limits below) and writing through a temporary file and a rename, so no output path ever holds a partial file.

The limits are checked before any work: inputs far larger or deeper than any article, glossary or project file
would otherwise take minutes and gigabytes before failing, or never finish."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import UserError, os_message

KiB, MiB = 1 << 10, 1 << 20
MAX_ARTICLE_BYTES = 1 * MiB  # about 150,000 words, a short book; a weekly paper's articles are under 100 KiB
MAX_GLOSSARY_BYTES = 16 * MiB  # the political glossary is about 200 KiB
MAX_PROJECT_BYTES = 256 * KiB  # translate.yaml
MAX_TERMBASE_BYTES = 64 * MiB  # TBX, CSV and OmegaT imports
MAX_YAML_DEPTH = 64  # collections inside collections; a glossary needs 5
MAX_ALIAS_NODES = 10_000  # values YAML aliases may add when expanded (a "billion laughs" adds billions)


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB and n % MiB == 0 else f"{n // KiB} KiB" if n >= KiB else f"{n} bytes"


def read_bytes(path: Path, expected: str = "a file", limit: int | None = None) -> bytes:
    """The bytes of `path`; with `limit`, a file larger than that is refused before it is read."""
    try:
        with open(path, "rb") as handle:
            if limit is not None and os.fstat(handle.fileno()).st_size > limit:
                raise UserError(f"{path}: larger than {_size(limit)}, the most {expected} may be; split it")
            data = handle.read() if limit is None else handle.read(limit + 1)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, expected {expected}") from None
    except OSError as exc:
        raise UserError(os_message(exc, "read", path)) from None
    if limit is not None and len(data) > limit:  # a pipe or a file that grew while it was read
        raise UserError(f"{path}: larger than {_size(limit)}, the most {expected} may be; split it")
    return data


def read_text(path: Path, expected: str = "a text file", limit: int | None = None) -> str:
    """UTF-8 text (a byte-order mark is dropped); bytes that are not UTF-8 are reported with their line."""
    data = read_bytes(path, expected, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


# Characters no text of ours may hold: C0 and C1 controls other than tab, line feed and carriage return, lone
# surrogates (they cannot be written as UTF-8) and the noncharacters U+FFFE and U+FFFF (nor in XML).
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def character_name(c: str) -> str:
    kind = "a lone surrogate" if "\ud800" <= c <= "\udfff" else "a noncharacter" if c in "\ufffe\uffff" else \
        "a control character"
    return f"{kind} (U+{ord(c):04X})"


def check_text(text: str, where: str) -> None:
    """A UserError naming `where` (and the line, counted in `text`) if `text` holds a character of BAD_CHARACTER."""
    found = BAD_CHARACTER.search(text)
    if found:
        line = text.count("\n", 0, found.start())
        place = where if not line else f"{where} (line {line + 1} of the value)"
        raise UserError(f"{place}: {character_name(found.group())}; remove it")


# --- writing -------------------------------------------------------------------------------------------------

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    # The only portable way to read the umask is to set it; the lock keeps other threads from seeing the 0.
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
    return mask


class _Staging:
    """Files written inside `staged()`: each one complete in its temporary file, renamed into place together."""

    def __init__(self) -> None:
        self.pending: dict[Path, Path] = {}  # final path -> temporary file beside it
        self.folders: list[Path] = []  # folders made for them, removed again (when empty) if the batch fails
        self.seen: dict[Path, tuple | None] = {}  # final path -> its signature when it was first written
        self.changed: list[Path] = []  # paths someone else changed meanwhile: left as they are, new text dropped

    def adopt(self, pending: dict[Path, Path], seen: dict[Path, tuple | None]) -> None:
        """Files another process staged (a render worker's), renamed with this batch's."""
        for path, tmp in pending.items():
            old = self.pending.pop(path, None)
            if old is not None and old != tmp:
                old.unlink(missing_ok=True)
            self.pending[path] = tmp
            self.seen.setdefault(path, seen.get(path))

    def discard(self) -> None:
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
        for folder in reversed(self.folders):
            with contextlib.suppress(OSError):
                folder.rmdir()


_STAGING: contextvars.ContextVar[_Staging | None] = contextvars.ContextVar("staging", default=None)


def _temporary(path: Path) -> tuple[int, str]:
    # The temporary name must fit where the final one fits: a long final name keeps only its start. It names the
    # process writing it, so a later run can tell a file a killed process left from one being written now.
    stem = os.fsencode(path.name)[:100].decode("utf-8", "ignore")
    return tempfile.mkstemp(prefix=f".{stem}.{os.getpid()}-", suffix=".tmp", dir=path.parent)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    try:  # a zombie (killed, not yet reaped by an init that may never reap it) writes nothing any more
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


_TEMPORARY_RE = re.compile(r"^\..*\.(\d+)-[^.]*\.tmp$")


def remove_temporaries(path: Path) -> None:
    """The temporary files that processes no longer running left beside `path` (write_atomic's names): a render
    worker stopped half-way."""
    stem = os.fsencode(path.name)[:100].decode("utf-8", "ignore")
    _remove_stale(path.parent, f"{glob_escape(f'.{stem}.')}*-*.tmp")


def remove_stale_temporaries(folder: Path) -> None:
    """Every temporary file in `folder` that a process no longer running left (a run killed with -9)."""
    _remove_stale(folder, ".*.tmp")


def _remove_stale(folder: Path, pattern: str) -> None:
    with contextlib.suppress(OSError):
        for leftover in folder.glob(pattern):
            match = _TEMPORARY_RE.match(leftover.name)
            if match and not _alive(int(match.group(1))):
                leftover.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\\[])", r"[\\1]", text)


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"{folder}: cannot create the folder: a file of that name is in the way; move it or "
                        "choose another path") from None
    except OSError as exc:
        raise UserError(os_message(exc, "create the folder", exc.filename or folder)) from None


def refuse_folder(path: Path) -> None:
    """A folder where a file is to be written is the user's to move: a UserError."""
    if path.is_dir():
        raise UserError(f"{path}: cannot write: it is a folder where a file should be; move the folder away")


def flocked(path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> contextlib.AbstractContextManager[None]:
    """An exclusive advisory lock (flock) on `path`, opened with `flags`, held for the `with` block."""
    import fcntl

    @contextlib.contextmanager
    def hold() -> Iterator[None]:
        fd = os.open(path, flags, mode)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return hold()


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers see the old file or the new one.
    The file gets the mode a plain open() would give it (0666 less the umask), not mkstemp's private 0600.
    Inside `staged()` the rename waits until every file of the block is written."""
    path = Path(path)
    staging = _STAGING.get()
    if staging is not None:
        missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
        staging.folders.extend(reversed(missing))
    make_folder(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    refuse_folder(path)
    tmp = None
    try:
        fd, tmp = _temporary(path)
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if staging is not None:
            staging.seen.setdefault(path, signature(path))
            old = staging.pending.pop(path, None)
            if old is not None:
                Path(old).unlink(missing_ok=True)
            staging.pending[path] = Path(tmp)
            return
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UserError(os_message(exc, "write", path)) from None
        raise


def signature(path: Path) -> tuple | None:
    """What tells a file changed: inode, size and modification time (None: no file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@contextlib.contextmanager
def staged(commit: bool = True, guarded: dict[Path, tuple[Path, ...]] | None = None) -> Iterator[_Staging]:
    """Every write_atomic inside the block goes to its temporary file; when the block ends without an error they
    are all renamed into place, else all removed: a batch that fails half-way (a full disk, Ctrl-C) changes no
    output at all. A file in `guarded` that someone changed after the block first wrote it (an editor saving a
    translation while the batch renders) is left as it is, and so are the files `guarded` names with it; it is
    listed in `.changed`.
    commit=False: the files stay staged for the caller to hand to another process's staging (`adopt`)."""
    staging = _Staging()
    token = _STAGING.set(staging)
    try:
        yield staging
    except BaseException:
        staging.discard()
        raise
    finally:
        _STAGING.reset(token)
    if not commit:
        return
    try:
        for path in staging.pending:  # nothing renamed if any rename is sure to fail
            refuse_folder(path)
    except UserError:
        staging.discard()
        raise
    if guarded is not None:
        for path in list(staging.pending):
            if path in guarded and signature(path) != staging.seen.get(path):
                for dropped in (path, *guarded[path]):
                    tmp = staging.pending.pop(dropped, None)
                    if tmp is not None:
                        tmp.unlink(missing_ok=True)
                staging.changed.append(path)
    for path, tmp in staging.pending.items():
        try:
            os.replace(tmp, path)
        except OSError as exc:
            staging.discard()
            raise UserError(os_message(exc, "write", path)) from None


# --- YAML ----------------------------------------------------------------------------------------------------


class YamlLines:
    """Line numbers of the YAML nodes, so every message can name file and line."""

    def __init__(self, path: str, root: yaml.Node | None, first_line: int = 1):
        self.path = path
        self.root = root
        self.first_line = first_line

    def at(self, node: yaml.Node | None) -> str:
        line = node.start_mark.line + self.first_line if node is not None else self.first_line
        return f"{self.path}:{line}"

    @staticmethod
    def child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            for k, v in node.value:
                if getattr(k, "value", None) == key:
                    return v
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            return node.value[key]
        return None


def read_yaml(path: Path, limit: int = MAX_GLOSSARY_BYTES, expected: str = "a YAML file"
              ) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into data and its node tree; malformed YAML or bytes become a UserError with file:line."""
    text = read_text(path, expected, limit)
    return parse_yaml(text, path)


# libyaml's parser when PyYAML was built with it (ten times faster on a 200 KB glossary), else the pure one
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, whose constructors report a value they cannot make (2014-02-30, an integer of 5,000
    digits) at its line instead of raising a bare ValueError."""


def _reported(construct, what: str):
    def constructor(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value[:40]!r} is not {what}; write a valid one, or quote it if it is text",
                node.start_mark) from None

    return constructor


_safe = yaml.constructor.SafeConstructor
for _tag, _construct, _what in (("timestamp", _safe.construct_yaml_timestamp, "a date (YYYY-MM-DD)"),
                                ("int", _safe.construct_yaml_int, "a usable number"),
                                ("float", _safe.construct_yaml_float, "a usable number")):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _reported(_construct, _what))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_tree(root: yaml.Node, lines: YamlLines) -> None:
    """What the loader would accept but no file of ours may hold, found in the node tree before any value is made:
    nesting deeper than MAX_YAML_DEPTH, an alias inside itself, aliases that expand to more than MAX_ALIAS_NODES
    values, a key given twice in one mapping, a character of BAD_CHARACTER. Walked without recursion."""
    expanded: dict[int, int] = {}  # id(node) -> values it stands for, aliases counted at their full size
    open_: set[int] = set()  # the nodes above the one being walked
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            expanded[key] = 1 + sum(expanded[id(c)] for c in _children(node))
            continue
        if key in expanded:
            continue
        if key in open_:
            raise UserError(f"{lines.at(node)}: a YAML alias that contains itself; write the value out")
        if depth > MAX_YAML_DEPTH:
            raise UserError(f"{lines.at(node)}: nested more than {MAX_YAML_DEPTH} levels deep; flatten it")
        if isinstance(node, yaml.ScalarNode):
            found = BAD_CHARACTER.search(node.value)
            if found:
                raise UserError(f"{lines.at(node)}: {character_name(found.group())}; remove it")
            expanded[key] = 1
            continue
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for k, _ in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if k.value in seen:
                        raise UserError(f"{lines.at(k)}: key {k.value[:40]!r} given twice in one mapping (first at "
                                        f"line {lines.at(seen[k.value]).rsplit(':', 1)[1]}); keep one")
                    seen[k.value] = k
        open_.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in reversed(_children(node)) if id(c) not in expanded)
    extra = expanded[id(root)] - len(expanded)
    if extra > MAX_ALIAS_NODES:
        raise UserError(f"{lines.at(root)}: YAML aliases (*name) here would expand to {extra:,} more values, over "
                        f"the limit of {MAX_ALIAS_NODES:,}; write the values out")


def parse_yaml(text: str, path: Path | str, first_line: int = 1) -> tuple[Any, yaml.Node | None]:
    """One parse: the node tree (for line numbers), checked by check_tree, then the data constructed from it.
    `first_line`: the line of the file where `text` starts (front matter starts on line 2)."""
    lines = YamlLines(str(path), None, first_line)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            check_tree(node, lines)
            return loader.construct_document(node), node
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in bytes of UTF-8
        line = text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + first_line
        what = character_name(chr(exc.character)) if isinstance(exc.character, int) else exc.reason
        raise UserError(f"{path}:{line}: {what} in YAML; remove it") from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        raise UserError(f"{path}:{line}: {exc.problem or exc.context}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        raise UserError(f"{path}:{line}: malformed YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: malformed YAML: {' '.join(str(exc).split())}") from None
