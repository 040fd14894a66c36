"""Mirror clones over smart HTTP: all refs, updates, and no token left behind."""

from __future__ import annotations

import subprocess

import pytest

from scanner.github.mirror import MirrorError, mirror_path, sync_mirror
from tests.support.github_server import GitHubServer, commit_files

TOKEN = "ghp_mirrortesttoken000000000000000000000"


def refs(path):
    out = subprocess.run(["git", "--git-dir", str(path), "show-ref"], capture_output=True, text=True).stdout
    return {line.split()[1]: line.split()[0] for line in out.splitlines()}


def test_clone_then_fetch_keeps_every_ref_and_no_token(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        repo = gh.state.add_repo("acme/app")
        first = commit_files(repo.git_dir, {"a.txt": "1"})
        commit_files(repo.git_dir, {"pr.txt": "closed pr"}, ref="refs/pull/3/head")
        dest = mirror_path(tmp_path / "mirrors", "acme/app")
        result = sync_mirror(gh.clone_url("acme/app"), dest, TOKEN)
        assert result.action == "cloned"
        assert refs(dest)["refs/heads/main"] == first
        assert "refs/pull/3/head" in refs(dest)
        second = commit_files(repo.git_dir, {"a.txt": "2"})
        assert sync_mirror(gh.clone_url("acme/app"), dest, TOKEN).action == "fetched"
        assert refs(dest)["refs/heads/main"] == second
        leftovers = [p for p in dest.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
        assert leftovers == []
        assert "x-access-token" not in (dest / "config").read_text()


def test_a_repo_deleted_before_cloning_fails_cleanly(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        gh.state.add_repo("acme/gone")
        url = gh.clone_url("acme/gone")
        gh.state.delete_repo("acme/gone")
        dest = mirror_path(tmp_path / "mirrors", "acme/gone")
        with pytest.raises(MirrorError) as exc:
            sync_mirror(url, dest, TOKEN)
        assert TOKEN not in str(exc.value)
        assert not dest.exists() and not dest.with_name("gone.git.partial").exists()


def test_a_wrong_token_fails_without_prompting(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        gh.state.add_repo("acme/app")
        with pytest.raises(MirrorError, match="clone failed"):
            sync_mirror(gh.clone_url("acme/app"), tmp_path / "m.git", "ghp_wrongtoken", timeout=30)
