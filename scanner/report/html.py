"""A self-contained HTML audit report: one file, no external assets, no
scripts that fetch anything, so it opens from an email attachment or an
air-gapped laptop. Secrets are redacted unless the scan ran with
``--no-redact``; every value is HTML-escaped (paths and commit summaries are
attacker-controlled text)."""

from __future__ import annotations

from html import escape

from scanner import __version__
from scanner.model import Finding, ScanResult
from scanner.report.common import by_rule_and_severity, by_severity, head_state, timeline

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #dde;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f5fa}code{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#f4f5fa;
padding:0 .2rem;border-radius:3px}
.sev{font-weight:600;text-transform:uppercase;font-size:.8rem;padding:.1rem .4rem;border-radius:3px;color:#fff}
.critical{background:#8b0000}.high{background:#c62828}.medium{background:#ef6c00}.low{background:#1565c0}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #dde;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}.inhead{color:#c62828;font-weight:600}.gone{color:#2e7d32}
.finding{border:1px solid #dde;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f5fa;padding:.5rem;border-radius:4px}
.warn{background:#fff4e5;border:1px solid #ef6c00;padding:.5rem 1rem;border-radius:6px}
"""


def _e(value: object) -> str:
    return escape(str(value if value is not None else ""), quote=True)


def _sev(severity: str) -> str:
    return f'<span class="sev {_e(severity)}">{_e(severity)}</span>'


def _state(item: object) -> str:
    state = head_state(item)  # type: ignore[arg-type]
    css = {"still in HEAD": "inhead", "history only": "gone"}.get(state, "")
    return f'<span class="{css}">{_e(state)}</span>'


def _finding(n: int, f: Finding) -> str:
    rows = [
        ("rule", f"<code>{_e(f.rule)}</code> {_sev(f.severity)} confidence {_e(f.confidence)}"),
        ("secret", f"<code class=\"secret\">{_e(f.secret)}</code>"),
        ("where", f"<code>{_e(f.path)}:{f.line}:{f.column}</code> in blob <code>{_e(f.blob[:12])}</code>"),
    ]
    if f.commit:
        rows += [
            ("introduced", f"<code>{_e(f.commit)}</code> on {_e(f.date)}"),
            ("author", f"{_e(f.author)} &lt;{_e(f.email)}&gt;"),
            ("commit message", _e(f.summary)),
        ]
    rows.append(("status", _state(f) + ("" if f.reachable else "; no ref reaches this blob")))
    if f.occurrences > 1 or len(f.paths) > 1:
        rows.append(("also", f"introduced {f.occurrences} time(s) at "
                     + ", ".join(f"<code>{_e(p)}</code>" for p in f.paths)))
    rows.append(("fingerprint", f"<code>{_e(f.fingerprint)}</code> secret hash <code>{_e(f.secret_hash)}</code>"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    context = f"<pre>{_e(f.context)}</pre>" if f.context else ""
    return (f'<section class="finding" id="finding-{n}"><h3>{n}. {_e(f.description)}</h3>'
            f"<table>{body}</table>{context}</section>")


def render_html(result: ScanResult, repository: str | None = None) -> str:
    findings = result.findings
    still = sum(1 for f in findings if f.in_head)
    cards = [("findings", len(findings)), ("still in HEAD", still),
             ("rules", len({f.rule for f in findings})), ("commits scanned", result.stats.commits),
             ("blobs scanned", result.stats.blobs_scanned)]
    cards += [(s, n) for s, n in by_severity(findings)]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        # No network: a strict CSP makes the promise checkable in a browser.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>leakwarden report{' - ' + _e(repository) if repository else ''}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>leakwarden audit report</h1>",
        f"<p>Repository <code>{_e(repository or '-')}</code> &middot; leakwarden {_e(__version__)}"
        " &middot; secrets are shown redacted.</p>",
    ]
    if result.errors:
        parts.append(f'<p class="warn" id="incomplete"><b>Scan incomplete:</b> {len(result.errors)} '
                     "unit(s) could not be scanned; see the end of this report.</p>")
    parts.append('<section id="summary"><h2>Summary</h2><div class="cards">'
                 + "".join(f'<div class="card"><b>{n}</b>{_e(label)}</div>' for label, n in cards)
                 + "</div>")
    if findings:
        parts.append('<table id="by-rule"><thead><tr><th>severity</th><th>rule</th>'
                     "<th>description</th><th>findings</th></tr></thead><tbody>")
        parts += [f"<tr><td>{_sev(s)}</td><td><code>{_e(r)}</code></td><td>{_e(d)}</td><td>{n}</td></tr>"
                  for s, r, d, n in by_rule_and_severity(findings)]
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No secrets found.</p>")
    parts.append("</section>")
    if findings:
        parts.append('<section id="timeline"><h2>Timeline</h2><p>When each distinct secret first entered history, '
                     "and whether it is still in HEAD (removing it there does not remove it from "
                     "history: rotate it).</p><table><thead><tr><th>date</th><th>rule</th>"
                     "<th>secret</th><th>paths</th><th>blobs</th><th>first commit</th><th>author</th>"
                     "<th>status</th>"
                     "</tr></thead><tbody>")
        for item in timeline(findings):
            f = item.first
            paths = ", ".join(f"<code>{_e(p)}</code>" for p in item.paths)
            parts.append(
                f"<tr><td>{_e(f.date or '-')}</td><td><code>{_e(f.rule)}</code></td>"
                f"<td><code>{_e(f.secret)}</code></td><td>{paths}</td>"
                f"<td>{len(item.findings)}</td><td><code>{_e((f.commit or '-')[:12])}</code></td>"
                f"<td>{_e(f.author or '-')}</td><td>{_state(item)}</td></tr>")
        parts.append("</tbody></table></section>")
        parts.append('<section id="findings"><h2>Findings</h2>')
        parts += [_finding(n, f) for n, f in enumerate(findings, 1)]
        parts.append("</section>")
    if result.errors:
        parts.append('<section id="errors"><h2>Not scanned</h2><ul>')
        parts += [f"<li><code>{_e(e.kind)}</code> {_e(e.message)} <code>{_e(e.path or '')}</code></li>"
                  for e in result.errors]
        parts.append("</ul></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
