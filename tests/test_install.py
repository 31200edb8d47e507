"""The product installs and runs without torch, stanza, spacy, minisbd or onnxruntime (issue 8).

argostranslate declares those for its own sentence splitter, which Parallax never uses, so the
product installs argostranslate with --no-deps (requirements-argos.txt) plus what the parts it
uses need (requirements.txt). Checked three ways:

- the product requirements' dependency closure (read from the installed packages' metadata)
  holds none of them, and holds everything else argostranslate declares;
- the product commands (models install, models list, translate, align, the app) run in a process
  where importing any of them fails, as in an environment without them;
- under scripts/test.sh, the real product environment (.venv, built as scripts/start.sh builds
  it) has none of them installed, has the `parallax` command, and runs the same commands.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT, SAMPLE
from workbench.testing.isolation import isolated_env

SPLITTER_STACK = ("torch", "stanza", "spacy", "minisbd", "onnxruntime")
KO_VARIANT = ROOT / "samples" / "variants" / "china-dprk-vice-premier-visit.ko.merged.txt"


def requirement_lines(name: str) -> list[Requirement]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [Requirement(ln.split("#")[0].strip()) for ln in lines if ln.split("#")[0].strip()
            and not ln.startswith("-")]


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution `requirements` pull in, following installed metadata (markers evaluated,
    no extras), as pip would resolve them for this interpreter."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        todo.extend(Requirement(r) for r in metadata.requires(req.name) or [])
    return seen


# ---------------------------------------------------------------- declared dependencies


def test_pyproject_declares_the_parallax_command_and_reads_requirements_txt():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"parallax": "workbench.cli:main"}
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    assert project["project"]["dynamic"] == ["dependencies"]
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    from workbench.cli import main

    assert callable(main)


def test_every_product_requirement_is_pinned_and_argostranslate_is_installed_without_deps():
    product = requirement_lines("requirements.txt")
    assert product and all(re.fullmatch(r"==[\w.]+", str(r.specifier)) for r in product), product
    names = {canonicalize_name(r.name) for r in product}
    assert "argostranslate" not in names and not names & set(SPLITTER_STACK)
    (argos,) = requirement_lines("requirements-argos.txt")
    assert argos.name == "argostranslate" and str(argos.specifier) == f"=={metadata.version('argostranslate')}"
    venv_sh = (ROOT / "scripts" / "venv.sh").read_text(encoding="utf-8")
    assert "--no-deps -r requirements-argos.txt" in venv_sh
    assert "source \"$root/scripts/venv.sh\" product" in (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")


def test_product_closure_has_no_splitter_stack_and_all_else_argos_needs():
    product = closure(requirement_lines("requirements.txt"))
    assert not product & set(SPLITTER_STACK), sorted(product & set(SPLITTER_STACK))
    declared = {canonicalize_name(Requirement(r).name) for r in metadata.requires("argostranslate")}
    assert declared - set(SPLITTER_STACK) <= product, sorted(declared - set(SPLITTER_STACK) - product)


# ---------------------------------------------------------------- the product commands, splitter stack blocked

# Runs CLI commands (workbench.cli.main, in this process) and, optionally, the app (AppTest, one
# Translate click); prints the exit codes, the app's errors and which splitter modules got imported.
# With "block": importing any of them raises ModuleNotFoundError, as where they are not installed.
RUNNER = textwrap.dedent("""
    import contextlib, io, json, sys
    job = json.loads(sys.argv[1])
    stack = tuple(job["stack"])

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in stack:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    if job["block"]:
        sys.meta_path.insert(0, Blocker())
    from workbench.cli import main
    codes, errors = [], []
    for argv in job["commands"]:
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            codes.append(main(argv))
        errors.append(err.getvalue()[-500:])
    app = None
    if job["app"]:
        from streamlit import config
        from streamlit.testing.v1 import AppTest
        from workbench.app.server import SERVER_OPTIONS
        for name, value in SERVER_OPTIONS.items():  # what `parallax app` passes
            config.set_option(name, value)
        at = AppTest.from_file(job["app"], default_timeout=120).run()
        at.button[0].click().run()
        app = {"errors": [e.value for e in at.error] + [str(e.value) for e in at.exception],
               "html": sum(1 for h in at.get("html") if 'lang="ko"' in h.proto.body)}
    print(json.dumps({"codes": codes, "errors": errors, "app": app,
                      "imported": sorted({m.split(".")[0] for m in sys.modules} & set(stack))}))
