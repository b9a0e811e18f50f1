"""The ``notifications`` outbox consumer: the in-app notifications and the e-mails an event
calls for (``recipients``). It writes only to the database, in the relay's savepoint, so each
event makes its rows exactly once (and ``(user, event)`` is unique besides); the mail sender
(``notifications.sender``) does the SMTP part later.

Each notification is rendered in the recipient's language; a mail row keeps the template's
values and is rendered when it is sent. A marketing mail to a user who opted out is recorded
SKIPPED (the in-app notice stays: it is the user's own list)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clipshop.core.ids import new_id
from clipshop.core.outbox import Delivered
from clipshop.models import Notification, NotificationMail, NotificationPreference, User
from clipshop.notifications import render
from clipshop.notifications.recipients import notices

CONSUMER = "notifications"
OPTED_OUT = "marketing opt-out"


def preferences(session: Session, users: list[int]) -> dict[int, tuple[str, bool]]:
    """(language, marketing opt-out) of each of ``users`` that exists (an event naming no
    known user makes nothing for it)."""
    found: dict[int, tuple[str, bool]] = {}
    p = NotificationPreference
    for start in range(0, len(users), 500):
        chunk = users[start : start + 500]
        rows = (
            select(User.id, p.language, p.marketing_opt_out)
            .outerjoin(p, p.user_id == User.id)
            .where(User.id.in_(chunk))
        )
        for user_id, language, opted_out in session.execute(rows):
            found[user_id] = (language or render.DEFAULT_LANGUAGE, bool(opted_out))
    return found


def store(session: Session, event: Delivered) -> None:
    """The consumer: the notifications ``event`` calls for, if any."""
    made = notices(session, event)
    users = sorted({user for notice in made for user in notice.users})
    prefs = preferences(session, users)
    seen: set[int] = set()
    inbox: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    for notice in made:
        for user in notice.users:
            if user in seen or user not in prefs:
                continue  # one notification per user and event, to known users
            seen.add(user)
            language, opted_out = prefs[user]
            title, body = render.title_and_summary(notice.kind, language, notice.values)
            row = {"id": new_id(), "created_at": event.created_at, "user_id": user}
            row |= {"shop_id": event.shop_id, "event_id": event.id, "kind": notice.kind}
            inbox.append(row | {"title": title, "body": body, "link": notice.link})
            if not notice.mail:
                continue
            skipped = notice.marketing and opted_out
            mail = {"id": new_id(), "created_at": event.created_at, "event_id": event.id}
            mail |= {"user_id": user, "shop_id": event.shop_id, "template": notice.kind}
            mail |= {"language": language, "marketing": notice.marketing, "attempts": 0}
            mail |= {"context": notice.values | {"link": notice.link}}
            mail |= {"status": "SKIPPED" if skipped else "PENDING"}
            mail |= {"last_error": OPTED_OUT if skipped else None}
            mails.append(mail | {"next_attempt_at": event.created_at})
    if inbox:
        session.execute(insert(Notification), inbox)
    if mails:
        session.execute(insert(NotificationMail), mails)
