"""``contain``: cut off a leaked key and everything it spawned.

The plan is built from an investigation and shown first (dry run is the
default); ``apply`` carries it out with the responder's own credentials.
Each action reads the current state before it writes, so a second run finds
its work done and reports "already applied" instead of changing anything; a
failing action is recorded and the others still run.

Role sessions cannot be revoked one by one. Two strategies:
- surgical: an inline deny-all that matches only the attacker's sessions
  (``aws:userid`` = ``ROLEID:session-name``) and the attacker's source IPs,
  so the role's legitimate users (an EKS node role's nodes) keep working;
- blunt: the console's "Revoke active sessions" policy, a deny-all for every
  session issued before now (``aws:TokenIssueTime``), which stops legitimate
  sessions too: instance-profile roles then need their nodes rolled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypedDict, cast

from scanner.clock import iso, utc_now
from scanner.incident.values import (
    ActionKind,
    ActionParams,
    ActionRecord,
    ActionStatus,
    ContainRun,
    Investigation,
    JSONObject,
    RoleTarget,
    Strategy,
    StrategyChoice,
)
from scanner.verify.account import account_id_from_key_id
from scanner.verify.canary import KNOWN_CANARY_ACCOUNTS

BLUNT_POLICY = "AWSRevokeOlderSessions"


@dataclass
class Action:
    """One containment step, planned and then (with --apply) carried out."""

    kind: ActionKind
    target: str
    reason: str
    strategy: Strategy | None = None
    policy_name: str | None = None
    policy: JSONObject | None = None
    warnings: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    params: ActionParams = field(default_factory=lambda: ActionParams())
    status: ActionStatus = "planned"
    # What IAM held before and after the action (a key status, a policy document).
    before: object = None
    after: object = None
    time: str | None = None
    actor: str | None = None
    message: str | None = None

    def to_dict(self) -> ActionRecord:
        return cast(ActionRecord, asdict(self))


@dataclass
class ContainOptions:
    strategy: StrategyChoice = "auto"
    blunt_roles: tuple[str, ...] = ()
    revert_policy_changes: bool = False
    canary_accounts: frozenset[str] = KNOWN_CANARY_ACCOUNTS


def incident_id(investigation: Investigation) -> str:
    """Stable for the same leaked keys: the policy names a rerun finds again."""
    keys = sorted(k["key_id"] for k in investigation["containment"].get("leaked_keys", []))
    return hashlib.sha256("\0".join(keys).encode()).hexdigest()[:8]


def _doc(statements: list[JSONObject]) -> JSONObject:
    return {"Version": "2012-10-17", "Statement": statements}


def surgical_policy(role: RoleTarget) -> JSONObject:
    """Deny everything to the attacker's sessions of this role and to its source IPs."""
    statements = []
    userids = sorted({s["assumed_role_id"] for s in role["sessions"] if s["assumed_role_id"]})
    if userids:
        statements.append({
            "Sid": "DenyLeakedKeySessions", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringLike": {"aws:userid": userids}},
        })
    ips = sorted(role.get("ips") or [])
    if ips:
        statements.append({
            "Sid": "DenyAttackerSourceIps", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": [ip + ("/32" if ":" not in ip else "/128") for ip in ips]}},
        })
    return _doc(statements)


def blunt_policy(cutoff: str) -> JSONObject:
    """What the console's "Revoke active sessions" writes."""
    return _doc([{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
    }])


