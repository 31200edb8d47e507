"""`parallax models list|install|remove` and `parallax setup`: the Argos model store."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import BadInput, WorkbenchError
from ..langid import language_name, parse_lang
from .common import DEFAULT_TARGETS, Problems, cli_message, download_progress, progress_bar


def register(sub) -> None:
    """Add `models` and `setup` to the subcommands of the main parser."""
    m = sub.add_parser("models", help="list and install Argos translation models")
    msub = m.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    ml = msub.add_parser("list", help="installed models (including ones installed by argospm)")
    ml.add_argument("--json", action="store_true", help="print the installed and broken models as JSON on stdout")
    ml.set_defaults(func=cmd_models_list)
    mi = msub.add_parser("install", help="install .argosmodel files or folders of them, or `en ko zh` from the Argos index")
    mi.add_argument("what", nargs="+", metavar="FILE|DIR|LANG",
                    help=".argosmodel files, folders of them, or language codes (en ko zh: en→ko and en→zh)")
    mi.add_argument("--force", action="store_true", help="download again even if installed")
    mi.set_defaults(func=cmd_models_install)
    mr = msub.add_parser("remove", help="uninstall the package for a pair")
    mr.add_argument("from_code", metavar="FROM", help="source language of the pair, e.g. en")
    mr.add_argument("to_code", metavar="TO", help="target language of the pair, e.g. ko")
    mr.set_defaults(func=cmd_models_remove)

    s = sub.add_parser("setup", help="install models/ archives and, online, missing en→ko/en→zh models")
    s.add_argument("--models-dir", help="folder of .argosmodel files to install (default: models/ in the current folder)")
    s.add_argument("--offline", action="store_true", help="do not try the Argos index")
    s.set_defaults(func=cmd_setup)


def cmd_models_list(args: argparse.Namespace) -> int:
    import json

    from ..models import install_dir, scan_packages

    good, broken = scan_packages()
    if args.json:
        print(json.dumps({"packages": [{"from": p.from_code, "to": p.to_code, "version": p.version,
                                        "path": str(p.path)} for p in good],
                          "broken": [{"path": str(b.path), "reason": b.reason} for b in broken],
                          "install_dir": str(install_dir())}, indent=2))
        return 0
    if not good:
        print(f"No translation models installed (looked in {install_dir()}).")
    rows = [(p.pair, p.version or "?", f"{language_name(p.from_code)} → {language_name(p.to_code)}", str(p.path))
            for p in good]
    widths = [max(len(r[i]) for r in rows) for i in range(3)] if rows else []
    for r in rows:  # columns in line whatever the names and versions
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[3])
    for b in broken:
        print(f"broken   {b.path}: {b.reason}", file=sys.stderr)
    have = {(p.from_code, p.to_code) for p in good}
    for t in DEFAULT_TARGETS:
        if ("en", t) not in have:
            from ..messages import install_hint, offline_hint

            print(f"missing  en→{t}: {install_hint('en', t)}   ({offline_hint('en', t)})")
    return 0


def cmd_models_install(args: argparse.Namespace) -> int:
    from ..models import install_from_index, pairs_for

    things = args.what
    if all(Path(t).exists() for t in things):
        return install_files(things)
    if any(Path(t).suffix == ".argosmodel" or os.sep in t for t in things):
        missing = [t for t in things if not Path(t).exists()]
        raise BadInput(f"{missing[0]}: no such file")
    pairs = pairs_for(things)
    with progress_bar() as bar:
        installed = install_from_index(pairs, download_progress(bar), force=args.force)
    for pkg in installed:
        print(f"installed {pkg.pair} {pkg.version} into {pkg.path}")
    if not installed:
        print("already installed: " + ", ".join(f"{a}→{b}" for a, b in pairs))
    return 0


def install_files(things: list[str]) -> int:
    """Install .argosmodel files and the archives in folders; one line per one that fails."""
    from ..models import archives_in, install_archive

    problems = Problems()
    files: list[Path] = []
    for t in things:
        p = Path(t)
        found = archives_in(p) if p.is_dir() else [p]
        if p.is_dir() and not found:
            problems.add(f"{p}: no .argosmodel files in this folder")
        files.extend(found)
    for f in files:
        try:
            pkg = install_archive(f)
            print(f"installed {pkg.pair} {pkg.version} from {f.name} into {pkg.path}")
        except WorkbenchError as exc:
            problems.add(exc)
    return problems.exit_code


def cmd_models_remove(args: argparse.Namespace) -> int:
    from ..models import uninstall

    removed = uninstall(parse_lang(args.from_code), parse_lang(args.to_code))
    if not removed:
        raise BadInput(f"no {args.from_code}→{args.to_code} package is installed")
    for p in removed:
        print(f"removed {p.pair} {p.version} ({p.path})")
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    """What the README's first command runs before the app: install archives dropped into
    models/, then fetch missing en→ko / en→zh packages when online. Never fails: the app starts
    either way and shows what is missing."""
    from ..models import default_models_dir, find_package

    install_dropped(Path(args.models_dir) if args.models_dir else default_models_dir())
    pairs = [("en", t) for t in DEFAULT_TARGETS]
    missing = [p for p in pairs if find_package(*p) is None]
    if missing and not args.offline:
        fetch_quietly(missing)
    still = [f"en→{t}" for _, t in pairs if find_package("en", t) is None]
    if still:
        print(f"note: no model yet for {', '.join(still)}; the app will say how to install it", file=sys.stderr)
    return 0


def install_dropped(folder: Path) -> None:
    """Install the archives in `folder` whose pair is not installed yet (a bad one is a warning)."""
    from ..models import archives_in, find_package, install_archive, validate_archive

    if not folder.is_dir():
        return
    for f in archives_in(folder):
        try:
            info = validate_archive(f)
            if find_package(info.from_code, info.to_code) is None:
                pkg = install_archive(f)
                print(f"installed {pkg.pair} {pkg.version} from {f}", file=sys.stderr)
        except WorkbenchError as exc:
            print(f"warning: {cli_message(exc)}", file=sys.stderr)


def fetch_quietly(pairs: list[tuple[str, str]]) -> None:
    """Download `pairs` from the Argos index; offline is a note, a failure a warning."""
    from ..errors import OfflineError
    from ..models import install_from_index

    try:
        with progress_bar() as bar:
            install_from_index(pairs, download_progress(bar))
    except OfflineError as exc:
        print(f"note: {cli_message(exc)}", file=sys.stderr)
    except WorkbenchError as exc:
        print(f"warning: {cli_message(exc)}", file=sys.stderr)
