"""Where leakwarden keeps files of its own on this machine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Compiled rule caches: ``$LEAKWARDEN_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/leakwarden`` (``~/.cache/leakwarden`` when unset).
    Safe to delete at any time."""
    env = os.environ if environ is None else environ
    explicit = env.get("LEAKWARDEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "leakwarden"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Durable state: ``$XDG_DATA_HOME/leakwarden`` (``~/.local/share/leakwarden`` when unset)."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "leakwarden"
