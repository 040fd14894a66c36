"""The GitHub visibility audit: which repositories went private -> public,
when and by whom, which policies that broke, and which leaked secrets it
exposed since when. Entry point: ``scanner.audit.run.run_audit``."""
