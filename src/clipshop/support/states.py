"""The case's statuses as a transition table (ARCHITECTURE rule 2) and the one ``transition``.

OPEN: no agent answered yet. PENDING_USER: an agent answered, the user's turn. PENDING_AGENT:
the user answered (or reopened), the agents' turn. RESOLVED: an agent (or the dispute's
decision) settled it; the opener may reopen it for ``case_reopen_days``, then a timer
CLOSEs it. CLOSED is final."""

from __future__ import annotations

from enum import StrEnum

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict
from clipshop.models import SupportCase


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    PENDING_USER = "PENDING_USER"
    PENDING_AGENT = "PENDING_AGENT"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


S = CaseStatus
ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.OPEN: frozenset({S.PENDING_USER, S.PENDING_AGENT, S.RESOLVED}),
    S.PENDING_USER: frozenset({S.PENDING_AGENT, S.RESOLVED}),
    S.PENDING_AGENT: frozenset({S.PENDING_USER, S.RESOLVED}),
    S.RESOLVED: frozenset({S.PENDING_AGENT, S.CLOSED}),
    S.CLOSED: frozenset(),
}
ACTIVE = (S.OPEN, S.PENDING_USER, S.PENDING_AGENT)


class InvalidCaseTransition(Conflict):
    code = "invalid_case_transition"


def transition(case: SupportCase, to: CaseStatus) -> str:
    """Move ``case`` to ``to`` (stamping resolved/closed times); the status it had. Raises
    ``InvalidCaseTransition`` (409) when the table does not allow it."""
    before = CaseStatus(case.status)
    if to not in ALLOWED[before]:
        raise InvalidCaseTransition(
            f"case {case.number} is {before.value}: it cannot become {to.value}",
            case_status=before.value,
        )
    now = utcnow()
    case.status = to.value
    case.updated_at = now
    if to is S.RESOLVED:
        case.resolved_at = now
    elif to is S.CLOSED:
        case.closed_at = now
    elif before is S.RESOLVED:  # reopened
        case.resolved_at = None
        case.resolution = None
    return before.value
