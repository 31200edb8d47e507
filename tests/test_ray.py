"""A run on a local Ray cluster (two translator actors) writes the same bytes as a one-machine run."""

from conftest import SAMPLE, run_cli


def _corpus(folder):
    folder.mkdir()
    base = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    for i in range(5):
        (folder / f"story{i}.txt").write_text("\n\n".join(base[i:i + 6]).replace("Kim", f"Kim ({i})"), encoding="utf-8")
    import json

    lines = [json.dumps({"id": f"row{i}", "text": f"Row {i} of the corpus. It has two sentences."}) for i in range(7)]
    (folder / "extra.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ray_run_equals_local_run(models, tmp_path):
    corpus = _corpus(tmp_path / "in")
    inputs = [str(corpus / "*.txt"), str(corpus / "extra.jsonl")]
    local = run_cli("translate", *inputs, "--to", "ko,zh", "--out", str(tmp_path / "local"), "--rows",
                    str(tmp_path / "local-rows"), "--no-cache")
    assert local.returncode == 0, local.stderr.decode()
    ray = run_cli("translate", *inputs, "--to", "ko,zh", "--out", str(tmp_path / "ray"), "--rows",
                  str(tmp_path / "ray-rows"), "--no-cache", "--ray", "--ray-workers", "2")
    assert ray.returncode == 0, ray.stderr.decode()
    assert "translated 12 documents" in ray.stderr.decode()
    expected = _files(tmp_path / "local")
    assert len(expected) == 12 * 3 + 1  # JSON + two .txt per document, and the manifest
    assert _files(tmp_path / "ray") == expected
    assert _files(tmp_path / "ray-rows") == _files(tmp_path / "local-rows")
    # a rerun on Ray resumes: every document is skipped by the actors, nothing is rewritten
    again = run_cli("translate", *inputs, "--to", "ko,zh", "--out", str(tmp_path / "ray"), "--rows",
                    str(tmp_path / "ray-rows"), "--no-cache", "--ray", "--ray-workers", "2")
    assert again.returncode == 0, again.stderr.decode()
    assert "resumed: 12 of 12 documents" in again.stderr.decode()
    assert _files(tmp_path / "ray") == expected
