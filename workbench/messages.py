"""What the front ends add to a library error: the one mapping from an error's data to the words
the user reads, used by the CLI (`cli.common.cli_message`) and the app alike.

The library says what is wrong and which setting would fix it (`WorkbenchError.setting`,
`.value`, `MissingModel.pairs`); each front end names the setting its own way (a flag here, a
control there, `Words`), and both show the same install commands. This module imports nothing
from the library, so any layer may use it without a loop.
"""

from __future__ import annotations

from typing import Mapping

COMMAND = "parallax"  # the console script (pyproject.toml); `python -m workbench` is the same program

Words = Mapping[str, str]  # errors.Setting -> how this front end names it ("{value}": the value to give)

CLI: Words = {
    "source": "--from {value}",
    "id_field": "--id-field",
    "text_field": "--text-field",
    "out": "--out",
    "rows": "--rows",
    "outputs": "another --out / --rows",
    "device": "--device cpu or auto",
    "ray": "--ray needs it",
    "force": "--force",
}
APP: Words = {
    "source": "the Source language box above",
}


def install_hint(from_code: str, *to_codes: str) -> str:
    """The one command that installs the packages for `from_code`→each of `to_codes` from the Argos index."""
    return f"{COMMAND} models install {from_code} {' '.join(to_codes)}"


def offline_hint(from_code: str, *to_codes: str) -> str:
    files = " and ".join(f"translate-{from_code}_{t}-*.argosmodel" for t in to_codes)
    return f"offline: copy {files} into models/ and run {COMMAND} models install models/"


def install_advice(pairs: list[tuple[str, str]]) -> str:
    """How to install the packages for `pairs`: one command per source language, and offline."""
    by_source: dict[str, list[str]] = {}
    for f, t in pairs:
        by_source.setdefault(f, []).append(t)
    commands = " and ".join(install_hint(f, *ts) for f, ts in by_source.items())
    offline = "; ".join(offline_hint(f, *ts) for f, ts in by_source.items())
    return f"Install {'it' if len(pairs) == 1 else 'them'} with: {commands} ({offline})"


def explain(exc: Exception, words: Words = CLI) -> str:
    """The error's one line for a user of this front end: the library's message, the way to the
    setting that fixes it in `words` (`--from ko`), and the install commands for a missing model."""
    message = getattr(exc, "message", None) or str(exc)
    pairs = getattr(exc, "pairs", None)
    if pairs:
        message = f"{message} {install_advice(pairs)}"
    setting = getattr(exc, "setting", None)
    if setting in words:
        value = getattr(exc, "value", None)
        message = f"{message} ({words[setting].format(value=value or 'CODE')})"
    return message
