"""What a checkout adds to a scan: its configuration (``.leakwarden.toml``,
``[tool.leakwarden]``), a migrated ``.gitleaks.toml``, baselines and ignore
files. The command line and the pre-commit fast path both call ``setup``."""
