"""Incident response after a key is live: ``investigate`` (CloudTrail lineage of
the key and every session it spawned) and ``contain`` (cut them all off).

Exports load on first use: boto3 and duckdb must not slow down ``leakwarden --help``.
"""

from scanner.lazy import lazy_exports

_EXPORTS = {
    "LocalTrail": "scanner.incident.cloudtrail",
    "S3Trail": "scanner.incident.cloudtrail",
    "LookupEvents": "scanner.incident.cloudtrail",
    "Window": "scanner.incident.cloudtrail",
    "LineageDB": "scanner.incident.lineage",
    "athena_lineage_sql": "scanner.incident.lineage",
    "Seed": "scanner.incident.investigate",
    "InvestigateOptions": "scanner.incident.investigate",
    "investigate": "scanner.incident.investigate",
    "seeds_from_report": "scanner.incident.investigate",
    "seeds_from_guardduty": "scanner.incident.investigate",
    "seeds_from_user": "scanner.incident.investigate",
    "ContainOptions": "scanner.incident.contain",
    "plan": "scanner.incident.contain",
    "apply": "scanner.incident.contain",
    "render": "scanner.incident.render",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = sorted(_EXPORTS)
