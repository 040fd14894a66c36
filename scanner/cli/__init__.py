"""The command line: thin typer commands over the library (``app``), and the
pre-commit fast path (``fastpath``), which must import neither typer nor rich."""