def _cli_json(doc: JSONObject | None) -> str:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def plan(
    investigation: Investigation,
    iam: Any | None = None,
    options: ContainOptions | None = None,
    now: datetime | None = None,
) -> list[Action]:
    """The containment plan. ``iam`` (responder's client) is only read: it tells
    service-linked and instance-profile roles apart; without it the plan says so."""
    options = options or ContainOptions()
    now = (now or utc_now()).replace(microsecond=0)
    cutoff = iso(now)
    # Its lists are read with defaults (c.get below): an investigation file may
    # come from an older version, or be written by hand.
    c = investigation["containment"]
    ident = incident_id(investigation)
    actions: list[Action] = []

    def key_action(key_id: str, user: str | None, reason: str) -> Action:
        account = account_id_from_key_id(key_id)
        action = Action("deactivate-key", key_id, reason, params={"user": user, "key_id": key_id})
        if account and account in options.canary_accounts:
            action.status = "refused"
            action.message = f"{key_id} belongs to canary account {account}: never touched"
            return action
        who = f"--user-name {user} " if user else ""
        action.commands.append(f"aws iam update-access-key {who}--access-key-id {key_id} --status Inactive")
        return action

    for k in c.get("leaked_keys", []):
        actions.append(key_action(k["key_id"], k.get("user"), "the leaked key"))
    for ck in c.get("created_keys", []):
        actions.append(key_action(ck["key_id"], ck.get("user"),
                                  f"created by the attacker at {ck['created_at']} with {ck['by_key_id']}"))

    for role in c.get("roles", []):
        name = role["role_name"] or role["role_arn"].rsplit("/", 1)[-1]
        action = Action("revoke-role-sessions", name,
                        f"{len(role['sessions'])} attacker session(s): "
                        + ", ".join(s["key_id"] for s in role["sessions"]),
                        params={"role": name, "role_arn": role["role_arn"]})
        arn = role["role_arn"] or ""
        info = _role_info(iam, name) if iam is not None else RoleInfo()
        if ":role/aws-service-role/" in arn or info.get("path", "").startswith("/aws-service-role/"):
            action.status = "refused"
            action.message = ("service-linked role: AWS manages its policies; open a support case "
                              "or remove the service's access instead")
            actions.append(action)
            continue
        identified = all(s["assumed_role_id"] for s in role["sessions"])
        strategy: Strategy
        if options.strategy == "auto":
            strategy = "blunt" if name in options.blunt_roles or not identified else "surgical"
        else:
            strategy = options.strategy
        action.strategy = strategy
        if strategy == "surgical":
            action.policy_name = f"leakwarden-contain-{ident}"
            action.policy = surgical_policy(role)
            action.reason += ("; surgical: the investigation identified every attacker session, so "
                              "the role's other sessions keep working")
            for shared in role.get("shared_session_names", []):
                action.warnings.append(
                    f"session name {shared['session_name']!r} was also used by another session "
                    f"({shared['assumed_role_id']}, {shared['issued_at']} from {shared['source_ip']}): "
                    "the aws:userid condition denies it too")
            if role.get("sessions_without_ip"):
                action.warnings.append(
                    "no source IP seen for " + ", ".join(role["sessions_without_ip"])
                    + ": the IP condition may miss where they are used from")
            if not role.get("ips"):
                action.warnings.append("no attacker IP known: only the aws:userid condition applies")
        else:
            action.policy_name = BLUNT_POLICY
            action.policy = blunt_policy(cutoff)
            action.params["cutoff"] = cutoff
            action.params["latest_session"] = max(s["issued_at"] for s in role["sessions"])
            action.reason += ("; blunt: " + ("asked for" if options.strategy == "blunt" or name in options.blunt_roles
                                             else "not every session could be identified")
                              + "; every session of the role issued before now stops, legitimate ones too")
        profiles = info.get("instance_profiles")
        if profiles:
            action.params["instance_profiles"] = profiles
            if strategy == "blunt":
                action.warnings.append(
                    "instance-profile role (" + ", ".join(profiles) + "): its "
                    "instances keep their revoked credentials for up to 6 hours; replace the nodes "
                    "(e.g. roll the node group or `aws autoscaling start-instance-refresh`) so they "
                    "fetch new ones")
        elif iam is None:
            action.warnings.append("no IAM access while planning: service-linked and instance-profile "
                                   "checks happen at --apply")
        action.commands.append(
            f"aws iam put-role-policy --role-name {name} --policy-name {action.policy_name} "
            f"--policy-document '{_cli_json(action.policy)}'")
        actions.append(action)

    for entry in c.get("user_sessions", []):
        user = entry["user"]
        policy = blunt_policy(cutoff)
        action = Action("deny-user-sessions", user,
                        f"{len(entry['sessions'])} GetSessionToken/GetFederationToken session(s) "
                        "survive the key's deactivation", strategy="blunt",
                        policy_name=f"leakwarden-contain-{ident}-sessions", policy=policy,
                        params={"user": user, "cutoff": cutoff,
                                "latest_session": max(s["issued_at"] for s in entry["sessions"])})
        action.commands.append(
            f"aws iam put-user-policy --user-name {user} --policy-name {action.policy_name} "
            f"--policy-document '{_cli_json(policy)}'")
        actions.append(action)

    for profile in c.get("login_profiles", []):
        user = profile["user"] or ""
        action = Action("delete-login-profile", user,
                        f"console password created by the attacker at {profile['created_at']}",
                        params={"user": user})
        action.commands.append(f"aws iam delete-login-profile --user-name {user}")
        actions.append(action)

    for change in c.get("policy_changes", []):
        target = change["target"]
        what = target.get("policyArn") or target.get("policyName") or target.get("groupName") or ""
        who = target.get("userName") or target.get("roleName") or target.get("groupName") or ""
        kind: ActionKind = ("revert-policy-change" if options.revert_policy_changes
                            and change["action"] in _REVERT else "review")
        action = Action(kind, f"{who} {what}".strip(),
                        f"{change['action']} by the attacker at {change['time']}",
                        params={"action": change["action"], "target": dict(target)})
        if kind == "review":
            action.status = "listed"
            action.message = ("listed, not reverted: check it, then rerun with --revert-policy-changes"
                              if change["action"] in _REVERT else "revert by hand")
        actions.append(action)
    return actions


