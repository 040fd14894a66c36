"""Bare mirror clones kept up to date, authenticated without leaving the token anywhere.

The token travels as an HTTP ``Authorization`` header set through git's
``GIT_CONFIG_COUNT`` environment (scoped to the clone URL's origin), so it is
never in a URL, a git config file, a process argument or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class MirrorError(Exception):
    """A clone or fetch failed; the message is safe to show (token scrubbed)."""


@dataclass(frozen=True)
class MirrorResult:
    path: Path
    action: str  # "cloned" or "fetched"


def mirror_path(mirrors_dir: str | Path, full_name: str) -> Path:
    owner, _, name = full_name.partition("/")
    return Path(mirrors_dir) / owner / f"{name}.git"


def git_auth_env(clone_url: str, token: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for git that authenticates to ``clone_url``'s origin only.

    GitHub takes a token as the password of HTTP basic auth (any user name).
    Scoping ``http.<origin>/.extraHeader`` keeps a redirect to another host
    from receiving it.
    """
    env = dict(os.environ if base is None else base)
    # Never prompt: a missing or wrong token must fail, not hang a nightly run.
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_ASKPASS", None)
    env.pop("SSH_ASKPASS", None)
    keys: list[tuple[str, str]] = [("credential.helper", "")]
    if token:
        parts = urlsplit(clone_url)
        origin = f"{parts.scheme}://{parts.netloc}/"
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        keys.append((f"http.{origin}.extraHeader", f"Authorization: Basic {basic}"))
    start = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    for i, (key, value) in enumerate(keys, start=start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(keys))
    return env


def scrub(text: str, token: str | None) -> str:
    if token:
        for form in (token, base64.b64encode(f"x-access-token:{token}".encode()).decode()):
            text = text.replace(form, "***")
    return text


def _run(args: list[str], env: dict[str, str], token: str | None, timeout: float) -> None:
    try:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise MirrorError(f"git {args[1]} timed out after {timeout:.0f}s") from None
    if proc.returncode != 0:
        detail = scrub(proc.stderr.strip(), token).splitlines()
        raise MirrorError(f"git {args[1]} failed: {' / '.join(detail[-3:]) or f'exit {proc.returncode}'}")


def refs_digest(git_dir: str | Path) -> str:
    """A digest of every ref and the object it points at: equal digests, equal history."""
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "for-each-ref", "--format=%(objectname) %(refname)"],
        capture_output=True,
        check=True,
    )
    return hashlib.sha256(proc.stdout).hexdigest()[:32]


def sync_mirror(
    clone_url: str,
    dest: str | Path,
    token: str | None,
    timeout: float = 900.0,
) -> MirrorResult:
    """Clone ``clone_url`` as a bare mirror at ``dest``, or fetch into it if it exists.

    A mirror's refspec is ``+refs/*:refs/*``: every branch, tag and
    ``refs/pull/*`` (which keep the objects of closed pull requests), pruned
    when they go away upstream.
    """
    dest = Path(dest)
    env = git_auth_env(clone_url, token)
    if (dest / "HEAD").exists():
        _run(["git", "-C", str(dest), "fetch", "--prune", "--quiet", "origin"], env, token, timeout)
        return MirrorResult(dest, "fetched")
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Clone beside the target and rename, so a killed clone never looks like a mirror.
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _run(["git", "clone", "--mirror", "--quiet", clone_url, str(partial)], env, token, timeout)
    except MirrorError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(dest)
    return MirrorResult(dest, "cloned")
