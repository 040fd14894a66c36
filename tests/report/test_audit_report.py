"""The one-off audit: a self-contained HTML report rendered by a real
headless Chromium, and markdown for tickets. Both redacted, with provenance
and whether each secret is still in HEAD."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=99)
LEAKWARDEN = str(Path(sys.executable).parent / "leakwarden")


def _chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    assert browser and driver, "Debian packages chromium and chromium-driver are required (.ci/run installs them)"
    return browser, driver


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A history where one secret was removed, one is still in HEAD and one was
    edited around; the HTML and markdown reports of its full scan."""
    repo = GitRepo(tmp_path_factory.mktemp("audit") / "repo")
    gone, kept = FAKE.aws_key_id(), FAKE.github_token()
    repo.commit("initial", {"README.md": "hello\n"})
    removed_sha = repo.commit("add deploy creds", {"deploy.env": f"AWS_ACCESS_KEY_ID={gone}\n"},
                              author="Dana Ops <dana@corp.test>")
    (repo.path / "deploy.env").unlink()
    repo.commit("remove deploy creds")
    kept_sha = repo.commit("ci <script>alert(1)</script> & friends",
                           {"ci/settings.py": f"TOKEN = '{kept}'\n"}, author="Eve Ops <eve@corp.test>")
    repo.commit("edit around it", {"ci/settings.py": f"# header\nTOKEN = '{kept}'\n"})
    out = repo.path.parent
    for fmt in ("html", "markdown", "json"):
        proc = subprocess.run([LEAKWARDEN, "scan", str(repo.path), "--jobs", "1", "--format", fmt,
                               "-o", str(out / f"report.{fmt}")], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 1, proc.stderr
    return {"repo": repo, "gone": gone, "kept": kept, "removed_sha": removed_sha,
            "kept_sha": kept_sha, "dir": out}


def test_json_carries_in_head(audited):
    findings = json.loads((audited["dir"] / "report.json").read_text())["findings"]
    state = {(f["path"], f["commit"]): f["in_head"] for f in findings}
    assert state == {
        ("deploy.env", audited["removed_sha"]): False,
        ("ci/settings.py", audited["kept_sha"]): True,  # first version: blob changed, secret still there
        ("ci/settings.py", audited["repo"].head()): True,
    }


def test_html_renders_in_headless_chromium(audited):
    html_path = audited["dir"] / "report.html"
    source = html_path.read_text()
    assert audited["gone"] not in source and audited["kept"] not in source
    assert "<script>" not in source  # the commit message is escaped, and the report has no scripts
    assert "http://" not in source.replace("http-equiv", "") and "https://" not in source
    browser, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.get(html_path.as_uri())
        assert driver.title.startswith("leakwarden report")
        summary = driver.find_element(By.ID, "summary").text
        assert "3\nfindings" in summary and "2\nstill in HEAD" in summary
        by_rule = driver.find_element(By.ID, "by-rule").text
        # worst severity first; CSS upper-cases the severity badge
        assert by_rule.splitlines()[1:] == [
            "CRITICAL github-pat GitHub personal access token (classic) 2",
            "HIGH aws-access-key-id AWS access key ID (long-term AKIA, temporary ASIA, ABIA/ACCA) 1"]
        # one row per distinct secret, ordered by when it entered history
        rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")]
        assert len(rows) == 2
        assert "deploy.env" in rows[0] and "history only" in rows[0] and "AK**" in rows[0]
        assert "Dana Ops" in rows[0]
        assert "ci/settings.py" in rows[1] and "still in HEAD" in rows[1] and "Eve Ops" in rows[1]
        assert audited["kept_sha"][:12] in rows[1]
        findings = driver.find_elements(By.CSS_SELECTOR, "#findings section.finding")
        assert len(findings) == 3
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "ci <script>alert(1)</script> & friends" in text  # shown as text, not run
        assert audited["removed_sha"] in text and "dana@corp.test" in text
        assert audited["gone"] not in text and audited["kept"] not in text
        # it laid out (not a blank page): the summary cards have width
        card = driver.find_element(By.CSS_SELECTOR, "#summary .card")
        assert card.size["width"] > 50
        driver.save_screenshot(str(audited["dir"] / "report.png"))
    finally:
        driver.quit()
    assert (audited["dir"] / "report.png").stat().st_size > 10_000


def test_markdown_for_tickets(audited):
    md = (audited["dir"] / "report.markdown").read_text()
    assert md.startswith("# leakwarden report")
    assert "| high | `aws-access-key-id` |" in md
    assert "history only" in md and "still in HEAD" in md
    assert audited["gone"] not in md and audited["kept"] not in md
    assert audited["gone"][:2] + "*" in md
    assert "ci <script>alert(1)</script> & friends" in md and "Eve Ops" in md
    assert md.count("\n### ") == 3
