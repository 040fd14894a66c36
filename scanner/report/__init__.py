"""Report formats. Each lives in its own module and is imported only when
asked for, so a pre-commit run never pays for rich or the HTML template."""

from __future__ import annotations

from importlib import import_module

from scanner.model import ScanResult

# format name -> (module, function); every function is f(result, repository) -> str
FORMATS: dict[str, tuple[str, str]] = {
    "json": ("scanner.report.json_report", "render_json"),
    "jsonl": ("scanner.report.jsonl", "render_jsonl"),
    "sarif": ("scanner.report.sarif", "render_sarif"),
    "markdown": ("scanner.report.markdown", "render_markdown"),
    "html": ("scanner.report.html", "render_html"),
    "github": ("scanner.report.github", "render_github"),
    "junit": ("scanner.report.junit", "render_junit"),
}


def render(format: str, result: ScanResult, repository: str | None = None) -> str:
    """Render ``result`` in a machine or document format (text has its own options)."""
    module, function = FORMATS[format]
    return getattr(import_module(module), function)(result, repository)
