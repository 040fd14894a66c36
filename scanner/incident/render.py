"""An investigation and a containment run as JSON, Markdown, HTML and plain text.

Deterministic: the same investigation renders to the same bytes (sorted
keys, rows in time order), so two runs can be diffed.

Almost every value comes from CloudTrail, and an attacker holding the key
writes CloudTrail: user agents, session names, object keys, user and role
names. Each human format escapes them at the field, with the project's one
rule per format (``scanner.report.escape``): Markdown code spans, HTML
autoescape through the report templates, ``visible`` on the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from scanner.incident.values import (
    ActivityGroup,
    ContainRun,
    Investigation,
    PassStats,
    Place,
    data_read_label,
    persistence_target,
)
from scanner.report.escape import md_code, visible
from scanner.report.html import BASE_CSS


def render_json(data: Investigation | ContainRun) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def _code(value: object) -> str:
    """An outside value in Markdown: a code span (``-`` when empty)."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return md_code(value) if value not in (None, "") else "-"


def _activity_table(rows: list[ActivityGroup]) -> list[str]:
    if not rows:
        return ["No calls in the window.", ""]
    out = ["| Service | Action | Calls | After exposure | Failed | Errors | First | Last | Regions |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append(f"| {_code(r['service'])} | {_code(r['action'])} | {r['calls']} | {r['after_exposure']} "
                   f"| {r['failed']} | {_code(r['errors'])} | {_code(r['first_seen'])} | {_code(r['last_seen'])} "
                   f"| {_code(r['regions'])} |")
    return out + [""]


def _places(title: str, rows: list[Place]) -> list[str]:
    if not rows:
        return []
    out = [f"{title}:", ""]
    for r in rows:
        out.append(f"- {_code(r['value'])}: {r['calls']} call(s), {_code(r['first_seen'])} .. "
                   f"{_code(r['last_seen'])}, {r['seen']}")
    return out + [""]


