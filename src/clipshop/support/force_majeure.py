"""Force majeure: a seller's FORCE_MAJEURE case asks for more time to ship one order of its
shop (``fm_requested_hours``, at most ``force_majeure_max_days``). An agent approves it, with
the hours it grants (1 to those asked for), or rejects it; approving moves the order's
shipping deadlines (``orders.extensions.extend_shipping_deadlines``) in the same unit of
work, so a refused extension (the order already shipped: 409) leaves the case undecided.
Either decision resolves the case (its reopen window and auto-close as any case's)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict, InvalidInput
from clipshop.identity.principal import Principal
from clipshop.models import SupportCase
from clipshop.orders.extensions import extend_shipping_deadlines
from clipshop.support.actions import resolve_case
from clipshop.support.cases import add_message, get_case, require_staff


class NotForceMajeure(Conflict):
    code = "not_force_majeure"


class AlreadyDecided(Conflict):
    code = "force_majeure_decided"


class TooLong(InvalidInput):
    code = "extension_too_long"


def _undecided(session: Session, principal: Principal, case_id: int) -> SupportCase:
    require_staff(principal)
    case = get_case(session, principal, case_id, lock=True)
    if case.category != "FORCE_MAJEURE":
        raise NotForceMajeure(f"case {case.number} is not a force-majeure request")
    if case.fm_decision is not None:
        raise AlreadyDecided(f"case {case.number} was already {case.fm_decision}")
    return case


def approve(
    session: Session, principal: Principal, case_id: int, hours: int, note: str
) -> SupportCase:
    case = _undecided(session, principal, case_id)
    asked = case.fm_requested_hours or 0
    if not 1 <= hours <= asked:
        raise TooLong(f"grant 1 to {asked} hours (what the seller asked for)", max_hours=asked)
    assert case.order_id is not None
    reason = (
        f"force majeure, case {case.number}: {note}"
        if note
        else f"force majeure, case {case.number}"
    )
    extend_shipping_deadlines(session, case.order_id, hours, reason, principal.user_id)
    case.fm_decision = "APPROVED"
    case.fm_approved_hours = hours
    text = f"extension of {hours} hours approved" + (f": {note}" if note else "")
    add_message(session, case, principal.user_id, principal.role.value, text)
    _first_response(case)
    resolve_case(session, case, text, "APPROVED")
    return case


def reject(session: Session, principal: Principal, case_id: int, note: str) -> SupportCase:
    case = _undecided(session, principal, case_id)
    case.fm_decision = "REJECTED"
    text = f"extension rejected: {note}"
    add_message(session, case, principal.user_id, principal.role.value, text)
    _first_response(case)
    resolve_case(session, case, text, "REJECTED")
    return case


def _first_response(case: SupportCase) -> None:
    case.first_response_at = case.first_response_at or utcnow()
