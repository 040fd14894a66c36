"""JSON lines: one object per line, for piping (``jq``, ``grep``, a SIEM).

Each finding is a line ``{"type": "finding", ...the JSON report's finding...}``;
each error a line ``{"type": "error", ...}``; the last line is
``{"type": "stats", ...}``, so a consumer can tell a complete stream from a
truncated one.
"""

from __future__ import annotations

import json

from scanner.model import ScanResult


def render_jsonl(result: ScanResult, repository: str | None = None) -> str:
    lines = []
    for finding in result.findings:
        lines.append({"type": "finding", **finding.to_dict()})
    for error in result.errors:
        lines.append({"type": "error", **error.to_dict()})
    stats = {"type": "stats", **result.stats.to_dict()}
    if repository is not None:
        stats["repository"] = repository
    lines.append(stats)
    return "".join(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n" for line in lines)
