"""Managing models as the CLI, `setup`, Ray workers and the app do: the package store
(`packages.py`: list, archive checks, install transaction, index) with the engine's smoke test as
the install's verification, and the engine's translator pool pruned after every change.

This module sits above the engine; the store below it knows nothing of the engine. The store's
names are re-exported here so callers have one module to ask about models.
"""

from __future__ import annotations

from pathlib import Path

from . import packages
from .packages import (MAX_MEMBERS, BrokenPackage, DownloadProgress, PackageInfo, archives_in, check_metadata,
                       find_package, install_dir, installed_packages, pairs_for, scan_packages, validate_archive)

__all__ = [
    "MAX_MEMBERS", "BrokenPackage", "DownloadProgress", "PackageInfo", "archives_in", "check_metadata", "default_models_dir",
    "find_package", "install_archive", "install_dir", "install_from_index", "installed_packages", "pairs_for",
    "scan_packages", "uninstall", "validate_archive",
]


def install_archive(path: str | Path) -> PackageInfo:
    """Install an .argosmodel transactionally (packages.install_archive), verified by translating
    one sentence with it (engine.smoke_test). The one install path of the CLI, `setup` and the app."""
    from .engine import smoke_test

    pkg = packages.install_archive(path, smoke_test)
    _prune()
    return pkg


def default_models_dir() -> Path:
    """Where `parallax setup` (and a Ray worker lacking a pair) looks for dropped-in .argosmodel
    files: `models/` in the current folder (scripts/start.sh runs from the clone's root). Never a
    folder inside the installed package, which `pip install .` puts in site-packages."""
    return Path.cwd() / "models"


def install_from_index(pairs: list[tuple[str, str]], progress: DownloadProgress | None = None,
                       force: bool = False) -> list[PackageInfo]:
    """Download and install the index's newest package for each pair not installed yet."""
    from .engine import smoke_test

    installed = packages.install_from_index(pairs, smoke_test, progress, force)
    _prune()
    return installed


def uninstall(from_code: str, to_code: str) -> list[PackageInfo]:
    """Remove every installed package for a pair (packages.uninstall)."""
    removed = packages.uninstall(from_code, to_code)
    _prune()
    return removed


def _prune() -> None:
    """The translator pool forgets what it holds of replaced or removed packages now, not at the
    next translation, so re-installs do not keep models in memory."""
    from .engine import POOL

    POOL.prune(installed_packages())
