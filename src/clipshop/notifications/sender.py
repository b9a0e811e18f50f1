"""The mail sender: a worker job (``worker.jobs``) that sends the due PENDING e-mails.

Three steps per batch, none holding a transaction across the network:

1. Claim (one transaction): due PENDING mails (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
   workers share them) get a lease (``next_attempt_at`` pushed ``CLIPSHOP_MAIL_LEASE_SECONDS``
   ahead), and each recipient's CURRENT e-mail address and name are read with them.
2. Send (no transaction): one SMTP connection for the batch (``notifications.smtp``). The
   Message-ID comes from the event and the recipient, so a resend carries the same one.
3. Record (one transaction): accepted -> SENT; refused for good (5xx) or past
   ``CLIPSHOP_MAIL_MAX_ATTEMPTS`` -> FAILED; otherwise retried after ``core.outbox.backoff``.

A sender killed between its send and its record loses nothing: the lease runs out and the
mail is sent again with the same Message-ID (at least once; receivers and mail clients
deduplicate on it). Without ``CLIPSHOP_SMTP_HOST`` the due mails are recorded SKIPPED.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.outbox import backoff
from clipshop.core.settings import Settings
from clipshop.models import NotificationMail, User
from clipshop.notifications import render, smtp

MAX_ROUNDS = 100  # batches per call, so one call always ends
NO_HOST = "no SMTP host configured (CLIPSHOP_SMTP_HOST)"
Send = Callable[[Settings, list[smtp.Outgoing]], dict[int, BaseException | None]]


@dataclass
class MailReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: MailReport) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _due(now: datetime) -> ColumnElement[bool]:
    m = NotificationMail
    return and_(m.status == "PENDING", m.next_attempt_at <= now)


def claim(session: Session, settings: Settings, now: datetime) -> list[smtp.Outgoing]:
    """Lease a batch of due mails and render them for their recipients' addresses now."""
    m = NotificationMail
    rows = session.execute(
        select(m.id, m.event_id, m.user_id, m.template, m.language, m.context, User.email)
        .add_columns(User.name)
        .join(User, User.id == m.user_id)
        .where(_due(now))
        .order_by(m.next_attempt_at, m.id)
        .limit(settings.mail_batch_size)
        .with_for_update(skip_locked=True, of=m)
    ).all()
    if not rows:
        return []
    lease = now + timedelta(seconds=settings.mail_lease_seconds)
    ids = [row.id for row in rows]
    session.execute(update(m).where(m.id.in_(ids)).values(next_attempt_at=lease))
    base = settings.public_url.rstrip("/")
    batch = []
    for row in rows:
        values = row.context | {"name": row.name, "address": row.email}
        values["link"] = base + row.context.get("link", "/")
        content = render.mail(row.template, row.language, values)
        message_id = smtp.message_id(row.event_id, row.user_id, settings.mail_domain)
        batch.append(smtp.Outgoing(row.id, row.email, message_id, content))
    return batch


def record(
    session: Session,
    settings: Settings,
    batch: list[smtp.Outgoing],
    results: dict[int, BaseException | None],
    now: datetime,
) -> MailReport:
    """Write what happened to each mail of ``batch``."""
    m = NotificationMail
    report = MailReport()
    for mail in batch:
        error = results.get(mail.mail_id)
        if error is None:
            values: dict[str, object] = {
                "status": "SENT",
                "sent_at": now,
                "sent_to": mail.to,
                "last_error": None,
            }
            report.sent += 1
        else:
            done = session.scalar(select(m.attempts).where(m.id == mail.mail_id)) or 0
            values = {"last_error": repr(error)[:500]}
            if smtp.permanent(error) or done + 1 >= settings.mail_max_attempts:
                values["status"] = "FAILED"
                report.failed += 1
            else:
                values["next_attempt_at"] = now + backoff(done + 1)
                report.retried += 1
        session.execute(
            update(m).where(m.id == mail.mail_id).values({**values, "attempts": m.attempts + 1})
        )
    return report


def skip_all(session: Session, now: datetime) -> int:
    """No SMTP host: every due mail is SKIPPED, with that reason."""
    done = session.execute(
        update(NotificationMail).where(_due(now)).values(status="SKIPPED", last_error=NO_HOST)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def send_due(db: Database, now: datetime | None = None, send: Send | None = None) -> MailReport:
    """Send the mails due by ``now`` (business time), a batch at a time. A read first finds
    whether any is due, so an idle round writes nothing."""
    settings = db.settings
    send = send or smtp.send_batch
    report = MailReport()
    now = now or utcnow()
    with db.unit_of_work(write=False) as session:
        if not session.scalar(select(exists().where(_due(now)))):
            return report
    if not settings.smtp_host:
        with db.unit_of_work() as session:
            report.skipped = skip_all(session, now)
        return report
    for _ in range(MAX_ROUNDS):
        with db.unit_of_work() as session:
            batch = claim(session, settings, now)
        if not batch:
            break
        results = send(settings, batch)
        with db.unit_of_work() as session:
            report.add(record(session, settings, batch, results, now))
        if len(batch) < settings.mail_batch_size:
            break
    return report
