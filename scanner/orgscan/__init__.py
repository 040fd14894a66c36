"""The scheduled org-wide scan: mirror every repository of a GitHub org, scan
only what changed since the last run, keep findings in the state file.
Entry point: ``scanner.orgscan.coordinator.run_org_scan``."""
