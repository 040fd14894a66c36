"""An investigation and a containment run as JSON, Markdown and plain text.

Deterministic: the same investigation renders to the same bytes (sorted
keys, rows in time order), so two runs can be diffed.
"""

from __future__ import annotations

import json
from typing import Any


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return str(value if value not in (None, "") else "-").replace("|", "\\|").replace("\n", " ")


def _activity_table(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["No calls in the window.", ""]
    out = ["| Service | Action | Calls | After exposure | Failed | Errors | First | Last | Regions |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append(f"| {_cell(r['service'])} | {_cell(r['action'])} | {r['calls']} | {r['after_exposure']} "
                   f"| {r['failed']} | {_cell(r['errors'])} | {r['first_seen']} | {r['last_seen']} "
                   f"| {_cell(r['regions'])} |")
    return out + [""]


def _places(title: str, rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    out = [f"{title}:", ""]
    for r in rows:
        out.append(f"- `{r['value']}`: {r['calls']} call(s), {r['first_seen']} .. {r['last_seen']}, {r['seen']}")
    return out + [""]


def render_markdown(data: dict[str, Any]) -> str:
    """The investigation for people: verdicts first, then timeline, sessions, data, persistence."""
    inv = data["investigation"]
    out = ["# leakwarden investigation", ""]
    out += [f"Window {inv['window']['since']} .. {inv['window']['until']}; exposure "
            f"{inv.get('exposed_at') or 'unknown'}; engine {inv.get('engine')}; sources: "
            + ", ".join(inv.get("sources", [])), ""]
    out += ["## Verdicts", "", "| Key | Kind | User | Verdict | Why |", "| --- | --- | --- | --- | --- |"]
    for k in data["keys"]:
        out.append(f"| `{k['key_id']}` | {k['kind']} | {_cell(k['user'])} | **{k['verdict']}** "
                   f"| {_cell('; '.join(k['reasons']))} |")
    out += ["", "## Timeline", ""]
    for e in data["timeline"]:
        out.append(f"- **{e['time']}** {e['event']}: {e['detail']}")
    if not data["timeline"]:
        out.append("Nothing to put on a timeline.")
    out += ["", "## Sessions", ""]
    if data["sessions"]:
        out += ["| Session key | Via | Role / name | Session ID | Issued | Expires | From | Origin | Depth |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in data["sessions"]:
            out.append(f"| `{s['key_id']}` | {s['via']} | {_cell(s['role_arn'] or s['session_name'])} "
                       f"| {_cell(s['assumed_role_id'])} | {s['issued_at']} | {s['expires_at']} "
                       f"| {_cell(s['source_ip'])} | **{s['origin']}** | {s['depth']} |")
    else:
        out.append("No session was minted by the followed keys.")
    out += ["", "## Data touched", ""]
    if data.get("data_events_note"):
        out += [f"> {data['data_events_note']}", ""]
    if data["data_touched"]:
        out += ["| Time | Action | What | By | From | New place | Flags |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for d in data["data_touched"]:
            what = (f"s3://{d.get('bucket')}/{d.get('key') or ''}" if d["service"] == "s3"
                    else str(d.get("resource")))
            if d.get("version_id"):
                what += f" (version {d['version_id']})"
            out.append(f"| {d['time']} | {d['action']}{' (' + d['error'] + ')' if d['error'] else ''} "
                       f"| `{_cell(what)}` | `{d['by_key_id']}` | {_cell(d['source_ip'])} "
                       f"| {'yes' if d['from_new_place'] else 'no'} | {_cell(d['flags'])} |")
    else:
        out.append("No data read seen after the exposure.")
    out += ["", "## Persistence", ""]
    if data["persistence"]:
        for p in data["persistence"]:
            target = ", ".join(f"{k}={v}" for k, v in p["target"].items()
                               if k not in ("policyDocument", "assumeRolePolicyDocument"))
            out.append(f"- {p['time']} **{p['action']}** {target} by `{p['by_key_id']}` from "
                       f"{p['source_ip']}{' (new place)' if p['from_new_place'] else ''}")
    else:
        out.append("No persistence seen after the exposure.")
    out += ["", "## Activity per key", ""]
    for k in data["keys"]:
        out += [f"### `{k['key_id']}` ({k['kind']})", ""]
        out += _activity_table(k["activity"])
        out += _places("Source IPs", k["source_ips"]) + _places("User agents", k["user_agents"])
    for s in data["sessions"]:
        out += [f"### session `{s['key_id']}` ({s['origin']})", ""]
        out += _activity_table(s["activity"])
        out += _places("Source IPs", s["source_ips"])
    leaks = [(k["key_id"], loc) for k in data["keys"] for loc in k.get("leak_locations", [])]
    if leaks:
        out += ["## Where it leaked", "", "| Key | Repository | Commit | Path | Author | Date | Public since |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for key_id, loc in leaks:
            out.append(f"| `{key_id}` | {_cell(loc.get('repository'))} | {_cell((loc.get('commit') or '')[:12])} "
                       f"| {_cell(loc.get('path'))} | {_cell(loc.get('author'))} | {_cell(loc.get('date'))} "
                       f"| {_cell(loc.get('exposed_since'))} |")
        out.append("")
    if inv.get("errors") or inv.get("notes"):
        out += ["## Notes", ""] + [f"- {n}" for n in inv.get("notes", [])]
        out += [f"- error: {e}" for e in inv.get("errors", [])]
    return "\n".join(out).rstrip() + "\n"


def render_text(data: dict[str, Any]) -> str:
    """A terminal summary: verdicts, timeline, sessions, data read."""
    out = []
    for k in data["keys"]:
        out.append(f"{k['key_id']} ({k['kind']}, user {k['user'] or '?'}): {k['verdict'].upper()}")
        out += [f"  - {r}" for r in k["reasons"]]
    out.append("")
    out.append("timeline:")
    out += [f"  {e['time']}  {e['event']:<28} {e['detail']}" for e in data["timeline"]]
    if data["sessions"]:
        out.append("")
        out.append("sessions:")
        for s in data["sessions"]:
            out.append(f"  {s['key_id']}  {s['via']} {s['role_name'] or s['session_name'] or ''} "
                       f"({s['assumed_role_id'] or '-'}) {s['issued_at']} .. {s['expires_at']} "
                       f"from {s['source_ip']}: {s['origin']}")
    reads = [d for d in data["data_touched"] if d["from_new_place"]]
    if reads:
        out.append("")
        out.append("data read from a new place:")
        for d in reads:
            what = f"s3://{d.get('bucket')}/{d.get('key')}" if d["service"] == "s3" else str(d.get("resource"))
            flags = f" [{', '.join(d['flags'])}]" if d["flags"] else ""
            out.append(f"  {d['time']}  {d['action']} {what}{flags}")
    if data.get("data_events_note"):
        out += ["", data["data_events_note"]]
    inv = data["investigation"]
    out += ["", f"window {inv['window']['since']} .. {inv['window']['until']}, "
            f"{inv['keys_followed']} key(s) followed, {inv['stats']['events_scanned']} event(s) read, "
            f"engine {inv.get('engine')}"]
    out += [f"note: {n}" for n in inv.get("notes", [])]
    out += [f"error: {e}" for e in inv.get("errors", [])]
    return "\n".join(out) + "\n"


def render(data: dict[str, Any], fmt: str) -> str:
    return {"json": render_json, "markdown": render_markdown, "text": render_text}[fmt](data)


def render_plan(entry: dict[str, Any], fmt: str = "text") -> str:
    """A containment run (plan or applied) for the terminal or a ticket."""
    if fmt == "json":
        return render_json(entry)
    out = [f"containment {entry['mode']} for incident {entry['incident']}"
           + (f" by {entry['actor']}" if entry.get("actor") else "")]
    for n, a in enumerate(entry["actions"], 1):
        head = f"{n}. [{a['status']}] {a['kind']} {a['target']}"
        if a.get("strategy"):
            head += f" ({a['strategy']})"
        out.append(head)
        out.append(f"   why: {a['reason']}")
        for w in a.get("warnings", []):
            out.append(f"   warning: {w}")
        if a.get("message"):
            out.append(f"   {a['message']}")
        if entry["mode"] == "plan":
            out += [f"   $ {c}" for c in a.get("commands", [])]
    if entry["mode"] == "plan":
        out.append("dry run: nothing changed; rerun with --apply to carry it out")
    return "\n".join(out) + "\n"
