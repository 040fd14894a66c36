-- scan s3:// --state: object versions already scanned with a
-- rule-set version, and what they held (redacted findings only).
CREATE TABLE s3_scanned_versions (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,       -- '' for a latest-only listing
    etag TEXT NOT NULL,
    rules_version TEXT NOT NULL,    -- RuleSet.version + Terraform parser version
    scanned_at TEXT NOT NULL,
    PRIMARY KEY (bucket, key, version_id)
);
CREATE TABLE s3_findings (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    finding TEXT NOT NULL,          -- redacted Finding.to_dict() as JSON
    first_seen TEXT NOT NULL,
    PRIMARY KEY (bucket, key, version_id, fingerprint)
);
