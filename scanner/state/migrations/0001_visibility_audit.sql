CREATE TABLE repo_visibility (
    repo TEXT PRIMARY KEY,          -- owner/name
    org TEXT NOT NULL,
    visibility TEXT NOT NULL,       -- public, private, internal
    archived INTEGER NOT NULL DEFAULT 0,
    fork INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,       -- first run that saw the repo
    visibility_since TEXT NOT NULL, -- first run that saw the current visibility
    last_seen TEXT NOT NULL         -- last run that saw it (start of the next window)
);
CREATE INDEX repo_visibility_org ON repo_visibility(org);
CREATE TABLE visibility_changes (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,       -- dedupes the same change seen by later runs
    org TEXT NOT NULL,
    repo TEXT NOT NULL,
    from_visibility TEXT,
    to_visibility TEXT NOT NULL,
    at TEXT,                        -- exact time when the source has one
    window_after TEXT,              -- else: happened after this ...
    window_before TEXT,             -- ... and before this
    actor TEXT,
    source TEXT NOT NULL,           -- audit-log, events, snapshot
    recorded_at TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0  -- 1 once a finished run has reported it
);
CREATE INDEX visibility_changes_repo ON visibility_changes(repo);
CREATE TABLE violations (
    repo TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    pattern TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE exposures (
    repo TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    org TEXT NOT NULL,
    rule TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    exposed_since TEXT,
    public_now INTEGER NOT NULL,
    finding TEXT NOT NULL,          -- redacted Finding.to_dict() as JSON
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (repo, fingerprint)
);
CREATE INDEX exposures_org ON exposures(org);
CREATE TABLE audit_scans (
    repo TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    scan_key TEXT NOT NULL,         -- digest of the mirror's refs + rule-set version
    scanned_at TEXT NOT NULL
);
