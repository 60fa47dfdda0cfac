"""Users' files: reading (every failure one UserError line naming the file, YAML with line numbers) and writing
through a temporary file and a rename, so no output path ever holds a partial file."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from .errors import UserError


def read_bytes(path: Path, expected: str = "a file") -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, expected {expected}") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_text(path: Path, expected: str = "a text file") -> str:
    """UTF-8 text (a byte-order mark is dropped); bytes that are not UTF-8 are reported with their line."""
    data = read_bytes(path, expected)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    # The only portable way to read the umask is to set it; the lock keeps other threads from seeing the 0.
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers see the old file or the new one.
    The file gets the mode a plain open() would give it (0666 less the umask), not mkstemp's private 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class YamlLines:
    """Line numbers of the YAML nodes, so every message can name file and line."""

    def __init__(self, path: str, root: yaml.Node | None):
        self.path = path
        self.root = root

    def at(self, node: yaml.Node | None) -> str:
        line = node.start_mark.line + 1 if node is not None else 1
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


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into data and its node tree; malformed YAML or bytes become a UserError with file:line."""
    text = read_text(path, "a YAML file")
    return parse_yaml(text, path)


# libyaml's parser when PyYAML was built with it (ten times faster on a 200 KB glossary), else the pure one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: Path | str) -> tuple[Any, yaml.Node | None]:
    """One parse: the node tree (for line numbers), then the data constructed from it."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            return (loader.construct_document(node) if node is not None else None), node
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise UserError(f"{path}:{line}: malformed YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: malformed YAML: {exc}") from None
