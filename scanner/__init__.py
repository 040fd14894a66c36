"""leakwarden: find credentials leaked into git history.

The command line (``scanner.cli``) is a thin layer over this library::

    from scanner import scan, ScanOptions
    result = scan("path/to/repo", ScanOptions())
    for finding in result.findings: ...

Folders follow the flow: ``sources`` (where bytes come from) -> ``engine``
(is it a secret?) -> ``model``/``findings`` -> ``report``, ``state`` and one
folder per product (``audit``, ``orgscan``, ``verify``, ``tickets``).
See docs/architecture.md.
"""

from __future__ import annotations

from scanner.lazy import lazy_exports

__version__ = "0.1.0"

# Loaded on first use: the pre-commit fast path imports ``scanner`` and must not
# pay for the pipeline's imports before it needs them.
_EXPORTS = {
    "scan": "scanner.pipeline",
    "ScanOptions": "scanner.pipeline",
    "ScanSetupError": "scanner.pipeline",
    "Finding": "scanner.model",
    "ScanResult": "scanner.model",
    "ScanError": "scanner.model",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = ["Finding", "ScanError", "ScanOptions", "ScanResult", "ScanSetupError", "__version__", "scan"]
