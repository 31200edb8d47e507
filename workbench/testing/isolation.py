"""An environment that points argostranslate and Parallax at a throwaway folder.

Tests and benchmarks must never touch the user's installed models or translation cache, and
argostranslate reads these variables once, when it is first imported: apply them before that.
"""

from __future__ import annotations

from pathlib import Path


def isolated_env(home: str | Path) -> dict[str, str]:
    home = Path(home)
    env = {
        "ARGOS_PACKAGES_DIR": str(home / "argos-packages"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PARALLAX_CACHE": str(home / "cache" / "parallax.sqlite"),
        "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",  # unreachable: nothing is ever downloaded
    }
    for key in ("ARGOS_PACKAGES_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env