""")


def run_product(python: str, commands: list[list[str]], env: dict, app: bool = False, block: bool = True) -> dict:
    job = {"stack": SPLITTER_STACK, "block": block, "commands": commands,
           "app": str(ROOT / "workbench" / "app" / "main.py") if app else None}
    r = subprocess.run([python, "-c", RUNNER, json.dumps(job)], capture_output=True, cwd=ROOT, timeout=600,
                       env={**env, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def use_commands(out: Path) -> list[list[str]]:
    return [["models", "list"],
            ["translate", str(SAMPLE), "--to", "ko,zh", "--out", str(out)],
            ["align", str(SAMPLE), str(KO_VARIANT), "--lang", "ko"]]


def test_translate_align_and_app_run_without_the_splitter_stack(models, tmp_path):
    result = run_product(sys.executable, use_commands(tmp_path / "out"), dict(os.environ), app=True)
    assert result["codes"] == [0, 0, 0], result["errors"]
    assert result["imported"] == []
    assert result["app"]["errors"] == [] and result["app"]["html"] >= 1  # the table has a Korean column
    assert (tmp_path / "out" / f"{SAMPLE.stem.removesuffix('.en')}.ko.txt").exists()


def test_models_install_runs_without_the_splitter_stack(package_files, tmp_path):
    env = {**os.environ, **isolated_env(tmp_path / "home")}
    result = run_product(sys.executable, [["models", "install", str(package_files["ko"])], ["models", "list", "--json"]],
                         env)
    assert result["codes"] == [0, 0], result["errors"]
    assert result["imported"] == []
    assert (Path(env["ARGOS_PACKAGES_DIR"]) / package_files["ko"].stem / "metadata.json").exists()


# ---------------------------------------------------------------- the real product environment


def product_python() -> Path:
    """The product venv's python: scripts/test.sh sets PARALLAX_PRODUCT_VENV (and builds it)."""
    venv = os.environ.get("PARALLAX_PRODUCT_VENV")
    if not venv:
        if os.environ.get("CI"):
            pytest.fail("PARALLAX_PRODUCT_VENV is not set: run the tests with scripts/test.sh")
        pytest.skip("no product environment to check: scripts/test.sh builds one and sets PARALLAX_PRODUCT_VENV")
    python = Path(venv) / "bin" / "python"
    assert python.exists(), f"{python} is missing"
    return python


def test_product_venv_has_no_splitter_stack_and_has_the_command():
    python = product_python()
    r = subprocess.run([str(python), "-c", "import importlib.util, json, sys; "
                        f"print(json.dumps([m for m in {list(SPLITTER_STACK)!r} if importlib.util.find_spec(m)]))"],
                       capture_output=True, check=True)
    assert json.loads(r.stdout) == []
    r = subprocess.run([str(python.parent / "parallax"), "--help"], capture_output=True, cwd="/")
    assert r.returncode == 0 and r.stdout.startswith(b"usage: parallax ")


def test_product_venv_translates_aligns_and_serves_the_app(models, tmp_path):
    result = run_product(str(product_python()), use_commands(tmp_path / "out"), dict(os.environ), app=True, block=False)
    assert result["codes"] == [0, 0, 0], result["errors"]
    assert result["app"]["errors"] == [] and result["app"]["html"] >= 1


def test_product_venv_installs_models(package_files, tmp_path):
    env = {**os.environ, **isolated_env(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    python = product_python()
    r = subprocess.run([str(python.parent / "parallax"), "models", "install", str(package_files["zh"])],
                       capture_output=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    assert "installed en→zh" in r.stdout.decode()


# ---------------------------------------------------------------- `pip install .`, run from another folder

INSTALLED_APP = textwrap.dedent("""
    import json, sys
    from streamlit import config
    from streamlit.testing.v1 import AppTest
    import workbench
    from workbench.app import inputs, compare_view
    from workbench.app.server import APP_SCRIPT, SERVER_OPTIONS
    for name, value in SERVER_OPTIONS.items():  # what `parallax app` passes
        config.set_option(name, value)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=120).run()
    print(json.dumps({"package": workbench.__file__, "app": str(APP_SCRIPT),
                      "samples": [p.name for p in inputs.sample_files()], "demos": len(inputs.compare_demos()),
                      "glossary": compare_view.SAMPLE_GLOSSARY.is_file(),
                      "sample_select": [s.value for s in at.selectbox if s.key == "sample"],
                      "info": [i.value for i in at.info], "errors": [e.value for e in at.error]}))
""")


def test_pip_install_ships_the_samples_demos_and_glossary_the_app_needs(no_models, tmp_path):
    """A real `pip install .` (wheel built from a copy of the project, no dependencies: a .pth
    lends this environment's packages), then the installed app and `setup` run from another folder."""
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes((ROOT / name).read_bytes())
    shutil.copytree(ROOT / "workbench", src / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "lent-test-deps.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(src)],
                       capture_output=True, env=env, cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([str(python), "-c", INSTALLED_APP], capture_output=True, env=env, cwd=elsewhere, timeout=600)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    got = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert got["package"].startswith(site) and got["app"].startswith(site)  # the installed copy, not this checkout
    assert got["samples"] == [SAMPLE.name] and got["demos"] >= 10 and got["glossary"]
    assert got["sample_select"] == [SAMPLE.name] and got["errors"] == []
    assert not [i for i in got["info"] if "No English samples" in i]
