"""Order use cases around payment and cancellation, and the remorse-window release."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from clipshop.catalog import holds
from clipshop.core.clock import utcnow
from clipshop.models import Order, OrderLineItem, PaymentTransaction
from clipshop.orders import changes, refunds, rows, sla
from clipshop.orders.errors import NotCancellable
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import move, record_event, transition
from clipshop.payments import ledger

BUYER_CANCELLABLE = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD})


_OF_PAYMENT = select(Order).where(Order.payment_id == bindparam("payment")).order_by(Order.id)


def orders_of_payment(session: Session, payment_id: int) -> list[Order]:
    return list(session.scalars(_OF_PAYMENT, {"payment": payment_id}))


def mark_paid(
    session: Session, orders: list[rows.Row], lines: dict[int, list[rows.Row]]
) -> tuple[list[rows.Row], dict[int, list[rows.Row]]]:
    """The payment of these orders (read as rows, with their lines) was captured: the UNPAID
    ones go ON_HOLD for the remorse window. The orders and lines as they are now."""
    now = utcnow()
    done, lines = [], dict(lines)
    for order in orders:
        if order.status != OrderStatus.UNPAID:
            done.append(order)
            continue
        paid: dict[str, object] = {"paid_at": now, "hold_until": sla.remorse_until(order, now)}
        paid["payment_failure"] = None
        order = move(
            session,
            order,
            OrderStatus.ON_HOLD,
            Actor.BUYER,
            order.buyer_id,
            "payment captured",
            also=paid,
        )
        if order.review_hold:
            record_event(
                session, order, "REVIEW_HOLD", Actor.SYSTEM, reason=order.review_reason or ""
            )
        done.append(order)
        lines[order.id] = [  # the move's UPDATE of the live lines
            x if x.status == "CANCELLED" else x.but(status=order.status)
            for x in lines.get(order.id, [])
        ]
    return done, lines


def mark_payment_failed(session: Session, orders: list[rows.Row], message: str) -> list[rows.Row]:
    """The payment failed: its UNPAID orders (read as rows) say why. The orders as they are
    now."""
    now = utcnow()
    unpaid = {o.id for o in orders if o.status == OrderStatus.UNPAID}
    rows.set_payment_failure(session, sorted(unpaid), message, now)
    for order in orders:
        if order.id in unpaid:
            record_event(session, order, "PAYMENT_FAILED", Actor.SYSTEM, reason=message)
    return [o.but(payment_failure=message, updated_at=now) if o.id in unpaid else o for o in orders]


def _release_stock(session: Session, order: Order, actor_id: int | None) -> None:
    """Held units of unshipped lines go back to available; shipped ones left the warehouse
    (``holds.ship``) and are not put back (a lost or refused parcel is not stock)."""
    lines = session.scalars(
        select(OrderLineItem).where(
            OrderLineItem.order_id == order.id,
            OrderLineItem.status != "CANCELLED",
            OrderLineItem.package_id.is_(None),
        )
    ).all()
    counts = Counter((line.sku_id, line.warehouse_id) for line in lines)
    for (sku_id, warehouse_id), quantity in sorted(counts.items()):
        at = holds.StockRow(order.shop_id, sku_id, warehouse_id)
        holds.release(session, at, quantity, note=f"order {order.id} cancelled", actor=actor_id)


def cancel(
    session: Session, order: Order, actor: Actor, actor_id: int | None, reason: str
) -> PaymentTransaction | None:
    """Cancel the whole order: stock back, money back if it was taken. Returns the queued
    refund (the caller runs it through the gateway after commit). The caller read ``order``
    with its row locked (``changes.relock``, ``actions``): the stock is released before the
    status moves, so an unlocked read would let a second cancel release it twice."""
    reason = ledger.clip(reason)  # a prefix plus a user's text may exceed the column
    was = OrderStatus(order.status)
    if was is OrderStatus.UNPAID and ledger.has_attempt_in_flight(session, order.payment_id):
        raise NotCancellable(
            "a payment for this order is being processed; try again shortly",
            code="payment_in_progress",
        )
    per_line, shipping = refunds.full_refund_plan(session, order)
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
    return refunds.refund(session, order, per_line, shipping, f"order cancelled: {reason}")


def buyer_cancel(
    session: Session, order: Order, buyer_id: int, reason: str
) -> PaymentTransaction | None:
    if OrderStatus(order.status) not in BUYER_CANCELLABLE:
        raise NotCancellable(
            f"an order in {order.status} cannot be cancelled directly; "
            "request a cancellation from the seller instead"
        )
    return cancel(session, order, Actor.BUYER, buyer_id, reason)


def release_from_hold(session: Session, order: Order) -> bool:
    """The remorse window is over: ON_HOLD -> AWAITING_SHIPMENT, unless on review hold."""
    if order.status != OrderStatus.ON_HOLD or order.review_hold:
        return False
    transition(
        session, order, OrderStatus.AWAITING_SHIPMENT, Actor.SYSTEM, reason="remorse window ended"
    )
    return True


def cancel_lines(
    session: Session,
    order: Order,
    lines: list[OrderLineItem],
    actor: Actor,
    actor_id: int | None,
    reason: str,
) -> PaymentTransaction | None:
    """Cancel some line items. When they are all the order's live lines the whole order is
    cancelled (``cancel``); otherwise each chosen line's price and tax is refunded (the
    shipping fee is kept: the rest still ships) and its unshipped units go back to stock.
    The order's totals stay what was charged; ``refunded_amount`` says what went back. The
    caller moves the order on (its remaining lines may all be shipped now)."""
    live = session.scalars(
        select(OrderLineItem)
        .where(OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED")
        .order_by(OrderLineItem.id)
    ).all()
    chosen = [line for line in live if line.id in {x.id for x in lines}]
    if not chosen:
        return None
    if len(chosen) == len(live):
        return cancel(session, order, actor, actor_id, reason)
    reason = ledger.clip(reason)
    counts = Counter((line.sku_id, line.warehouse_id) for line in chosen if line.package_id is None)
    for (sku_id, warehouse_id), quantity in sorted(counts.items()):
        note = f"order {order.id}: lines cancelled"
        at = holds.StockRow(order.shop_id, sku_id, warehouse_id)
        holds.release(session, at, quantity, note, actor_id)
    for line in chosen:
        line.status = "CANCELLED"
        line.cancel_reason = reason
    back = {line.id: refunds.line_cap(line) for line in chosen}
    amount = changes.amount(sum(back.values()), order.currency)
    what = f"{len(chosen)} item(s): {reason}; refunded {amount}"
    record_event(session, order, "LINES_CANCELLED", actor, actor_id, what)
    session.flush()
    if order.status == OrderStatus.UNPAID:
        return None
    return refunds.refund(session, order, back, 0, reason)


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
        sla.review_cleared(session, order, utcnow())
        return None
    return cancel(session, order, Actor.OPERATOR, agent_id, f"fraud review: {note}")


def complete(session: Session, order: Order) -> None:
    """The after-sales window closed: DELIVERED -> COMPLETED."""
    transition(session, order, OrderStatus.COMPLETED, Actor.SYSTEM, reason="return window closed")
