"""The few exceptions the library raises on purpose.

Each carries a one-line message in the library's own words, and the data a front end needs to add
its own: `setting` names what the user can change (the source language, the id field, an output
folder...) and `value` what to change it to; subclasses carry the pair, the detected language.
No message names a command-line flag or command: `workbench.messages.explain` adds the CLI's
(`--from ko`, `parallax models install en ko`) or the app's words, for both front ends the same
way. Anything else escaping the library is a bug.
"""

from __future__ import annotations

import copy
from typing import Literal

# What a user can change to get past an error; each front end names these its own way
# (workbench.messages: the CLI's flags, the app's controls).
Setting = Literal["source", "id_field", "text_field", "out", "rows", "outputs", "device", "ray", "force"]


def _rebuild(cls: type, state: dict) -> "WorkbenchError":
    err = cls.__new__(cls)
    err.__dict__.update(state)
    err.args = (state.get("message", ""),)
    return err


class WorkbenchError(Exception):
    """Base class: a problem the user can act on, described in one line."""

    exit_code = 1

    def __init__(self, message: str, setting: Setting | None = None, value: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting
        self.value = value

    def __str__(self) -> str:
        return self.message

    def reworded(self, message: str) -> "WorkbenchError":
        """The same error (type and data) with another message, e.g. naming where it happened."""
        err = copy.copy(self)
        err.message = message
        err.args = (message,)
        return err

    def __reduce__(self):
        """Pickled with its data (a Ray worker's error reaches the driver whole)."""
        return _rebuild, (type(self), dict(self.__dict__))


class BadInput(WorkbenchError):
    """The user's text or file cannot be used (empty, binary, too large, wrong language...)."""


class BadPackage(WorkbenchError):
    """An .argosmodel archive is broken, unsafe or not a translation package."""


class UsageError(WorkbenchError):
    """The command line asks for something impossible (unknown language code, bad option)."""

    exit_code = 2


class OfflineError(WorkbenchError):
    """Something needed the network (the Argos package index) and the network is not there."""


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
        super().__init__(message, "source", detected)


class MissingModel(WorkbenchError):
    """No installed package (nor pivot chain through English) translates this pair (or these pairs:
    `MissingModel.several` names every missing one in one message). `pairs` says which; the front
    ends add how to install them (workbench.messages)."""

    def __init__(self, from_code: str, to_code: str, detail: str = "") -> None:
        self.from_code = from_code
        self.to_code = to_code
        self.pairs = [(from_code, to_code)]
        extra = f" ({detail})" if detail else ""
        super().__init__(f"No translation model installed for {from_code}→{to_code}{extra}.")

    @classmethod
    def several(cls, errors: "list[MissingModel]") -> "MissingModel":
        """One error for all of `errors` (a single one is returned as it is)."""
        if len(errors) == 1:
            return errors[0]
        pairs = list(dict.fromkeys(p for e in errors for p in e.pairs))
        err = cls(*pairs[0])
        err.pairs = pairs
        err.message = f"No translation models installed for {', '.join(f'{f}→{t}' for f, t in pairs)}."
        err.args = (err.message,)
        return err


class MissingDependency(UsageError):
    """An optional feature whose Python packages are not installed (`requirements`: the file that
    lists them)."""

    def __init__(self, package: str, requirements: str, setting: Setting | None = None) -> None:
        self.package = package
        self.requirements = requirements
        super().__init__(f"{package} is not installed: pip install -r {requirements}", setting or package)


class OutputError(WorkbenchError):
    """An output location cannot be written (a folder, a device, read-only, full disk...)."""


class ClusterError(WorkbenchError):
    """A Ray cluster cannot be used safely, or stopped the run (a worker or node died)."""
