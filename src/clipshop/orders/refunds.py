"""After-sales refunds of an order, allocated to its lines and its shipping fee.

Every refund after the sale (a cancellation, a return, a lost parcel, a dispute) goes
through ``refund``: per line a conditional UPDATE that adds to ``refunded_amount`` only while
it stays within the line's price plus tax, the same for the shipping fee and the order's
total, then the ledger reserves it on the payment (never more than captured) and queues the
gateway call. The CHECK constraints on those columns hold the same caps, so even a code path
that forgot the conditions could not over-refund. Lines are updated in id order (one lock
order), after the order row. The UPDATEs are ORM-enabled and return their rows with
``populate_existing``: SQLAlchemy refreshes the order and lines the caller holds from them."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.ids import new_id
from clipshop.models import Order, OrderLineItem, PaymentTransaction, RefundAllocation
from clipshop.payments import ledger
from clipshop.payments.errors import OverRefund

# The UPDATE returns the row, and SQLAlchemy puts it into the object the session holds.
_REFRESH = {"populate_existing": True, "synchronize_session": False}


def line_cap(line: OrderLineItem) -> int:
    """What a line can still give back: its price plus tax, less what it already did."""
    return line.sale_price + line.tax - line.refunded_amount


def full_refund_plan(session: Session, order: Order) -> tuple[dict[int, int], int]:
    """Everything not yet refunded: each live line's remainder and the shipping fee's."""
    lines = session.scalars(
        select(OrderLineItem)
        .where(OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED")
        .order_by(OrderLineItem.id)
    ).all()
    per_line = {line.id: line_cap(line) for line in lines if line_cap(line) > 0}
    return per_line, order.shipping_fee - order.shipping_refunded


def refund(
    session: Session,
    order: Order,
    per_line: Mapping[int, int],
    shipping: int,
    reason: str,
) -> PaymentTransaction | None:
    """Refund ``per_line`` (line id -> minor units) and ``shipping`` of ``order``. Raises
    ``OverRefund`` (nothing changed: the caller's transaction rolls back) if any part would
    exceed what is left to refund. Returns the queued refund, or None when nothing is due
    or the order was never paid."""
    amounts = {line_id: amount for line_id, amount in per_line.items() if amount}
    if any(amount < 0 for amount in amounts.values()) or shipping < 0:
        raise ValueError("refund amounts are positive")
    total = sum(amounts.values()) + shipping
    if total == 0:
        return None
    _add_to_order(session, order, total, shipping)
    for line_id in sorted(amounts):
        _add_to_line(session, order.id, line_id, amounts[line_id])
    txn = ledger.queue_refund(session, order.payment_id, order.id, order.shop_id, total, reason)
    if txn is None:
        raise OverRefund(f"order {order.id} was not paid: there is nothing to refund")
    session.add_all(
        RefundAllocation(
            id=new_id(), transaction_id=txn.id, order_id=order.id, line_item_id=line_id, amount=a
        )
        for line_id, a in sorted(amounts.items())
    )
    if shipping:
        session.add(
            RefundAllocation(id=new_id(), transaction_id=txn.id, order_id=order.id, amount=shipping)
        )
    session.flush()
    return txn


def _add_to_order(session: Session, order: Order, total: int, shipping: int) -> None:
    result = session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.refunded_amount + total <= Order.total_amount,
            Order.shipping_refunded + shipping <= Order.shipping_fee,
        )
        .values(
            refunded_amount=Order.refunded_amount + total,
            shipping_refunded=Order.shipping_refunded + shipping,
        )
        .returning(Order),
        execution_options=_REFRESH,
    ).one_or_none()
    if result is None:
        raise OverRefund(
            f"refunding {total} (shipping {shipping}) would exceed what order {order.id} costs"
        )


def _add_to_line(session: Session, order_id: int, line_id: int, amount: int) -> None:
    refunded = session.execute(
        update(OrderLineItem)
        .where(
            OrderLineItem.id == line_id,
            OrderLineItem.order_id == order_id,
            OrderLineItem.refunded_amount + amount <= OrderLineItem.sale_price + OrderLineItem.tax,
        )
        .values(refunded_amount=OrderLineItem.refunded_amount + amount)
        .returning(OrderLineItem),
        execution_options=_REFRESH,
    ).scalar_one_or_none()
    if refunded is None:
        raise OverRefund(f"refunding {amount} would exceed what line {line_id} cost")
