"""A RotationTicket as Markdown (for people and GitHub issues) and as JSON.

The runbook is ordered on purpose. Real incidents went wrong at each step
that is easy to skip: deleting the key destroys the evidence and does not end
the sessions it already minted; an attacker who assumed roles keeps those
role sessions after the key is rotated; and rewriting git history does nothing
once a repository has been public.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from scanner.clock import normalize_iso
from scanner.incident.values import DataRead, data_read_label
from scanner.report.escape import md_code, visible
from scanner.tickets.model import RotationTicket
from scanner.tickets.read_secrets import SecretTicket, Ticket

DENY_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'


@dataclass(frozen=True)
class RunbookStep:
    title: str
    why: str
    commands: tuple[str, ...] = ()


def _revoke_sessions_policy(cutoff: str) -> str:
    return (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",'
        f'"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{cutoff}"}}}}}}]}}'
    )


def runbook(ticket: RotationTicket) -> list[RunbookStep]:
    """The ordered response, with this ticket's key, principal and account filled in."""
    key = ticket.key_id
    name = ticket.principal_name or "PRINCIPAL"
    # IAM compares aws:TokenIssueTime with an ISO 8601 UTC time. The check time
    # is the latest moment known to be after the leak; the text says to use the
    # time the step is taken.
    cutoff = normalize_iso(ticket.checked_at) or "YYYY-MM-DDTHH:MM:SSZ"
    steps: list[RunbookStep] = []

    if ticket.principal_kind == "assumed-role":
        steps.append(
            RunbookStep(
                "Cut off the leaked role session and every session of the role issued before now",
                "A temporary (ASIA) key cannot be deactivated; it stays valid until it expires. "
                "Deny everything to sessions of the role issued before the cutoff (what the "
                "console's 'Revoke active sessions' does; use the current UTC time as the cutoff); "
                "the role itself keeps working for new sessions.",
                (
                    f"aws iam put-role-policy --role-name {name} --policy-name AWSRevokeOlderSessions "
                    f"--policy-document '{_revoke_sessions_policy(cutoff)}'",
                ),
            )
        )
    else:
        steps.append(
            RunbookStep(
                "Deactivate the key (do not delete it yet) and deny everything to its principal",
                "Deactivating stops the key at once and keeps it for the investigation; deleting "
                "it loses 'last used' data and cannot be undone. Sessions the key already minted "
                "(GetSessionToken, GetFederationToken: up to 36 hours) survive deactivation, so an "
                "inline deny-all on the principal stays until those temporary credentials have expired.",
                (
                    f"aws iam update-access-key --user-name {name} --access-key-id {key} --status Inactive",
                    f"aws iam put-user-policy --user-name {name} --policy-name leakwarden-deny-all "
                    f"--policy-document '{DENY_ALL}'",
                ),
            )
        )
    if ticket.investigation:
        steps += _investigated_steps(ticket, cutoff)
    else:
        _cloudtrail_step(steps, key, cutoff)
    _rotate_step(steps, ticket)
    return steps


def _cloudtrail_step(steps: list[RunbookStep], key: str, cutoff: str) -> None:
    steps.append(
        RunbookStep(
            "Find what the key did in CloudTrail; revoke the sessions of every role it assumed",
            "Look at every region and at the organization trail. Pay special attention to "
            "AssumeRole (the attacker keeps those role sessions after this key is rotated), "
            "CreateAccessKey, CreateUser, CreateLoginProfile, GetSessionToken and "
            "GetFederationToken (new ways back in). For each role it assumed, deny sessions issued "
            "before now with an aws:TokenIssueTime condition, as the console's 'Revoke active "
            "sessions' does (the command below uses the time the key was verified live; put in "
            "the current UTC time when you run it); delete any key, user or login profile it created.",
            (
                "aws cloudtrail lookup-events --lookup-attributes "
                f"AttributeKey=AccessKeyId,AttributeValue={key} --region REGION",
                "aws iam put-role-policy --role-name ASSUMED_ROLE --policy-name AWSRevokeOlderSessions "
                f"--policy-document '{_revoke_sessions_policy(cutoff)}'",
            ),
        )
    )


