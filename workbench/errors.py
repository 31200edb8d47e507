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


COMMAND = "parallax"  # the console script (pyproject.toml); `python -m workbench` is the same program


def install_hint(from_code: str, *to_codes: str) -> str:
    """The one command that installs the packages for `from_code`→each of `to_codes` from the Argos index."""
    return f"{COMMAND} models install {from_code} {' '.join(to_codes)}"


def offline_hint(from_code: str, *to_codes: str) -> str:
    files = " and ".join(f"translate-{from_code}_{t}-*.argosmodel" for t in to_codes)
    return f"offline: copy {files} into models/ and run {COMMAND} models install models/"


class NotEnglish(BadInput):
    """Input that is not English (or too short to tell) while no source language was given.

    `detected` is the language it looks like (None: too few letters). The message names no way to
    set the source language: the CLI adds `--from`, the app offers a source-language control.
    """

    def __init__(self, name: str, detected: str | None, detected_name: str = "") -> None:
        self.detected = detected
        if detected is None:
            message = f"{name}: has too few letters to tell its language; set the source language"
        else:
            shown = f"{detected_name} ({detected})" if detected_name not in ("", detected) else detected
            message = (f"{name}: looks like {shown}, not English; "
                       f"if that is right, set the source language to {detected}")
        super().__init__(message)


class MissingModel(WorkbenchError):
    """No installed package (nor pivot chain through English) translates this pair (or these pairs:
    `MissingModel.several` names every missing one in one message, with one command per source)."""

    def __init__(self, from_code: str, to_code: str, detail: str = "") -> None:
        self.from_code = from_code
        self.to_code = to_code
        self.pairs = [(from_code, to_code)]
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"No translation model installed for {from_code}→{to_code}{extra}. "
            f"Install it with: {install_hint(from_code, to_code)} ({offline_hint(from_code, to_code)})"
        )

    @classmethod
    def several(cls, errors: "list[MissingModel]") -> "MissingModel":
        """One error for all of `errors` (a single one is returned as it is)."""
        if len(errors) == 1:
            return errors[0]
        pairs = list(dict.fromkeys(p for e in errors for p in e.pairs))
        by_source: dict[str, list[str]] = {}
        for f, t in pairs:
            by_source.setdefault(f, []).append(t)
        names = ", ".join(f"{f}→{t}" for f, t in pairs)
        commands = " and ".join(install_hint(f, *ts) for f, ts in by_source.items())
        offline = "; ".join(offline_hint(f, *ts) for f, ts in by_source.items())
        err = cls(*pairs[0])
        err.pairs = pairs
        err.message = (f"No translation models installed for {names}. "
                       f"Install them with: {commands} ({offline})")
        err.args = (err.message,)
        return err


class OutputError(WorkbenchError):
    """An output location cannot be written (a folder, a device, read-only, full disk...)."""


class ClusterError(WorkbenchError):
    """A Ray cluster cannot be used safely, or stopped the run (a worker or node died)."""
