"""What happens to a return request: the seller's decisions, the buyer's answers, the
deadlines, and the refund itself.

| status | who | action | next |
|---|---|---|---|
| PENDING | seller | APPROVE_REFUND (REFUND, or a returnless RETURN_AND_REFUND) | refund, COMPLETE |
| PENDING | seller | APPROVE_RETURN (RETURN_AND_REFUND) | AWAITING_BUYER_SHIP |
| PENDING | seller | APPROVE_RETURN + ``buyer_keep_item`` | returnless refund, COMPLETE |
| PENDING | seller | APPROVE_REPLACEMENT | replacement order, SUCCESS |
| PENDING | seller | ISSUE_REPLACEMENT_REFUND (REPLACEMENT) | refund, COMPLETE |
| PENDING | seller | OFFER_PARTIAL_REFUND + amount | AWAITING_BUYER_RESPONSE (offer OFFERED) |
| AWAITING_BUYER_RESPONSE | buyer | accept | partial refund, COMPLETE |
| AWAITING_BUYER_RESPONSE | buyer | decline | PENDING, the seller decides again (48 h) |
| AWAITING_BUYER_RESPONSE | system | unanswered for 48 h | PENDING, offer EXPIRED (a decline) |
| PENDING | seller | reject + reason | REFUND_OR_RETURN_REQUEST_REJECT |
| PENDING | system | seller silent 48 h: approved as its type asks | as above |
| AWAITING_BUYER_SHIP | buyer | ship (tracking or platform label) | BUYER_SHIPPED_ITEM |
| AWAITING_BUYER_SHIP | system | not shipped in 7 days | CANCEL |
| BUYER_SHIPPED_ITEM | seller | APPROVE_RECEIVED_PACKAGE | restock (``resellable``), refund |
| BUYER_SHIPPED_ITEM | seller | reject + reason | REJECT_RECEIVE_PACKAGE |
| BUYER_SHIPPED_ITEM | system | receipt not confirmed in 10 days | refund, COMPLETE |
| PENDING, AWAITING_BUYER_RESPONSE, AWAITING_BUYER_SHIP | buyer | cancel | CANCEL |

COMPLETE means the refund is booked (per line and shipping within their caps, reserved on
the payment) and sent to the gateway after the commit; a gateway timeout is retried by the
refund retry job, and the return's ``refund_status`` shows the gateway's answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from clipshop.aftersales import return_errors as errors
from clipshop.aftersales.calculate import RefundPlan, refund_plan, split
from clipshop.aftersales.replacements import create_replacement
from clipshop.aftersales.return_shipping import restock
from clipshop.aftersales.returns import (
    BUYER_SHIP_DAYS,
    ReturnStatus,
    close_timers,
    lines_of,
    lock_return,
    lock_subject,
    order_lines,
    record,
    require_buyer,
    set_status,
)
from clipshop.core.clock import utcnow
from clipshop.core.errors import InsufficientStock
from clipshop.deadlines import timers
from clipshop.deadlines.policies import for_region
from clipshop.deadlines.timers import TimerKind
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Order, OrderLineItem, PaymentTransaction, Return
from clipshop.orders.refunds import full_refund_plan, refund
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import transition

R = ReturnStatus
ALL_TYPES = frozenset({"REFUND", "RETURN_AND_REFUND", "REPLACEMENT"})
DECISIONS: dict[str, tuple[ReturnStatus, frozenset[str]]] = {
    "APPROVE_REFUND": (R.PENDING, frozenset({"REFUND", "RETURN_AND_REFUND"})),
    "APPROVE_RETURN": (R.PENDING, frozenset({"RETURN_AND_REFUND"})),
    "APPROVE_REPLACEMENT": (R.PENDING, frozenset({"REPLACEMENT"})),
    "ISSUE_REPLACEMENT_REFUND": (R.PENDING, frozenset({"REPLACEMENT"})),
    "OFFER_PARTIAL_REFUND": (R.PENDING, ALL_TYPES),
    "APPROVE_RECEIVED_PACKAGE": (R.BUYER_SHIPPED_ITEM, frozenset({"RETURN_AND_REFUND"})),
}
REJECTABLE = (R.PENDING, R.BUYER_SHIPPED_ITEM)
WITHDRAWABLE = (R.PENDING, R.AWAITING_BUYER_RESPONSE, R.AWAITING_BUYER_SHIP)
OFFERED = "OFFERED"


def _not_awaiting_buyer(ret: Return) -> None:
    """A seller decision while the buyer has a partial refund offer to answer."""
    if ret.status == R.AWAITING_BUYER_RESPONSE:
        raise errors.AwaitingBuyerResponse(
            "the buyer has not answered the partial refund offer", return_status=ret.status
        )


def _require_status(ret: Return, *allowed: ReturnStatus) -> None:
    if ret.status not in allowed:
        raise errors.InvalidReturnStatus(
            f"the return is {ret.status}; this needs " + " or ".join(allowed),
            return_status=ret.status,
        )


def _plan(session: Session, order: Order, ret: Return) -> RefundPlan:
    return refund_plan(session, order, order_lines(session, ret), ret.reason)


def _fully_refunded(session: Session, order: Order) -> bool:
    per_line, _ = full_refund_plan(session, order)
    return not per_line


def pay_refund(
    session: Session,
    order: Order,
    ret: Return,
    actor: Actor,
    actor_id: int | None,
    amount: int | None = None,
) -> PaymentTransaction | None:
    """Refund the return (its lines' remainder and the shipping by rule, or a partial
    ``amount`` over its lines), record it, COMPLETE it; the order COMPLETES when nothing is
    left to refund on it."""
    plan = _plan(session, order, ret)
    # An accepted offer never exceeds what is left (something may have refunded meanwhile).
    per_line = plan.per_line if amount is None else split(min(amount, plan.lines_total), plan)
    shipping = plan.shipping if amount is None else 0
    txn = refund(session, order, per_line, shipping, f"return {ret.id} ({ret.reason})")
    for line in lines_of(session, [ret.id])[ret.id]:
        line.refund_amount = per_line.get(line.line_item_id, 0)
    ret.refund_amount = sum(per_line.values()) + shipping
    ret.shipping_refund = shipping
    ret.refund_txn_id = txn.id if txn is not None else None
    set_status(session, ret, R.COMPLETE)
    close_timers(session, ret)
    session.flush()
    record(session, ret, "REFUNDED", actor, actor_id, f"refunded {ret.refund_amount}")
    if order.status == OrderStatus.DELIVERED and _fully_refunded(session, order):
        transition(session, order, OrderStatus.COMPLETED, Actor.SYSTEM, reason="fully refunded")
    return txn


def _await_shipment(session: Session, ret: Return, now: datetime) -> None:
    set_status(session, ret, R.AWAITING_BUYER_SHIP)
    ret.buyer_ship_by = now + timedelta(days=BUYER_SHIP_DAYS)
    close_timers(session, ret)
    timers.arm(session, TimerKind.RETURN_BUYER_SHIP, ret.id, ret.shop_id, ret.buyer_ship_by)


def _replace(session: Session, order: Order, ret: Return) -> None:
    lines: list[OrderLineItem] = order_lines(session, ret)
    replacement = create_replacement(session, order, ret, lines)
    ret.replacement_order_id = replacement.id
    set_status(session, ret, R.SUCCESS)
    close_timers(session, ret)


def approve(
    session: Session,
    principal: Principal,
    return_id: int,
    decision: str,
    partial_amount: int | None = None,
    buyer_keep_item: bool = False,
    resellable: bool = True,
) -> PaymentTransaction | None:
    """The seller's decision. With APPROVE_RECEIVED_PACKAGE the returned units go back to
    stock unless the seller says they are not ``resellable``."""
    principal.require(Permission.AFTERSALES_DECIDE)
    order, ret = lock_return(session, principal, return_id)
    needed, types = DECISIONS[decision]
    _not_awaiting_buyer(ret)
    _require_status(ret, needed)
    if ret.return_type not in types:
        raise errors.DecisionNotAllowed(
            f"{decision} does not answer a {ret.return_type} request", decision=decision
        )
    actor, who = Actor.SELLER, principal.user_id
    ret.decided_by = who
    if decision == "APPROVE_RETURN" and buyer_keep_item:
        decision = "APPROVE_REFUND"
    if decision == "OFFER_PARTIAL_REFUND":
        _offer(session, order, ret, partial_amount)
        record(session, ret, "PARTIAL_REFUND_OFFERED", actor, who, f"offered {partial_amount}")
        return None
    record(session, ret, "APPROVED", actor, who, decision)
    if decision == "APPROVE_RECEIVED_PACKAGE":
        if resellable:
            units = restock(session, principal, ret)
            record(session, ret, "RESTOCKED", actor, who, f"{units} unit(s) back in stock")
        else:
            record(session, ret, "NOT_RESTOCKED", actor, who, "marked not resellable")
    return apply_decision(session, order, ret, decision, actor, who)


def apply_decision(
    session: Session, order: Order, ret: Return, decision: str, actor: Actor, who: int | None
) -> PaymentTransaction | None:
    """Carry out an approval (APPROVE_RETURN, APPROVE_REPLACEMENT, or a refund) of the
    locked, PENDING ``ret``: what the seller, the system or a seller's own request does."""
    if decision == "APPROVE_RETURN":
        _await_shipment(session, ret, utcnow())
        session.flush()
        return None
    if decision == "APPROVE_REPLACEMENT":
        _replace(session, order, ret)
        record(session, ret, "REPLACEMENT_CREATED", actor, who, f"order {ret.replacement_order_id}")
        return None
    return pay_refund(session, order, ret, actor, who)


