"""A user's notification preferences (language, marketing opt-out) and contact e-mail.
Transactional mail (orders, returns, refunds, messages, support) is always sent; the opt-out
covers the marketing kind only (a shop's live)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound
from clipshop.identity import users
from clipshop.identity.principal import Principal
from clipshop.models import NotificationPreference, User
from clipshop.notifications.render import DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Preferences:
    email: str
    language: str
    marketing_opt_out: bool


def get_preferences(session: Session, principal: Principal) -> Preferences:
    row = session.execute(
        select(
            User.email, NotificationPreference.language, NotificationPreference.marketing_opt_out
        )
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id == principal.user_id)
    ).one_or_none()
    if row is None:
        raise NotFound("user not found")
    email, language, opted_out = row
    return Preferences(email, language or DEFAULT_LANGUAGE, bool(opted_out))


def set_preferences(
    session: Session, principal: Principal, language: str, marketing_opt_out: bool
) -> Preferences:
    """Replace the caller's preferences (the next notifications use them)."""
    row = session.get(NotificationPreference, principal.user_id)
    if row is None:
        row = NotificationPreference(user_id=principal.user_id)
        session.add(row)
    row.language = language
    row.marketing_opt_out = marketing_opt_out
    session.flush()
    return get_preferences(session, principal)


def change_email(session: Session, principal: Principal, email: str) -> Preferences:
    """A buyer's new contact e-mail; mails not yet sent go to it (the sender reads the address
    when it sends)."""
    users.change_email(session, principal, email)
    return get_preferences(session, principal)
