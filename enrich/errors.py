"""Exit statuses and the domain exceptions that carry where and what went wrong.

Every module raises these; only `enrich.cli` turns them into a message and an exit status.
"""

from __future__ import annotations

import difflib
from enum import IntEnum


class ExitStatus(IntEnum):
    """What a scheduler learns from the exit code of `enrich`."""

    OK = 0
    #: the job finished, but some data was missing or some rows were skipped
    PARTIAL_DATA = 1
    #: the command line was wrong (argparse also uses 2)
    USAGE = 2
    #: the configuration file is missing, unreadable or invalid
    BAD_CONFIG = 3
    #: an input file (engagement, seats, directory) is invalid
    BAD_INPUT = 4
    #: a source (API, directory server, SMTP server) could not be reached or refused us
    SOURCE_UNREACHABLE = 5
    #: the history store is unusable (locked, corrupt, newer schema)
    STORE_ERROR = 6
    #: the period has no reported day in the store, or is not over yet: nothing was written
    NO_DATA = 7
    #: interrupted by the user (Ctrl-C)
    INTERRUPTED = 130


def print_error(message: str, hint: str | None, stream) -> None:
    """How an error reaches a user: `Error: ...`, then what to do about it, if known."""
    print(f"Error: {message}", file=stream)
    if hint:
        print(f"Hint: {hint}", file=stream)


def did_you_mean(name, choices) -> str:
    """` (did you mean X?)` for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(str(name), list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def unknown_name(name, known, noun: str) -> str:
    """`unknown NOUN 'name' (did you mean X?); expected some of A, B`, for a closed set."""
    return (f"unknown {noun} {name!r}{did_you_mean(name, known)}; expected some of "
            f"{', '.join(known)}")


def located(message: str, path=None, line: int | None = None, key: str | None = None) -> str:
    """`file, line N: key: message`, with whatever of the place is known."""
    if key:
        message = f"{key}: {message}"
    where = ", ".join(part for part in (
        None if path is None else str(path), None if line is None else f"line {line}") if part)
    return f"{where}: {message}" if where else message


class EnrichError(Exception):
    """Base of every error that `enrich` reports as a one-line message."""

    exit_status = ExitStatus.BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(EnrichError):
    """The command line is wrong: options that do not go together; the message names them."""

    exit_status = ExitStatus.USAGE


class ConfigError(EnrichError):
    """The configuration file is wrong; the message names the file and the key."""

    exit_status = ExitStatus.BAD_CONFIG

    def __init__(self, message: str, *, path=None, key: str | None = None,
                 line: int | None = None, hint: str | None = None):
        super().__init__(located(message, path, line, key), hint=hint)
        self.path, self.key, self.line = path, key, line


class InputError(EnrichError):
    """A bad input file or row; the message names the file and line."""

    exit_status = ExitStatus.BAD_INPUT

    def __init__(self, message: str, *, path=None, line: int | None = None,
                 hint: str | None = None):
        super().__init__(located(message, path, line), hint=hint)
        self.path, self.line, self.reason = path, line, message


class DirectoryError(InputError):
    """The org chart is inconsistent (unknown unit or manager, loops, a login claimed twice)."""


class SourceUnreachable(EnrichError):
    exit_status = ExitStatus.SOURCE_UNREACHABLE


class StoreError(EnrichError):
    exit_status = ExitStatus.STORE_ERROR


class NoData(EnrichError):
    """The period asked about has no figures to publish: no day of it reported, or not over
    yet; the message names the period and what the store holds."""

    exit_status = ExitStatus.NO_DATA
