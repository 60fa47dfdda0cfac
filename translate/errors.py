"""Errors a user can cause and fix: the CLI prints them as one line and exits with code 2."""

from __future__ import annotations


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
