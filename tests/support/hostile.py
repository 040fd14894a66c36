"""Repositories a hostile contributor could push: names and identities git's
porcelain would refuse, written as raw objects (``git mktree -z``,
``git hash-object -t commit``)."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GitRepo

ESC = "\x1b"
# A path that, printed raw on a CI log line, starts workflow commands of its own.
WORKFLOW_PATH = "config\n::warning file=x::pwned\n::stop-commands::tok3n\r\u2028.env"
ANSI_AUTHOR = f"Mallory {ESC}[2J{ESC}]8;;https://evil.test/{ESC}\\click{ESC}]8;;{ESC}\\ @octo-org/admins"
HTML_SUBJECT = ("<img src=x onerror=alert(1)> ![i](https://evil.test/p.png) [x](https://evil.test) "
                "@octo-org/admins | cell\n::error::pwned\x00\x07\x85")


def hostile_repo(path: Path, content: str, name: str = WORKFLOW_PATH, author: str = ANSI_AUTHOR,
                 subject: str = HTML_SUBJECT) -> GitRepo:
    """One commit on main holding ``content`` at ``name`` (any bytes but NUL and '/')."""
    repo = GitRepo(path)
    blob = repo.git("hash-object", "-w", "--stdin", input=content.encode())
    tree = repo.git("mktree", "-z", input=f"100644 blob {blob}\t{name}\0".encode())
    stamp = f"{repo.clock} +0000"
    raw = (f"tree {tree}\nauthor {author} <m{ESC}[31m@evil.test> {stamp}\n"
           f"committer {author} <m@evil.test> {stamp}\n\n{subject}\n\nbody\n")
    commit = repo.git("hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=raw.encode())
    repo.git("update-ref", "refs/heads/main", commit)
    return repo
