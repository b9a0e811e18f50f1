"""Order use cases around payment and cancellation, and the remorse-window release."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.catalog import holds
from clipshop.core.clock import utcnow
from clipshop.core.settings import Settings
from clipshop.models import Order, OrderLineItem, PaymentTransaction
from clipshop.orders.errors import NotCancellable
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import record_event, transition
from clipshop.payments import ledger

BUYER_CANCELLABLE = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD})


def orders_of_payment(session: Session, payment_id: int) -> list[Order]:
    stmt = select(Order).where(Order.payment_id == payment_id).order_by(Order.id)
    return list(session.scalars(stmt))


def mark_paid(session: Session, orders: list[Order], settings: Settings) -> None:
    now = utcnow()
    for order in orders:
        if order.status != OrderStatus.UNPAID:
            continue
        order.paid_at = now
        order.hold_until = now + timedelta(minutes=settings.remorse_window_minutes)
        order.payment_failure = None
        transition(
            session, order, OrderStatus.ON_HOLD, Actor.BUYER, order.buyer_id, "payment captured"
        )
        if order.review_hold:
            record_event(
                session, order, "REVIEW_HOLD", Actor.SYSTEM, reason=order.review_reason or ""
            )


def mark_payment_failed(session: Session, orders: list[Order], message: str) -> None:
    for order in orders:
        if order.status == OrderStatus.UNPAID:
            order.payment_failure = message
            record_event(session, order, "PAYMENT_FAILED", Actor.SYSTEM, reason=message)


def _release_stock(session: Session, order: Order, actor_id: int | None) -> None:
    lines = session.scalars(
        select(OrderLineItem).where(
            OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED"
        )
    ).all()
    counts = Counter((line.sku_id, line.warehouse_id) for line in lines)
    for (sku_id, warehouse_id), quantity in sorted(counts.items()):
        holds.release(
            session,
            order.shop_id,
            sku_id,
            warehouse_id,
            quantity,
            note=f"order {order.id} cancelled",
            actor=actor_id,
        )


def cancel(
    session: Session, order: Order, actor: Actor, actor_id: int | None, reason: str
) -> PaymentTransaction | None:
    """Cancel the whole order: stock back, money back if it was taken. Returns the queued
    refund (the caller runs it through the gateway after commit)."""
    reason = ledger.clip(reason)  # a prefix plus a user's text may exceed the column
    was = OrderStatus(order.status)
    if was is OrderStatus.UNPAID and ledger.has_attempt_in_flight(session, order.payment_id):
        raise NotCancellable(
            "a payment for this order is being processed; try again shortly",
            code="payment_in_progress",
        )
    _release_stock(session, order, actor_id)
    transition(session, order, OrderStatus.CANCELLED, actor, actor_id, reason)
    order.cancelled_by = actor.value
    order.cancel_reason = reason
    session.execute(
        update(OrderLineItem)
        # Lines cancelled before (removed by an order edit) keep their own reason.
        .where(OrderLineItem.order_id == order.id, OrderLineItem.cancel_reason.is_(None))
        .values(status="CANCELLED", cancel_reason=reason)
    )
    if was is OrderStatus.UNPAID:
        return None
    return ledger.queue_refund(
        session,
        order.payment_id,
        order.id,
        order.shop_id,
        order.total_amount,
        f"order cancelled: {reason}",
    )


def buyer_cancel(
    session: Session, order: Order, buyer_id: int, reason: str
) -> PaymentTransaction | None:
    if OrderStatus(order.status) not in BUYER_CANCELLABLE:
        raise NotCancellable(
            f"an order in {order.status} cannot be cancelled directly; "
            "request a cancellation from the seller instead"
        )
    return cancel(session, order, Actor.BUYER, buyer_id, reason)


def release_on_hold(session: Session, now: datetime, limit: int = 500) -> int:
    """Move orders whose remorse window has passed (and not on review) to AWAITING_SHIPMENT."""
    stmt = (
        select(Order)
        .where(
            Order.status == OrderStatus.ON_HOLD.value,
            Order.hold_until <= now,
            Order.review_hold.is_(False),
        )
        .order_by(Order.hold_until)
        .limit(limit)
    )
    moved = 0
    for order in session.scalars(stmt).all():
        transition(
            session,
            order,
            OrderStatus.AWAITING_SHIPMENT,
            Actor.SYSTEM,
            reason="remorse window ended",
        )
        moved += 1
    return moved


def expire_unpaid(session: Session, now: datetime, settings: Settings, limit: int = 500) -> int:
    """Cancel orders left unpaid past the deadline, giving their stock back."""
    cutoff = now - timedelta(hours=settings.unpaid_cancel_hours)
    stmt = (
        select(Order)
        .where(Order.status == OrderStatus.UNPAID.value, Order.created_at <= cutoff)
        .order_by(Order.created_at)
        .limit(limit)
    )
    cancelled = 0
    for order in session.scalars(stmt).all():
        if ledger.has_attempt_in_flight(session, order.payment_id):
            continue  # the reconciler settles it first
        cancel(session, order, Actor.SYSTEM, None, "not paid in time")
        cancelled += 1
    return cancelled


def decide_review(
    session: Session, order: Order, agent_id: int, clear: bool, note: str
) -> PaymentTransaction | None:
    if not order.review_hold or order.status != OrderStatus.ON_HOLD:
        raise NotCancellable("the order is not on a review hold", code="not_on_review")
    order.review_hold = False
    record_event(
        session,
        order,
        "REVIEW_CLEARED" if clear else "REVIEW_REJECTED",
        Actor.OPERATOR,
        agent_id,
        note,
    )
    if clear:
        return None
    return cancel(session, order, Actor.OPERATOR, agent_id, f"fraud review: {note}")
