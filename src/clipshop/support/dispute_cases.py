"""The platform's deadline to decide a dispute. When a dispute is opened
(``DisputeStatusChanged`` from None, in the same unit of work) a DISPUTE case is opened for
it (opener role ``system``, ``opened_by_id`` the buyer who claimed) with ``decide_by`` =
now + ``dispute_decision_hours`` and a CASE_DISPUTE_DUE timer. If the timer finds the
dispute still IN_PROGRESS, the case is escalated to the supervisors (their queue shows it).
When the dispute is decided or withdrawn, its case is RESOLVED (and closes like any case).
The buyer follows the dispute on its own pages; the case is the agents' work item."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales.order_facts import DISPUTE_OPEN
from clipshop.core import events
from clipshop.core.events import DisputeStatusChanged
from clipshop.deadlines import timers
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Dispute, SupportCase
from clipshop.support.actions import escalate, resolve_case
from clipshop.support.cases import SYSTEM, add_case, add_message, changed, region_policy
from clipshop.support.states import ACTIVE


@events.on(DisputeStatusChanged)
def follow_dispute(session: Session, event: DisputeStatusChanged) -> None:
    if event.from_status is None:
        _open_for(session, event)
        return
    case = session.scalar(
        select(SupportCase).where(SupportCase.dispute_id == event.dispute_id).with_for_update()
    )
    if case is None or case.status not in ACTIVE or event.to_status == DISPUTE_OPEN:
        return
    timers.disarm(session, case.id, [TimerKind.CASE_DISPUTE_DUE])
    resolve_case(session, case, f"dispute {event.dispute_id}: {event.to_status}", "RESOLVED")


def _open_for(session: Session, event: DisputeStatusChanged) -> None:
    hours = region_policy(session, event.shop_id).dispute_decision_hours
    due = event.at + timedelta(hours=hours)
    first = region_policy(session, event.shop_id).case_first_response_hours
    text = f"{event.kind} dispute {event.dispute_id} on order {event.order_id}"
    text += f": decide by {due.isoformat()}"
    case = add_case(
        session,
        category="DISPUTE",
        shop_id=event.shop_id,
        order_id=event.order_id,
        opened_by=(event.buyer_id, SYSTEM),
        description=text,
        first_response_due=event.at + timedelta(hours=first),
        dispute_id=event.dispute_id,
    )
    case.decide_by = due
    add_message(session, case, None, SYSTEM, text)
    timers.arm(session, TimerKind.CASE_DISPUTE_DUE, case.id, event.shop_id, due)
    changed(session, case, None, "OPENED")


def decision_due(session: Session, case_id: int, now: datetime) -> bool:
    """The CASE_DISPUTE_DUE timer: the dispute still undecided at ``decide_by`` escalates
    its case to the supervisors (once)."""
    case = session.scalar(select(SupportCase).where(SupportCase.id == case_id).with_for_update())
    if case is None or case.status not in ACTIVE or case.escalated_at is not None:
        return False
    status = session.scalar(select(Dispute.status).where(Dispute.id == case.dispute_id))
    if status != DISPUTE_OPEN or case.decide_by is None or now < case.decide_by:
        return False
    hours = region_policy(session, case.shop_id).dispute_decision_hours
    escalate(session, None, case, f"dispute not decided within {hours} hours")
    return True
