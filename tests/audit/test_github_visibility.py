"""Merging change sources and turning changes into exposure start times."""

from __future__ import annotations

from scanner.audit.exposure import exposed_since
from scanner.audit.policy import VisibilityPolicy, load_policy
from scanner.audit.visibility import VisibilityChange, detect_changes, public_intervals
from scanner.github.client import AuditEntry, PublicEventInfo, RepoInfo
from scanner.state.audit import VisibilitySnapshot


def info(name, visibility):
    return RepoInfo(name, visibility, False, False, f"http://x/{name}.git")


def snap(name, visibility, last_seen="2026-01-01T00:00:00Z"):
    return VisibilitySnapshot(name, visibility, False, False, last_seen, last_seen, last_seen)


NOW = "2026-01-10T00:00:00Z"


def test_audit_log_wins_over_the_event_and_snapshot_for_the_same_flip():
    changes = detect_changes(
        [info("acme/a", "public")],
        {"acme/a": snap("acme/a", "private")},
        NOW,
        [AuditEntry("acme/a", "public", "private", "2026-01-05T12:00:00Z", "mallory")],
        [PublicEventInfo("acme/a", "2026-01-05T12:00:01Z", "mallory")],
    )
    assert [(c.source, c.at, c.actor) for c in changes] == [("audit-log", "2026-01-05T12:00:00Z", "mallory")]


def test_event_takes_the_from_visibility_from_the_snapshot():
    changes = detect_changes(
        [info("acme/a", "public")], {"acme/a": snap("acme/a", "internal")}, NOW, [],
        [PublicEventInfo("acme/a", "2026-01-05T12:00:00Z", "eve"), PublicEventInfo("acme/a", "2026-01-05T12:00:00Z", "eve")],
    )
    assert [(c.source, c.from_visibility, c.to_visibility) for c in changes] == [("events", "internal", "public")]


def test_snapshot_alone_gives_a_window_both_ways():
    changes = detect_changes(
        [info("acme/a", "public"), info("acme/b", "private"), info("acme/new", "public")],
        {"acme/a": snap("acme/a", "private"), "acme/b": snap("acme/b", "public")},
        NOW,
    )
    assert [c.to_dict() for c in changes] == [
        {"repo": "acme/a", "from": "private", "to": "public", "window": {"after": "2026-01-01T00:00:00Z", "before": NOW},
         "actor": None, "source": "snapshot", "new": False},
        {"repo": "acme/b", "from": "public", "to": "private", "window": {"after": "2026-01-01T00:00:00Z", "before": NOW},
         "actor": None, "source": "snapshot", "new": False},
    ]


def test_an_old_audit_entry_does_not_explain_a_newer_snapshot_change():
    changes = detect_changes(
        [info("acme/a", "public")],
        {"acme/a": snap("acme/a", "private", last_seen="2026-01-08T00:00:00Z")},
        NOW,
        [AuditEntry("acme/a", "public", "private", "2025-12-01T00:00:00Z", "old")],
    )
    assert sorted(c.source for c in changes) == ["audit-log", "snapshot"]


def ch(frm, to, at=None, after=None, before=None):
    return VisibilityChange("acme/a", frm, to, "x", at=at, window_after=after, window_before=before)


def test_public_intervals_and_exposure_start():
    flip = "2026-01-05T00:00:00Z"
    back = "2026-01-08T00:00:00Z"
    intervals = public_intervals([ch("private", "public", at=flip), ch("public", "private", at=back)], public_now=False)
    assert intervals == [(flip, back)]
    # committed two weeks before the flip: exposed from the flip
    assert exposed_since("2025-12-22T00:00:00Z", intervals) == (flip, flip)
    # committed while public: exposed from the commit
    assert exposed_since("2026-01-06T00:00:00Z", intervals) == ("2026-01-06T00:00:00Z", flip)
    # committed after it went private again: never exposed
    assert exposed_since("2026-01-09T00:00:00Z", intervals) is None
    # a window counts from its earliest end, so exposure is never understated
    windowed = public_intervals([ch("private", "public", after="2026-01-01T00:00:00Z", before=flip)], public_now=True)
    assert windowed == [("2026-01-01T00:00:00Z", None)]
    # public with no recorded change (a policy violation): exposed since the commit
    assert exposed_since("2025-06-01T00:00:00Z", public_intervals([], public_now=True)) == ("2025-06-01T00:00:00Z", None)


def test_policy_globs_match_name_and_full_name(tmp_path):
    policy = VisibilityPolicy(("infra-*", "acme/vault"))
    assert policy.violated_by("acme/infra-prod", "public") == "infra-*"
    assert policy.violated_by("acme/Vault", "public") == "acme/vault"
    assert policy.violated_by("other/vault", "public") is None
    assert policy.violated_by("acme/infra-prod", "private") is None
    config = tmp_path / "leakwarden.toml"
    config.write_text('[github]\nmust_stay_private = ["secrets-*"]\n')
    assert load_policy(["infra-*"], config).must_stay_private == ("infra-*", "secrets-*")
