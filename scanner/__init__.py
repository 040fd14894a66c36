"""leakwarden: find credentials leaked into git history.

The command line (``scanner.cli``) is a thin layer over this library::

    from scanner import scan, ScanOptions
    result = scan("path/to/repo", ScanOptions())
    for finding in result.findings: ...
"""

__version__ = "0.1.0"
