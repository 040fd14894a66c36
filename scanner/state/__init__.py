"""Durable product state in SQLite: the visibility audit's snapshots and the
org scan's cursors and findings. Secrets are never stored, only keyed hashes
and the location they can be re-read from."""
