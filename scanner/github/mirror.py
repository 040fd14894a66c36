"""Bare mirror clones kept up to date, authenticated without leaving the token anywhere.

The token travels as an HTTP ``Authorization`` header set through git's
``GIT_CONFIG_COUNT`` environment (scoped to the clone URL's origin), so it is
never in a URL, a git config file, a process argument or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import signal
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scanner.procs import child_env, set_pdeathsig


class MirrorError(Exception):
    """A clone or fetch failed; the message is safe to show (token scrubbed)."""


@dataclass(frozen=True)
class MirrorResult:
    path: Path
    action: str  # "cloned" or "fetched"


# What GitHub allows in an owner or repository name. Checked before a name
# from the API becomes a path: "../../x", "a/b/c", "..", an absolute path or
# a control character must not reach outside --mirrors.
_NAME_PART = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def valid_full_name(full_name: str) -> bool:
    """``owner/name`` as GitHub spells them: one slash, no dot-only parts."""
    owner, sep, name = full_name.partition("/")
    return bool(sep) and all(
        _NAME_PART.fullmatch(part) is not None and part.strip(".") != "" for part in (owner, name))


def name_refusal(full_name: str) -> str | None:
    """Why ``full_name`` may not become a mirror path, or None for a GitHub name."""
    if valid_full_name(full_name):
        return None
    return f"refusing repository name {full_name!r}: not owner/name as GitHub allows"


def mirror_path(mirrors_dir: str | Path, full_name: str) -> Path:
    """Where ``owner/name``'s bare mirror lives; MirrorError for a name that is
    not a GitHub name (it comes from an API answer, which is input too)."""
    refusal = name_refusal(full_name)
    if refusal:
        raise MirrorError(refusal)
    owner, _, name = full_name.partition("/")
    return Path(mirrors_dir) / owner / f"{name}.git"


def git_auth_env(clone_url: str, token: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for git that authenticates to ``clone_url``'s origin only.

    GitHub takes a token as the password of HTTP basic auth (any user name).
    Scoping ``http.<origin>/.extraHeader`` keeps a redirect to another host
    from receiving it.
    """
    # Only the header below authenticates: the credential variables this
    # process was started with stay out of git's environment.
    env = child_env(base)
    # Never prompt: a missing or wrong token must fail, not hang a nightly run.
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_ASKPASS", None)
    env.pop("SSH_ASKPASS", None)
    keys: list[tuple[str, str]] = [("credential.helper", "")]
    if token:
        parts = urlsplit(clone_url)
        origin = f"{parts.scheme}://{parts.netloc}/"
        keys.append((f"http.{origin}.extraHeader", f"Authorization: Basic {_basic(token)}"))
    start = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    for i, (key, value) in enumerate(keys, start=start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(keys))
    return env


def _basic(token: str) -> str:
    """The token as HTTP basic credentials, the way git and ``advertised_refs`` present it."""
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()


def scrub(text: str, token: str | None) -> str:
    if token:
        for form in (token, _basic(token)):
            text = text.replace(form, "***")
    return text


def _end_with_parent() -> None:
    # In the forked git child, before exec: a clone carries the token in its
    # environment, so it must not run on after the worker that started it.
    set_pdeathsig(signal.SIGKILL)


def _run(args: list[str], env: dict[str, str], token: str | None, timeout: float) -> None:
    verb = next((a for a in args[1:] if a in ("clone", "fetch")), args[1])
    try:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_end_with_parent)
    except subprocess.TimeoutExpired:
        raise MirrorError(f"git {verb} timed out after {timeout:.0f}s") from None
    if proc.returncode != 0:
        detail = scrub(proc.stderr.strip(), token).splitlines()
        raise MirrorError(f"git {verb} failed: {' / '.join(detail[-3:]) or f'exit {proc.returncode}'}")


