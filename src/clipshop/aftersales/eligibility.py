"""Which after-sales actions the caller may take now on each line of an order, each with its
deadline, or the reason code why not: the single source for the API (and later the pages).

``evaluate`` is a pure function of a ``Facts`` snapshot (order status and times, per-line
delivery, refunds, open requests and disputes, the region policy, the caller's role, now);
``facts_for`` reads the facts of an order (locked by the caller when it is about to act).
``require`` is what the request routes call: the buyer's cancellation request, the return /
refund / replacement request (and its quote), the dispute (escalation, damage claim, buyer
protection), the seller's and the operator's cancels. It raises ``NotEligible`` with the
verdict's code, so what the eligibility route offers is exactly what those routes accept.
Claim windows come from ``aftersales.protection``.

| action | who | eligible when | deadline | not eligible codes |
|---|---|---|---|---|
| CANCEL | buyer | UNPAID / ON_HOLD | cancel_order_sla_time / hold_until | order_not_cancellable |
| CANCEL | seller | ON_HOLD / AWAITING_SHIPMENT / PARTIALLY_SHIPPING, line not shipped | shipping_due_time | already_shipped, order_not_cancellable |
| CANCEL | agent, supervisor, admin (operator) | UNPAID .. IN_TRANSIT, shipped or not | shipping_due_time | already_shipped (delivered), order_not_cancellable |
| REQUEST_CANCELLATION | buyer | AWAITING_SHIPMENT / PARTIALLY_SHIPPING, line not shipped, none pending | shipping_due_time | already_shipped, invalid_order_status, cancellation_pending |
| REFUND, RETURN_AND_REFUND, REPLACEMENT | buyer | order DELIVERED, before delivered_at + return_window_days, line not settled by an accepted offer | that instant | order_not_delivered, return_window_closed, line_settled, return_already_open |
| DAMAGE_CLAIM | buyer | within damage_claim_days of the line's delivery | delivery + damage_claim_days | order_not_delivered, damage_claim_window_closed, dispute_already_open |
| BUYER_PROTECTION | buyer | within buyer_protection_days of delivery (even COMPLETED); ``opens_at`` is when NOT_RECEIVED opens | delivery + buyer_protection_days | order_not_delivered, protection_window_closed, not_received_claim_too_early (NOT_RECEIVED), dispute_already_open |
| ESCALATE | buyer | a rejected request, or one unanswered dispute_escalation_hours | none | nothing_to_escalate, escalation_too_early (with opens_at), dispute_already_open |

Before any of these: an action of another role is ``role_not_allowed``; every line of a
cancelled order is ``order_cancelled``; a cancelled line ``line_already_cancelled``; a line
refunded in full ``line_fully_refunded`` (except CANCEL of an unpaid order).
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales import order_facts as known
from clipshop.aftersales import protection
from clipshop.core.clock import as_utc, utcnow
from clipshop.core.errors import Conflict
from clipshop.deadlines.policies import RegionPolicy, for_region
from clipshop.identity.principal import PLATFORM_ROLES, Principal, Role
from clipshop.models import Cancellation, Order, OrderLineItem, Return, ReturnLine
from clipshop.orders import queries, refunds
from clipshop.orders.states import (
    BUYER_REQUESTS_CANCEL,
    OPERATOR_CANCELLABLE,
    SELLER_CANCELLABLE,
)

ACTIONS = (
    "CANCEL",
    "REQUEST_CANCELLATION",
    "REFUND",
    "RETURN_AND_REFUND",
    "REPLACEMENT",
    "DAMAGE_CLAIM",
    "BUYER_PROTECTION",
    "ESCALATE",
)
RETURN_ACTIONS = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
# A line in one of these is taken: no second request for it (a replacement that was sent,
# SUCCESS, keeps its line too, so a line is never both replaced and refunded by returns).
OPEN_RETURNS = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "AWAITING_BUYER_RESPONSE",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
)
ESCALATABLE_RETURNS = (*known.REJECTED_RETURNS, *known.UNANSWERED_RETURNS)
# The buyer accepted the seller's partial refund offer on a request: its lines are settled,
# no new return / refund / replacement request for them (disputes keep their own rules).
SETTLED_OFFER = "ACCEPTED"
BUYER_CANCEL_DEADLINES = {"UNPAID": "cancel_order_sla_time", "ON_HOLD": "hold_until"}


class NotEligible(Conflict):
    """The action is not possible now on a line; ``code`` is the verdict's ineligible_code
    (the same code GET /orders/{id}/aftersale-eligibility shows for that line and action)."""

    code = "not_eligible"
    title = "Not possible now"


@dataclass(frozen=True)
class Grounds:
    """A request an escalation could name: when it was made, whether the seller rejected
    it, and until when the seller may answer it (after which it is approved by itself)."""

    requested_at: datetime
    rejected: bool
    respond_by: datetime | None = None


@dataclass(frozen=True)
class LineFacts:
    id: int
    status: str
    shipped: bool
    refundable: int  # what is left to refund
    delivered_at: datetime | None
    open_return: bool = False
    open_dispute: int | None = None  # the open dispute claiming the line
    settled_by: int | None = None  # the request whose accepted offer settled the line
    # the requests covering the line that could be escalated
    escalatable: tuple[Grounds, ...] = ()


@dataclass(frozen=True)
class Facts:
    role: Role
    status: str
    policy: RegionPolicy
    now: datetime
    deadlines: dict[str, datetime | None]  # the order's SLA times by name
    cancellation_pending: bool
    lines: list[LineFacts] = field(default_factory=list)
    delivered_at: datetime | None = None  # the order's (the return window's start)
    operator: bool = False  # CANCEL under the operator's rules (platform staff)


@dataclass(frozen=True)
class Verdict:
    action: str
    eligible: bool
    deadline: datetime | None = None
    ineligible_code: str | None = None
    opens_at: datetime | None = None
    respond_by: datetime | None = None  # escalation_too_early: the seller's answer deadline


def _no(
    action: str, code: str, opens_at: datetime | None = None, respond_by: datetime | None = None
) -> Verdict:
    return Verdict(action, False, ineligible_code=code, opens_at=opens_at, respond_by=respond_by)


def _cancel(facts: Facts, line: LineFacts) -> Verdict:
    due = facts.deadlines.get("shipping_due_time")
    if facts.role is Role.BUYER:
        deadline = BUYER_CANCEL_DEADLINES.get(facts.status)
        if deadline is None:
            return _no("CANCEL", "already_shipped" if line.shipped else "order_not_cancellable")
        return Verdict("CANCEL", True, facts.deadlines.get(deadline))
    if facts.operator:
        if facts.status in OPERATOR_CANCELLABLE:
            return Verdict("CANCEL", True, due)
        return _no("CANCEL", "already_shipped" if line.shipped else "order_not_cancellable")
    if line.shipped:
        return _no("CANCEL", "already_shipped")
    if facts.status not in SELLER_CANCELLABLE:
        return _no("CANCEL", "order_not_cancellable")
    return Verdict("CANCEL", True, due)


def _request_cancellation(facts: Facts, line: LineFacts) -> Verdict:
    action = "REQUEST_CANCELLATION"
    if line.shipped:
        return _no(action, "already_shipped")
    if facts.status not in BUYER_REQUESTS_CANCEL:
        return _no(action, "invalid_order_status")
    if facts.cancellation_pending:
        return _no(action, "cancellation_pending")
    return Verdict(action, True, facts.deadlines.get("shipping_due_time"))


def _return(action: str, facts: Facts, line: LineFacts) -> Verdict:
    if facts.status not in ("DELIVERED", "COMPLETED") or facts.delivered_at is None:
        return _no(action, "order_not_delivered")
    closes = facts.delivered_at + timedelta(days=facts.policy.return_window_days)
    if facts.status == "COMPLETED" or facts.now >= closes:
        return Verdict(action, False, closes, "return_window_closed")
    if line.settled_by is not None:
        return Verdict(action, False, closes, "line_settled")
    if line.open_return:
        return Verdict(action, False, closes, "return_already_open")
    return Verdict(action, True, closes)


def _claim(action: str, facts: Facts, line: LineFacts, reason: str | None) -> Verdict:
    if action == "DAMAGE_CLAIM":
        window = protection.damage_claim(line.delivered_at, facts.policy, facts.now)
        opens = None
    else:
        # Shown for any reason but NOT_RECEIVED (opens_at says when that one opens); a
        # claim is checked for the reason it names.
        window = protection.buyer_protection(
            line.delivered_at, reason or "DAMAGED", facts.policy, facts.now
        )
        not_received = protection.buyer_protection(
            line.delivered_at, "NOT_RECEIVED", facts.policy, facts.now
        )
        opens = not_received.opens
    if not window.open:
        return Verdict(action, False, window.closes, window.refused, opens)
    if line.open_dispute is not None:
        return Verdict(action, False, window.closes, "dispute_already_open", opens)
    return Verdict(action, True, window.closes, opens_at=opens)


def _escalate(facts: Facts, line: LineFacts) -> Verdict:
    """Grounds first (a request to escalate), then its timing, then the line being free."""
    if not line.escalatable:
        return _no("ESCALATE", "nothing_to_escalate")
    windows = [
        (protection.escalation(g.requested_at, g.rejected, facts.policy, facts.now), g)
        for g in line.escalatable
    ]
    if not any(w.open for w, _ in windows):
        first, grounds = min(((w.opens, g) for w, g in windows if w.opens), key=lambda x: x[0])
        return _no("ESCALATE", "escalation_too_early", first, grounds.respond_by)
    if line.open_dispute is not None:
        return _no("ESCALATE", "dispute_already_open")
    return Verdict("ESCALATE", True)


def verdict(facts: Facts, line: LineFacts, action: str, reason: str | None = None) -> Verdict:
    """One action on one line (``reason``: a buyer-protection claim's reason)."""
    if action != "CANCEL" and facts.role is not Role.BUYER:
        return _no(action, "role_not_allowed")
    if facts.status == "CANCELLED":
        return _no(action, "order_cancelled")
    if line.status == "CANCELLED":
        return _no(action, "line_already_cancelled")
    if line.refundable <= 0 and facts.status != "UNPAID":
        return _no(action, "line_fully_refunded")
    if action == "CANCEL":
        return _cancel(facts, line)
    if action == "REQUEST_CANCELLATION":
        return _request_cancellation(facts, line)
    if action in RETURN_ACTIONS:
        return _return(action, facts, line)
    if action in ("DAMAGE_CLAIM", "BUYER_PROTECTION"):
        return _claim(action, facts, line, reason)
    return _escalate(facts, line)


def evaluate(facts: Facts) -> dict[int, list[Verdict]]:
    """Line id -> a verdict for every action, in ``ACTIONS`` order."""
    return {line.id: [verdict(facts, line, action) for action in ACTIONS] for line in facts.lines}


MESSAGES = {
    "role_not_allowed": "only the order's buyer may do this",
    "order_cancelled": "the order is already cancelled",
    "line_already_cancelled": "line item {line} is already cancelled",
    "line_fully_refunded": "line item {line} was already refunded in full",
    "order_not_cancellable": "an order in {status} cannot be cancelled this way",
    "already_shipped": "a shipment is already arranged for line item {line}",
    "invalid_order_status": "a cancellation is requested while the order waits to ship; "
    "it is {status}",
    "cancellation_pending": "a cancellation request for this order is already waiting for "
    "the seller",
    "order_not_delivered": "line item {line} has not been delivered",
    "return_window_closed": "the return window of this order closed at {deadline}",
    "return_already_open": "line item {line} is already in an open request",
    "line_settled": "line item {line} was settled when the buyer accepted the partial refund "
    "offer of request {settled_by}",
    "damage_claim_window_closed": "damage claims closed at {deadline}",
    "protection_window_closed": "buyer protection for line item {line} ended at {deadline}",
    "not_received_claim_too_early": "carriers may report delivery before the parcel arrives: "
    "a not-received claim opens at {opens}",
    "dispute_already_open": "line item {line} already has an open dispute",
    "nothing_to_escalate": "there is no rejected or unanswered request for line item {line} "
    "to escalate",
    "escalation_too_early": "a request the seller has not answered can be escalated from {opens}",
}
# escalation_too_early of a request with an answer deadline (requests made by the services have one)
RESPOND_BY_MESSAGE = (
    "the seller has until {respond_by} to answer the request, after which it is approved "
    "automatically; a request the seller has not answered can be escalated from {opens}"
)
OPENS_CODES = frozenset({"escalation_too_early", "not_received_claim_too_early"})
CLOSED_CODES = frozenset(
    {"return_window_closed", "damage_claim_window_closed", "protection_window_closed"}
)


def refusal(facts: Facts, line: LineFacts, found: Verdict) -> NotEligible:
    """The typed error of an ineligible verdict: its code, the line, and when the window
    opens or closed."""
    code = found.ineligible_code or "not_eligible"
    extra: dict[str, Any] = {"line_item_id": str(line.id), "request_type": found.action}
    if found.opens_at is not None and code in OPENS_CODES:
        extra["opens_at"] = found.opens_at.isoformat()
    if found.deadline is not None and code in CLOSED_CODES:
        extra["closed_at"] = found.deadline.isoformat()
    template = MESSAGES.get(code, f"{found.action} is not possible now ({code})")
    if code == "escalation_too_early" and found.respond_by is not None:
        extra["respond_by"] = found.respond_by.isoformat()
        template = RESPOND_BY_MESSAGE
    if code == "dispute_already_open" and line.open_dispute is not None:
        extra["dispute_id"] = str(line.open_dispute)
    if code == "line_settled" and line.settled_by is not None:
        extra["return_id"] = str(line.settled_by)
    message = template.format(
        line=line.id,
        status=facts.status,
        deadline=found.deadline.isoformat() if found.deadline else "",
        opens=found.opens_at.isoformat() if found.opens_at else "",
        respond_by=found.respond_by.isoformat() if found.respond_by else "",
        settled_by=line.settled_by,
    )
    return NotEligible(message, code=code, **extra)


def require(
    facts: Facts, action: str, line_ids: Iterable[int], reason: str | None = None
) -> list[Verdict]:
    """The verdicts of ``action`` on each named line (in id order), or ``NotEligible`` for
    the first line it is not possible on. The lines must be lines of the order."""
    by_id = {line.id: line for line in facts.lines}
    verdicts = []
    for line_id in sorted(set(line_ids)):
        line = by_id[line_id]
        found = verdict(facts, line, action, reason)
        if not found.eligible:
            raise refusal(facts, line, found)
        verdicts.append(found)
    return verdicts


def eligible(facts: Facts, action: str, line_ids: Iterable[int]) -> bool:
    by_id = {line.id: line for line in facts.lines}
    return all(verdict(facts, by_id[i], action).eligible for i in line_ids)


def buyer_cancel_action(facts: Facts, line_ids: Sequence[int]) -> str:
    """What the buyer's POST /orders/{id}/cancellations is for these lines: CANCEL (at
    once) where eligibility offers it, else REQUEST_CANCELLATION (the seller decides)."""
    return "CANCEL" if eligible(facts, "CANCEL", line_ids) else "REQUEST_CANCELLATION"


@dataclass(frozen=True)
class Escalating:
    """With ``facts_for``: only this request counts as grounds for ESCALATE (a return, or
    with ``return_id`` None the order's pending cancellation request)."""

    return_id: int | None


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def facts_of(session: Session, principal: Principal, order_id: int) -> tuple[Order, Facts]:
    order = queries.get_order(session, principal, order_id)  # 404 unless the caller's
    return order, facts_for(session, principal, order)


def facts_for(
    session: Session,
    principal: Principal,
    order: Order,
    *,
    operator: bool | None = None,
    escalating: Escalating | None = None,
) -> Facts:
    """The facts of ``order`` as they are in this transaction. ``operator``: CANCEL under
    the operator's rules (default: for platform staff)."""
    lines = session.scalars(
        select(OrderLineItem).where(OrderLineItem.order_id == order.id).order_by(OrderLineItem.id)
    ).all()
    delivered = known.delivered_times(session, order)
    busy = known.open_disputes_by_line(session, order.id)
    returns = session.execute(
        select(
            ReturnLine.line_item_id,
            Return.id,
            Return.status,
            Return.created_at,
            Return.partial_refund_status,
            Return.seller_respond_by,
        )
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order.id)
    ).all()
    pending = session.scalars(
        select(Cancellation).where(
            Cancellation.order_id == order.id, Cancellation.status == known.PENDING_CANCEL
        )
    ).all()
    escalatable: dict[int, list[Grounds]] = {}
    for line_id, return_id, status, created, _offer, respond_by in returns:
        if escalating is not None and escalating.return_id != return_id:
            continue
        if status in ESCALATABLE_RETURNS:
            rejected = status in known.REJECTED_RETURNS
            escalatable.setdefault(line_id, []).append(
                Grounds(as_utc(created), rejected, _utc(respond_by))
            )
    if escalating is None or escalating.return_id is None:
        for cancel in pending:
            grounds = Grounds(as_utc(cancel.created_at), False, _utc(cancel.respond_by))
            for requested in cancel.line_item_ids:
                escalatable.setdefault(int(requested), []).append(grounds)
    open_returns = {row.line_item_id for row in returns if row.status in OPEN_RETURNS}
    settled = {
        row.line_item_id: row.id for row in returns if row.partial_refund_status == SETTLED_OFFER
    }
    names = ("cancel_order_sla_time", "hold_until", "shipping_due_time")
    deadlines = {n: as_utc(v) if (v := getattr(order, n)) else None for n in names}
    return Facts(
        role=principal.role,
        status=order.status,
        policy=for_region(order.region),
        now=utcnow(),
        deadlines=deadlines,
        cancellation_pending=bool(pending),
        delivered_at=as_utc(order.delivered_at) if order.delivered_at else None,
        operator=principal.role in PLATFORM_ROLES if operator is None else operator,
        lines=[
            LineFacts(
                id=line.id,
                status=line.status,
                shipped=line.package_id is not None,
                refundable=refunds.line_cap(line),
                delivered_at=delivered.get(line.id),
                open_return=line.id in open_returns,
                open_dispute=busy.get(line.id),
                settled_by=settled.get(line.id),
                escalatable=tuple(escalatable.get(line.id, ())),
            )
            for line in lines
        ],
    )
