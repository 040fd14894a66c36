"""Where tickets go: ``dir:PATH``, ``-`` (stdout) or ``github:OWNER/REPO``.

Every destination is idempotent by ticket id: a rerun updates a ticket whose
content changed, leaves an identical one alone, and never makes a second one.
A failure with one ticket is reported as that ticket's outcome; the others
still go out.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from scanner.tickets.model import DestinationError, TicketOutcome
from scanner.tickets.read_secrets import SecretTicket, Ticket, outcome, parents_first
from scanner.tickets.render import render_json, render_markdown


class Destination(Protocol):
    def send(self, tickets: Sequence[Ticket]) -> list[TicketOutcome]: ...


@dataclass
class DirDestination:
    """A Markdown and a JSON file per ticket, named by ticket id."""

    path: Path

    def send(self, tickets: Sequence[Ticket]) -> list[TicketOutcome]:
        outcomes = []
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return [outcome(t, "error", str(self.path), f"cannot create: {exc}") for t in tickets]
        for ticket in parents_first(tickets):
            md_path = self.path / f"{ticket.ticket_id}.md"
            json_path = self.path / f"{ticket.ticket_id}.json"
            if isinstance(ticket, SecretTicket) and ticket.parent_ticket_id:
                # Linked when the parent's file is there (written now or before).
                parent = f"{ticket.parent_ticket_id}.md"
                ticket.parent = parent if (self.path / parent).is_file() else None
            files = {md_path: render_markdown(ticket), json_path: render_json(ticket)}
            try:
                # Ticket ids derive from public key ids, so anyone could plant
                # a symlink under the coming name: never write (or read)
                # through one.
                for file in files:
                    if file.is_symlink():
                        raise OSError(f"refusing to write through the symlink {file}")
                existed = md_path.exists() and json_path.exists()
                if existed and _stored_digest(json_path) == ticket.digest:
                    outcomes.append(outcome(ticket, "unchanged", str(md_path)))
                    continue
                for file, text in files.items():
                    _write_new_then_rename(file, text)
                outcomes.append(outcome(ticket, "updated" if existed else "created", str(md_path)))
            except OSError as exc:
                outcomes.append(outcome(ticket, "error", str(md_path), str(exc)))
        return outcomes


def _write_new_then_rename(file: Path, text: str) -> None:
    """Write a fresh temp file beside ``file`` (mkstemp: O_CREAT|O_EXCL, mode
    0600, a name nobody could predict and plant), then rename it over
    ``file``: a crash never leaves half a ticket, and a rename replaces a
    planted link rather than following it."""
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _stored_digest(path: Path) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, encoding="utf-8") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None  # unreadable or hand-edited: write it anew
    return data.get("digest") if isinstance(data, dict) else None


@dataclass
class StdoutDestination:
    """Markdown on stdout, tickets separated by a rule; nothing is kept."""

    stream: TextIO | None = None

    def send(self, tickets: Sequence[Ticket]) -> list[TicketOutcome]:
        stream = self.stream or sys.stdout
        ordered = parents_first(tickets)
        for index, ticket in enumerate(ordered):
            if index:
                stream.write("\n---\n\n")
            stream.write(render_markdown(ticket))
        stream.flush()
        return [outcome(t, "printed", "-") for t in ordered]


def parse_destination(text: str, github_url: str | None = None) -> Destination:
    """``dir:PATH``, ``-`` or ``github:OWNER/REPO`` (token from GITHUB_TOKEN or GH_TOKEN)."""
    if text == "-":
        return StdoutDestination()
    kind, sep, rest = text.partition(":")
    if sep and kind == "dir" and rest:
        return DirDestination(Path(rest))
    if sep and kind == "github" and rest:
        from scanner.tickets.github import GitHubDestination

        return GitHubDestination.from_env(rest, github_url)
    raise DestinationError(
        f"unknown ticket destination {text!r}; use dir:PATH, github:OWNER/REPO or - for stdout"
    )