def refs_digest(git_dir: str | Path) -> str:
    """A digest of every ref and the object it points at: equal digests, equal history."""
    lines = "".join(f"{oid} {ref}\n" for ref, oid in read_tips(git_dir).items())
    return hashlib.sha256(lines.encode()).hexdigest()[:32]


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
    # Protocol v0 for mirrors: its one GET advertises every ref, and a mirror
    # wants every ref anyway, so an up-to-date fetch ends there; v2 always adds
    # an ls-refs POST (a no-op fetch takes about a third of the time on loopback).
    v0 = ["-c", "protocol.version=0"]
    if (dest / "HEAD").exists():
        _run(["git", *v0, "-C", str(dest), "fetch", "--prune", "--quiet", "origin"], env, token, timeout)
        return MirrorResult(dest, "fetched")
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Clone beside the target and rename, so a killed clone never looks like a mirror.
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _run(["git", *v0, "clone", "--mirror", "--quiet", clone_url, str(partial)], env, token, timeout)
    except MirrorError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(dest)
    return MirrorResult(dest, "cloned")


def classify_git_error(message: str, default: str) -> str:
    """A short kind for a failed clone/fetch, so reports and retries can tell them apart."""
    text = message.lower()
    if "timed out" in text:
        return "timeout"
    if "429" in text or "rate limit" in text:
        return "rate-limit"
    if any(s in text for s in ("corrupt", "bad object", "index-pack", "did not send all necessary",
                               "unable to read", "packfile", "fsck", "not a git repository")):
        return "corrupt"
    if "404" in text or "not found" in text:
        return "not-found"
    if "401" in text or "403" in text or "authentication" in text:
        return "auth"
    return default


def read_tips(git_dir: str | Path, timeout: float = 120.0) -> dict[str, str]:
    """Every ref of a mirror and the object it points at."""
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "for-each-ref", "--format=%(objectname) %(refname)"],
        capture_output=True, text=True, timeout=timeout, env=child_env(),
    )
    if proc.returncode != 0:
        raise MirrorError(f"cannot read refs: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    tips = {}
    for line in proc.stdout.splitlines():
        oid, _, ref = line.partition(" ")
        tips[ref] = oid
    return tips


def advertised_refs(clone_url: str, token: str | None, timeout: float = 30.0) -> dict[str, str]:
    """The refs the server advertises (smart HTTP, protocol v0), read without git.

    This is the first request of every fetch; asking it alone, in process,
    tells a quiet night's unchanged repo apart without starting a git
    process at all. Raises ``OSError``/``ValueError`` on anything unexpected
    (the caller then simply fetches).
    """
    import requests

    headers = {"User-Agent": "git/leakwarden", "Accept": "*/*"}
    if token:
        headers["Authorization"] = f"Basic {_basic(token)}"
    url = clone_url.rstrip("/") + "/info/refs?service=git-upload-pack"
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise OSError(str(exc)) from None
    if response.status_code != 200 or b"service=git-upload-pack" not in response.content[:40]:
        raise ValueError(f"info/refs answered {response.status_code}")
    refs: dict[str, str] = {}
    data = response.content
    pos = 0
    while pos + 4 <= len(data):
        size = int(data[pos:pos + 4], 16)
        if size == 0:
            pos += 4
            continue
        line = data[pos + 4:pos + size].split(b"\0", 1)[0].rstrip(b"\n").decode()
        pos += size
        oid, _, ref = line.partition(" ")
        if ref.startswith("refs/") and not ref.endswith("^{}"):
            refs[ref] = oid
    if pos != len(data):
        raise ValueError("truncated ref advertisement")
    return refs


def only_moved_forward(git_dir: str | Path, old: Iterable[str], new: Iterable[str]) -> bool:
    """True when every old tip is still reachable from the new ones (no force
    push, no deleted branch), so walking new-since-old finds everything new and
    nothing old can have become unreachable."""
    old, new = sorted(set(old)), sorted(set(new))
    if not old:
        return True
    lines = "".join(f"{o}\n" for o in old) + "".join(f"^{n}\n" for n in new)
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-list", "-n", "1", "--stdin"],
        input=lines, capture_output=True, text=True, env=child_env(),
    )
    # An error (an old tip gc'd away, a tag of a tree) means: walk it all.
    return proc.returncode == 0 and not proc.stdout.strip()
