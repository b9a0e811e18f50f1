"""Which after-sales actions the caller may take now on each line of an order, each with its
deadline, or the reason code why not: the single source for the API (and later the pages).

``evaluate`` is a pure function of a ``Facts`` snapshot (order status and times, per-line
delivery, refunds, open requests and disputes, the region policy, the caller's role, now);
``for_order`` reads the facts. Claim windows come from ``aftersales.protection``.

| action | who | eligible when | deadline | not eligible codes |
|---|---|---|---|---|
| CANCEL | buyer | UNPAID / ON_HOLD | cancel_order_sla_time / hold_until | invalid_order_status |
| CANCEL | seller, staff | ON_HOLD / AWAITING_SHIPMENT / PARTIALLY_SHIPPING, line not shipped | shipping_due_time | invalid_order_status, already_shipped |
| REQUEST_CANCELLATION | buyer | AWAITING_SHIPMENT / PARTIALLY_SHIPPING, line not shipped, none pending | shipping_due_time | invalid_order_status, already_shipped, cancellation_request_pending |
| REFUND, RETURN_AND_REFUND, REPLACEMENT | buyer | line delivered, within return_window_days, not COMPLETED | delivery + return_window_days | order_not_delivered, return_window_closed, return_already_open |
| DAMAGE_CLAIM | buyer | within damage_claim_days of delivery | delivery + damage_claim_days | order_not_delivered, damage_claim_window_closed, dispute_already_open |
| BUYER_PROTECTION | buyer | within buyer_protection_days of delivery (even COMPLETED); ``opens_at`` is when NOT_RECEIVED opens | delivery + buyer_protection_days | order_not_delivered, protection_window_closed, dispute_already_open |
| ESCALATE | buyer | a rejected request, or one unanswered dispute_escalation_hours | none | nothing_to_escalate, escalation_too_early (with opens_at), dispute_already_open |

Every action of a line that is cancelled is ``line_cancelled``; a line refunded in full is
``line_fully_refunded`` (except CANCEL of an unpaid order); an action of another role is
``role_not_allowed``.
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales import disputes, protection
from clipshop.core.clock import as_utc, utcnow
from clipshop.identity.principal import Principal, Role
from clipshop.models import Cancellation, Order, OrderLineItem, Return, ReturnLine
from clipshop.orders import cancellations, queries, refunds
from clipshop.rules.policies import RegionPolicy, for_region

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
OPEN_RETURNS = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
)


@dataclass(frozen=True)
class LineFacts:
    id: int
    status: str
    shipped: bool
    refundable: int  # what is left to refund
    delivered_at: datetime | None
    open_return: bool = False
    open_dispute: bool = False
    # (requested at, rejected?) of requests covering the line that could be escalated
    escalatable: tuple[tuple[datetime, bool], ...] = ()


@dataclass(frozen=True)
class Facts:
    role: Role
    status: str
    policy: RegionPolicy
    now: datetime
    deadlines: dict[str, datetime | None]  # the order's SLA times by name
    cancellation_pending: bool
    lines: list[LineFacts] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    action: str
    eligible: bool
    deadline: datetime | None = None
    ineligible_code: str | None = None
    opens_at: datetime | None = None


def _no(action: str, code: str, opens_at: datetime | None = None) -> Verdict:
    return Verdict(action, False, ineligible_code=code, opens_at=opens_at)


def _cancel(facts: Facts, line: LineFacts) -> Verdict:
    if facts.role is Role.BUYER:
        deadline = {"UNPAID": "cancel_order_sla_time", "ON_HOLD": "hold_until"}.get(facts.status)
        if deadline is None:
            return _no("CANCEL", "invalid_order_status")
        return Verdict("CANCEL", True, facts.deadlines.get(deadline))
    if facts.status not in cancellations.SELLER_CANCELLABLE:
        return _no("CANCEL", "invalid_order_status")
    if line.shipped:
        return _no("CANCEL", "already_shipped")
    return Verdict("CANCEL", True, facts.deadlines.get("shipping_due_time"))


def _request_cancellation(facts: Facts, line: LineFacts) -> Verdict:
    action = "REQUEST_CANCELLATION"
    if facts.status not in cancellations.NEEDS_SELLER:
        return _no(action, "invalid_order_status")
    if line.shipped:
        return _no(action, "already_shipped")
    if facts.cancellation_pending:
        return _no(action, "cancellation_request_pending")
    return Verdict(action, True, facts.deadlines.get("shipping_due_time"))


def _return(action: str, facts: Facts, line: LineFacts) -> Verdict:
    if line.delivered_at is None:
        return _no(action, "order_not_delivered")
    closes = line.delivered_at + timedelta(days=facts.policy.return_window_days)
    if facts.status == "COMPLETED" or facts.now > closes:
        return Verdict(action, False, closes, "return_window_closed")
    if line.open_return:
        return Verdict(action, False, closes, "return_already_open")
    return Verdict(action, True, closes)


def _claim(action: str, facts: Facts, line: LineFacts) -> Verdict:
    if action == "DAMAGE_CLAIM":
        window = protection.damage_claim(line.delivered_at, facts.policy, facts.now)
        opens = None
    else:
        window = protection.buyer_protection(line.delivered_at, "DAMAGED", facts.policy, facts.now)
        not_received = protection.buyer_protection(
            line.delivered_at, "NOT_RECEIVED", facts.policy, facts.now
        )
        opens = not_received.opens
    if not window.open:
        return Verdict(action, False, window.closes, window.refused, opens)
    if line.open_dispute:
        return Verdict(action, False, window.closes, "dispute_already_open", opens)
    return Verdict(action, True, window.closes, opens_at=opens)


def _escalate(facts: Facts, line: LineFacts) -> Verdict:
    if line.open_dispute:
        return _no("ESCALATE", "dispute_already_open")
    if not line.escalatable:
        return _no("ESCALATE", "nothing_to_escalate")
    windows = [
        protection.escalation(at, rejected, facts.policy, facts.now)
        for at, rejected in line.escalatable
    ]
    if any(w.open for w in windows):
        return Verdict("ESCALATE", True)
    return _no("ESCALATE", "escalation_too_early", min(w.opens for w in windows if w.opens))


def evaluate(facts: Facts) -> dict[int, list[Verdict]]:
    """Line id -> a verdict for every action, in ``ACTIONS`` order."""
    out: dict[int, list[Verdict]] = {}
    for line in facts.lines:
        verdicts = []
        for action in ACTIONS:
            if action != "CANCEL" and facts.role is not Role.BUYER:
                verdicts.append(_no(action, "role_not_allowed"))
            elif line.status == "CANCELLED":
                verdicts.append(_no(action, "line_cancelled"))
            elif line.refundable <= 0 and facts.status != "UNPAID":
                verdicts.append(_no(action, "line_fully_refunded"))
            elif action == "CANCEL":
                verdicts.append(_cancel(facts, line))
            elif action == "REQUEST_CANCELLATION":
                verdicts.append(_request_cancellation(facts, line))
            elif action in ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT"):
                verdicts.append(_return(action, facts, line))
            elif action in ("DAMAGE_CLAIM", "BUYER_PROTECTION"):
                verdicts.append(_claim(action, facts, line))
            else:
                verdicts.append(_escalate(facts, line))
        out[line.id] = verdicts
    return out


def facts_of(session: Session, principal: Principal, order_id: int) -> tuple[Order, Facts]:
    order = queries.get_order(session, principal, order_id)  # 404 unless the caller's
    lines = session.scalars(
        select(OrderLineItem).where(OrderLineItem.order_id == order.id).order_by(OrderLineItem.id)
    ).all()
    delivered = disputes.delivered_times(session, order)
    busy = disputes.open_disputes_by_line(session, order.id)
    returns = session.execute(
        select(ReturnLine.line_item_id, Return.status, Return.created_at)
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order.id)
    ).all()
    cancellations = session.scalars(
        select(Cancellation).where(
            Cancellation.order_id == order.id, Cancellation.status == disputes.PENDING_CANCEL
        )
    ).all()
    escalatable: dict[int, list[tuple[datetime, bool]]] = {}
    for line_id, status, created in returns:
        if status in disputes.REJECTED_RETURNS or status == disputes.PENDING_RETURN:
            rejected = status in disputes.REJECTED_RETURNS
            escalatable.setdefault(line_id, []).append((as_utc(created), rejected))
    for cancel in cancellations:
        for requested in cancel.line_item_ids:
            escalatable.setdefault(int(requested), []).append((as_utc(cancel.created_at), False))
    open_returns = {line_id for line_id, status, _ in returns if status in OPEN_RETURNS}
    names = ("cancel_order_sla_time", "hold_until", "shipping_due_time")
    deadlines = {n: as_utc(v) if (v := getattr(order, n)) else None for n in names}
    facts = Facts(
        role=principal.role,
        status=order.status,
        policy=for_region(order.region),
        now=utcnow(),
        deadlines=deadlines,
        cancellation_pending=bool(cancellations),
        lines=[
            LineFacts(
                id=line.id,
                status=line.status,
                shipped=line.package_id is not None,
                refundable=refunds.line_cap(line),
                delivered_at=delivered.get(line.id),
                open_return=line.id in open_returns,
                open_dispute=line.id in busy,
                escalatable=tuple(escalatable.get(line.id, ())),
            )
            for line in lines
        ],
    )
    return order, facts