def _offer(session: Session, order: Order, ret: Return, amount: int | None) -> None:
    if amount is None or amount <= 0:
        raise errors.PartialRefundTooLarge("OFFER_PARTIAL_REFUND needs a positive amount")
    refundable = _plan(session, order, ret).lines_total
    if amount > refundable:
        raise errors.PartialRefundTooLarge(
            f"the offer ({amount}) exceeds what the lines can refund ({refundable})",
            refundable=refundable,
        )
    ret.partial_refund_amount = amount
    ret.partial_refund_status = OFFERED
    set_status(session, ret, R.AWAITING_BUYER_RESPONSE)
    ret.buyer_respond_by = utcnow() + timedelta(
        hours=for_region(order.region).partial_refund_response_hours
    )
    close_timers(session, ret)  # the seller answered; the buyer decides now, or it lapses
    timers.arm(session, TimerKind.RETURN_OFFER_EXPIRE, ret.id, ret.shop_id, ret.buyer_respond_by)


def reject(session: Session, principal: Principal, return_id: int, reason: str) -> None:
    principal.require(Permission.AFTERSALES_DECIDE)
    _order, ret = lock_return(session, principal, return_id)
    _not_awaiting_buyer(ret)
    _require_status(ret, *REJECTABLE)
    received = ret.status == R.BUYER_SHIPPED_ITEM
    set_status(session, ret, R.REJECT_RECEIVE_PACKAGE if received else R.REJECT)
    ret.reject_reason = reason
    ret.decided_by = principal.user_id
    close_timers(session, ret)
    event = "PACKAGE_REJECTED" if received else "REJECTED"
    record(session, ret, event, Actor.SELLER, principal.user_id, reason)


