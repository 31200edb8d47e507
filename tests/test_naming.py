"""The one output-name rule (workbench/naming.py): names mirror the inputs' folders, ids become
portable file names, and two inputs never get the same files (issue 14 item 7, issue 15 item 5)."""

import os

import pytest

from workbench.naming import MAX_STEM_BYTES, collision_key, output_paths, output_stem

HOSTILE_IDS = ["a\nb", "a\rb", ".hidden", "..", ".", "...", "a/b", "../../etc/passwd", "x/../../y", "nul\x00id",
               "-rf", "CON", "con.txt", "trailing.", "trailing ", " leading", "a%2Fb", "%", "", "tab\there",
               'q"uote', "a:b", "a*b?c<d>e|f", "back\\slash", "é" * 200, "가" * 100, "x" * 300, "x" * 301]


def test_files_keep_their_folders_and_lose_their_extension_and_source_tag():
    assert output_stem("story.txt") == "story"
    assert output_stem("story.en.txt") == "story"  # as before: story.ko.txt, story.json
    assert output_stem("a/story.html") == "a/story"
    assert output_stem("site/b/index.html") == "site/b/index"
    assert output_stem("story.ko.txt", source_lang="ko") == "story"
    assert output_stem("story.ko.txt") == "story.ko"  # a tag that is not the source language stays


@pytest.mark.parametrize("ident", HOSTILE_IDS)
def test_ids_become_portable_names_inside_the_folder(ident, tmp_path):
    stem = output_stem(ident, folders=False)
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not any(ord(c) < 32 or c in ':*?"<>|' for c in stem)
    assert not stem.startswith((".", "-", " ")) and not stem.endswith((".", " "))
    assert stem.split(".")[0].lower() not in ("con", "nul", "prn", "aux")
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    for path in output_paths(tmp_path, stem, ["ko", "zh"]).values():  # every file can be created, in the folder
        assert path.parent == tmp_path
        path.write_text("x")
        assert len(f".{path.name}.0123456789abcdef.part".encode()) <= 255


def test_hostile_ids_never_share_a_name():
    stems = [output_stem(i, folders=False) for i in HOSTILE_IDS]
    assert len(set(map(collision_key, stems))) == len(HOSTILE_IDS)


def test_relative_paths_cannot_leave_the_folder(tmp_path):
    for name in ("../x.txt", "a/../../x.txt", "/etc/passwd", "a/./b.txt", "..\\x.txt"):
        stem = output_stem(name)
        path = output_paths(tmp_path, stem, ["ko"])["json"]
        assert os.path.realpath(path).startswith(str(tmp_path) + os.sep), (name, stem)


def test_case_and_unicode_form_fold_together():
    assert collision_key("Story") == collision_key("story")
    assert collision_key("caf\u00e9") == collision_key("cafe\u0301")
