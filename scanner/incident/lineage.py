"""The lineage questions as SQL: one set of queries, two engines.

``cloudtrail`` is a table with the columns of the CloudTrail table Athena
creates over a trail (``useridentity`` a struct, ``requestparameters`` and
``responseelements`` JSON text, ``eventtime`` an ISO string). DuckDB (embedded,
the default) holds the pre-filtered records in such a table; Athena holds the
whole trail in it. ``EVENTS_SELECT`` flattens it into the ``events`` shape the
rest of the investigation reads, and ``athena_lineage_sql`` is the recursive
query that a responder runs on Athena when the trail is too big to stream:
its exported CSV (``investigate --athena-results``) is loaded as ``events``
directly, so both engines feed the same report.

DuckDB is opened with extension auto-install and auto-load off: its JSON
reader is built into the wheel, and nothing may be downloaded at run time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from scanner.incident.values import ActivityRow, CallRow, MintedRow, SameNameRow

# A query's parameters and a row as DuckDB hands them back: column name -> value.
SqlValue = str | int | float | bool | list[str] | None
Row = dict[str, SqlValue]

# Calls that hand out new credentials. AssumeRoleWithWebIdentity/SAML are made
# with a token, not a key, so they only show up when a followed session is
# the token's subject; they are listed for completeness.
MINTING_EVENTS = (
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
    "AssumeRoleWithSAML",
    "GetSessionToken",
    "GetFederationToken",
    "CreateAccessKey",
)

# The CloudTrail record fields the investigation reads, as DuckDB's JSON reader
# types them. Names are CloudTrail's; SQL identifiers are case-insensitive, so
# the queries use Athena's lower-case column names.
_COLUMNS = {
    "eventID": "VARCHAR",
    "eventTime": "VARCHAR",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "recipientAccountId": "VARCHAR",
    "eventCategory": "VARCHAR",
    "userIdentity": (
        "STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, "
        "invokedBy VARCHAR, accessKeyId VARCHAR, userName VARCHAR, "
        "sessionContext STRUCT(sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, "
        "arn VARCHAR, accountId VARCHAR, userName VARCHAR)))"
    ),
    "requestParameters": "JSON",
    "responseElements": "JSON",
}

# Valid in Trino (Athena) and DuckDB alike.
EVENTS_SELECT = """
SELECT
  eventid AS event_id,
  eventtime AS event_time,
  eventsource AS event_source,
  eventname AS event_name,
  awsregion AS aws_region,
  sourceipaddress AS source_ip,
  useragent AS user_agent,
  errorcode AS error_code,
  recipientaccountid AS account_id,
  eventcategory AS event_category,
  useridentity.type AS identity_type,
  useridentity.accesskeyid AS access_key_id,
  useridentity.arn AS principal_arn,
  useridentity.username AS user_name,
  useridentity.principalid AS principal_id,
  useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
  CAST(requestparameters AS VARCHAR) AS request_parameters,
  CAST(responseelements AS VARCHAR) AS response_elements
FROM {table}
"""

EVENT_COLUMNS = (
    "event_id", "event_time", "event_source", "event_name", "aws_region", "source_ip",
    "user_agent", "error_code", "account_id", "event_category", "identity_type",
    "access_key_id", "principal_arn", "user_name", "principal_id", "issuer_arn",
    "request_parameters", "response_elements",
)

# Credentials minted by the followed keys: the next keys to follow.
MINTED_SQL = f"""
SELECT
  event_time, event_id, event_name, access_key_id AS parent_key_id, user_name, aws_region,
  source_ip, user_agent, error_code,
  json_extract_scalar(request_parameters, '$.roleArn') AS role_arn,
  json_extract_scalar(request_parameters, '$.roleSessionName') AS session_name,
  json_extract_scalar(request_parameters, '$.name') AS federated_name,
  COALESCE(json_extract_scalar(response_elements, '$.credentials.accessKeyId'),
           json_extract_scalar(response_elements, '$.accessKey.accessKeyId')) AS new_key_id,
  json_extract_scalar(response_elements, '$.credentials.expiration') AS expiration,
  json_extract_scalar(response_elements, '$.assumedRoleUser.assumedRoleId') AS assumed_role_id,
  json_extract_scalar(response_elements, '$.assumedRoleUser.arn') AS assumed_role_arn,
  json_extract_scalar(response_elements, '$.federatedUser.federatedUserId') AS federated_user_id,
  json_extract_scalar(response_elements, '$.accessKey.userName') AS created_for_user
