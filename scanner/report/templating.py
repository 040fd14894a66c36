"""Jinja2 environments for the human reports, with escaping on by default.

Each format has one rule, applied to every ``{{ value }}`` by the
environment's ``finalize`` (so a template cannot forget it):

* HTML: ``visible`` then Jinja2 autoescape (``&``, ``<``, ``>``, quotes).
* Markdown: every string becomes an inline code span (``md_code``); numbers
  print as numbers. Text the template itself owns (our own words) is marked
  with the ``trusted`` filter, the only way around the rule.

Templates live in ``scanner/report/templates`` and load lazily, so the
pre-commit fast path never imports Jinja2.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from scanner.model import SEVERITY_ORDER
from scanner.report.escape import md_code, visible

_SEVERITIES = frozenset(SEVERITY_ORDER)


class Trusted(str):
    """Text leakwarden wrote itself (headings, counts, fixed words): not escaped."""


def _md_finalize(value: Any) -> str:
    if isinstance(value, Trusted):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    if value is None or value == "":
        return "-"
    return md_code(value)


def _html_finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return visible(value)
    return value


@cache
def _environment(kind: str) -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    loader = PackageLoader("scanner.report", "templates")
    if kind == "html":
        return Environment(loader=loader, autoescape=True, finalize=_html_finalize,
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                           keep_trailing_newline=True)
    env = Environment(loader=loader, autoescape=False, finalize=_md_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["trusted"] = lambda value: Trusted("" if value is None else value)
    # Our own words when they are ours: a severity from the known scale.
    env.filters["severity"] = lambda s: Trusted(s) if s in _SEVERITIES else md_code(s)
    env.filters["codes"] = lambda values: Trusted(", ".join(md_code(v) for v in values))
    return env


def render_template(name: str, **context: Any) -> str:
    """Render ``templates/NAME``; ``.html`` templates autoescape, ``.md`` ones code-span."""
    kind = "html" if name.endswith(".html") else "markdown"
    return str(_environment(kind).get_template(name).render(**context))
