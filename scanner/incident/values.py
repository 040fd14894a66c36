"""The values an investigation and a containment run are made of.

An investigation is written as JSON (``investigate --format json``) and read
back by ``contain`` and ``tickets``, so its parts are ``TypedDict``s: typed
in the code, plain JSON objects on disk. Raw input read from files (a
CloudTrail record, a GuardDuty finding, a leakwarden report, a policy
document) stays a ``JSONObject`` (``scanner.model``'s) until it is picked apart.
"""

from __future__ import annotations

from typing import Literal, TypedDict

# A JSON object read from (or written to) a file: a CloudTrail record, a
# GuardDuty finding, a report, an IAM policy document. Re-exported: the
# incident modules take their types from here.
from scanner.model import JSONObject as JSONObject

Verdict = Literal["no activity", "legitimate only", "suspicious", "compromised"]
Origin = Literal["attacker", "legitimate"]
Seen = Literal["before exposure", "new after exposure", "AWS service"]
KeyKind = Literal["leaked", "created by the attacker"]
TimelineEvent = Literal[
    "committed", "repository public", "exposed", "first use from a new place", "role assumed",
    "session minted", "data read", "persistence", "detected", "contained",
]


# --- rows of the lineage queries (scanner.incident.lineage) -----------------------------


class CallRow(TypedDict):
    """One call made with a followed key (``CALLS_SQL``)."""

    event_time: str
    event_id: str | None
    access_key_id: str
    event_source: str | None
    event_name: str
    aws_region: str | None
    source_ip: str | None
    user_agent: str | None
    error_code: str | None
    user_name: str | None
    principal_arn: str | None
    identity_type: str | None
    account_id: str | None
    request_parameters: str | None
    response_elements: str | None


class MintedRow(TypedDict):
    """A credential handed out to a followed key (``MINTED_SQL``)."""

    event_time: str
    event_id: str | None
    event_name: str
    parent_key_id: str
    user_name: str | None
    aws_region: str | None
    source_ip: str | None
    user_agent: str | None
    error_code: str | None
    role_arn: str | None
    session_name: str | None
    federated_name: str | None
    new_key_id: str | None
    expiration: str | None
    assumed_role_id: str | None
    assumed_role_arn: str | None
    federated_user_id: str | None
    created_for_user: str | None


class ActivityRow(TypedDict):
    """Calls of one key grouped by service and action (``ACTIVITY_SQL``)."""

    access_key_id: str
    event_source: str | None
    event_name: str
    calls: int
    first_seen: str
    last_seen: str
    regions: list[str] | None
    errors: list[str] | None
    failed: int


class SameNameRow(TypedDict):
    """Another session of a role under the same session name (``SAME_NAME_SQL``)."""

    event_time: str
    parent_key_id: str | None
    source_ip: str | None
    new_key_id: str | None
    assumed_role_id: str | None


# --- the investigation ------------------------------------------------------------------


class LeakLocation(TypedDict, total=False):
    """Where a key sat: a report's finding or the org-scan state's."""

    repository: str | None
    commit: str | None
    path: str | None
    line: int | None
    author: str | None
    date: str | None
    exposed_since: str | None
    public_now: bool
    first_seen: str | None


class Place(TypedDict):
    """A source IP or user agent of a key, and whether it was known before the exposure."""

    value: str
    calls: int
    first_seen: str
    last_seen: str
    seen: Seen


class ActivityGroup(TypedDict):
    service: str
    action: str
    calls: int
    failed: int
    errors: list[str]
    first_seen: str
    last_seen: str
    regions: list[str]
    after_exposure: int


class Session(TypedDict):
    """A credential minted by a followed key: role session, session or federation token."""

    key_id: str
    parent_key_id: str
    via: str
    role_arn: str | None
    role_name: str | None
    session_name: str | None
    assumed_role_id: str | None
    assumed_role_arn: str | None
    user_name: str | None
    issued_at: str
    expires_at: str
    source_ip: str | None
    user_agent: str | None
    region: str | None
    depth: int
    followed: bool
    origin: Origin
    root_key_id: str
    activity: list[ActivityGroup]
    source_ips: list[Place]
    user_agents: list[Place]


class PersistenceEvent(TypedDict):
    """A call that leaves the attacker a way back in (keys, users, logins, policies)."""

    time: str
    action: str
    by_key_id: str
    source_ip: str | None
    from_new_place: bool
    # The request's target: userName, roleName, policyArn, accessKeyId, ...
    target: dict[str, str]


class DataRead(TypedDict, total=False):
    time: str
    service: str
    action: str
    by_key_id: str
    source_ip: str | None
    from_new_place: bool
    error: str | None
    flags: list[str]
    # S3 reads
    bucket: str | None
    key: str | None
    version_id: str | None
    # SSM, Secrets Manager, KMS
    resource: str | None


