"""The JSON report: ``{"findings": [...], "errors": [...], "stats": {...}}``.

Findings are sorted and carry no timings, so two runs over the same
repository and rules give byte-identical ``findings``.
"""

from __future__ import annotations

import json

from scanner.model import JSONObject, ScanResult

REPORT_VERSION = 1


def report_dict(result: ScanResult, repository: str | None = None) -> JSONObject:
    data: JSONObject = {"version": REPORT_VERSION}
    if repository is not None:
        data["repository"] = repository
    data.update(result.to_dict())
    return data


def render_json(result: ScanResult, repository: str | None = None) -> str:
    return json.dumps(report_dict(result, repository), indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
