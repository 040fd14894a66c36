"""Rotation tickets for live leaked AWS keys: model, rendering, destinations.

``tickets_from_report`` builds them from a verified report;
``secret_tickets_from_findings`` builds the child tickets, one per secret
found in what an attacker read; ``parse_destination`` turns ``dir:PATH``,
``-`` or ``github:OWNER/REPO`` into somewhere to send them.
"""

from scanner.lazy import lazy_exports

# Exports load on first use, so that `leakwarden` starts fast (see scanner.cli.app).
_EXPORTS = {
    "DestinationError": "scanner.tickets.model",
    "DirDestination": "scanner.tickets.destinations",
    "StdoutDestination": "scanner.tickets.destinations",
    "TicketOutcome": "scanner.tickets.model",
    "parse_destination": "scanner.tickets.destinations",
    "RotationTicket": "scanner.tickets.model",
    "SecretTicket": "scanner.tickets.read_secrets",
    "secret_tickets_from_findings": "scanner.tickets.read_secrets",
    "TicketLocation": "scanner.tickets.model",
    "tickets_from_report": "scanner.tickets.model",
    "render_json": "scanner.tickets.render",
    "render_markdown": "scanner.tickets.render",
    "runbook": "scanner.tickets.render",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "DestinationError",
    "DirDestination",
    "RotationTicket",
    "SecretTicket",
    "StdoutDestination",
    "TicketLocation",
    "TicketOutcome",
    "parse_destination",
    "render_json",
    "render_markdown",
    "runbook",
    "secret_tickets_from_findings",
    "tickets_from_report",
]
