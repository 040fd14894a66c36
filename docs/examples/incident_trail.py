"""Write a small example CloudTrail trail telling the seed incident, to try
`leakwarden investigate` and `contain` on without an AWS account.

    python docs/examples/incident_trail.py /tmp/lw-example

Every key ID in it is made up (none was issued by AWS). The leaked CI key is
AKIARZPUZDIKAAAAAAAA; it runs CI from 20.42.10.7 for four weeks; the repository
goes public on 2026-10-20 at 09:00 UTC; two days later someone at 203.0.113.50
assumes eks-node-role with it, reads a database backup and Terraform state and
creates an access key for another user.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scanner.clock import iso, parse_iso
from scanner.incident.cloudtrail import trail_key, write_trail_file

ACCOUNT = "123456789012"
CI_KEY = "AKIARZPUZDIKAAAAAAAA"
SESSION = "ASIARZPUZDIKBBBBBBBB"
CREATED = "AKIARZPUZDIKCCCCCCCC"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node-role"
ROLE_ID = "AROARZPUZDIKDDDDDDDDD"
CI = {"type": "IAMUser", "principalId": "AIDARZPUZDIKEEEEEEEEE", "arn": f"arn:aws:iam::{ACCOUNT}:user/ci-deployer",
      "accountId": ACCOUNT, "accessKeyId": CI_KEY, "userName": "ci-deployer"}
SESSION_ID = {"type": "AssumedRole", "principalId": f"{ROLE_ID}:node-maintenance", "accountId": ACCOUNT,
              "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/eks-node-role/node-maintenance",
              "accessKeyId": SESSION, "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE}}}


def _record(n: int, when: datetime, source: str, name: str, who: dict, ip: str, ua: str,
            request: dict | None = None, response: dict | None = None, data: bool = False) -> dict:
    return {"eventVersion": "1.09", "eventID": f"00000000-0000-4000-8000-{n:012d}",
            "eventTime": iso(when), "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": ua, "userIdentity": who,
            "requestParameters": request, "responseElements": response, "recipientAccountId": ACCOUNT,
            "eventCategory": "Data" if data else "Management"}


def main(root: Path) -> None:
    records = []
    ci_ua = "aws-cli/2.15.30 exec-env/GitHub-Actions"
    day = datetime(2026, 10, 1, 10, 0, tzinfo=timezone.utc)
    while day < datetime(2026, 10, 29, tzinfo=timezone.utc):
        records.append(_record(len(records), day, "sts.amazonaws.com", "GetCallerIdentity", CI, "20.42.10.7", ci_ua))
        records.append(_record(len(records), day + timedelta(seconds=30), "s3.amazonaws.com", "PutObject", CI,
                               "20.42.10.7", ci_ua, {"bucketName": "acme-artifacts", "key": f"{day:%m%d}.tgz"},
                               data=True))
        day += timedelta(days=1)
    t = datetime(2026, 10, 22, 2, 10, tzinfo=timezone.utc)
    bad, ua = "203.0.113.50", "Boto3/1.34.51 Python/3.12.2"
    records += [
        _record(900, t, "sts.amazonaws.com", "GetCallerIdentity", CI, bad, ua),
        _record(901, t + timedelta(minutes=5), "sts.amazonaws.com", "AssumeRole", CI, bad, ua,
                {"roleArn": ROLE, "roleSessionName": "node-maintenance"},
                {"credentials": {"accessKeyId": SESSION, "expiration": "Oct 22, 2026, 3:15:00 AM"},
                 "assumedRoleUser": {"assumedRoleId": f"{ROLE_ID}:node-maintenance",
                                     "arn": SESSION_ID["arn"]}}),
        _record(902, t + timedelta(minutes=10), "s3.amazonaws.com", "GetObject", SESSION_ID, bad, ua,
                {"bucketName": "acme-backups", "key": "backups/db.sql.gz"}, data=True),
        _record(903, t + timedelta(minutes=12), "s3.amazonaws.com", "GetObject", SESSION_ID, bad, ua,
                {"bucketName": "acme-tfstate", "key": "env/prod.tfstate"}, data=True),
        _record(904, t + timedelta(minutes=15), "iam.amazonaws.com", "CreateAccessKey", SESSION_ID, bad, ua,
                {"userName": "ops-backup"}, {"accessKey": {"accessKeyId": CREATED, "userName": "ops-backup"}}),
    ]
    by_hour: dict[datetime, list[dict]] = {}
    for rec in records:
        when = parse_iso(rec["eventTime"])
        by_hour.setdefault(when.replace(minute=0, second=0) + timedelta(hours=1), []).append(rec)
    for n, (stamp, recs) in enumerate(sorted(by_hour.items())):
        write_trail_file(root / trail_key(ACCOUNT, "us-east-1", stamp, f"example{n:04d}"), recs)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "lw-example"))
