"""A self-contained HTML audit report: one file, no external assets, no
scripts that fetch anything, so it opens from an email attachment or an
air-gapped laptop. Secrets are redacted unless the scan ran with
``--no-redact``. Rendered from ``templates/report.html`` with Jinja2
autoescape: every value is HTML-escaped (paths and commit summaries are
attacker-controlled text), after control characters are made visible."""

from __future__ import annotations

from scanner import __version__
from scanner.model import ScanResult
from scanner.report.common import by_rule_and_severity, by_severity, head_state, timeline

# The look every HTML page of leakwarden shares (this report, the
# investigation); each page adds its own rules after it.
BASE_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #dde;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f5fa}code{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#f4f5fa;
padding:0 .2rem;border-radius:3px}
.warn{background:#fff4e5;border:1px solid #ef6c00;padding:.5rem 1rem;border-radius:6px}
"""

_CSS = BASE_CSS + """.sev{font-weight:600;text-transform:uppercase;font-size:.8rem;padding:.1rem .4rem;border-radius:3px;color:#fff}
.critical{background:#8b0000}.high{background:#c62828}.medium{background:#ef6c00}.low{background:#1565c0}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #dde;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}.inhead{color:#c62828;font-weight:600}.gone{color:#2e7d32}
.finding{border:1px solid #dde;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f5fa;padding:.5rem;border-radius:4px}
"""


def render_html(result: ScanResult, repository: str | None = None) -> str:
    from markupsafe import Markup

    from scanner.report.templating import render_template

    findings = result.findings
    still = sum(1 for f in findings if f.in_head)
    cards = [("findings", len(findings)), ("still in HEAD", still),
             ("rules", len({f.rule for f in findings})), ("commits scanned", result.stats.commits),
             ("blobs scanned", result.stats.blobs_scanned)]
    cards += [(s, n) for s, n in by_severity(findings)]
    items = timeline(findings)
    for item in items:
        item.state = head_state(item)  # type: ignore[attr-defined]
    return render_template(
        "report.html",
        css=Markup(_CSS),  # our own stylesheet: the one value not escaped
        repository=repository,
        version=__version__,
        findings=findings,
        errors=result.errors,
        cards=cards,
        by_rule=by_rule_and_severity(findings),
        timeline=items,
        states=[head_state(f) for f in findings],
    )
