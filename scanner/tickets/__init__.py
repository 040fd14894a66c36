"""Rotation tickets for live leaked AWS keys: model, rendering, destinations.

``tickets_from_report`` builds them from a verified report; ``parse_destination``
turns ``dir:PATH``, ``-`` or ``github:OWNER/REPO`` into somewhere to send them.
"""

from scanner.tickets.destinations import (
    DestinationError,
    DirDestination,
    StdoutDestination,
    TicketOutcome,
    parse_destination,
)
from scanner.tickets.model import RotationTicket, TicketLocation, tickets_from_report
from scanner.tickets.render import render_json, render_markdown, runbook

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