class KeyReport(TypedDict):
    """A leaked key (or one the attacker created), its verdict and why."""

    key_id: str
    kind: KeyKind
    user: str | None
    arn: str | None
    verdict: Verdict
    reasons: list[str]
    calls: int
    first_seen: str | None
    last_seen: str | None
    activity: list[ActivityGroup]
    source_ips: list[Place]
    user_agents: list[Place]
    leak_locations: list[LeakLocation]


class TimelineEntry(TypedDict):
    time: str
    event: TimelineEvent
    detail: str


class TargetSession(TypedDict):
    """An attacker session as containment needs it."""

    key_id: str
    assumed_role_id: str | None
    session_name: str | None
    issued_at: str
    expires_at: str
    source_ip: str | None
    ips: list[str]


class SharedSessionName(TypedDict):
    session_name: str | None
    assumed_role_id: str | None
    issued_at: str
    source_ip: str | None


class RoleTarget(TypedDict):
    role_arn: str
    role_name: str | None
    sessions: list[TargetSession]
    shared_session_names: list[SharedSessionName]
    sessions_without_ip: list[str]
    ips: list[str]


class UserSessions(TypedDict):
    user: str
    sessions: list[TargetSession]


class KeyTarget(TypedDict):
    key_id: str
    user: str | None


class CreatedKey(TypedDict):
    key_id: str
    user: str | None
    created_at: str
    by_key_id: str


class LoginProfile(TypedDict):
    user: str | None
    created_at: str
    by_key_id: str


class Containment(TypedDict):
    """What ``contain`` has to cut off."""

    leaked_keys: list[KeyTarget]
    created_keys: list[CreatedKey]
    roles: list[RoleTarget]
    user_sessions: list[UserSessions]
    login_profiles: list[LoginProfile]
    policy_changes: list[PersistenceEvent]
    attacker_ips: list[str]


class TimeSpan(TypedDict):
    since: str
    until: str


class PassStats(TypedDict):
    files: int
    files_matched: int
    bytes_read: int
    events_parsed: int
    records_kept: int


class About(TypedDict, total=False):
    """How the investigation was made: window, sources, engine, what went wrong."""

    window: TimeSpan
    exposed_at: str | None
    keys_followed: int
    stats: PassStats
    errors: list[str]
    engine: str
    sources: list[str]
    notes: list[str]


class Investigation(TypedDict):
    """``investigate``'s result: what ``render``, ``contain`` and ``tickets`` read."""

    investigation: About
    keys: list[KeyReport]
    sessions: list[Session]
    persistence: list[PersistenceEvent]
    data_touched: list[DataRead]
    data_events_recorded: bool
    data_events_note: str | None
    attacker_ips: list[str]
    containment: Containment
    timeline: list[TimelineEntry]


# --- containment ------------------------------------------------------------------------

ActionKind = Literal["deactivate-key", "revoke-role-sessions", "deny-user-sessions",
                     "delete-login-profile", "revert-policy-change", "review"]
ActionStatus = Literal["planned", "applied", "already applied", "refused", "failed", "listed"]
Strategy = Literal["surgical", "blunt"]
StrategyChoice = Literal["auto", "surgical", "blunt"]


class ActionParams(TypedDict, total=False):
    """What an action needs to be carried out (and rerun)."""

    user: str | None
    key_id: str
    role: str | None
    role_arn: str
    cutoff: str
    latest_session: str
    instance_profiles: list[str]
    # a policy change to revert: the call, and its target (userName, policyArn, ...)
    action: str
    target: dict[str, str]


class ActionRecord(TypedDict):
    """One action in the JSON log: what, target, before, after, when, who."""

    kind: ActionKind
    target: str
    reason: str
    strategy: Strategy | None
    policy_name: str | None
    policy: JSONObject | None
    warnings: list[str]
    commands: list[str]
    params: ActionParams
    status: ActionStatus
    before: object
    after: object
    time: str | None
    actor: str | None
    message: str | None


class ContainRun(TypedDict):
    """One run of ``contain`` (a plan, or what --apply did)."""

    incident: str
    mode: Literal["plan", "apply"]
    actor: str | None
    started_at: str
    actions: list[ActionRecord]


# The attacker's own policy documents are listed (contain can revert them),
# never quoted into a report, a timeline or a ticket.
POLICY_TEXT = ("policyDocument", "assumeRolePolicyDocument")


def data_read_label(d: DataRead, *, version: bool = True) -> str:
    """What was read, as every output names it: ``s3://bucket/key (version v)``
    or ``service:resource`` (SSM, Secrets Manager, KMS)."""
    if d.get("service") == "s3":
        text = f"s3://{d.get('bucket')}/{d.get('key') or ''}"
        if version and d.get("version_id"):
            text += f" (version {d.get('version_id')})"
        return text
    return f"{d.get('service')}:{d.get('resource')}"


def persistence_target(p: PersistenceEvent) -> str:
    """A persistence call's target (``userName=ci, policyArn=...``), without
    the policy documents."""
    return ", ".join(f"{k}={v}" for k, v in p["target"].items() if k not in POLICY_TEXT)
