"""The caller's in-app notifications: the list (newest first), the unread count, mark one or
all read. Every read and write is scoped to the caller's own rows (another user's id: 404)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Principal
from clipshop.models import Notification


def list_notifications(
    session: Session, principal: Principal, page: PageRequest, unread_only: bool = False
) -> Page[Notification]:
    stmt = select(Notification).where(Notification.user_id == principal.user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(session, stmt, Notification.id, page)


def unread_count(session: Session, principal: Principal) -> int:
    mine = Notification.user_id == principal.user_id
    stmt = select(func.count()).where(mine, Notification.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def mark_read(session: Session, principal: Principal, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read (again: unchanged, its first time kept)."""
    found = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == principal.user_id
        )
    )
    if found is None:
        raise NotFound("notification not found", code="notification_not_found")
    if found.read_at is None:
        found.read_at = utcnow()
        session.flush()
    return found


def mark_all_read(session: Session, principal: Principal) -> int:
    """Mark every unread notification of the caller read; how many."""
    done = session.execute(
        update(Notification)
        .where(Notification.user_id == principal.user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