def answer_offer(
    session: Session, principal: Principal, return_id: int, accept: bool
) -> PaymentTransaction | None:
    require_buyer(principal, "answer a partial refund offer")
    order, ret = lock_return(session, principal, return_id)
    if ret.status == R.PENDING:
        raise errors.NoPartialOffer("there is no partial refund offer to answer")
    _require_status(ret, R.AWAITING_BUYER_RESPONSE)
    assert ret.partial_refund_amount is not None  # set with the status (a CHECK-free pair)
    who = principal.user_id
    if accept:
        ret.partial_refund_status = "ACCEPTED"
        record(session, ret, "PARTIAL_REFUND_ACCEPTED", Actor.BUYER, who)
        return pay_refund(session, order, ret, Actor.BUYER, who, ret.partial_refund_amount)
    _back_to_seller(session, order, ret, "DECLINED")
    record(session, ret, "PARTIAL_REFUND_DECLINED", Actor.BUYER, who)
    return None


def _back_to_seller(session: Session, order: Order, ret: Return, answer: str) -> None:
    """The offer is off (declined, or lapsed unanswered): the request is PENDING again and
    the seller has ``seller_response_hours`` to decide anew, else it is auto-approved."""
    ret.partial_refund_status = answer
    set_status(session, ret, R.PENDING)
    ret.buyer_respond_by = None
    ret.seller_respond_by = utcnow() + timedelta(
        hours=for_region(order.region).seller_response_hours
    )
    close_timers(session, ret)
    timers.arm(session, TimerKind.RETURN_AUTO_APPROVE, ret.id, ret.shop_id, ret.seller_respond_by)


