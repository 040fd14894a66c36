"""Files a hostile party can predict or name: ticket files (their ids derive
from public key ids) and mirror paths (built from repository names the API
returns)."""

from __future__ import annotations

import pytest

from scanner.github.mirror import MirrorError, mirror_path, valid_full_name
from scanner.tickets import DirDestination, tickets_from_report
from tests.tickets.test_tickets_dir import _report


@pytest.mark.parametrize("suffix", [".md", ".json", ".md.tmp", ".json.tmp"])
def test_planted_symlink_is_neither_followed_nor_overwritten(tmp_path, suffix):
    out = tmp_path / "tickets"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    [ticket] = tickets_from_report(_report())
    (out / f"{ticket.ticket_id}{suffix}").symlink_to(victim)
    outcomes = DirDestination(out).send([ticket])
    assert victim.read_text() == "precious\n"
    if suffix.endswith(".tmp"):  # the old predictable temp name: now unused
        assert [o.action for o in outcomes] == ["created"]
        assert not (out / f"{ticket.ticket_id}.md").is_symlink()
    else:
        assert [o.action for o in outcomes] == ["error"] and "symlink" in outcomes[0].message
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]


@pytest.mark.parametrize("name", ["acme/../../etc", "../x", "acme/..", "acme/.", "acme/a/b", "/abs/x",
                                  "acme/x\n", "acme", "acme/", "/x", "acme/x\x1b[2J", "../../tmp/x"])
def test_repository_names_from_the_api_are_checked(tmp_path, name):
    assert not valid_full_name(name)
    with pytest.raises(MirrorError):
        mirror_path(tmp_path / "mirrors", name)


@pytest.mark.parametrize("name", ["acme/app", "Acme-Org/app.js", "a_b/.github", "x/y-z.git2"])
def test_ordinary_names_still_map_under_the_mirrors(tmp_path, name):
    path = mirror_path(tmp_path / "mirrors", name)
    assert path.resolve().is_relative_to((tmp_path / "mirrors").resolve())
