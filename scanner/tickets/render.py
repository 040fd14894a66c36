"""A RotationTicket as Markdown (for people and GitHub issues) and as JSON.

The runbook is ordered on purpose. Real incidents went wrong at each step
that is easy to skip: deleting the key destroys the evidence and does not end
the sessions it already minted; an attacker who assumed roles keeps those
role sessions after the key is rotated; and rewriting git history does nothing
once a repository has been public.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scanner.clock import normalize_iso
from scanner.report.escape import visible
from scanner.tickets.model import RotationTicket

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
    steps.append(
        RunbookStep(
            "Rotate everything the principal could read",
            "Assume anything it could read is in the attacker's hands: Terraform/OpenTofu state "
            "files, SSM Parameter Store parameters, Secrets Manager secrets, S3 objects holding "
            "configuration, and the credentials inside them. IAM Access Advisor shows which "
            "services it used.",
            (
                f"aws iam generate-service-last-accessed-details --arn {ticket.arn or 'PRINCIPAL_ARN'}",
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
    return steps


def render_markdown(ticket: RotationTicket) -> str:
    """The ticket as Markdown (``report/templates/ticket.md.j2``), starting
    with the hidden fingerprint marker. Runbook commands are our own text
    with the key id and IAM names filled in; they pass ``visible`` so no
    value can end the code block's line."""
    from scanner.report.templating import render_template

    steps = [RunbookStep(s.title, s.why, tuple(visible(c).replace("`", "'") for c in s.commands))
             for s in runbook(ticket)]
    authors = [f"{loc.author} <{loc.email}>" if loc.author and loc.email else loc.author
               for loc in ticket.locations]
    return render_template("ticket.md.j2", ticket=ticket, steps=steps, authors=authors)


def render_json(ticket: RotationTicket) -> str:
    """The ticket and its runbook as stable, sorted JSON."""
    data: dict[str, Any] = ticket.to_dict()
    data["runbook"] = [
        {"title": s.title, "why": s.why, "commands": list(s.commands)} for s in runbook(ticket)
    ]
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