def _rotate_step(steps: list[RunbookStep], ticket: RotationTicket) -> None:
    name = ticket.principal_name or "PRINCIPAL"
    key = ticket.key_id
    read = ticket.investigation.data_read if ticket.investigation else []
    if read:
        listed = "; ".join(sorted({c(_what(d)) for d in read}))
        steps.append(
            RunbookStep(
                "Rotate every credential in what the attacker read",
                f"CloudTrail shows these reads from the attacker's places: {listed}. Terraform state "
                "and database backups hold passwords, keys and connection strings in clear: rotate "
                "each one, and treat the data itself as disclosed."
                + (f" The {len(ticket.children)} secret(s) found in them have their own tickets "
                   "(listed above)." if ticket.children else
                   " `leakwarden scan s3://BUCKET --objects-from INVESTIGATION.json` finds them; "
                   "`leakwarden tickets` then writes one ticket per secret."),
            )
        )
    steps.append(
        RunbookStep(
            "Rotate everything the principal could read",
            "Assume anything it could read is in the attacker's hands: Terraform/OpenTofu state "
            "files, SSM Parameter Store parameters, Secrets Manager secrets, S3 objects holding "
            "configuration, and the credentials inside them. IAM Access Advisor shows which "
            "services it used.",
            (
                # IAM wants the user's or role's ARN, never an STS session ARN
                f"aws iam generate-service-last-accessed-details --arn {ticket.iam_arn or 'PRINCIPAL_ARN'}",
            ),
        )
    )
    steps.append(
        RunbookStep(
            "Replace the key in every CI secret store that held it",
            "GitHub Actions secrets (repository, environment, organization), GitLab CI variables, "
            "Jenkins credentials, CircleCI contexts, deployment tooling. Issue a new key (or "
            "better, move the workload to a role with short-lived credentials), deploy it, then "
            "delete the old key once nothing fails.",
            (
                f"aws iam create-access-key --user-name {name}",
                f"aws iam delete-access-key --user-name {name} --access-key-id {key}",
            )
            if ticket.principal_kind != "assumed-role"
            else (),
        )
    )
    steps.append(
        RunbookStep(
            "Remove it from the code, knowing that this does not undo a public exposure",
            "Delete the credential from the files listed above and load it from the environment "
            "or a secrets manager instead. Rewriting git history does not help once the "
            "repository has been public: clones, forks, caches and pull-request refs keep the "
            "old objects. Rotation (the steps above) is what ends the exposure.",
        )
    )


def c(value: object) -> str:
    """A value from outside (CloudTrail, an investigation file) as an inline code span."""
    return md_code(str(value if value not in (None, "") else "-"))


def _what(d: DataRead) -> str:
    text = data_read_label(d)
    flags = d.get("flags") or []
    return text + (f" [{', '.join(flags)}]" if flags else "")


