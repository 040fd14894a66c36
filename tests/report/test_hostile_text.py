"""Attacker-controlled text stays text: a repository whose file name, author and
commit subject carry newlines, ESC sequences, OSC 8 links, workflow commands,
HTML and @mentions, rendered in every human-readable format."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from scanner import ScanOptions, scan
from scanner.model import ScanError
from scanner.report import render
from scanner.report.block import render_block
from scanner.report.escape import md_code, visible
from scanner.report.text_report import render_text
from tests.support.fakes import Fakes
from tests.support.hostile import ANSI_AUTHOR, ESC, hostile_repo

_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    hostile_repo(root / "repo", f"GITHUB_TOKEN={Fakes(17).github_token()}\n")
    result = scan(str(root / "repo"), ScanOptions(jobs=1))
    assert len(result.findings) == 1
    # an error message naming the hostile path, as a read failure would
    result.errors.append(ScanError(kind="read-error", message="cannot read\n::error::x",
                                   path=result.findings[0].path))
    return result


def _no_control(text: str) -> None:
    assert ESC not in text and "\x00" not in text and "\x07" not in text and "\x85" not in text
    assert "\u2028" not in text and "\r" not in text


def test_text_report_is_inert(hostile):
    text = render_text(hostile)
    _no_control(text)
    # each printed line starts with our own words, never with a workflow command
    assert not any(line.startswith("::") for line in text.splitlines())
    assert "config\\n::warning file=x::pwned\\n::stop-commands::tok3n\\r\\u2028.env" in text
    assert "\\e[2J" in text


def test_hook_block_message_is_inert(hostile):
    text = render_block(hostile)
    _no_control(text)
    assert not any(line.startswith("::") for line in text.splitlines())


def test_github_annotations_cannot_start_a_command(hostile):
    text = render("github", hostile)
    _no_control(text)
    lines = text.splitlines()
    assert len(lines) == 2  # one annotation, one incomplete warning: nothing else
    assert lines[0].startswith("::error file=") and lines[1].startswith("::warning title=")
    # the properties (before the second "::") hold no "::" of the path
    assert "%3A%3Awarning" in lines[0].split("::")[1]


def test_markdown_escapes_every_hostile_field(hostile):
    text = render("markdown", hostile, "repo")
    _no_control(text)
    assert not any(line.startswith("::") for line in text.splitlines())
    # every line of a table has exactly the header's number of cells
    for table in re.findall(r"(?:^\|.*\n)+", text, flags=re.M):
        rows = table.splitlines()
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows
    # hostile HTML, images, links and mentions only ever inside code spans
    outside = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    for bad in ("<img", "![", "](", "@octo-org", "<m"):
        assert bad not in outside, bad


def test_html_escapes_and_shows_controls(hostile):
    text = render("html", hostile, "repo")
    _no_control(text)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\e]8;;https://evil.test/" in text


def test_junit_is_valid_xml_with_hostile_fields(hostile):
    text = render("junit", hostile)
    ET.fromstring(text.encode())  # raises on a control character
    _no_control(text)


def test_sarif_message_has_no_controls(hostile):
    text = render("sarif", hostile)
    assert "\\u001b" not in text.split('"author"')[0]  # message text before the raw property


def test_visible_and_md_code_rules():
    assert visible("a\nb\rc\x1b[2J\u2028d\x9be\u202ef") == "a\\nb\\rc\\e[2J\\u2028d\\x9be\\u202ef"
    assert md_code("a|b`c") == "``a\\|b`c``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("") == "-"
    assert not _LINE_BREAKS.search(visible(ANSI_AUTHOR + "\n\x1c\x1d\x1e\x85"))


def _lw(cwd, *args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_config_and_ignore_errors_never_echo_the_line(tmp_path):
    """A pasted secret on a malformed line is not printed back: the message
    names the file and the line (or the key's position), never its text."""
    from tests.support.gitrepo import GitRepo

    token = Fakes(3).github_token()
    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README": "hi\n"})
    repo.write(".leakwarden.toml", f'{token} = 1\n[[allowlists]]\nregexes = ["{token}("]\n')
    proc = _lw(repo.path, "scan", ".")
    assert proc.returncode == 2 and "unknown key" in proc.stderr and "regexes[0]: bad regex" in proc.stderr
    assert token not in proc.stderr and token[4:20] not in proc.stderr
    (repo.path / ".leakwarden.toml").unlink()
    repo.write(".gitleaksignore", f"{token}:rule-{token}:1\n")
    repo.write(".leakwardenignore", f"README:github-pat:{'0' * 32}\n")
    proc = _lw(repo.path, "scan", ".", "--report-unused-ignores")
    assert ".gitleaksignore:1: unused ignore entry" in proc.stderr
    assert ".leakwardenignore:1: unused ignore entry" in proc.stderr
    assert token not in proc.stderr + proc.stdout and token[4:20] not in proc.stderr


def _outside_code(text: str) -> str:
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


def test_ticket_org_and_audit_markdown_escape_hostile_fields(hostile):
    """The same rule in every Markdown renderer: tickets (GitHub issues), the
    org scan's and the audit's reports."""
    from scanner.model import OrgFinding, ScanError
    from scanner.orgscan.coordinator import OrgScanReport, RepoReport
    from scanner.orgscan.render import render_markdown as org_markdown
    from scanner.tickets import render_markdown as ticket_markdown
    from scanner.tickets import tickets_from_report
    from tests.tickets.test_tickets_dir import _report

    f = hostile.findings[0]
    report = _report()
    report["findings"][0].update(author=f.author, path=f.path, email=f.email)
    [ticket] = tickets_from_report(report)
    org = OrgScanReport(org="acme", generated_at="t", findings=[OrgFinding("acme/x", f)],
                        repos=[RepoReport("acme/y", "failed", f.summary, "clone")],
                        errors=[ScanError("read-error", f.path, repo="acme/z")])
    for text in (ticket_markdown(ticket), org_markdown(org)):
        _no_control(text)
        assert not any(line.startswith("::") for line in text.splitlines())
        for bad in ("<img", "![", "](", "@octo-org"):
            assert bad not in _outside_code(text), bad
