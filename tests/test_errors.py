"""Library errors carry data and speak no front end's language; workbench.messages.explain is the
one mapping the CLI and the app both use to add their own words (issue 16 item 3)."""

import pickle
import re

import pytest

from workbench.cli.common import cli_message
from workbench.errors import MissingModel, NotEnglish, OutputError, UsageError
from workbench.export import check_writable
from workbench.messages import APP, CLI, explain

FLAG_OR_COMMAND = re.compile(r"(^|\s)--[a-z]|parallax ")


def test_not_english_carries_the_language_and_each_front_end_names_its_control():
    err = NotEnglish("a.txt", "ko", "Korean")
    assert (err.setting, err.value, err.detected) == ("source", "ko", "ko")
    assert not FLAG_OR_COMMAND.search(err.message)
    assert cli_message(err) == f"{err.message} (--from ko)"
    assert explain(err, APP) == f"{err.message} (the Source language box above)"


def test_missing_model_names_the_pairs_and_both_front_ends_add_the_same_commands():
    err = MissingModel.several([MissingModel("en", "ko"), MissingModel("en", "zh"), MissingModel("ko", "en")])
    assert err.pairs == [("en", "ko"), ("en", "zh"), ("ko", "en")]
    assert not FLAG_OR_COMMAND.search(err.message)
    line = cli_message(err)
    assert "parallax models install en ko zh and parallax models install ko en" in line
    assert explain(err, APP) == line  # the same text in the app


def test_an_output_folder_error_names_the_setting_not_a_flag(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError) as err:
        check_writable(tmp_path / "f", "dir", "rows")
    assert err.value.setting == "rows" and not FLAG_OR_COMMAND.search(err.value.message)
    assert cli_message(err.value).endswith("(--rows)")


def test_no_library_message_names_a_flag_or_the_command():
    """The wording moved out of the library: the modules below the front ends build no message with
    `--flag` or `parallax ...` (workbench/messages.py, cli/ and app/ are the front ends)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "workbench"
    front = {root / "messages.py"} | set((root / "cli").rglob("*.py")) | set((root / "app").rglob("*.py"))
    pattern = re.compile(r"""f?["'][^"'\n]*(\s|^|["'])--[a-z][a-z-]+[^"'\n]*["']""")
    found = []
    for path in sorted(set(root.rglob("*.py")) - front):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if ("raise" in code or "Error(" in code or "problem(" in code) and pattern.search(code):
                found.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert not found, found


def test_errors_cross_process_boundaries_with_their_data():
    """A Ray worker's error reaches the driver whole (type, message, data)."""
    for err in (NotEnglish("row 3", "zh", "Chinese"), MissingModel("en", "ko"), UsageError("x", "id_field")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.message == err.message and cli_message(back) == cli_message(err)
    assert pickle.loads(pickle.dumps(NotEnglish("r", "ko", "Korean"))).detected == "ko"


def test_reworded_keeps_type_and_data():
    err = NotEnglish("text", "ko", "Korean").reworded("c.jsonl line 3: looks like Korean")
    assert isinstance(err, NotEnglish) and err.detected == "ko" and cli_message(err).endswith("(--from ko)")


def test_cli_words_cover_every_setting():
    from typing import get_args

    from workbench.errors import Setting

    assert set(get_args(Setting)) == set(CLI)
