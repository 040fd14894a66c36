"""JUnit XML, which most CI systems (GitLab, Jenkins, Azure, CircleCI) show as
test results: one failing test case per finding, or one passing case when
nothing was found (an empty suite often reads as "no tests ran")."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from scanner.model import ScanResult


def render_junit(result: ScanResult, repository: str | None = None) -> str:
    cases = []
    for f in result.findings:
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
        cases.append(f"    <testcase classname=\"leakwarden.incomplete\" name={quoteattr(e.kind)}>\n"
                     f"      <error type={quoteattr(e.kind)} message={quoteattr(e.message)}/>\n"
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