def render_markdown(data: Investigation) -> str:
    """The investigation for people: verdicts first, then timeline, sessions, data, persistence."""
    inv = data["investigation"]
    window = inv.get("window") or {"since": "?", "until": "?"}
    out = ["# leakwarden investigation", ""]
    out += [f"Window {window['since']} .. {window['until']}; exposure "
            f"{inv.get('exposed_at') or 'unknown'}; engine {inv.get('engine')}; sources: "
            + ", ".join(_code(s) for s in inv.get("sources", [])), ""]
    out += ["## Verdicts", "", "| Key | Kind | User | Verdict | Why |", "| --- | --- | --- | --- | --- |"]
    for k in data["keys"]:
        out.append(f"| {_code(k['key_id'])} | {k['kind']} | {_code(k['user'])} | **{k['verdict']}** "
                   f"| {_code('; '.join(k['reasons']))} |")
    out += ["", "## Timeline", ""]
    for e in data["timeline"]:
        out.append(f"- **{e['time']}** {e['event']}: {_code(e['detail'])}")
    if not data["timeline"]:
        out.append("Nothing to put on a timeline.")
    out += ["", "## Sessions", ""]
    if data["sessions"]:
        out += ["| Session key | Via | Role / name | Session ID | Issued | Expires | From | Origin | Depth |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in data["sessions"]:
            out.append(f"| {_code(s['key_id'])} | {s['via']} | {_code(s['role_arn'] or s['session_name'])} "
                       f"| {_code(s['assumed_role_id'])} | {_code(s['issued_at'])} | {_code(s['expires_at'])} "
                       f"| {_code(s['source_ip'])} | **{s['origin']}** | {s['depth']} |")
    else:
        out.append("No session was minted by the followed keys.")
    out += ["", "## Data touched", ""]
    if data["data_events_note"]:
        out += [f"> {data['data_events_note']}", ""]
    if data["data_touched"]:
        out += ["| Time | Action | What | By | From | New place | Flags |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for d in data["data_touched"]:
            error = d.get("error")
            out.append(f"| {_code(d['time'])} | {_code(d['action'])}{' (' + _code(error) + ')' if error else ''} "
                       f"| {_code(data_read_label(d))} | {_code(d['by_key_id'])} | {_code(d['source_ip'])} "
                       f"| {'yes' if d['from_new_place'] else 'no'} | {_code(d['flags'])} |")
    else:
        out.append("No data read seen after the exposure.")
    out += ["", "## Persistence", ""]
    if data["persistence"]:
        for p in data["persistence"]:
            out.append(f"- {_code(p['time'])} **{p['action']}** {_code(persistence_target(p))} by {_code(p['by_key_id'])} "
                       f"from {_code(p['source_ip'])}{' (new place)' if p['from_new_place'] else ''}")
    else:
        out.append("No persistence seen after the exposure.")
    out += ["", "## Activity per key", ""]
    for k in data["keys"]:
        out += [f"### {_code(k['key_id'])} ({k['kind']})", ""]
        out += _activity_table(k["activity"])
        out += _places("Source IPs", k["source_ips"]) + _places("User agents", k["user_agents"])
    for s in data["sessions"]:
        out += [f"### session {_code(s['key_id'])} ({s['origin']})", ""]
        out += _activity_table(s["activity"])
        out += _places("Source IPs", s["source_ips"])
    leaks = [(k["key_id"], loc) for k in data["keys"] for loc in k["leak_locations"]]
    if leaks:
        out += ["## Where it leaked", "", "| Key | Repository | Commit | Path | Author | Date | Public since |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for key_id, loc in leaks:
            out.append(f"| {_code(key_id)} | {_code(loc.get('repository'))} | {_code((loc.get('commit') or '')[:12])} "
                       f"| {_code(loc.get('path'))} | {_code(loc.get('author'))} | {_code(loc.get('date'))} "
                       f"| {_code(loc.get('exposed_since'))} |")
        out.append("")
    if inv.get("errors") or inv.get("notes"):
        out += ["## Notes", ""] + [f"- {_code(n)}" for n in inv.get("notes", [])]
        out += [f"- error: {_code(e)}" for e in inv.get("errors", [])]
    return "\n".join(out).rstrip() + "\n"


# The report's look, wider (the investigation's tables have more columns)
# and with long ids (ARNs, session names) allowed to wrap.
_CSS = BASE_CSS + """body{max-width:1200px}code{word-break:break-all}
td ul{margin:0;padding-left:1.1rem}
.verdict{font-weight:600;text-transform:uppercase;font-size:.8rem;padding:.1rem .4rem;border-radius:3px;color:#fff}
.compromised{background:#8b0000}.suspicious{background:#ef6c00}.legitimate{background:#2e7d32}.none{background:#607d8b}
tr.attacker td{background:#fff1f0}.new{color:#c62828;font-weight:600}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #dde;margin-left:.5rem}
ol.timeline li{position:relative;padding:.3rem 0 .6rem 1.2rem}
ol.timeline li:before{content:"";position:absolute;left:-.5rem;top:.7rem;width:.7rem;height:.7rem;
border-radius:50%;background:#90a4ae}
ol.timeline li.leak:before{background:#ef6c00}ol.timeline li.attack:before{background:#c62828}
ol.timeline li.response:before{background:#2e7d32}
ol.timeline time{display:block;font:12px ui-monospace,Menlo,Consolas,monospace;color:#555}
ol.timeline b{margin-right:.5rem}
"""

_VERDICT_CLASS = {"compromised": "compromised", "suspicious": "suspicious",
                  "legitimate only": "legitimate", "no activity": "none"}
_STEP_CLASS = {"committed": "leak", "repository public": "leak", "exposed": "leak",
               "first use from a new place": "attack", "role assumed": "attack",
               "session minted": "attack", "data read": "attack", "persistence": "attack",
               "detected": "response", "contained": "response"}


def render_html(data: Investigation) -> str:
    """One self-contained page (no external assets, a CSP that forbids fetching
    anything) with the rendered incident timeline; every value autoescaped."""
    from markupsafe import Markup

    from scanner.report.templating import render_template

    return render_template(
        "investigation.html",
        css=Markup(_CSS),  # our own stylesheet: the one value not escaped
        data=data,
        # The labels every output gives a read and a persistence target.
        what=lambda d: data_read_label(d, version=False),  # the version has its own column
        target=persistence_target,
        inv=data["investigation"],
        volume=_volume(data["investigation"].get("stats")),
        leaks=[(k["key_id"], loc) for k in data["keys"] for loc in k["leak_locations"]],
        # Class names come from these fixed tables, never from the data.
        verdict_class=lambda v: _VERDICT_CLASS.get(v, ""),
        step_class=lambda e: _STEP_CLASS.get(e, ""),
    )


def render_text(data: Investigation) -> str:
    """A terminal summary: verdicts, timeline, sessions, data read (each outside value
    made ``visible``: one field, one line, no terminal escapes)."""
    v = visible
    out = []
    for k in data["keys"]:
        out.append(f"{k['key_id']} ({k['kind']}, user {v(k['user'] or '?')}): {k['verdict'].upper()}")
        out += [f"  - {v(r)}" for r in k["reasons"]]
    out.append("")
    out.append("timeline:")
    out += [f"  {v(e['time'])}  {e['event']:<28} {v(e['detail'])}" for e in data["timeline"]]
    if data["sessions"]:
        out.append("")
        out.append("sessions:")
        for s in data["sessions"]:
            out.append(f"  {s['key_id']}  {s['via']} {v(s['role_name'] or s['session_name'] or '')} "
                       f"({v(s['assumed_role_id'] or '-')}) {s['issued_at']} .. {s['expires_at']} "
                       f"from {v(s['source_ip'])}: {s['origin']}")
    reads = [d for d in data["data_touched"] if d["from_new_place"]]
    if reads:
        out.append("")
        out.append("data read from a new place:")
        for d in reads:
            flags = f" [{', '.join(d['flags'])}]" if d["flags"] else ""
            out.append(f"  {d['time']}  {d['action']} {v(data_read_label(d))}{flags}")
    if data["data_events_note"]:
        out += ["", data["data_events_note"]]
    inv = data["investigation"]
    window = inv.get("window") or {"since": "?", "until": "?"}
    out += ["", f"window {window['since']} .. {window['until']}, "
            f"{inv.get('keys_followed', 0)} key(s) followed, {_volume(inv.get('stats'))}, "
            f"engine {inv.get('engine')}"]
    out += [f"note: {v(n)}" for n in inv.get("notes", [])]
    out += [f"error: {v(e)}" for e in inv.get("errors", [])]
    return "\n".join(out) + "\n"


def _volume(stats: PassStats | None) -> str:
    if not stats:
        return "nothing read"
    if stats["files"]:
        return (f"{stats['files']} trail file(s) read ({stats['bytes_read'] / 2**20:.1f} MiB), "
                f"{stats['files_matched']} holding a followed key")
    return f"{stats['events_parsed']} event(s) read"


_RENDERERS: dict[str, Callable[[Investigation], str]] = {
    "json": render_json, "markdown": render_markdown, "html": render_html, "text": render_text,
}


def render(data: Investigation, fmt: str) -> str:
    return _RENDERERS[fmt](data)


def render_plan(entry: ContainRun, fmt: str = "text") -> str:
    """A containment run (plan or applied) for the terminal or a ticket."""
    if fmt == "json":
        return render_json(entry)
    v = visible
    out = [f"containment {entry['mode']} for incident {entry['incident']}"
           + (f" by {v(entry['actor'])}" if entry["actor"] else "")]
    for n, a in enumerate(entry["actions"], 1):
        head = f"{n}. [{a['status']}] {a['kind']} {v(a['target'])}"
        if a["strategy"]:
            head += f" ({a['strategy']})"
        out.append(head)
        out.append(f"   why: {v(a['reason'])}")
        for w in a["warnings"]:
            out.append(f"   warning: {v(w)}")
        if a["message"]:
            out.append(f"   {v(a['message'])}")
        if entry["mode"] == "plan":
            out += [f"   $ {v(c)}" for c in a["commands"]]
    if entry["mode"] == "plan":
        out.append("dry run: nothing changed; rerun with --apply to carry it out")
    return "\n".join(out) + "\n"
