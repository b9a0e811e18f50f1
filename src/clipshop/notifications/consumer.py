"""The ``notifications`` outbox consumer: the in-app notifications and the e-mails an event
calls for. It writes only to the database (the mail sender does the SMTP part).

CONTRACT (filled in by the notifications work)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.core.outbox import Delivered

CONSUMER = "notifications"


def store(session: Session, event: Delivered) -> None:
    """The consumer: the notifications ``event`` calls for, if any."""
