"""Which repositories must never be public: globs from flags and the config file."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class PolicyError(Exception):
    pass


@dataclass(frozen=True)
class VisibilityPolicy:
    """``must_stay_private``: globs matched against both ``name`` and ``owner/name``,
    so ``infra-*`` covers every org's infra repos and ``acme/vault`` exactly one."""

    must_stay_private: tuple[str, ...] = field(default_factory=tuple)

    def violated_by(self, full_name: str, visibility: str) -> str | None:
        """The pattern a public repo breaks, or None."""
        if visibility != "public":
            return None
        return self.matching_pattern(full_name)

    def matching_pattern(self, full_name: str) -> str | None:
        name = full_name.split("/", 1)[-1]
        for pattern in self.must_stay_private:
            # Case-insensitive, as GitHub treats repository names.
            p = pattern.lower()
            if fnmatchcase(full_name.lower(), p) or fnmatchcase(name.lower(), p):
                return pattern
        return None


def load_policy(patterns: Iterable[str] = (), config: str | Path | None = None) -> VisibilityPolicy:
    """Patterns from the command line plus ``[github] must_stay_private = [...]`` in a TOML config."""
    found = [p.strip() for p in patterns if p and p.strip()]
    if config is not None:
        path = Path(config)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PolicyError(f"cannot read config file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"config file {path} is not valid TOML: {exc}") from None
        listed = (data.get("github") or {}).get("must_stay_private", [])
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise PolicyError(f"{path}: [github] must_stay_private must be a list of strings")
        found.extend(listed)
    return VisibilityPolicy(tuple(dict.fromkeys(found)))
