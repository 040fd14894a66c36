"""GitHub side of leakwarden: list an org's repos, learn when they went public,
mirror them and tie their findings to the time they became exposed.

Library entry point: ``scanner.github.audit.run_audit``; the CLI in
``scanner.github.cli`` is a thin layer over it.
"""
