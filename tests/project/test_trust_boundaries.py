"""A pull request cannot choose the rules that judge it, no suppression is
silent, and nothing a hostile repository does turns a skipped blob into a
clean scan. Every repository here is built by the test, as an attacker
would build it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.model import ScanResult
from scanner.pipeline import scan
from scanner.project.setup import finish_scan, prepare_scan
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=17)
LEAKWARDEN = str(Path(sys.executable).parent / "leakwarden")
TOKEN = FAKE.github_token()


def run(repo: GitRepo, *, baseline: Path | None = None, **kwargs: object) -> ScanResult:
    """What `leakwarden scan` does, through the library it shares with the CLI."""
    prepared = prepare_scan(repo.path, jobs=1, baseline=baseline, **kwargs)  # type: ignore[arg-type]
    result = scan(prepared.path, prepared.options)
    finish_scan(result, prepared, baseline=baseline)
    return result


def rules(result: ScanResult) -> list[tuple[str, str]]:
    return sorted((f.rule, f.path) for f in result.findings)


def _hash_of_token(repo: GitRepo) -> str:
    # What an attacker with a clone computes: the token's hash in this repository.
    result = run(repo, range="main..pr", trust_range_config=True)
    return next(f.secret_hash for f in result.findings if f.rule == "github-pat")


# Each way a repository's files could silence the token: (file, content).
# ``{hash}`` is the token's secret hash in this repository.
SILENCERS = {
    "allowlist-everything": (".leakwarden.toml", "[[allowlists]]\npaths = ['''.*''']\n"),
    "enable-another-rule": (".leakwarden.toml", 'enable_rules = ["age-secret-key"]\n'),
    "tiny-blob-limit": (".leakwarden.toml", 'max_blob_size = "1"\n'),
    "pyproject-disable": ("pyproject.toml",
                          '[project]\nname = "x"\n[tool.leakwarden]\ndisable_rules = ["github-pat"]\n'),
    "leakwardenignore": (".leakwardenignore", "*:github-pat:{hash}\n"),
    "gitleaksignore": (".gitleaksignore", "app.py:github-pat:1\n"),
    "gitleaks-toml": (".gitleaks.toml",
                      '[extend]\nuseDefault = true\n[allowlist]\npaths = [\'\'\'.*\'\'\']\n'),
    "baseline-in-repo": (".leakwarden-baseline.json", "{baseline}"),
}
# Which of them, when the protected branch itself has it, really does hide
# the token (a team's own decision), and how that shows as a suppression.
BASE_SILENCES = {"allowlist-everything": "allowlist", "enable-another-rule": None,
                 "tiny-blob-limit": False, "pyproject-disable": None,
                 "leakwardenignore": "ignore-file", "gitleaksignore": "ignore-file",
                 "gitleaks-toml": "allowlist", "baseline-in-repo": "baseline"}


@pytest.mark.parametrize("where", ["pr-head", "base"])
@pytest.mark.parametrize("kind", sorted(SILENCERS))
def test_ci_silencing_matrix(tmp_path, kind, where):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("initial", {"README.md": "hello\n"})
    repo.git("checkout", "-q", "-b", "pr")
    repo.commit("feature", {"app.py": f"TOKEN = '{TOKEN}'\n"})
    token_hash = _hash_of_token(repo)
    name, content = SILENCERS[kind]
    if kind == "baseline-in-repo":
        report = run(repo, range="main..pr", trust_range_config=True)
        content = json.dumps(report.to_dict())
    content = content.replace("{hash}", token_hash)
    baseline = repo.path / name if kind == "baseline-in-repo" else None
    if where == "base":
        repo.git("checkout", "-q", "main")
        repo.commit("team config", {name: content})
        repo.git("checkout", "-q", "pr")
        if baseline is not None:
            repo.write(name, content)  # the CI checkout has the base's copy too
    else:
        repo.commit("also config", {name: content})

    result = run(repo, range="main..pr", baseline=baseline)
    if where == "pr-head":
        # The head's file is not used, and its change is a finding naming it.
        # A baseline named on the command line is used as given, so it hides
        # the token (listed as suppressed), but the edit still fails the check.
        if kind == "baseline-in-repo":
            assert [s.finding.rule for s in result.suppressed] == ["github-pat"]
        else:
            assert ("github-pat", "app.py") in rules(result), kind
        assert ("leakwarden-config-change", name) in rules(result), kind
        assert result.exit_code == 1
        trusted = run(repo, range="main..pr", baseline=baseline, trust_range_config=True)
        if kind != "tiny-blob-limit":  # a size limit hides nothing any more
            assert trusted.findings == [], kind
    else:
        assert not any(f.rule == "leakwarden-config-change" for f in result.findings)
        shown = BASE_SILENCES[kind]
        if shown is False:
            assert rules(result) == [("github-pat", "app.py")]
        else:
            assert result.findings == [] and result.exit_code == 0, kind
        if isinstance(shown, str):
            assert [(s.kind, s.finding.rule) for s in result.suppressed] == [(shown, "github-pat")]
            if shown == "allowlist":  # named by the file and table that allowed it
                assert result.suppressed[0].by.startswith(name), result.suppressed[0].by


def test_strict_base_config_wins_over_the_head_rewrite(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("strict", {".leakwarden.toml": 'enable_rules = ["github-pat"]\n'})
    repo.git("checkout", "-q", "-b", "pr")
    repo.commit("loosen", {".leakwarden.toml": 'enable_rules = ["age-secret-key"]\n',
                           "app.py": f"T = '{TOKEN}'\n"})
    assert rules(run(repo, range="main..pr")) == [
        ("github-pat", "app.py"), ("leakwarden-config-change", ".leakwarden.toml")]
    # --config-from names the trusted commit in any mode.
    assert rules(run(repo, config_from="main")) == [("github-pat", "app.py")]
    assert rules(run(repo)) == []  # a plain scan of the checkout uses its own file


def test_cli_range_reads_base_and_reports_the_change_in_sarif(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("initial", {"README.md": "hello\n"})
    repo.git("checkout", "-q", "-b", "pr")
    repo.commit("leak", {"app.py": f"T = '{TOKEN}'\n",
                         ".gitleaksignore": "app.py:github-pat:1\n"})
    proc = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--range", "main..pr",
                           "--format", "sarif"], cwd=repo.path, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["github-pat", "leakwarden-config-change"]
    change = next(r for r in results if r["ruleId"] == "leakwarden-config-change")
    assert change["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".gitleaksignore"
    assert "read from main" in proc.stderr
    trusted = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--range", "main..pr",
                              "--trust-range-config", "--format", "sarif"],
                             cwd=repo.path, capture_output=True, text=True)
    assert trusted.returncode == 0, trusted.stderr
    # Trusted or not, what the ignore file hid is in the log, marked external.
    (hidden,) = json.loads(trusted.stdout)["runs"][0]["results"]
    assert hidden["suppressions"][0]["kind"] == "external"
    assert ".gitleaksignore:1" in hidden["suppressions"][0]["justification"]


def test_pyproject_changes_outside_the_table_are_not_reported(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("initial", {"pyproject.toml": '[project]\nname = "x"\n'})
    repo.git("checkout", "-q", "-b", "pr")
    repo.commit("bump", {"pyproject.toml": '[project]\nname = "x"\nversion = "2"\n'})
    assert run(repo, range="main..pr").findings == []


# -- every suppression accounted for -----------------------------------------------------

def test_inline_markers_are_listed_and_strict_mode_ignores_them(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("marked", {"a.py": f"A = '{TOKEN}'  # leakwarden:allow\n"})
    result = run(repo)
    assert result.findings == [] and result.exit_code == 0
    (item,) = result.suppressed
    assert (item.kind, item.by, item.finding.path) == ("inline", "leakwarden:allow on line 1", "a.py")
    assert json.loads(json.dumps(result.to_dict()))["suppressed"][0]["suppressed_by"]["kind"] == "inline"
    strict = run(repo, inline_allow=False)
    assert rules(strict) == [("github-pat", "a.py")] and strict.suppressed == []
    proc = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--format", "sarif"],
                          cwd=repo.path, capture_output=True, text=True)
    assert proc.returncode == 0
    (hidden,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert hidden["suppressions"][0]["kind"] == "inSource"
    text = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1"], cwd=repo.path,
                          capture_output=True, text=True).stdout
    assert "suppressed 1 finding(s)" in text and "a.py:1" in text and TOKEN not in text
    assert subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--no-inline-allow"],
                          cwd=repo.path, capture_output=True).returncode == 1


@pytest.mark.parametrize("allowlist, by", [
    ("[[allowlists]]\nstopwords = ['{stop}']\n", ".leakwarden.toml allowlists[0]"),
    ("[[allowlists]]\nstopwords = ['zz-unused']\n[[allowlists]]\nregexTarget = 'line'\n"
     "regexes = ['^TOKEN = ']\n", ".leakwarden.toml allowlists[1]"),
    ("[[allowlists]]\npaths = ['^app[.]py$']\n", ".leakwarden.toml allowlists[0]"),
])
def test_config_allowlists_are_listed_as_suppressions(tmp_path, allowlist, by):
    # A team's allowlist is its own decision, but what it hid is listed in
    # every format, by the file and table that hid it, as a marker is.
    repo = GitRepo(tmp_path / "repo")
    content = allowlist.replace("{stop}", TOKEN[4:12])
    repo.commit("c", {"app.py": f"TOKEN = '{TOKEN}'\n", ".leakwarden.toml": content})
    result = run(repo)
    assert result.findings == [] and result.exit_code == 0
    (item,) = result.suppressed
    assert (item.kind, item.by, item.finding.rule, item.finding.path) == (
        "allowlist", by, "github-pat", "app.py")
    proc = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--format", "sarif"],
                          cwd=repo.path, capture_output=True, text=True)
    assert proc.returncode == 0
    (hidden,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert hidden["suppressions"][0]["kind"] == "external"
    assert by in hidden["suppressions"][0]["justification"]
    report = json.loads(subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--format", "json"],
                                       cwd=repo.path, capture_output=True, text=True).stdout)
    assert [s["suppressed_by"] for s in report["suppressed"]] == [{"kind": "allowlist", "by": by}]
    text = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1"], cwd=repo.path,
                          capture_output=True, text=True).stdout
    assert "suppressed 1 finding(s)" in text and by in text and TOKEN not in text


@pytest.mark.parametrize("name, content, said", [
    (".leakwarden.toml", 'disable_rules = ["github-pat"]\n', ".leakwarden.toml turns off 1 rule(s): github-pat"),
    ("pyproject.toml", '[tool.leakwarden]\nenable_rules = ["age-secret-key"]\n', "pyproject.toml [tool.leakwarden] turns off "),
])
def test_rules_turned_off_by_the_project_are_announced(tmp_path, name, content, said):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("c", {"app.py": f"TOKEN = '{TOKEN}'\n", name: content})
    assert any(n.startswith(said) for n in prepare_scan(repo.path, jobs=1).notices)
    proc = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1"], cwd=repo.path,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and said in proc.stderr


@pytest.mark.parametrize("line, silenced", [
    ("A = '{t}'  # leakwarden:allow\n", True),
    ("A = '{t}'  // gitleaks:allow\n", True),
    ("A = '{t}'  # pragma: allowlist secret\n", True),
    ("A = '{t}'  # xleakwarden:allowx\n", False),         # not a whole word
    ("A = '{t}'  # leakwarden:allowed\n", False),
    ("A = '{t}'  + 'leakwarden:allow'\n", False),          # not in a comment
    ("A = '{t}'\r# leakwarden:allow\n", False),            # a bare CR starts a new line
    ("A = '{t}'\u2028# leakwarden:allow\n", False),        # so does U+2028
    ("# leakwarden:allow\nA = '{t}'\n", False),            # the line before is not this line
    ("var a='{t}';" + "x" * 500 + "// leakwarden:allow\n", False),  # minified: nothing
])
def test_inline_marker_rules(tmp_path, line, silenced):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("c", {"a.js": line.format(t=TOKEN)})
    result = run(repo)
    assert (result.findings == []) is silenced, line
    assert (len(result.suppressed) == 1) is silenced


def test_one_marker_silences_only_its_own_line(tmp_path):
    other = FAKE.github_token()
    repo = GitRepo(tmp_path / "repo")
    repo.commit("c", {"a.py": f"A = '{TOKEN}'  # leakwarden:allow\nB = '{other}'\n"})
    result = run(repo)
    assert [f.line for f in result.findings] == [2]
    assert [s.finding.line for s in result.suppressed] == [1]


# -- skipped is never clean ---------------------------------------------------------------

def test_padding_past_the_size_limit_does_not_hide_a_token(tmp_path, monkeypatch):
    from scanner.sources import large_blob

    # Small windows so the test stays small: a window boundary falls inside
    # the token, which the overlap must still see whole, exactly once.
    monkeypatch.setattr(large_blob, "MIN_STREAM_SIZE", 1024)
    monkeypatch.setattr(large_blob, "WINDOW", 4096)
    monkeypatch.setattr(large_blob, "OVERLAP", 512)
    padding = ("x" * 99 + "\n") * 40 + "y" * 80  # the token starts at 4080
    body = padding + f"T = '{TOKEN}'\n" + ("z" * 99 + "\n") * 100
    repo = GitRepo(tmp_path / "repo")
    repo.commit("padded", {"big.txt": body, ".leakwarden.toml": 'max_blob_size = "1"\n'})
    result = run(repo)
    (finding,) = [f for f in result.findings if f.rule == "github-pat"]
    start = body.index(TOKEN)
    assert finding.span == (start, start + len(TOKEN)) and finding.line == 41
    assert result.stats.blobs_windowed == 1 and result.stats.skipped_too_large == 0
    assert result.exit_code == 1 and result.complete
    files = run(repo, no_git=True)  # plain files stream the same way
    assert [f.span for f in files.findings if f.rule == "github-pat"] == [finding.span]


@pytest.mark.parametrize("mode", ["history", "range", "files", "windowed"])
def test_a_nul_byte_does_not_make_a_text_file_unscanned(tmp_path, monkeypatch, mode):
    # git calls a blob with a NUL in its first 8000 bytes "binary"; a scanner
    # that skips such blobs can be silenced by one NUL at the top of a file.
    from scanner.sources import large_blob

    monkeypatch.setattr(large_blob, "MIN_STREAM_SIZE", 1024)
    body = b"\0" + b"# data\n" * 300 + f"T = '{TOKEN}'\n".encode()
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"README": "hello\n"})
    repo.git("branch", "-M", "main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.commit("nul", {"app.cfg": body})
    options: dict[str, object] = {
        "history": {}, "range": {"range": "main..pr"}, "files": {"no_git": True},
        "windowed": {"max_blob_size": 1024}}[mode]
    result = run(repo, **options)
    assert [(f.rule, f.path) for f in result.findings] == [("github-pat", "app.cfg")]
    assert result.stats.skipped_binary == 0 and result.exit_code == 1 and result.complete


def test_a_blob_that_cannot_be_read_whole_makes_the_scan_incomplete(tmp_path, monkeypatch):
    from scanner.sources import large_blob

    monkeypatch.setattr(large_blob, "MIN_STREAM_SIZE", 1024)
    repo = GitRepo(tmp_path / "repo")
    repo.commit("big", {"big.txt": "x" * 5000 + f"\nT = '{TOKEN}'\n"})

    def broken(git_dir, oid, size, **kwargs):  # noqa: ANN001, ANN202 - a stream that fails
        yield 0, b"x" * 100, False
        raise large_blob.StreamError("cannot read large blob: pipe closed")

    monkeypatch.setattr(large_blob, "blob_windows", broken)
    result = run(repo, max_blob_size=1024)
    assert result.exit_code == 2 and [e.kind for e in result.errors] == ["read-error"]
    from scanner.report.sarif import sarif_dict

    invocation = sarif_dict(result)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "pipe closed" in invocation["toolExecutionNotifications"][0]["message"]["text"]


# -- commit and tag messages --------------------------------------------------------------

def test_tokens_in_messages_and_author_fields_are_found_and_never_shown(tmp_path):
    in_subject, in_author, in_tag = FAKE.github_token(), FAKE.github_token(), FAKE.github_token()
    repo = GitRepo(tmp_path / "repo")
    repo.commit(f"deploy with {in_subject}", {"app.py": f"T = '{TOKEN}'\n"},
                author=f"Mallory {in_author} <m@example.test>")
    repo.git("tag", "-a", "v1", "-m", f"release key {in_tag}")
    result = run(repo)
    by_source = sorted((f.source, f.rule) for f in result.findings)
    assert by_source == [("commit-message", "github-pat"), ("commit-message", "github-pat"),
                         ("git", "github-pat"), ("tag-message", "github-pat")]
    tag = next(f for f in result.findings if f.source == "tag-message")
    assert tag.path == "<tag v1>"
    # The spans re-read from the object database, as a blob's do.
    from scanner.secrets import read_secret

    assert {read_secret(repo.path, f.blob, f.span).decode() for f in result.findings} == \
        {TOKEN, in_subject, in_author, in_tag}
    clear = {in_subject, in_author, in_tag, TOKEN}
    from scanner.report import render
    from scanner.report.text_report import render_text

    outputs = {fmt: render(fmt, result, str(repo.path))
               for fmt in ("json", "sarif", "markdown", "html", "junit", "github")}
    outputs["text"] = render_text(result)
    for fmt, text in outputs.items():
        assert not any(secret in text for secret in clear), fmt
    file_finding = next(f for f in result.findings if f.source == "git")
    assert file_finding.summary.startswith("deploy with gh") and "*" in file_finding.summary
    assert "*" in file_finding.author
    # The org-scan state stores findings as they are: redacted too.
    from scanner.state.db import StateFile
    from scanner.state.orgscan import OrgScanStore, RepoScanRecord

    state = StateFile(tmp_path / "state.sqlite3")
    OrgScanStore(state).commit("org", RepoScanRecord(
        repo="org/repo", status="failed", findings=tuple(result.findings)),
        "2026-01-01T00:00:00Z")
    state.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("state.sqlite3*"))
    assert not any(secret.encode() in stored for secret in clear)


def test_range_scans_only_the_range_commits_messages(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit(f"old {FAKE.github_token()}", {"README.md": "x\n"})
    repo.git("checkout", "-q", "-b", "pr")
    new = FAKE.github_token()
    repo.commit(f"new {new}", {"README.md": "y\n"})
    (finding,) = run(repo, range="main..pr").findings
    assert finding.source == "commit-message" and finding.commit == repo.head()


# -- secret hashes keyed per repository ---------------------------------------------------

def test_secret_hashes_are_keyed_by_the_repository(tmp_path):
    from scanner.secrets import secret_hash

    one = GitRepo(tmp_path / "one")
    one.commit("a", {"app.py": f"T = '{TOKEN}'\n"})
    other = GitRepo(tmp_path / "other")
    other.clock += 7  # another repository: another root commit
    other.commit("b", {"app.py": f"T = '{TOKEN}'\n"})
    first = [f.to_dict() for f in run(one).findings]
    # Deterministic for the repository: the same on every run and in a clone.
    assert json.dumps([f.to_dict() for f in run(one).findings], sort_keys=True) == \
        json.dumps(first, sort_keys=True)
    subprocess.run(["git", "clone", "-q", str(one.path), str(tmp_path / "clone")], check=True)
    clone = prepare_scan(tmp_path / "clone", jobs=1)
    assert [f.secret_hash for f in scan(clone.path, clone.options).findings] == \
        [first[0]["secret_hash"]]
    # Not computable from the secret alone, and not the same in another repository.
    public = secret_hash("github-pat", TOKEN.encode())
    assert first[0]["secret_hash"] != public
    assert run(other).findings[0].secret_hash != first[0]["secret_hash"]


def test_a_v1_ignore_entry_hides_nothing_and_says_what_replaces_it(tmp_path):
    from scanner.secrets import secret_hash

    repo = GitRepo(tmp_path / "repo")
    public = secret_hash("github-pat", TOKEN.encode())  # what an outsider computes
    repo.commit("a", {"app.py": f"T = '{TOKEN}'\n", ".leakwardenignore": f"*:github-pat:{public}\n"})
    proc = subprocess.run([LEAKWARDEN, "scan", ".", "-j", "1", "--format", "json"],
                          cwd=repo.path, capture_output=True, text=True)
    assert proc.returncode == 1
    (finding,) = json.loads(proc.stdout)["findings"]
    assert ".leakwardenignore:1: entry uses the v1 secret hash" in proc.stderr
    assert f"app.py:github-pat:{finding['secret_hash']}" in proc.stderr
    repo.commit("migrate", {".leakwardenignore": f"app.py:github-pat:{finding['secret_hash']}\n"})
    assert run(repo).findings == []


def test_the_shipped_action_judges_a_pull_request_by_its_base(tmp_path):
    """The composite action's own scan script, run on a pull request that
    adds a token, an ignore entry for it and a baseline entry for it."""
    import os

    import yaml

    root = Path(__file__).resolve().parents[2]
    steps = yaml.safe_load((root / "action.yml").read_text())["runs"]["steps"]
    script = next(s for s in steps if s.get("id") == "scan")["run"]
    repo = GitRepo(tmp_path / "repo")
    repo.commit("initial", {"README.md": "x\n", ".leakwarden-baseline.json": '{"findings": []}'})
    base = repo.head()
    repo.git("checkout", "-q", "-b", "pr")
    repo.commit("leak", {"app.py": f"T = '{TOKEN}'\n"})
    accepted = run(repo, range="main..pr", trust_range_config=True)
    repo.commit("accept it", {".leakwarden-baseline.json": json.dumps(accepted.to_dict()),
                              ".gitleaksignore": "app.py:github-pat:1\n"})
    out = tmp_path / "github_output"
    env = dict(os.environ, BASE=base, HEAD_SHA=repo.head(), BASELINE=".leakwarden-baseline.json",
               SARIF=str(tmp_path / "out.sarif"), ANNOTATIONS="false", TRUST_RANGE_CONFIG="false",
               INLINE_ALLOW="true", GITHUB_OUTPUT=str(out), RUNNER_TEMP=str(tmp_path),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    subprocess.run(["bash", "-e", "-c", script], cwd=repo.path, env=env, check=True,
                   capture_output=True)
    assert "exit-code=1" in out.read_text()
    results = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]
    assert sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                  for r in results if "suppressions" not in r) == [
        ("github-pat", "app.py"), ("leakwarden-config-change", ".gitleaksignore")]


def test_a_nul_or_a_signature_block_in_a_commit_object_hides_nothing(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("initial", {"README.md": "x\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}")
    hidden, in_sig = FAKE.github_token(), FAKE.github_token()
    raw = (f"tree {tree}\nauthor A <a@example.test> 1700000000 +0000\n"
           f"committer A <a@example.test> 1700000000 +0000\n"
           f"gpgsig -----BEGIN PGP SIGNATURE-----\n {'Q' * 64}\n {in_sig}\n"
           f" -----END PGP SIGNATURE-----\n\nsubject\n\0binary? {hidden}\n").encode()
    oid = repo.git("hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=raw)
    repo.git("update-ref", "refs/heads/hostile", oid)
    found = sorted(f.secret for f in run(repo, redact=False).findings)
    assert found == sorted([hidden, in_sig])
