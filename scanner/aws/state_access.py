"""Who can read the Terraform state in a bucket, in plaintext.

IaC checkers ask whether a state bucket has encryption *configured*. The
question after an incident is different: with SSE-S3 every principal allowed
``s3:GetObject`` reads the state in clear, and with SSE-KMS only those that
may also ``kms:Decrypt`` with the object's key. This module gathers the
bucket's posture (default encryption, versioning, Block Public Access,
bucket policy and ACL grants to anyone or to other accounts), every IAM
user (with its groups' policies) and role of the account, the policies of
the KMS keys that encrypt the state objects and their grants, and gives a
verdict per principal:

* ``reads plaintext``: GetObject allowed, and the object is not under KMS or
  Decrypt is allowed too;
* ``reads only with kms:Decrypt``: GetObject allowed, the object is under
  SSE-KMS and Decrypt depends on conditions this analysis cannot decide;
* ``cannot read``: no GetObject, or an explicit deny, or an SSE-KMS object
  whose key policy (and grants) leave the principal out.

``conditional`` on a verdict lists the condition keys that were not decided
(see ``scanner.aws.policy_eval``). Only IAM policies, the bucket policy, the
key policies and grants are modelled: SCPs, session policies and VPC
endpoint policies are not (each can only take access away).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from scanner.aws.policy_eval import (
    ALLOW,
    CONDITIONAL,
    DENY,
    NONE,
    Decision,
    Request,
    combine_same_account,
    evaluate,
    principals_of,
    statements,
)
from scanner.model import JSONObject

READS_PLAINTEXT = "reads plaintext"
READS_WITH_KMS = "reads only with kms:Decrypt"
CANNOT_READ = "cannot read"
_RANK = {READS_PLAINTEXT: 2, READS_WITH_KMS: 1, CANNOT_READ: 0}
_MAX_OBJECTS = 200  # state files under a prefix are few; cap the HeadObject calls
_PUBLIC_GRANTEES = {"http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
                    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers":
                        "any AWS account"}


class StateAccessError(Exception):
    """The analysis cannot start (no such bucket, no permission to read its set-up)."""


@dataclass
class StateObject:
    key: str
    encryption: str  # none, SSE-S3, SSE-KMS, DSSE-KMS, unknown
    kms_key: str | None = None
    # A noncurrent version: reading it takes s3:GetObjectVersion, and it keeps
    # the encryption it was written with (moving the bucket to KMS does not
    # re-encrypt history).
    version_id: str | None = None


@dataclass
class Posture:
    bucket: str
    account: str
    default_encryption: str  # none, SSE-S3, SSE-KMS, DSSE-KMS
    default_kms_key: str | None
    versioning: str  # Enabled, Suspended, Disabled
    public_access_block: dict[str, bool] | None
    policy_public: list[str] = field(default_factory=list)  # statements open to anyone
    cross_account: list[str] = field(default_factory=list)  # other accounts the policy names
    acl_grants: list[str] = field(default_factory=list)  # to everyone / other accounts
    objects: list[StateObject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PrincipalAccess:
    arn: str
    kind: str  # user, role
    verdict: str
    instance_profile: bool = False
    groups: list[str] = field(default_factory=list)
    readable_keys: int = 0  # state objects it reads in plaintext (or might, with KMS)
    s3_allowed_by: list[str] = field(default_factory=list)
    kms_allowed_by: list[str] = field(default_factory=list)
    denied_by: list[str] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)


@dataclass
class StateAccessReport:
    url: str
    posture: Posture
    principals: list[PrincipalAccess]
    fixes: list[str]

    @property
    def plaintext_readers(self) -> list[PrincipalAccess]:
        return [p for p in self.principals if p.verdict == READS_PLAINTEXT]

    def to_dict(self) -> JSONObject:
        return {"url": self.url, "posture": asdict(self.posture),
                "principals": [asdict(p) for p in self.principals], "fixes": list(self.fixes)}


# -- gathering --------------------------------------------------------------------------

def _code(exc: BaseException) -> str:
    return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code") or exc)


def _encryption(s3: Any, bucket: str) -> tuple[str, str | None]:
    from botocore.exceptions import ClientError

    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)[
            "ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as exc:
        if "ServerSideEncryptionConfigurationNotFound" in _code(exc):
            return "none", None
        raise
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        algorithm = default.get("SSEAlgorithm")
        if algorithm == "aws:kms":
            return "SSE-KMS", default.get("KMSMasterKeyID")
        if algorithm == "aws:kms:dsse":
            return "DSSE-KMS", default.get("KMSMasterKeyID")
        if algorithm == "AES256":
            return "SSE-S3", None
    return "none", None


def _optional(call: Any, *missing: str) -> Any:
    from botocore.exceptions import ClientError

    try:
        return call()
    except ClientError as exc:
        if any(m in _code(exc) for m in missing):
            return None
        raise


def _bucket_policy_text(s3: Any, bucket: str) -> str | None:
    return _optional(lambda: s3.get_bucket_policy(Bucket=bucket)["Policy"], "NoSuchBucketPolicy")


def gather_posture(s3: Any, bucket: str, prefix: str, account: str,
                   policy_text: str | None) -> Posture:
    """``policy_text``: the bucket policy (``_bucket_policy_text``), read once by the caller."""
    default, default_key = _encryption(s3, bucket)
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status") or "Disabled"
    block = _optional(lambda: s3.get_public_access_block(Bucket=bucket),
                      "NoSuchPublicAccessBlockConfiguration")
    posture = Posture(bucket, account, default, default_key, versioning,
                      block.get("PublicAccessBlockConfiguration") if block else None)
    if policy_text:
        from policyuniverse.policy import Policy

        for statement in statements(policy_text):
            if str(statement.get("Effect")) != "Allow":
                continue
            sid = statement.get("Sid") or "statement"
            single = Policy({"Statement": [statement]})
            if single.is_internet_accessible():
                posture.policy_public.append(f"{sid}: allows anyone ({statement.get('Action')})")
            for principal in principals_of(statement):
                other = _account_of(principal)
                if other and other != account:
                    posture.cross_account.append(f"{sid}: {principal}")
    acl = _optional(lambda: s3.get_bucket_acl(Bucket=bucket), "AccessDenied")
    owner = ((acl or {}).get("Owner") or {}).get("ID")
    for grant in (acl or {}).get("Grants") or ():
        grantee = grant.get("Grantee") or {}
        uri = grantee.get("URI")
        if uri in _PUBLIC_GRANTEES:
            posture.acl_grants.append(f"{grant.get('Permission')} to {_PUBLIC_GRANTEES[uri]}")
        elif grantee.get("ID") and grantee.get("ID") != owner:
            posture.acl_grants.append(f"{grant.get('Permission')} to canonical user "
                                      f"{grantee['ID'][:12]}...")
    posture.objects = _state_objects(s3, bucket, prefix, default, default_key, posture.notes)
    return posture


def _account_of(principal: str) -> str | None:
    if principal.isdigit():
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def _state_objects(s3: Any, bucket: str, prefix: str, default: str, default_key: str | None,
                   notes: list[str]) -> list[StateObject]:
    out: list[StateObject] = []
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Versions") or ():
            if len(out) >= _MAX_OBJECTS:
                notes.append(f"only the first {_MAX_OBJECTS} object versions were examined")
                return out
            key = item["Key"]
            version = None if item.get("IsLatest") else item.get("VersionId")
            try:
                extra = {"VersionId": version} if version else {}
                head = s3.head_object(Bucket=bucket, Key=key, **extra)
            except Exception as exc:  # noqa: BLE001 - this object's encryption stays unknown
                notes.append(f"{key}: cannot read its metadata ({_code(exc)}); "
                             f"assumed {default}")
                out.append(StateObject(key, default, default_key, version))
                continue
            algorithm = head.get("ServerSideEncryption")
            if algorithm == "aws:kms":
                out.append(StateObject(key, "SSE-KMS", head.get("SSEKMSKeyId") or default_key,
                                       version))
            elif algorithm == "aws:kms:dsse":
                out.append(StateObject(key, "DSSE-KMS", head.get("SSEKMSKeyId") or default_key,
                                       version))
            elif algorithm == "AES256":
                out.append(StateObject(key, "SSE-S3", None, version))
            else:
                # Since January 2023 S3 encrypts every new object with SSE-S3
                # at least; a store that says nothing is read in clear either way.
                out.append(StateObject(key, default if default != "none" else "SSE-S3",
                                       default_key if default.endswith("KMS") else None,
                                       version))
    return out


@dataclass
class _Principal:
    arn: str
    kind: str
    policies: list[tuple[str, Any]]
    boundary: Any | None = None
    groups: list[str] = field(default_factory=list)
    instance_profile: bool = False


def gather_principals(iam: Any) -> list[_Principal]:
    """Users (with their groups' policies) and roles, from one paginated
    ``GetAccountAuthorizationDetails``."""
    details: dict[str, list[JSONObject]] = {"UserDetailList": [], "GroupDetailList": [],
                                                "RoleDetailList": [], "Policies": []}
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        for name in details:
            details[name].extend(page.get(name) or ())
    managed: JSONObject = {}
    for policy in details["Policies"]:
        default = next((v for v in policy.get("PolicyVersionList") or ()
                        if v.get("IsDefaultVersion")), None)
        if default:
            managed[policy["Arn"]] = _document(default.get("Document"))

    def attached(entity: JSONObject) -> list[tuple[str, Any]]:
        return [(f"managed:{a['PolicyName']}", managed.get(a["PolicyArn"], {}))
                for a in entity.get("AttachedManagedPolicies") or ()]

    def boundary(entity: JSONObject) -> Any | None:
        arn = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        return managed.get(arn, {}) if arn else None

    groups = {}
    for group in details["GroupDetailList"]:
        groups[group["GroupName"]] = attached(group) + [
            (f"group:{group['GroupName']}:{p['PolicyName']}", _document(p.get("PolicyDocument")))
            for p in group.get("GroupPolicyList") or ()]
    out: list[_Principal] = []
    for user in details["UserDetailList"]:
        names = list(user.get("GroupList") or ())
        policies = [(f"user:{p['PolicyName']}", _document(p.get("PolicyDocument")))
                    for p in user.get("UserPolicyList") or ()] + attached(user)
        for name in names:
            policies += groups.get(name, [])
        out.append(_Principal(user["Arn"], "user", policies, boundary(user), names))
    for role in details["RoleDetailList"]:
        policies = [(f"role:{p['PolicyName']}", _document(p.get("PolicyDocument")))
                    for p in role.get("RolePolicyList") or ()] + attached(role)
        out.append(_Principal(role["Arn"], "role", policies, boundary(role),
                              instance_profile=bool(role.get("InstanceProfileList"))))
    return out


def _document(value: Any) -> Any:
    """IAM returns documents URL-encoded JSON text (boto3 decodes most, not all)."""
    if isinstance(value, str):
        import json
        from urllib.parse import unquote

        try:
            return json.loads(unquote(value))
        except ValueError:
            return {}
    return value or {}


@dataclass
class _Key:
    arn: str
    policy: Any
    grants: list[JSONObject]
    readable: bool = True


def gather_keys(kms: Any, key_ids: Iterable[str], notes: list[str]) -> dict[str, _Key]:
    out: dict[str, _Key] = {}
    for key_id in sorted(set(key_ids)):
        try:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
            policy = _document(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
            grants: list[Any] = []
            for page in kms.get_paginator("list_grants").paginate(KeyId=meta["KeyId"]):
                grants.extend(page.get("Grants") or ())
            out[key_id] = _Key(meta["Arn"], policy, grants)
        except Exception as exc:  # noqa: BLE001 - another account's key, or no kms:GetKeyPolicy
            notes.append(f"KMS key {key_id}: cannot read its policy ({_code(exc)}); "
                         "Decrypt through it is reported as undecided")
            out[key_id] = _Key(key_id, None, [], readable=False)
    return out


# -- deciding ---------------------------------------------------------------------------

def _s3_context(bucket: str, account: str) -> dict[str, str]:
    return {"aws:securetransport": "true", "s3:signatureversion": "AWS4-HMAC-SHA256",
            "aws:principalaccount": account, "s3:resourceaccount": account}


def _kms_context(bucket: str, region: str, account: str) -> dict[str, str]:
    return {"aws:securetransport": "true", "kms:viaservice": f"s3.{region}.amazonaws.com",
            "kms:calleraccount": account, "aws:principalaccount": account,
            "kms:encryptioncontext:aws:s3:arn": f"arn:aws:s3:::{bucket}",
            "kms:encryptioncontextkeys": "aws:s3:arn"}


def _decide_kms(principal: _Principal, key: _Key, account: str, context: dict[str, str]
                ) -> Decision:
    if not key.readable:
        return Decision(CONDITIONAL, conditions=[f"key policy of {key.arn} unreadable"])
    request = Request("kms:Decrypt", key.arn, principal.arn, account, context)
    by_key = evaluate([(f"key-policy:{key.arn.rsplit('/', 1)[-1]}", key.policy)], request,
                      resource_policy=True)
    if by_key.effect == DENY:
        return by_key
    identity = evaluate(principal.policies, request)
    boundary = evaluate([("boundary", principal.boundary)], request) \
        if principal.boundary is not None else None
    # Grants give Decrypt on their own (they are not IAM policies).
    for grant in key.grants:
        if grant.get("GranteePrincipal") == principal.arn and "Decrypt" in (
                grant.get("Operations") or ()):
            by_key.allowed_by.append(f"grant:{grant.get('GrantId', '')[:12]}")
            if by_key.effect == NONE:
                by_key.effect = CONDITIONAL if grant.get("Constraints") else ALLOW
    if by_key.effect in (ALLOW, CONDITIONAL):
        result = combine_same_account(Decision(NONE), by_key, boundary)
        result.denied_by += identity.denied_by
        if identity.denied_by:
            result.effect = DENY
        return result
    if by_key.delegates:
        # "Enable IAM policies": the identity side decides.
        return combine_same_account(identity, Decision(NONE), boundary)
    out = Decision(NONE, conditions=by_key.conditions)
    out.denied_by = identity.denied_by
    return out


def analyse(url: str, session: Any = None, *, endpoint_url: str | None = None,
            region: str | None = None, clients: Mapping[str, Any] | None = None
            ) -> StateAccessReport:
    """Posture and per-principal verdicts for ``s3://bucket[/prefix]``.
    ``clients``: ready boto3 clients by service name (``s3``, ``iam``, ``kms``,
    ``sts``); the others are made from ``session``."""
    from botocore.exceptions import ClientError

    from scanner.sources.s3 import parse_s3_url

    bucket, prefix = parse_s3_url(url)
    clients = dict(clients or {})
    if session is None:
        import boto3

        session = boto3.session.Session(region_name=region)
    for service in ("s3", "iam", "kms", "sts"):
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=endpoint_url,
                                              region_name=region or session.region_name
                                              or "us-east-1")
    s3, iam, kms, sts = clients["s3"], clients["iam"], clients["kms"], clients["sts"]
    region_name = region or s3.meta.region_name or "us-east-1"
    try:
        account = sts.get_caller_identity()["Account"]
        policy_text = _bucket_policy_text(s3, bucket)
        posture = gather_posture(s3, bucket, prefix, account, policy_text)
        principals = gather_principals(iam)
    except ClientError as exc:
        raise StateAccessError(f"cannot examine {url}: {_code(exc)}: "
                               f"{exc.response.get('Error', {}).get('Message', '')}") from None
    keys = gather_keys(kms, [o.kms_key for o in posture.objects if o.kms_key], posture.notes)
    bucket_policy = [("bucket-policy", _document(policy_text))] if policy_text else []
    objects = posture.objects or [StateObject(prefix or "*", posture.default_encryption,
                                              posture.default_kms_key)]
    if not posture.objects:
        posture.notes.append("no objects under the prefix: judged for any key by the defaults")
    s3_context = _s3_context(bucket, account)
    kms_context = _kms_context(bucket, region_name, account)
    results = [_judge(p, objects, bucket, account, bucket_policy, keys, s3_context, kms_context)
               for p in principals]
    results.sort(key=lambda r: (-_RANK[r.verdict], r.kind, r.arn))
    return StateAccessReport(url, posture, results, _fixes(posture, results))


def _judge(principal: _Principal, objects: list[StateObject], bucket: str, account: str,
           bucket_policy: list[tuple[str, Any]], keys: dict[str, _Key],
           s3_context: dict[str, str], kms_context: dict[str, str]) -> PrincipalAccess:
    access = PrincipalAccess(principal.arn, principal.kind, CANNOT_READ,
                             principal.instance_profile, principal.groups)
    best = CANNOT_READ
    # Decrypt does not depend on the object: one decision per key, however many versions it holds.
    kms_decisions: dict[str, Decision] = {}
    for obj in objects:
        resource = f"arn:aws:s3:::{bucket}/{obj.key}"
        action = "s3:GetObjectVersion" if obj.version_id else "s3:GetObject"
        request = Request(action, resource, principal.arn, account, s3_context)
        identity = evaluate(principal.policies, request)
        by_bucket = evaluate(bucket_policy, request, resource_policy=True)
        boundary = evaluate([("boundary", principal.boundary)], request) \
            if principal.boundary is not None else None
        s3 = combine_same_account(identity, by_bucket, boundary)
        _merge(access.s3_allowed_by, s3.allowed_by)
        _merge(access.denied_by, s3.denied_by)
        _merge(access.conditional, s3.conditions)
        if s3.effect in (NONE, DENY):
            continue
        verdict = READS_PLAINTEXT
        if obj.encryption.endswith("KMS") and obj.kms_key:
            kms = kms_decisions.get(obj.kms_key)
            if kms is None:
                kms = kms_decisions[obj.kms_key] = _decide_kms(principal, keys[obj.kms_key],
                                                               account, kms_context)
            _merge(access.kms_allowed_by, kms.allowed_by)
            _merge(access.denied_by, kms.denied_by)
            _merge(access.conditional, kms.conditions)
            if kms.effect in (NONE, DENY):
                continue
            if kms.effect == CONDITIONAL:
                verdict = READS_WITH_KMS
        access.readable_keys += 1
        if _RANK[verdict] > _RANK[best]:
            best = verdict
    access.verdict = best
    return access


def _merge(into: list[str], items: list[str]) -> None:
    for item in items:
        if item not in into:
            into.append(item)


def _fixes(posture: Posture, principals: list[PrincipalAccess]) -> list[str]:
    fixes: list[str] = []
    clear = [o.key for o in posture.objects
             if not o.encryption.endswith("KMS") and not o.version_id]
    old_clear = [o for o in posture.objects
                 if not o.encryption.endswith("KMS") and o.version_id]
    readers = [p for p in principals if p.verdict == READS_PLAINTEXT]
    if clear:
        fixes.append(
            f"{len(clear)} state object(s) are under SSE-S3 (or none): every principal allowed "
            "s3:GetObject reads them in clear. Move the bucket to SSE-KMS with a customer "
            "managed key whose policy allows kms:Decrypt to the deploy role only, and rewrite "
            "the objects (copy in place) so existing versions are re-encrypted; or use "
            "OpenTofu client-side state encryption.")
    if old_clear:
        fixes.append(
            f"{len(old_clear)} noncurrent version(s) are still under SSE-S3: re-encrypting the "
            "current object does not touch history. Rotate the secrets they hold, then delete "
            "those versions (or expire them with a lifecycle rule).")
    workload = [p.arn for p in readers if p.instance_profile or "node" in p.arn.lower()
                or "ci" in p.arn.rsplit("/", 1)[-1].lower()]
    if workload:
        fixes.append("Drop state read access from workload roles: " + ", ".join(workload)
                     + " (node and CI roles need no Terraform state).")
    if posture.policy_public or posture.acl_grants:
        fixes.append("Remove public grants (bucket policy/ACL) and enable Block Public Access.")
    if posture.versioning != "Enabled":
        fixes.append("Enable versioning so a state can be recovered after tampering.")
    elif readers:
        fixes.append("Old versions keep old secrets: rotate what they hold, then expire "
                     "noncurrent versions (lifecycle rule).")
    return fixes


# -- text ---------------------------------------------------------------------------------

def render_text(report: StateAccessReport) -> str:
    p = report.posture
    lines = [f"state access: {report.url} (account {p.account})",
             f"  default encryption  {p.default_encryption}"
             + (f" with {p.default_kms_key}" if p.default_kms_key else ""),
             f"  versioning          {p.versioning}"]
    blocked = [k for k, v in (p.public_access_block or {}).items() if v]
    lines.append("  block public access " + (", ".join(blocked) if blocked else (
        "off" if p.public_access_block is not None else "not configured")))
    for title, items in (("public policy", p.policy_public), ("other accounts", p.cross_account),
                         ("ACL grants", p.acl_grants)):
        for item in items:
            lines.append(f"  {title:19} {item}")
    by_encryption: dict[str, int] = {}
    for obj in p.objects:
        label = obj.encryption + (f" ({obj.kms_key})" if obj.kms_key else "") + (
            ", noncurrent" if obj.version_id else "")
        by_encryption[label] = by_encryption.get(label, 0) + 1
    for label, count in sorted(by_encryption.items()):
        lines.append(f"  objects             {count} under {label}")
    lines.append("")
    for who in report.principals:
        extra = " (instance profile)" if who.instance_profile else ""
        lines.append(f"{who.verdict:28} {who.kind:5} {who.arn}{extra}")
        if who.verdict != CANNOT_READ:
            lines.append(f"{'':28} s3 via {', '.join(who.s3_allowed_by) or '-'}"
                         + (f"; kms via {', '.join(who.kms_allowed_by)}" if who.kms_allowed_by
                            else ""))
        for condition in who.conditional:
            lines.append(f"{'':28} conditional: {condition}")
    for note in p.notes:
        lines.append(f"note: {note}")
    if report.fixes:
        lines.append("")
        lines.append("fix:")
        lines.extend(f"  - {fix}" for fix in report.fixes)
    return "\n".join(lines) + "\n"
