"""Rotation tickets for live leaked AWS keys: model, rendering, destinations.

``tickets_from_report`` builds them from a verified report; ``parse_destination``
turns ``dir:PATH``, ``-`` or ``github:OWNER/REPO`` into somewhere to send them.
"""

import importlib
from typing import Any

# Exports load on first use, so that `leakwarden` starts fast (see scanner.cli.app).
_EXPORTS = {
    "DestinationError": "scanner.tickets.model",
    "DirDestination": "scanner.tickets.destinations",
    "StdoutDestination": "scanner.tickets.destinations",
    "TicketOutcome": "scanner.tickets.model",
    "parse_destination": "scanner.tickets.destinations",
    "RotationTicket": "scanner.tickets.model",
    "TicketLocation": "scanner.tickets.model",
    "tickets_from_report": "scanner.tickets.model",
    "render_json": "scanner.tickets.render",
    "render_markdown": "scanner.tickets.render",
    "runbook": "scanner.tickets.render",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'scanner.tickets' has no attribute {name!r}")


__all__ = [
    "DestinationError",
    "DirDestination",
    "RotationTicket",
    "StdoutDestination",
    "TicketLocation",
    "TicketOutcome",
    "parse_destination",
    "render_json",
    "render_markdown",
    "runbook",
    "tickets_from_report",
]
