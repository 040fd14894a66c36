"""GitHub side of leakwarden: list an org's repos, learn when they went public,
mirror them and tie their findings to the time they became exposed.

Library entry points: ``scanner.github.audit.run_audit`` and, for the
incremental org-wide scan, ``scanner.github.orgscan.run_org_scan``; the CLI in
``scanner.github.cli`` (and ``orgscan_cli``) is a thin layer over them.
"""