def offer_expired(session: Session, return_id: int, now: datetime) -> bool:
    """The RETURN_OFFER_EXPIRE timer: the buyer left the offer unanswered until
    ``buyer_respond_by``; it lapses (EXPIRED) and the request goes back to the seller."""
    order, ret = lock_subject(session, return_id)
    if ret.status != R.AWAITING_BUYER_RESPONSE or ret.buyer_respond_by is None:
        return False
    if now < ret.buyer_respond_by:
        return False
    _back_to_seller(session, order, ret, "EXPIRED")
    note = "the buyer did not answer the partial refund offer in time"
    record(session, ret, "PARTIAL_REFUND_EXPIRED", Actor.SYSTEM, None, note)
    return True


def cancel(session: Session, principal: Principal, return_id: int, reason: str) -> None:
    require_buyer(principal, "withdraw a return request")
    _order, ret = lock_return(session, principal, return_id)
    _require_status(ret, *WITHDRAWABLE)
    set_status(session, ret, R.CANCEL)
    close_timers(session, ret)
    record(session, ret, "CANCELLED", Actor.BUYER, principal.user_id, reason)


# --- deadlines (worker.handlers) ------------------------------------------------------------


def auto_approve(session: Session, return_id: int, now: datetime) -> tuple[bool, int | None]:
    """The seller let the response deadline pass: approved as the request's type asks (a
    replacement out of stock is refunded instead). (applied, refund transaction id)."""
    order, ret = lock_subject(session, return_id)
    if ret.status != R.PENDING or ret.partial_refund_status == OFFERED:
        return False, None
    if ret.seller_respond_by is not None and now < ret.seller_respond_by:
        return False, None
    decision = {
        "REFUND": "APPROVE_REFUND",
        "RETURN_AND_REFUND": "APPROVE_RETURN",
        "REPLACEMENT": "APPROVE_REPLACEMENT",
    }[ret.return_type]
    late = "the seller did not answer in time"
    if decision == "APPROVE_REPLACEMENT":
        if _replaced(session, order, ret):
            record(session, ret, "AUTO_APPROVED", Actor.SYSTEM, None, f"{decision}: {late}")
            note = f"order {ret.replacement_order_id}"
            record(session, ret, "REPLACEMENT_CREATED", Actor.SYSTEM, None, note)
            return True, None
        decision = "ISSUE_REPLACEMENT_REFUND"  # out of stock: refunded instead
    record(session, ret, "AUTO_APPROVED", Actor.SYSTEM, None, f"{decision}: {late}")
    txn = apply_decision(session, order, ret, decision, Actor.SYSTEM, None)
    return True, txn.id if txn is not None else None


def _replaced(session: Session, order: Order, ret: Return) -> bool:
    """Create the replacement in a savepoint: False (nothing kept) when out of stock."""
    savepoint = session.begin_nested()
    try:
        _replace(session, order, ret)
    except InsufficientStock:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def buyer_ship_due(session: Session, return_id: int, now: datetime) -> bool:
    _order, ret = lock_subject(session, return_id)
    if ret.status != R.AWAITING_BUYER_SHIP:
        return False
    set_status(session, ret, R.CANCEL)
    close_timers(session, ret)
    record(session, ret, "CLOSED", Actor.SYSTEM, None, "the buyer did not ship the return in time")
    return True


def receive_due(session: Session, return_id: int, now: datetime) -> tuple[bool, int | None]:
    order, ret = lock_subject(session, return_id)
    if ret.status != R.BUYER_SHIPPED_ITEM:
        return False, None
    record(session, ret, "AUTO_RECEIVED", Actor.SYSTEM, None, "receipt not confirmed in time")
    txn = pay_refund(session, order, ret, Actor.SYSTEM, None)
    return True, txn.id if txn is not None else None
