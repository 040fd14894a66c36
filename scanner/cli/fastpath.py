"""The ``leakwarden`` console script: a fast path for the pre-commit hook,
the full typer CLI for everything else.

The hook runs ``leakwarden scan --staged`` on every commit, where start-up is
most of the cost: typer (with pydantic and click) and rich take ~0.2 s to
import, several times the scan itself. So this module imports nothing heavy;
when the arguments are the few a hook uses it runs the staged scan directly
through the same set-up (``scanner.project.setup.prepare_scan``) as ``scanner.cli.scan``; any other
command line goes to ``scanner.cli.app`` unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Flags the fast path understands; anything else (including --help) goes to typer.
_FLAGS = {"--staged", "--no-redact"}
_VALUED = {"--baseline", "--config", "--format", "-f"}
_FAST_FORMATS = {"text", "json"}


def _parse(argv: list[str]) -> dict[str, str] | None:
    """The options of a hook-shaped ``scan --staged`` command line, or None."""
    if len(argv) < 2 or argv[0] != "scan" or "--staged" not in argv:
        return None
    options: dict[str, str] = {}
    args = iter(argv[1:])
    for arg in args:
        name, eq, value = arg.partition("=")
        if arg in _FLAGS:
            options[arg] = ""
        elif name in _VALUED:
            if not eq:
                value = next(args, None)  # type: ignore[assignment]
                if value is None:
                    return None
            options["--format" if name == "-f" else name] = value
        elif not arg.startswith("-") and "path" not in options:
            options["path"] = arg
        else:
            return None
    if options.get("--format", "text") not in _FAST_FORMATS:
        return None
    return options


def run_staged(options: dict[str, str]) -> int:
    """``leakwarden scan --staged`` without typer; returns the exit code."""
    from scanner.pipeline import ScanSetupError, scan
    from scanner.project.setup import SetupError, finish_scan, prepare_scan
    from scanner.report.escape import visible

    path = Path(options.get("path", "."))
    config_path = options.get("--config")
    baseline = options.get("--baseline")
    try:
        # The same set-up as `scanner.cli.scan`: config, .gitleaks.toml, blob size.
        prepared = prepare_scan(path, config=Path(config_path) if config_path else None,
                                staged=True, redact="--no-redact" not in options, jobs=1,
                                cached_rules=True)
        for notice in prepared.notices:
            sys.stderr.write(f"leakwarden: {visible(notice)}\n")
        result = scan(path, prepared.options)
        suppressed = finish_scan(result, prepared, baseline=Path(baseline) if baseline else None)
        for line in suppressed.legacy:
            sys.stderr.write(f"leakwarden: {visible(line)}\n")
    except (SetupError, ScanSetupError) as exc:
        sys.stderr.write(f"leakwarden: {visible(exc)}\n")
        return 2
    if options.get("--format") == "json":
        from scanner.report.json_report import render_json

        sys.stdout.write(render_json(result, str(path.resolve())))
    else:
        from scanner.report.block import render_block

        # Findings go to stdout too: pre-commit shows a failing hook's output.
        sys.stdout.write(render_block(result))
    return result.exit_code


def main() -> None:
    """Console-script entry point."""
    options = _parse(sys.argv[1:])
    if options is None:
        from scanner.cli.app import main as cli_main

        cli_main()
        return
    try:
        code = run_staged(options)
    except KeyboardInterrupt:
        sys.stderr.write("leakwarden: interrupted\n")
        code = 130
    except Exception as exc:  # the promise: a one-line reason, exit 2
        from scanner.report.escape import visible

        sys.stderr.write(f"leakwarden: internal error: {type(exc).__name__}: {visible(exc)}\n")
        code = 2
    sys.stdout.flush()
    sys.exit(code)
