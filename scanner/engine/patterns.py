"""Compiled regexes, cached by pattern. Rules and allowlists are plain data
(their patterns are strings); the engine compiles a pattern the first time it
is used and keeps it here, so two rules with one pattern share it, a rule set
pickles without compiled state, and a pre-commit run compiles only the
patterns its change can reach."""

from __future__ import annotations

from functools import cache

import regex

# Patterns run on raw bytes (no decoding cost, and non-UTF-8 content is
# scanned as it is).
FLAGS = regex.VERSION0


@cache
def bytes_pattern(pattern: str) -> regex.Pattern[bytes]:
    """``pattern`` compiled to run on bytes. Raises ``regex.error``."""
    return regex.compile(pattern.encode(), FLAGS)


@cache
def text_pattern(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled to run on text (paths). Raises ``regex.error``."""
    return regex.compile(pattern)