class RoleInfo(TypedDict, total=False):
    path: str
    instance_profiles: list[str]


def _role_info(iam: Any, name: str) -> RoleInfo:
    try:
        role = iam.get_role(RoleName=name)["Role"]
        profiles = iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
    except Exception:  # missing role, no permission: apply will say what failed
        return RoleInfo()
    return {"path": role.get("Path", "/"),
            "instance_profiles": sorted(p["InstanceProfileName"] for p in profiles)}


# --- apply ---------------------------------------------------------------------------------

_REVERT = {"AttachUserPolicy", "AttachRolePolicy", "PutUserPolicy", "PutRolePolicy",
           "AttachGroupPolicy", "PutGroupPolicy", "AddUserToGroup"}


def _key_user(iam: Any, action: Action) -> str:
    user = action.params.get("user")
    if not user:
        user = str(iam.get_access_key_last_used(AccessKeyId=action.target)["UserName"])
        action.params["user"] = user
    return user


def _deactivate_key(iam: Any, action: Action) -> None:
    user = _key_user(iam, action)
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    status = next((k["Status"] for k in keys if k["AccessKeyId"] == action.target), None)
    if status is None:
        raise LookupError(f"no access key {action.target} on user {user}")
    action.before = status
    if status == "Inactive":
        action.status, action.after = "already applied", status
        return
    iam.update_access_key(UserName=user, AccessKeyId=action.target, Status="Inactive")
    action.after = "Inactive"
    action.status = "applied"


def _covers(existing: JSONObject | None, latest_session: str) -> bool:
    """A revoke-older-sessions policy already in place whose cutoff is after every
    attacker session: applying a newer cutoff would only hurt legitimate sessions."""
    if not existing:
        return False
    for statement in existing.get("Statement", []):
        cutoff = (statement.get("Condition", {}).get("DateLessThan", {}) or {}).get("aws:TokenIssueTime")
        if cutoff and cutoff > latest_session:
            return True
    return False


def _put_inline_policy(iam: Any, action: Action, get: Callable[..., Any], put: Callable[..., Any],
                       **entity: str) -> None:
    """Write ``action.policy`` inline on the role or user ``entity`` names, unless
    the policy there already does its work (the same document, or a revoke-older-
    sessions cutoff after every attacker session)."""
    try:
        doc = get(PolicyName=action.policy_name or "", **entity)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        existing = None
    else:
        existing = json.loads(doc) if isinstance(doc, str) else doc
    action.before = existing
    if existing == action.policy or (
        action.strategy == "blunt" and _covers(existing, action.params["latest_session"])
    ):
        action.status, action.after = "already applied", existing
        return
    put(PolicyName=action.policy_name, PolicyDocument=json.dumps(action.policy, sort_keys=True), **entity)
    action.after = action.policy
    action.status = "applied"


