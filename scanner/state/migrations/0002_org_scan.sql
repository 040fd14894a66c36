CREATE TABLE org_scan_cursors (
    repo TEXT PRIMARY KEY,          -- owner/name
    org TEXT NOT NULL,
    rules_version TEXT NOT NULL,    -- RuleSet.version the blobs were scanned with
    tips TEXT NOT NULL,             -- JSON {refname: object id} at that scan
    blobs BLOB NOT NULL,            -- scanned blob ids: zlib of sorted, newline-joined hex
    blob_count INTEGER NOT NULL,
    scanned_at TEXT NOT NULL
);
CREATE INDEX org_scan_cursors_org ON org_scan_cursors(org);
CREATE TABLE org_scan_repos (
    repo TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    status TEXT NOT NULL,           -- scanned, unchanged, failed, removed
    error_kind TEXT,                -- clone, fetch, timeout, rate-limit, corrupt, ...
    error TEXT,
    failures INTEGER NOT NULL DEFAULT 0,  -- failed runs in a row
    last_attempt TEXT NOT NULL,
    last_success TEXT
);
CREATE INDEX org_scan_repos_org ON org_scan_repos(org);
CREATE TABLE org_findings (
    repo TEXT NOT NULL,
    fingerprint TEXT NOT NULL,      -- rule + blob + span
    org TEXT NOT NULL,
    rule TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    blob TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',  -- open, resolved (no longer reachable), ignored
    finding TEXT NOT NULL,          -- redacted Finding.to_dict() + repo, as JSON
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,        -- last run that saw it reachable
    resolved_at TEXT,
    ignored_reason TEXT,
    reported INTEGER NOT NULL DEFAULT 0,  -- 1 once a finished run has reported it
    PRIMARY KEY (repo, fingerprint)
);
CREATE INDEX org_findings_org ON org_findings(org, reported);
