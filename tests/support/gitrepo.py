"""Build real git repositories for tests with the git CLI, deterministically."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitRepo:
    def __init__(self, path: Path, *, bare: bool = False) -> None:
        self.path = path
        self.clock = 1_700_000_000  # every commit one hour after the previous one
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main", *(["--bare"] if bare else []))
        self.git("config", "user.name", "Test Author")
        self.git("config", "user.email", "author@example.test")
        self.git("config", "commit.gpgsign", "false")

    def env(self) -> dict[str, str]:
        stamp = f"{self.clock} +0000"
        return dict(os.environ, GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp,
                    GIT_CONFIG_NOSYSTEM="1", HOME=str(self.path))

    def git(self, *args: str, check: bool = True, input: bytes | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, env=self.env(), input=input,
                              capture_output=True, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc.stdout.decode().strip()

    def write(self, relpath: str, content: str | bytes) -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        target.write_bytes(content)
        return target

    def commit(self, message: str, files: dict[str, str | bytes] | None = None,
               *, author: str | None = None) -> str:
        for relpath, content in (files or {}).items():
            self.write(relpath, content)
        self.git("add", "-A")
        self.clock += 3600
        extra = ["--author", author] if author else []
        self.git("commit", "-q", "--allow-empty", "-m", message, *extra)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def blob_id(self, rev: str, relpath: str) -> str:
        return self.git("rev-parse", f"{rev}:{relpath}")

    def fast_import(self, commits: list[dict[str, str]], branch: str = "main") -> None:
        """Many commits at once through ``git fast-import`` (milliseconds, not
        a process per commit): each dict is one commit's files."""
        out = []
        for n, files in enumerate(commits, 1):
            self.clock += 60
            out.append(f"commit refs/heads/{branch}\nmark :{n}\n"
                       f"author Bulk Author <bulk@example.test> {self.clock} +0000\n"
                       f"committer Bulk Author <bulk@example.test> {self.clock} +0000\n"
                       f"data <<EOM\ncommit {n}\nEOM\n")
            if n > 1:
                out.append(f"from :{n - 1}\n")
            else:
                parent = self.git("rev-parse", "--verify", "-q", f"refs/heads/{branch}", check=False)
                if parent:
                    out.append(f"from {parent}\n")
            for path, content in files.items():
                data = content.encode()
                out.append(f"M 100644 inline {path}\ndata {len(data)}\n")
                out.append(data.decode() + "\n")
        self.git("fast-import", "--quiet", input="".join(out).encode())
        if not self.git("rev-parse", "--is-bare-repository") == "true":
            self.git("reset", "-q", "--hard", branch)
