"""Time as leakwarden writes it: UTC, second precision, ``Z`` suffix, so
reports and state rows sort and compare as plain strings. Every timestamp the
package writes goes through ``iso``; every one it reads through ``parse_iso``."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime | float | int) -> str:
    """``moment`` (a datetime, naive taken as UTC, or a Unix time) as
    ``YYYY-MM-DDTHH:MM:SSZ``."""
    if isinstance(moment, (int, float)):
        moment = datetime.fromtimestamp(moment, timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso(utc_now())


def parse_iso(value: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` or an offset) as an aware datetime.
    Raises ``ValueError``."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def normalize_iso(value: str | None) -> str | None:
    """Any ISO 8601 timestamp in the one form reports use; None when absent or unreadable."""
    if not value:
        return None
    try:
        return iso(parse_iso(value))
    except ValueError:
        return None
