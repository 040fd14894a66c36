"""The engine: bytes in, matches out. Rules are data (``rules``), compiled
state lives here (``prefilter``, ``matcher``); nothing in this package knows
about git, GitHub, AWS or the command line."""
