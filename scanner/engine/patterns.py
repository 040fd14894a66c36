"""Compiled regexes, cached by pattern. Rules and allowlists are plain data
(their patterns are strings); the engine compiles a pattern the first time it
is used and keeps it here, so two rules with one pattern share it, a rule set
pickles without compiled state, and a pre-commit run compiles only the
patterns its change can reach.

Compiling is the slow part (~0.6 ms a pattern in the ``regex`` module's
Python parser, over half a second for the built-in catalog), while a compiled
pattern pickles as its finished program and loads in ~30 us. So
``scanner.engine.rulecache`` hands over the built-in patterns it stored on
disk (``preload``) and each is unpickled here on first use instead of being
compiled.
"""

from __future__ import annotations

import pickle
from typing import Any

import regex

# Patterns run on raw bytes (no decoding cost, and non-UTF-8 content is
# scanned as it is).
FLAGS = regex.VERSION0

_bytes: dict[str, regex.Pattern[bytes]] = {}
_text: dict[str, regex.Pattern[str]] = {}
# Pickled compiled patterns not unpickled yet: (True for bytes, pattern) -> pickle.
_stored: dict[tuple[bool, str], bytes] = {}


def _from_store(key: tuple[bool, str]) -> Any:  # a regex.Pattern of the key's kind, or None
    stored = _stored.pop(key, None)
    if stored is None:
        return None
    try:
        compiled = pickle.loads(stored)
    except Exception:  # a damaged entry only costs a compile
        return None
    return compiled if isinstance(compiled, regex.Pattern) else None


def bytes_pattern(pattern: str) -> regex.Pattern[bytes]:
    """``pattern`` compiled to run on bytes. Raises ``regex.error``."""
    compiled = _bytes.get(pattern)
    if compiled is None:
        compiled = _from_store((True, pattern)) or regex.compile(pattern.encode(), FLAGS)
        _bytes[pattern] = compiled
    return compiled


def text_pattern(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled to run on text (paths). Raises ``regex.error``."""
    compiled = _text.get(pattern)
    if compiled is None:
        compiled = _from_store((False, pattern)) or regex.compile(pattern)
        _text[pattern] = compiled
    return compiled


def pickled(bytes_patterns: list[str], text_patterns: list[str]) -> dict[tuple[bool, str], bytes]:
    """The compiled form of these patterns, each pickled on its own, for
    ``preload`` in a later process. Raises ``regex.error`` like a compile."""
    out = {(True, p): pickle.dumps(bytes_pattern(p)) for p in bytes_patterns}
    out.update(((False, p), pickle.dumps(text_pattern(p))) for p in text_patterns)
    return out


def preload(stored: dict[tuple[bool, str], bytes]) -> None:
    """Patterns from ``pickled``: each is unpickled when first asked for, so a
    run pays only for the patterns it uses."""
    for key, value in stored.items():
        if key[1] not in (_bytes if key[0] else _text):
            _stored.setdefault(key, value)
