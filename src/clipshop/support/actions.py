"""What people do on a case: reply (or add an internal note), take, escalate, reassign,
resolve, reopen, close. Each locks the case, checks who may act, moves the status through
``states.transition`` when the action moves it, and announces the change.

A user's reply (the opener's side) hands the turn to the agents (PENDING_USER and OPEN ->
PENDING_AGENT; OPEN stays OPEN: no agent answered yet); an agent's reply hands it to the user
(-> PENDING_USER) and is the case's first response. A RESOLVED case takes no replies: the
opener reopens it (within ``case_reopen_days``). Resolving arms the auto-close timer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict, InvalidInput, PermissionDenied
from clipshop.deadlines import timers
from clipshop.deadlines.timers import TimerKind
from clipshop.identity.principal import Principal, Role
from clipshop.models import SupportCase, SupportMessage, User
from clipshop.support.cases import (
    add_message,
    changed,
    get_case,
    is_staff,
    is_supervisor,
    region_policy,
    require_staff,
)
from clipshop.support.states import ACTIVE, CaseStatus, transition

S = CaseStatus
SUPPORT_ROLES = (Role.AGENT.value, Role.SUPERVISOR.value)


class CaseNotActive(Conflict):
    code = "case_not_active"


class CaseAlreadyTaken(Conflict):
    code = "case_already_assigned"


class ReopenWindowClosed(Conflict):
    code = "reopen_window_closed"


class NotAnAgent(InvalidInput):
    code = "not_an_agent"


def require_active(case: SupportCase) -> None:
    if case.status not in ACTIVE:
        raise CaseNotActive(f"case {case.number} is {case.status}", case_status=case.status)


def reply(
    session: Session, principal: Principal, case_id: int, body: str, internal: bool = False
) -> SupportMessage:
    """A message on the case; ``internal``: an agent note the user never sees."""
    case = get_case(session, principal, case_id, lock=True)
    require_active(case)
    staff = is_staff(principal)
    if internal and not staff:
        raise PermissionDenied("only agents write internal notes")
    message = add_message(session, case, principal.user_id, principal.role.value, body, internal)
    if internal:
        changed(session, case, case.status, "NOTED")
        return message
    before = case.status
    if staff:
        case.first_response_at = case.first_response_at or utcnow()
        if case.status != S.PENDING_USER:
            transition(case, S.PENDING_USER)
    elif case.status == S.PENDING_USER:
        transition(case, S.PENDING_AGENT)
    changed(session, case, before, "REPLIED")
    return message


def take(session: Session, principal: Principal, case_id: int) -> SupportCase:
    """An agent assigns an unassigned active case to itself (a supervisor reassigns)."""
    require_staff(principal)
    case = get_case(session, principal, case_id, lock=True)
    require_active(case)
    if case.assignee_id is not None and case.assignee_id != principal.user_id:
        raise CaseAlreadyTaken(f"case {case.number} is assigned to another agent")
    case.assignee_id = principal.user_id
    case.updated_at = utcnow()
    changed(session, case, case.status, "TAKEN")
    return case


def escalate(session: Session, principal: Principal | None, case: SupportCase, reason: str) -> None:
    """Hand the case to the supervisors (``principal`` None: the platform's own timer)."""
    require_active(case)
    now = utcnow()
    case.escalated_at = now
    case.escalation_reason = reason
    case.updated_at = now
    who = principal.role.value if principal else "system"
    author = principal.user_id if principal else None
    add_message(session, case, author, who, f"escalated to supervisors: {reason}", internal=True)
    changed(session, case, case.status, "ESCALATED")


def escalate_by(session: Session, principal: Principal, case_id: int, reason: str) -> SupportCase:
    require_staff(principal)
    case = get_case(session, principal, case_id, lock=True)
    escalate(session, principal, case, reason)
    return case


def reassign(session: Session, principal: Principal, case_id: int, agent_id: int) -> SupportCase:
    """A supervisor (or an admin) gives the case to any agent or supervisor."""
    if not is_supervisor(principal):
        raise PermissionDenied("only supervisors reassign cases")
    case = get_case(session, principal, case_id, lock=True)
    require_active(case)
    role = session.scalar(select(User.role).where(User.id == agent_id))
    if role not in SUPPORT_ROLES:
        raise NotAnAgent(f"user {agent_id} is not a support agent or supervisor")
    case.assignee_id = agent_id
    case.updated_at = utcnow()
    note = f"reassigned to user {agent_id}"
    add_message(session, case, principal.user_id, principal.role.value, note, internal=True)
    changed(session, case, case.status, "REASSIGNED")
    return case


def resolve_case(session: Session, case: SupportCase, resolution: str, action: str) -> None:
    """RESOLVED with ``resolution``; the auto-close timer armed for ``case_reopen_days``."""
    before = transition(case, S.RESOLVED)
    case.resolution = resolution
    days = region_policy(session, case.shop_id).case_reopen_days
    assert case.resolved_at is not None
    timers.arm(session, TimerKind.CASE_AUTO_CLOSE, case.id, case.shop_id, close_at(case, days))
    changed(session, case, before, action)


def close_at(case: SupportCase, days: int) -> datetime:
    assert case.resolved_at is not None
    return case.resolved_at + timedelta(days=days)


class ResolveElsewhere(Conflict):
    code = "case_resolved_elsewhere"


def resolve(session: Session, principal: Principal, case_id: int, resolution: str) -> SupportCase:
    require_staff(principal)
    case = get_case(session, principal, case_id, lock=True)
    if case.category == "FORCE_MAJEURE" and case.fm_decision is None:
        raise ResolveElsewhere("approve or reject the force-majeure request to resolve it")
    if case.category == "DISPUTE":
        raise ResolveElsewhere("a DISPUTE case resolves when its dispute is decided or withdrawn")
    if case.status != S.RESOLVED:
        case.first_response_at = case.first_response_at or utcnow()
    resolve_case(session, case, resolution, "RESOLVED")
    add_message(session, case, principal.user_id, principal.role.value, f"resolved: {resolution}")
    return case


def reopen(session: Session, principal: Principal, case_id: int, reason: str) -> SupportCase:
    """The opener (or an agent) reopens a RESOLVED case within ``case_reopen_days``."""
    case = get_case(session, principal, case_id, lock=True)
    if case.status != S.RESOLVED:
        raise CaseNotActive(f"case {case.number} is {case.status}: only RESOLVED reopens")
    days = region_policy(session, case.shop_id).case_reopen_days
    if utcnow() >= close_at(case, days):
        raise ReopenWindowClosed(
            f"case {case.number} can be reopened {days} days after it was resolved"
        )
    before = transition(case, S.PENDING_AGENT)
    timers.disarm(session, case.id, [TimerKind.CASE_AUTO_CLOSE])
    add_message(session, case, principal.user_id, principal.role.value, f"reopened: {reason}")
    changed(session, case, before, "REOPENED")
    return case


def close(session: Session, principal: Principal, case_id: int) -> SupportCase:
    """The opener or an agent closes a RESOLVED case before its reopen window ends."""
    case = get_case(session, principal, case_id, lock=True)
    before = transition(case, S.CLOSED)
    timers.disarm(session, case.id, [TimerKind.CASE_AUTO_CLOSE])
    changed(session, case, before, "CLOSED")
    return case


def auto_close(session: Session, case_id: int, now: datetime) -> bool:
    """The CASE_AUTO_CLOSE timer: a case still RESOLVED at the end of its reopen window is
    CLOSED (a reopened or closed case is left alone)."""
    case = session.scalar(select(SupportCase).where(SupportCase.id == case_id).with_for_update())
    if case is None or case.status != S.RESOLVED:
        return False
    if now < close_at(case, region_policy(session, case.shop_id).case_reopen_days):
        return False
    before = transition(case, S.CLOSED)
    changed(session, case, before, "CLOSED")
    return True
