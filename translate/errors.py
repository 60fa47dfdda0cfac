"""Errors a user can cause and fix: the CLI prints them as one line and exits with code 2.

`user_error` is the one translation of what the operating system or a library raised (a full disk, a read-only
folder, a file name too long, a damaged database) into such a line: the file, what failed, what to do."""

from __future__ import annotations

import errno
import os


class UserError(Exception):
    """Bad input or usage: a missing file, an unknown language, malformed YAML, no engine for a pair."""

    exit_code = 2


class EngineError(UserError):
    """An engine cannot do what was asked (pair not installed, engine missing, engine crashed)."""


class OfflineError(UserError):
    """Something needed the network and the machine is offline."""


class TranslateWarning(UserWarning):
    """Something the user should know that does not stop the work: a broken package skipped, a segment left
    untranslated, an engine replaced by another. The CLI prints each as one line."""


MESSAGE_LIMIT = 400  # characters of one message line: a value quoted in it is cut, not the message


def shown(value: object, limit: int = 60) -> str:
    """repr(value) for a message, cut to `limit` characters: a mistake in a 50 MB value is still one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# What to do about each failure the operating system reports; the strerror says what happened.
_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space (or write to another folder with --out) and run again",
    errno.EDQUOT: "the disk quota is used up: free some space (or write to another folder with --out) and run again",
    errno.EFBIG: "the file is larger than this system allows (ulimit -f): raise the limit or write elsewhere",
    errno.EROFS: "the file system is read-only: write to another folder (--out) or mount it writable",
    errno.EACCES: "check the permissions of the file and its folder, or use another folder",
    errno.EPERM: "the file is protected (permissions, or chattr +i): change that, or use another folder",
    errno.ENAMETOOLONG: "the name is longer than the file system allows: use a shorter file or folder name",
    errno.ENOTDIR: "a part of the path is a file, not a folder: rename it or choose another path",
    errno.EISDIR: "it is a folder where a file should be: move the folder away or choose another path",
    errno.ENOENT: "no such file or folder: check the path",
    errno.EEXIST: "it already exists: move it away or choose another path",
    errno.ELOOP: "too many symbolic links: check where the links point",
    errno.EIO: "an input/output error: the disk may be failing; check it and run again",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
    errno.ENFILE: "too many open files on the system: close some programs and run again",
    errno.ENOMEM: "out of memory: close some programs, or translate fewer articles at once",
    errno.EXDEV: "the file and its temporary copy are on different file systems: write to a local folder",
    errno.ETXTBSY: "the file is in use by a running program: stop it and run again",
    errno.EBUSY: "the file or folder is busy: stop the program using it and run again",
}


def os_message(exc: OSError, doing: str = "", path: object = None) -> str:
    """`path: cannot DOING: what the system said; what to do` for an OSError."""
    name = path if path is not None else (exc.filename if exc.filename is not None else "")
    what = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc) or type(exc).__name__)
    advice = _ADVICE.get(exc.errno or 0, "")
    head = f"{os.fsdecode(name)}: " if name != "" else ""
    return f"{head}{'cannot ' + doing + ': ' if doing else ''}{what}" + (f"; {advice}" if advice else "")


def user_error(exc: BaseException) -> UserError | None:
    """The UserError a user sees for `exc`, or None when `exc` is a defect of ours (a traceback is right then)."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, OSError):
        return UserError(os_message(exc))
    if isinstance(exc, MemoryError):
        return UserError("out of memory: close some programs, or translate fewer or shorter articles at once")
    if isinstance(exc, RecursionError):
        return UserError("the input is nested too deeply to process (lists, quotes or markup inside each other): "
                         "flatten it")
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return UserError(f"database error: {exc}; if it names the translation memory, delete the memory file "
                         "(it is only a cache) and run again")
    return None