FROM events
WHERE access_key_id IN (SELECT key_id FROM followed)
  AND event_name IN ({", ".join(f"'{e}'" for e in MINTING_EVENTS)})
ORDER BY event_time, event_id
"""

# Everything the followed keys did, one row per call (the report groups them).
CALLS_SQL = """
SELECT event_time, event_id, access_key_id, event_source, event_name, aws_region, source_ip,
       user_agent, error_code, user_name, principal_arn, identity_type, account_id,
       request_parameters, response_elements
FROM events
WHERE access_key_id IN (SELECT key_id FROM followed)
ORDER BY event_time, event_id
"""

# Calls grouped by key, service and action: the part of the report a person reads first.
ACTIVITY_SQL = """
SELECT access_key_id, event_source, event_name, count(*) AS calls,
       min(event_time) AS first_seen, max(event_time) AS last_seen,
       list_sort(list_distinct(list(aws_region))) AS regions,
       list_sort(list_distinct(list(error_code) FILTER (WHERE error_code IS NOT NULL))) AS errors,
       count(*) FILTER (WHERE error_code IS NOT NULL) AS failed
FROM events
WHERE access_key_id IN (SELECT key_id FROM followed)
GROUP BY ALL
ORDER BY access_key_id, event_source, event_name
"""

# Other sessions of a role under the same session name: a surgical deny on
# ROLEID:session-name would hit them too.
SAME_NAME_SQL = """
SELECT event_time, access_key_id AS parent_key_id, source_ip,
       json_extract_scalar(response_elements, '$.credentials.accessKeyId') AS new_key_id,
       json_extract_scalar(response_elements, '$.assumedRoleUser.assumedRoleId') AS assumed_role_id
FROM events
WHERE event_name = 'AssumeRole'
  AND json_extract_scalar(request_parameters, '$.roleArn') = ?
  AND json_extract_scalar(request_parameters, '$.roleSessionName') = ?
ORDER BY event_time, event_id
"""


def athena_lineage_sql(
    key_ids: Iterable[str], since: str, until: str, table: str = "cloudtrail", depth: int = 8
) -> str:
    """The lineage of ``key_ids`` as one recursive query over Athena's CloudTrail table.

    Its result has the ``events`` columns; export it as CSV and pass it to
    ``investigate --athena-results``. The depth bound is the cycle protection
    Trino needs (and caps role chains, which AWS limits anyway).
    """
    seeds = ", ".join(f"('{k}')" for k in sorted(set(key_ids)))
    minting = ", ".join(f"'{e}'" for e in MINTING_EVENTS)
    events = EVENTS_SELECT.format(table=table).strip()
    return f"""WITH RECURSIVE lineage (key_id, depth) AS (
  SELECT key_id, 0 FROM (VALUES {seeds}) AS seeds (key_id)
  UNION ALL
  SELECT COALESCE(json_extract_scalar(c.responseelements, '$.credentials.accessKeyId'),
                  json_extract_scalar(c.responseelements, '$.accessKey.accessKeyId')),
         l.depth + 1
  FROM {table} c JOIN lineage l ON c.useridentity.accesskeyid = l.key_id
  WHERE c.eventname IN ({minting})
    AND c.errorcode IS NULL
    AND c.eventtime BETWEEN '{since}' AND '{until}'
    AND l.depth < {depth}
)
SELECT * FROM (
{events}
) AS events
WHERE access_key_id IN (SELECT key_id FROM lineage WHERE key_id IS NOT NULL)
  AND event_time BETWEEN '{since}' AND '{until}'
