"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

What code scanning needs, and why each choice here:

* each rule once in ``tool.driver.rules`` (results point at it by index);
* regions with 1-based lines and columns, ``endColumn`` exclusive (the
  character after the secret) and never zero;
* ``partialFingerprints`` built from rule + keyed secret hash + path, not from
  line numbers or commit ids, so an alert keeps its identity across runs,
  line shifts and rebases and a dismissed alert stays dismissed;
* the snippet is the finding's context line, already redacted (clear only
  with ``--no-redact``);
* no timings, sorted keys: the same input gives byte-identical output.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from scanner import __version__
from scanner.model import Finding, JSONObject, ScanResult, Suppression
from scanner.report.escape import visible

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "leakwardenSecret/v1"

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub maps security-severity to critical (>= 9), high (>= 7), medium (>= 4), low.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _uri(path: str) -> str:
    # SARIF wants a URI reference relative to the checkout; a space or '#'
    # in a file name must be percent-encoded or code scanning drops the result.
    return quote(path, safe="/", errors="replace")


def _rule(finding: Finding) -> JSONObject:
    return {
        "id": finding.rule,
        "name": "".join(part.capitalize() for part in finding.rule.split("-")),
        "shortDescription": {"text": finding.description},
        "fullDescription": {"text": f"{finding.description}. A credential committed to a "
                                    "repository must be rotated: removing it from the file "
                                    "does not remove it from history."},
        "help": {"text": "Rotate the credential, then remove it from the code. A false positive "
                         "can be marked inline with `leakwarden:allow` or added to the baseline."},
        "defaultConfiguration": {"level": _LEVEL.get(finding.severity, "warning")},
        "properties": {
            "tags": ["security", "secret"],
            "precision": {"high": "high", "medium": "medium", "low": "low"}.get(
                finding.confidence, "medium"),
            "security-severity": _SECURITY_SEVERITY.get(finding.severity, "5.5"),
        },
    }


def partial_fingerprint(finding: Finding) -> str:
    """Stable identity of a finding for code scanning: rule, secret, path."""
    key = f"{finding.rule}\0{finding.secret_hash}\0{finding.path}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


def _result(finding: Finding, rule_index: int) -> JSONObject:
    # Message text is shown as-is by code scanning UIs and in logs: the
    # author's name cannot carry a line break or an escape sequence there.
    where = f" introduced in {finding.commit[:12]} by {visible(finding.author)} on {finding.date}" \
        if finding.commit else ""
    region: JSONObject = {
        "startLine": max(1, finding.line),
        "startColumn": max(1, finding.column),
        "endLine": max(finding.line, finding.end_line),
        "endColumn": max(1, finding.end_column),
    }
    if region["endLine"] == region["startLine"] and region["endColumn"] <= region["startColumn"]:
        region["endColumn"] = region["startColumn"] + 1
    if finding.context:
        region["snippet"] = {"text": finding.context}
    properties: JSONObject = {
        "secret": finding.secret,
        "secretHash": finding.secret_hash,
        "fingerprint": finding.fingerprint,
        "blob": finding.blob,
        "severity": finding.severity,
        "confidence": finding.confidence,
    }
    for key in ("commit", "author", "date"):
        value = getattr(finding, key)
        if value:
            properties[key] = value
    in_head = getattr(finding, "in_head", None)
    if in_head is not None:
        properties["inHead"] = in_head
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(finding.severity, "warning"),
        "message": {"text": f"{finding.description}: {finding.secret}{where}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint(finding)},
        "properties": properties,
    }


def _suppressed(item: Suppression, rule_index: int) -> JSONObject:
    """A hidden finding stays in the log with what hid it, so a reviewer (and
    code scanning, which shows it as suppressed) sees every suppression."""
    data = _result(item.finding, rule_index)
    kind = "inSource" if item.kind == "inline" else "external"
    data["suppressions"] = [{"kind": kind, "status": "accepted",
                             "justification": visible(f"{item.kind}: {item.by}")}]
    return data


def sarif_dict(result: ScanResult) -> JSONObject:
    rules: dict[str, JSONObject] = {}
    for finding in [*result.findings, *(s.finding for s in result.suppressed)]:
        rules.setdefault(finding.rule, _rule(finding))
    order = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(order)}
    notifications = [
        {"level": "error", "message": {"text": visible(f"{e.kind}: {e.message}"
                                               + (f" ({e.path})" if e.path else ""))}}
        for e in result.errors
    ]
    invocation: JSONObject = {"executionSuccessful": not result.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "leakwarden",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rules[r] for r in order],
            }},
            "invocations": [invocation],
            "results": [_result(f, index[f.rule]) for f in result.findings]
            + [_suppressed(s, index[s.finding.rule]) for s in result.suppressed],
        }],
    }


def render_sarif(result: ScanResult, repository: str | None = None) -> str:
    return json.dumps(sarif_dict(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