def _investigated_steps(ticket: RotationTicket, cutoff: str) -> list[RunbookStep]:
    """The CloudTrail step with the investigation's real roles, sessions and keys."""
    from scanner.incident.contain import BLUNT_POLICY, surgical_policy

    inv = ticket.investigation
    assert inv is not None  # runbook() calls this only with an investigation
    steps: list[RunbookStep] = []
    sessions = inv.sessions
    commands: list[str] = []
    notes: list[str] = []
    for role in inv.roles:
        name = role.get("role_name")
        # CloudTrail values (session names, IPs, object keys) are chosen by the
        # attacker: in the step's text each is a code span, never Markdown.
        ids = ", ".join(f"{c(s.get('key_id'))} ({c(s.get('assumed_role_id'))})" for s in role.get("sessions", []))
        if ":role/aws-service-role/" in (role.get("role_arn") or ""):
            notes.append(f"{c(name)} is service-linked: its policies cannot be changed ({ids})")
            continue
        if all(s.get("assumed_role_id") for s in role.get("sessions", [])):
            doc = json.dumps(surgical_policy(role), separators=(",", ":"), sort_keys=True)
            commands.append(f"aws iam put-role-policy --role-name {name} --policy-name "
                            f"leakwarden-contain --policy-document '{doc}'")
        else:
            commands.append(f"aws iam put-role-policy --role-name {name} --policy-name {BLUNT_POLICY} "
                            f"--policy-document '{_revoke_sessions_policy(cutoff)}'")
        notes.append(f"{c(name)}: attacker session(s) {ids}")
    for entry in inv.user_sessions:
        commands.append(f"aws iam put-user-policy --user-name {entry.get('user')} --policy-name "
                        f"leakwarden-contain-sessions --policy-document '{_revoke_sessions_policy(cutoff)}'")
        notes.append(f"user {c(entry.get('user'))}: session token(s) "
                     + ", ".join(c(s.get("key_id", "")) for s in entry.get("sessions", [])))
    if sessions or commands:
        steps.append(RunbookStep(
            "Cut off the sessions the key minted (`leakwarden contain INVESTIGATION.json --apply`)",
            f"Verdict: {c(inv.verdict)}. The attacker's sessions outlive the key: "
            + "; ".join(notes) + ". The policy below denies only those sessions (their aws:userid) "
            "and the attacker's IPs (" + ", ".join(c(ip) for ip in inv.attacker_ips) + "), so the role's "
            "legitimate users keep working; sessions minted before the exposure are not touched.",
            tuple(commands),
        ))
    created = inv.created_keys
    persistence = [p for p in inv.persistence if p.get("action") != "CreateAccessKey"]
    if created or persistence:
        cmds = [f"aws iam update-access-key --user-name {k.get('user')} --access-key-id {k.get('key_id')} "
                "--status Inactive" for k in created]
        for p in persistence:
            t = p.get("target") or {}
            if p.get("action") == "CreateLoginProfile":
                cmds.append(f"aws iam delete-login-profile --user-name {t.get('userName')}")
            elif p.get("action") == "AttachUserPolicy":
                cmds.append(f"aws iam detach-user-policy --user-name {t.get('userName')} "
                            f"--policy-arn {t.get('policyArn')}")
            elif p.get("action") == "AttachRolePolicy":
                cmds.append(f"aws iam detach-role-policy --role-name {t.get('roleName')} "
                            f"--policy-arn {t.get('policyArn')}")
        what = "; ".join(f"{c(p.get('action'))} " + ", ".join(c(f"{k}={v}") for k, v in (p.get("target") or {}).items()
                                                              if "Document" not in k)
                         for p in inv.persistence)
        steps.append(RunbookStep(
            "Remove the attacker's way back in",
            f"Persistence seen in CloudTrail: {what}. Deactivate the keys it created and delete the "
            "login profiles; check each policy change before detaching it.",
            tuple(cmds),
        ))
    if not steps:
        steps.append(RunbookStep(
            "No session or persistence from a new place in CloudTrail",
            f"Verdict: {c(inv.verdict)} (" + "; ".join(c(r) for r in inv.reasons) + "), over "
            f"{c(inv.window['since'] if inv.window else None)} .. "
            f"{c(inv.window['until'] if inv.window else None)}.",
        ))
    return steps


def secret_runbook(ticket: SecretTicket) -> list[RunbookStep]:
    """The ordered response for a secret the attacker read: rotate it where
    it is issued first, then look for its use, then stop the state holding it."""
    place = ticket.places[0] if ticket.places else None
    since = (ticket.first_read.time if ticket.first_read else None) or "the first read"
    where = f"s3://{place.bucket}/{place.key}" if place else "the object"
    prefix = where.rsplit("/", 1)[0] + "/" if place and "/" in place.key else where
    return [
        RunbookStep(
            f"Rotate {_what_md(ticket)} where it is issued",
            "The attacker holds the value that was in the object version below, whatever happens "
            "to the AWS key that read it. Issue a new value at its source "
            + (f"(the {c(ticket.resource_type)} resource; with Terraform: change or taint "
               f"{c(ticket.resource)} and apply) " if ticket.resource and ticket.resource_type
               else "")
            + "and roll it out to everything that uses it before revoking the old one.",
        ),
        RunbookStep(
            "Look for use of the old value since it was read",
            f"From {c(since)} on: database and service logs for sign-ins with the old credential, "
            "above all from the attacker's addresses listed above. Treat the data behind it as "
            "disclosed if it was used.",
        ),
        RunbookStep(
            "Keep the next value out of readable state",
            "Old versions of a state file keep old secrets, so deleting them is no rotation; do it "
            "only after rotating. Mark the attribute sensitive or write-only, or manage it outside "
            "Terraform; move the state to SSE-KMS with a key policy limited to the deploy role "
            "(or OpenTofu client-side state encryption), and check who can read it now.",
            (f"leakwarden aws state-access {visible(prefix)}",),
        ),
    ]


