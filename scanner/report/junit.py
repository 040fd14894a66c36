"""JUnit XML, which most CI systems (GitLab, Jenkins, Azure, CircleCI) show as
test results: one failing test case per finding, or one passing case when
nothing was found (an empty suite often reads as "no tests ran").

Every field passes ``xml_text`` first: a control character in a path or an
author is not allowed in XML 1.0 even as a character reference, and GitLab
and Jenkins drop a report that has one."""

from __future__ import annotations

import dataclasses
from xml.sax.saxutils import escape, quoteattr

from scanner.model import Finding, ScanResult
from scanner.report.escape import xml_text


def _clean(f: Finding) -> Finding:
    """The finding with every text field the report shows made XML-safe (None becomes "")."""
    x = xml_text
    return dataclasses.replace(
        f, rule=x(f.rule), description=x(f.description), secret=x(f.secret), path=x(f.path), commit=x(f.commit),
        author=x(f.author), email=x(f.email), date=x(f.date), secret_hash=x(f.secret_hash))


def render_junit(result: ScanResult, repository: str | None = None) -> str:
    cases = []
    for f in result.findings:
        f = _clean(f)
        details = [f"{f.description}", f"secret: {f.secret}", f"where: {f.path}:{f.line}:{f.column}"]
        if f.commit:
            details.append(f"introduced: {f.commit} by {f.author} <{f.email}> on {f.date}")
        details.append(f"ignore entry: {f.path}:{f.rule}:{f.secret_hash}")
        cases.append(
            f"    <testcase classname={quoteattr(f.rule)} name={quoteattr(f'{f.path}:{f.line}:{f.column}')}"
            f" file={quoteattr(f.path)} line=\"{f.line}\">\n"
            f"      <failure type={quoteattr(f.rule)} message={quoteattr(f'{f.description}: {f.secret}')}>"
            f"{escape(chr(10).join(details))}</failure>\n    </testcase>")
    for e in result.errors:
        kind = xml_text(e.kind)
        message = xml_text(e.message + (f" ({e.path})" if e.path else ""))
        cases.append(f"    <testcase classname=\"leakwarden.incomplete\" name={quoteattr(kind)}>\n"
                     f"      <error type={quoteattr(kind)} message={quoteattr(message)}/>\n"
                     "    </testcase>")
    if not cases:
        cases.append('    <testcase classname="leakwarden" name="no secrets found"/>')
    tests = len(cases)
    suite = (f'  <testsuite name="leakwarden" tests="{tests}" failures="{len(result.findings)}" '
             f'errors="{len(result.errors)}" skipped="0">')
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="leakwarden" tests="{tests}" failures="{len(result.findings)}" '
        f'errors="{len(result.errors)}">',
        suite, *cases, "  </testsuite>", "</testsuites>", ""])
