"""The few exceptions the library raises on purpose.

Each carries a one-line, user-facing message: the CLI prints it and exits with `exit_code`,
the app shows it with `st.error`. Anything else escaping the library is a bug.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class: a problem the user can act on, described in one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(WorkbenchError):
    """The user's text or file cannot be used (empty, binary, too large, wrong language...)."""


class BadPackage(WorkbenchError):
    """An .argosmodel archive is broken, unsafe or not a translation package."""


class UsageError(WorkbenchError):
    """The command line asks for something impossible (unknown language code, bad option)."""

    exit_code = 2


class OfflineError(WorkbenchError):
    """Something needed the network (the Argos package index) and the network is not there."""


def install_hint(from_code: str, to_code: str) -> str:
    """The one command that installs the package for a pair from the Argos index."""
    return f"python -m workbench models install {from_code} {to_code}"


def offline_hint(from_code: str, to_code: str) -> str:
    return (f"offline: copy translate-{from_code}_{to_code}-*.argosmodel into models/ and run "
            f"python -m workbench models install models/")


class MissingModel(WorkbenchError):
    """No installed package (nor pivot chain through English) translates this pair."""

    def __init__(self, from_code: str, to_code: str, detail: str = "") -> None:
        self.from_code = from_code
        self.to_code = to_code
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"No translation model installed for {from_code}→{to_code}{extra}. "
            f"Install it with: {install_hint(from_code, to_code)} ({offline_hint(from_code, to_code)})"
        )


class OutputError(WorkbenchError):
    """An output location cannot be written (a folder, a device, read-only, full disk...)."""
