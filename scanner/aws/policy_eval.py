"""A small IAM policy evaluator for one question: may this principal do this
action on this resource?

Why not a library: NCC Group's principalmapper (the one that models IAM
authorization locally) does not import on Python 3.10+ (``collections.Mapping``)
and is AGPL; Netflix's ``policyuniverse`` parses statements and principals
well (it is used here for exactly that) but does not evaluate. What is left
is small and exact: glob matching of ``Action``/``NotAction`` and
``Resource``/``NotResource``, principal matching, explicit deny wins.

Conditions are where static evaluation stops. Those this module decides
from what it knows of the request (an S3 ``GetObject`` over TLS by a
principal of the bucket's account) are in ``_DECIDABLE``; every other
condition key makes the statement *conditional*, and the caller lists it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from scanner.model import JSONObject

ALLOW, CONDITIONAL, DENY, NONE = "allow", "conditional", "deny", "none"


@dataclass(frozen=True)
class Request:
    action: str  # s3:GetObject
    resource: str  # arn:aws:s3:::bucket/key
    principal_arn: str  # arn:aws:iam::111122223333:role/node
    account: str
    # Condition keys this request is known to carry, lower-cased.
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Decision:
    effect: str  # allow, conditional, deny, none
    allowed_by: list[str] = field(default_factory=list)
    denied_by: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # undecided condition keys, with statement
    # A resource policy allows the principal's account (its root): access is
    # then up to the account's IAM policies (what a KMS key policy's
    # "Enable IAM policies" statement does).
    delegates: bool = False


@lru_cache(maxsize=4096)
def _glob(pattern: str, case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), 0 if case else re.I)


def glob_match(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM wildcards: ``*`` any run (``/`` included), ``?`` one character."""
    return _glob(pattern, case).fullmatch(value) is not None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: Any) -> list[JSONObject]:
    """A policy document (dict or JSON text) as a list of statements."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    return [s for s in _list(document.get("Statement")) if isinstance(s, dict)]


def principals_of(statement: JSONObject) -> set[str]:
    """``Principal`` (or ``NotPrincipal``) as a set of strings; ``"*"`` for anyone.
    Parsed by policyuniverse, which knows the shapes AWS accepts."""
    from policyuniverse.statement import Statement

    return {str(p) for p in Statement(statement).principals}


@lru_cache(maxsize=1024)
def _listed_principals(principal_json: str) -> frozenset[str]:
    # A resource policy is asked about every principal and every object: its
    # statements' principals are parsed (policyuniverse, ~50 us) once each.
    return frozenset(principals_of({"Principal": json.loads(principal_json), "Effect": "Allow",
                                    "Action": "*"}))


def principal_matches(statement: JSONObject, request: Request) -> str:
    """How a resource-policy statement names the request's principal:
    ``"direct"`` (its ARN, a wildcard, anyone), ``"account"`` (its account's
    root: a delegation to IAM policies), or ``""``."""
    key = "NotPrincipal" if "NotPrincipal" in statement else "Principal"
    if key not in statement:
        return ""
    listed = _listed_principals(json.dumps(statement[key], sort_keys=True))
    how = {_names(p, request) for p in listed} - {""}
    if key == "NotPrincipal":
        return "" if how else "direct"
    return "direct" if "direct" in how else ("account" if how else "")


def _names(principal: str, request: Request) -> str:
    if principal == "*":
        return "direct"
    if principal in (request.account, f"arn:aws:iam::{request.account}:root"):
        return "account"
    if glob_match(principal, request.principal_arn):
        return "direct"
    # A role's sessions: arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
    m = re.fullmatch(r"arn:aws:iam::(\d+):role/(?:.*/)?([^/]+)", request.principal_arn)
    if m and glob_match(principal, f"arn:aws:sts::{m.group(1)}:assumed-role/{m.group(2)}/x"):
        return "direct"
    return ""


def _action_applies(statement: JSONObject, action: str) -> bool:
    if "NotAction" in statement:
        return not any(glob_match(p, action, case=False) for p in _list(statement["NotAction"]))
    return any(glob_match(p, action, case=False) for p in _list(statement.get("Action")))


def _resource_applies(statement: JSONObject, resource: str) -> bool:
    if "NotResource" in statement:
        return not any(glob_match(p, resource) for p in _list(statement["NotResource"]))
    if "Resource" not in statement:
        return True  # resource policies and trust policies may leave it out
    return any(glob_match(p, resource) for p in _list(statement["Resource"]))


# Condition keys whose value for this kind of request is known: an S3 read over TLS.
def _decide_condition(operator: str, key: str, values: list[Any], request: Request) -> bool | None:
    """True/False when the condition can be decided for ``request``; None when not."""
    actual = request.context.get(key.lower())
    if actual is None:
        return None
    op = operator.removesuffix("IfExists")
    negate = op.startswith(("StringNot", "ArnNot")) or op == "Null"
    base = op.replace("Not", "") if op != "Null" else "Null"
    texts = [str(v) for v in values]
    if base in ("StringEquals", "ArnEquals", "Bool"):
        hit = any(actual.lower() == t.lower() if base == "Bool" else actual == t for t in texts)
    elif base == "StringEqualsIgnoreCase":
        hit = any(actual.lower() == t.lower() for t in texts)
    elif base in ("StringLike", "ArnLike"):
        hit = any(glob_match(t, actual) for t in texts)
    elif base == "Null":
        # Null: true means "the key is absent"; it is present here.
        return not any(t.lower() == "true" for t in texts)
    else:
        return None
    return not hit if negate else hit


def _conditions(statement: JSONObject, request: Request) -> tuple[bool, list[str]]:
    """(False if a decidable condition fails, the undecided condition keys)."""
    undecided: list[str] = []
    block = statement.get("Condition") or {}
    if not isinstance(block, dict):
        return True, ["Condition"]
    for operator, pairs in block.items():
        if not isinstance(pairs, dict):
            undecided.append(str(operator))
            continue
        for key, values in pairs.items():
            if str(operator).startswith(("ForAnyValue:", "ForAllValues:")):
                undecided.append(f"{operator} {key}")
                continue
            decided = _decide_condition(str(operator), str(key), _list(values), request)
            if decided is False:
                return False, []
            if decided is None:
                undecided.append(f"{operator} {key}")
    return True, undecided


def evaluate(policies: Iterable[tuple[str, Any]], request: Request, *,
             resource_policy: bool = False) -> Decision:
    """Evaluate named policy documents for ``request``.

    ``resource_policy``: the documents are resource-based (bucket or key
    policy), so a statement must also name the principal.
    """
    decision = Decision(NONE)
    conditional_allow: list[str] = []
    for name, document in policies:
        for index, statement in enumerate(statements(document)):
            label = f"{name}#{statement.get('Sid') or index}"
            how = principal_matches(statement, request) if resource_policy else "direct"
            if not how:
                continue
            if not _action_applies(statement, request.action):
                continue
            if not _resource_applies(statement, request.resource):
                continue
            applies, undecided = _conditions(statement, request)
            if not applies:
                continue
            effect = str(statement.get("Effect", "")).lower()
            if effect == "deny":
                if undecided:
                    decision.conditions.extend(f"deny {label} if {c}" for c in undecided)
                else:
                    decision.denied_by.append(label)
            elif effect == "allow" and how == "account":
                # Not a grant by itself: the identity side must allow too.
                decision.delegates = decision.delegates or not undecided
                if undecided:
                    decision.conditions.extend(f"delegate {label} if {c}" for c in undecided)
            elif effect == "allow":
                if undecided:
                    conditional_allow.append(label)
                    decision.conditions.extend(f"allow {label} if {c}" for c in undecided)
                else:
                    decision.allowed_by.append(label)
    if decision.denied_by:
        decision.effect = DENY
    elif decision.allowed_by:
        decision.effect = ALLOW
    elif conditional_allow:
        decision.effect = CONDITIONAL
        decision.allowed_by = conditional_allow
    return decision


def combine_same_account(identity: Decision, resource: Decision,
                         boundary: Decision | None = None) -> Decision:
    """Same-account access: identity OR resource policy allows, no explicit
    deny in either, and a permissions boundary (when set) allows too."""
    out = Decision(NONE, identity.allowed_by + resource.allowed_by,
                   identity.denied_by + resource.denied_by,
                   identity.conditions + resource.conditions)
    if boundary is not None:
        out.conditions += boundary.conditions
        out.denied_by += boundary.denied_by
    if out.denied_by:
        out.effect = DENY
        return out
    granted = ALLOW if ALLOW in (identity.effect, resource.effect) else (
        CONDITIONAL if CONDITIONAL in (identity.effect, resource.effect) else NONE)
    if boundary is not None and granted != NONE and boundary.effect != ALLOW:
        granted = CONDITIONAL if boundary.effect == CONDITIONAL else NONE
    out.effect = granted
    return out