def _revoke_role_sessions(iam: Any, action: Action) -> None:
    role = action.params.get("role") or action.target
    info = iam.get_role(RoleName=role)["Role"]
    if info.get("Path", "/").startswith("/aws-service-role/"):
        action.status = "refused"
        action.message = "service-linked role: its policies cannot be changed"
        return
    _put_inline_policy(iam, action, iam.get_role_policy, iam.put_role_policy, RoleName=role)


def _deny_user_sessions(iam: Any, action: Action) -> None:
    # plan() makes these blunt: a revoke-older-sessions cutoff on the user.
    _put_inline_policy(iam, action, iam.get_user_policy, iam.put_user_policy,
                       UserName=action.params.get("user") or action.target)


def _delete_login_profile(iam: Any, action: Action) -> None:
    user = action.params.get("user") or action.target
    try:
        profile = iam.get_login_profile(UserName=user)["LoginProfile"]
    except iam.exceptions.NoSuchEntityException:
        action.status, action.before, action.after = "already applied", None, None
        return
    action.before = {"CreateDate": str(profile.get("CreateDate"))}
    iam.delete_login_profile(UserName=user)
    action.after = None
    action.status = "applied"


def _revert_policy_change(iam: Any, action: Action) -> None:
    p = action.params.get("target", {})
    kind = action.params.get("action", "")
    calls: dict[str, Callable[[], Any]] = {
        "AttachUserPolicy": lambda: iam.detach_user_policy(UserName=p["userName"], PolicyArn=p["policyArn"]),
        "AttachRolePolicy": lambda: iam.detach_role_policy(RoleName=p["roleName"], PolicyArn=p["policyArn"]),
        "AttachGroupPolicy": lambda: iam.detach_group_policy(GroupName=p["groupName"], PolicyArn=p["policyArn"]),
        "PutUserPolicy": lambda: iam.delete_user_policy(UserName=p["userName"], PolicyName=p["policyName"]),
        "PutRolePolicy": lambda: iam.delete_role_policy(RoleName=p["roleName"], PolicyName=p["policyName"]),
        "PutGroupPolicy": lambda: iam.delete_group_policy(GroupName=p["groupName"], PolicyName=p["policyName"]),
        "AddUserToGroup": lambda: iam.remove_user_from_group(GroupName=p["groupName"], UserName=p["userName"]),
    }
    action.before = dict(p)
    try:
        calls[kind]()
    except iam.exceptions.NoSuchEntityException:
        action.status = "already applied"
        return
    action.status = "applied"


_APPLY: dict[str, Callable[[Any, Action], None]] = {
    "deactivate-key": _deactivate_key,
    "revoke-role-sessions": _revoke_role_sessions,
    "deny-user-sessions": _deny_user_sessions,
    "delete-login-profile": _delete_login_profile,
    "revert-policy-change": _revert_policy_change,
}


def apply(actions: list[Action], iam: Any, actor: str | None = None,
          clock: Callable[[], datetime] | None = None) -> list[Action]:
    """Carry out the plan; each action's status says what happened. Never raises
    for one action: the error is its ``message`` and the others still run."""
    clock = clock or utc_now
    for action in actions:
        if action.status in ("refused", "listed"):
            continue
        action.time = iso(clock())
        action.actor = actor
        try:
            _APPLY[action.kind](iam, action)
        except Exception as exc:  # botocore ClientError, missing entity, no permission
            action.status = "failed"
            action.message = f"{type(exc).__name__}: {exc}"
    return actions


def failed(actions: list[Action]) -> list[Action]:
    return [a for a in actions if a.status == "failed"]


def log_entry(actions: list[Action], investigation: Investigation, applied: bool,
              actor: str | None, started_at: str) -> ContainRun:
    """One run of ``contain`` as the JSON log records it."""
    return {
        "incident": incident_id(investigation),
        "mode": "apply" if applied else "plan",
        "actor": actor,
        "started_at": started_at,
        "actions": [a.to_dict() for a in actions],
    }
