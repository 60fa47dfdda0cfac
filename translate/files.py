"""Reading a user's input files: every way a read can fail becomes one UserError line naming the file."""

from __future__ import annotations

from pathlib import Path

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
