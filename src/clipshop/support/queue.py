"""The agents' queue: active cases (OPEN, PENDING_AGENT, PENDING_USER), earliest
first-response due first, each flagged overdue when no agent has answered and its
``first_response_due`` has passed. Views: ``unassigned``, ``mine`` (assigned to the caller),
``assigned`` (to anyone), ``all``, and ``escalated`` (supervisors only: the cases handed to
them, automatic dispute escalations among them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import PermissionDenied
from clipshop.identity.principal import Principal
from clipshop.models import SupportCase, User
from clipshop.support.actions import SUPPORT_ROLES
from clipshop.support.cases import is_supervisor, require_staff
from clipshop.support.states import ACTIVE

VIEWS = ("unassigned", "mine", "assigned", "all", "escalated")


@dataclass(frozen=True)
class QueueItem:
    case: SupportCase
    overdue: bool


def is_overdue(case: SupportCase, now: datetime) -> bool:
    return case.first_response_at is None and case.first_response_due <= now


def queue(session: Session, principal: Principal, view: str, limit: int) -> list[QueueItem]:
    require_staff(principal)
    stmt = select(SupportCase).where(SupportCase.status.in_([s.value for s in ACTIVE]))
    if view == "unassigned":
        stmt = stmt.where(SupportCase.assignee_id.is_(None))
    elif view == "mine":
        stmt = stmt.where(SupportCase.assignee_id == principal.user_id)
    elif view == "assigned":
        stmt = stmt.where(SupportCase.assignee_id.is_not(None))
    elif view == "escalated":
        if not is_supervisor(principal):
            raise PermissionDenied("only supervisors see the escalations")
        stmt = stmt.where(SupportCase.escalated_at.is_not(None))
    stmt = stmt.order_by(SupportCase.first_response_due, SupportCase.id).limit(limit)
    now = utcnow()
    return [QueueItem(case, is_overdue(case, now)) for case in session.scalars(stmt)]


def support_staff(session: Session, principal: Principal) -> list[User]:
    """Whom a supervisor may reassign a case to: the active agents and supervisors."""
    if not is_supervisor(principal):
        raise PermissionDenied("only supervisors reassign cases")
    stmt = select(User).where(User.role.in_(SUPPORT_ROLES), User.is_active.is_(True))
    return list(session.scalars(stmt.order_by(User.name, User.id)))