def render_markdown(ticket: Ticket) -> str:
    """The ticket as Markdown (``report/templates/ticket.md.j2``, or
    ``secret_ticket.md.j2`` for a secret the attacker read), starting with
    the hidden fingerprint marker. Runbook commands are our own text with
    the key id and IAM names filled in; they pass ``visible`` so no value
    can end the code block's line."""
    from scanner.report.templating import render_template

    if isinstance(ticket, SecretTicket):
        return _render_secret_ticket(ticket)
    steps = [RunbookStep(s.title, s.why, tuple(visible(cmd).replace("`", "'") for cmd in s.commands))
             for s in runbook(ticket)]
    authors = [f"{loc.author} <{loc.email}>" if loc.author and loc.email else loc.author
               for loc in ticket.locations]
    inv = ticket.investigation
    what = [_what(d) for d in inv.data_read] if inv else []
    links = [_safe_link(loc.url) for loc in ticket.locations]
    return render_template("ticket.md.j2", ticket=ticket, steps=steps, authors=authors,
                           inv=inv, what=what, links=links)


# A commit link is written into Markdown as it is, so only a URL of this plain
# shape (host, owner/repo, /commit/ and a hex id) is linked; anything else
# shows the commit id alone.
_LINK = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]+)?/[A-Za-z0-9._/-]+/commit/[0-9a-f]{7,64}$")


def _safe_link(url: str | None) -> str | None:
    return url if url and _LINK.match(url) else None


# Where a parent ticket is, as a destination links it: an issue number on
# the same repository, or the parent's file beside the child's.
_PARENT_LINK = re.compile(r"^(?:#[0-9]+|[0-9a-f]{16}\.md)$")


def _render_secret_ticket(ticket: SecretTicket) -> str:
    from scanner.report.templating import render_template

    steps = [RunbookStep(s.title, s.why, tuple(visible(cmd).replace("`", "'") for cmd in s.commands))
             for s in secret_runbook(ticket)]
    parent = ticket.parent if ticket.parent and _PARENT_LINK.match(ticket.parent) else None
    address = f"{ticket.resource}.{ticket.attribute}" if ticket.resource and ticket.attribute \
        else None
    return render_template("secret_ticket.md.j2", ticket=ticket, steps=steps, parent_link=parent,
                           first=ticket.places[0], read=ticket.first_read, address=address,
                           what=_what_md(ticket))


def _what_md(ticket: SecretTicket) -> str:
    """``the password of `aws_db_instance.main```: a plain attribute name reads
    as a word; anything else the state file holds is a code span."""
    if ticket.resource and ticket.attribute:
        word = ticket.attribute if re.fullmatch(r"[a-z][a-z0-9_]{0,63}", ticket.attribute) \
            else c(ticket.attribute)
        return f"the {word} of {c(ticket.resource)}"
    return f"the {c(ticket.description)} ({c(ticket.rule)})"


def render_json(ticket: Ticket) -> str:
    """The ticket and its runbook as stable, sorted JSON."""
    data = ticket.to_dict()
    steps = secret_runbook(ticket) if isinstance(ticket, SecretTicket) else runbook(ticket)
    data["runbook"] = [{"title": s.title, "why": s.why, "commands": list(s.commands)}
                       for s in steps]
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
