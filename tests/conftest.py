import os
import tempfile

import pytest

# Keep the compiled-rules cache out of the user's home while testing.
os.environ.setdefault("LEAKWARDEN_CACHE_DIR", tempfile.mkdtemp(prefix="leakwarden-cache-"))

from tests.support.gitrepo import GitRepo  # noqa: E402 - after the cache is moved


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    """A git repository with one commit (a README) for a test to add its own to.
    A module that needs a different first commit defines its own ``repo``."""
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", {"README.md": "hello\n"})
    return r