ORDER BY event_time, event_id
"""


class LineageDB:
    """An embedded DuckDB holding the records found so far, with ``events`` over them."""

    def __init__(self) -> None:
        import duckdb

        self.conn = duckdb.connect(
            ":memory:",
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
        # Athena's name for DuckDB's json_extract_string: the queries stay one text.
        self.conn.execute("CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)")
        self.conn.execute("CREATE TABLE followed (key_id VARCHAR)")
        self._columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _COLUMNS.items()) + "}"
        self._mode: str | None = None

    def add_records(self, records: list[str]) -> None:
        """Load CloudTrail records (JSON text, one each) into ``cloudtrail``."""
        if self._mode == "athena":
            raise ValueError("records cannot be mixed with an Athena result")
        if not records:
            if self._mode is None:
                self.add_records_sql_empty()
            return
        fd, name = tempfile.mkstemp(suffix=".ndjson", prefix="leakwarden-trail-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("\n".join(records))
                out.write("\n")
            source = (
                f"read_json('{_quote(name)}', format='newline_delimited', "
                f"columns={self._columns})"
            )
            if self._mode is None:
                self.conn.execute(f"CREATE TABLE cloudtrail AS SELECT * FROM {source}")
                self._create_events_view()
            else:
                self.conn.execute(f"INSERT INTO cloudtrail SELECT * FROM {source}")
        finally:
            os.unlink(name)

    def add_records_sql_empty(self) -> None:
        cols = ", ".join(f'"{k}" {v}' for k, v in _COLUMNS.items())
        self.conn.execute(f"CREATE TABLE cloudtrail ({cols})")
        self._create_events_view()

    def _create_events_view(self) -> None:
        self._mode = "trail"
        # Records found by two needles in two passes are loaded twice: one row each.
        self.conn.execute(
            "CREATE VIEW events AS SELECT DISTINCT * FROM ("
            + EVENTS_SELECT.format(table="cloudtrail")
            + ")"
        )

    def load_athena_results(self, path: str | os.PathLike[str]) -> int:
        """Load an exported result of ``athena_lineage_sql`` (CSV with a header) as ``events``."""
        if self._mode is not None:
            raise ValueError("an Athena result is the whole lineage; load it alone")
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in EVENT_COLUMNS)
        try:
            self.conn.execute(
                "CREATE TABLE athena AS SELECT * FROM read_csv("
                f"'{_quote(str(Path(path)))}', header=true, columns={{{types}}})"
            )
        except Exception as exc:  # duckdb errors: a CSV of other columns
            raise ValueError(
                f"{path}: not an exported result of the documented lineage query ({exc})"
            ) from exc
        # Athena writes empty strings for NULLs in CSV.
        cols = ", ".join(f"NULLIF({c}, '') AS {c}" for c in EVENT_COLUMNS)
        self.conn.execute(f"CREATE VIEW events AS SELECT DISTINCT {cols} FROM athena")
        self._mode = "athena"
        row = self.conn.execute("SELECT count(*) FROM events").fetchone()
        return int(row[0]) if row else 0

    def set_followed(self, key_ids: Iterable[str]) -> None:
        self.conn.execute("DELETE FROM followed")
        rows = [(k,) for k in sorted(set(key_ids))]
        if rows:
            self.conn.executemany("INSERT INTO followed VALUES (?)", rows)

    def query(self, sql: str, params: list[SqlValue] | None = None) -> list[Row]:
        if self._mode is None:
            self.add_records_sql_empty()
        cursor = self.conn.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]

    # The typed questions: each query's columns are its row type's keys.
    def minted(self) -> list[MintedRow]:
        return cast("list[MintedRow]", self.query(MINTED_SQL))

    def calls(self) -> list[CallRow]:
        return cast("list[CallRow]", self.query(CALLS_SQL))

    def activity(self) -> list[ActivityRow]:
        return cast("list[ActivityRow]", self.query(ACTIVITY_SQL))

    def same_name_sessions(self, role_arn: str, session_name: str) -> list[SameNameRow]:
        return cast("list[SameNameRow]", self.query(SAME_NAME_SQL, [role_arn, session_name]))

    def close(self) -> None:
        self.conn.close()


def _quote(text: str) -> str:
    return text.replace("'", "''")
