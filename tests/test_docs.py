"""The README documents the whole command line: every command and every option appears in it, and
each has help text (in the manner of sqlite-utils' tests/test_docs.py)."""

import argparse
from pathlib import Path

import pytest

from workbench.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command as its words, `models install`, with its parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words = f"{prefix} {name}".strip()
                found[words] = sub
                found.update(_commands(sub, words))
    return found


COMMANDS = _commands(build_parser())
OPTIONS = [(cmd, action) for cmd, p in COMMANDS.items() for action in p._actions
           if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))]


def test_every_command_is_found():
    assert {"translate", "export", "models list", "models install", "models remove", "setup", "app", "align",
            "compare", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_is_in_the_readme_with_help(command):
    assert f"parallax {command}" in README or f"workbench {command}" in README, command
    parent, _, name = command.rpartition(" ")
    helps = {a.dest: a for p in ([COMMANDS[parent]] if parent else [build_parser()]) for a in p._actions
             if isinstance(a, argparse._SubParsersAction)}
    choice = next(a for a in helps.values() if name in a.choices)
    assert any(c.dest == name and c.help for c in choice._choices_actions), f"{command} has no help text"


@pytest.mark.parametrize("command,action", OPTIONS,
                         ids=[f"{c} {(a.option_strings or [a.dest])[-1]}" for c, a in OPTIONS])
def test_option_is_in_the_readme_with_help(command, action):
    assert action.help, f"{command} {action.option_strings or action.dest}: no help text"
    if action.option_strings:
        name = max(action.option_strings, key=len)
        assert f"`{name}" in README or f" {name} " in README, f"{command} {name} is not in the README"
