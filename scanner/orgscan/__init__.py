"""The scheduled org-wide scan: mirror every repository of a GitHub org, scan
only what changed since the last run, keep findings in the state file.

``run_nightly`` is the whole scheduled run (audit, scan, exposures, verify,
tickets) as ``leakwarden org scan`` does it; ``run_org_scan`` the scan alone.
"""

from scanner.lazy import lazy_exports

# Loaded on first use: Dask workers import ``scanner.orgscan.task`` and need
# not the audit (nor the coordinator) for it.
_EXPORTS = {
    "NightlyOptions": "scanner.orgscan.nightly",
    "mark_reported": "scanner.orgscan.nightly",
    "run_nightly": "scanner.orgscan.nightly",
    "OrgScanOptions": "scanner.orgscan.coordinator",
    "OrgScanReport": "scanner.orgscan.coordinator",
    "run_org_scan": "scanner.orgscan.coordinator",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = ["NightlyOptions", "OrgScanOptions", "OrgScanReport", "mark_reported", "run_nightly", "run_org_scan"]
