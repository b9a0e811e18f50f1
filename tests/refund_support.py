"""Reading an order's refund books back from the database and checking that they balance:
the property test, the race tests and the dispute tests all end with ``assert_balanced``.

The books of one order: per line ``refunded_amount`` (capped at price plus tax), the order's
``refunded_amount`` and ``shipping_refunded``, the REFUND transactions of its payment (whose
sum is ``payments.refunded_amount``), and the allocation rows that split each transaction
across lines and shipping."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.db import Database
from clipshop.models import (
    Order,
    OrderLineItem,
    Payment,
    PaymentTransaction,
    RefundAllocation,
    SimGatewayOperation,
)


@dataclass(frozen=True)
class Books:
    captured: int  # the payment's capture
    total: int  # the order's total
    shipping_fee: int
    line_caps: dict[int, int]  # line id -> sale price + tax
    line_refunded: dict[int, int]
    order_refunded: int
    shipping_refunded: int
    payment_refunded: int
    refunds: dict[int, tuple[int, str]]  # transaction id -> (amount, status)
    allocated_lines: dict[int, int]  # line id -> sum of its allocations
    allocated_shipping: int
    allocated_per_txn: dict[int, int]
    gateway_refunds: dict[str, int]  # idempotency key -> amount the gateway refunded


def read_books(db: Database, order_id: int) -> Books:
    with db.unit_of_work(write=False) as session:
        return books_in(session, order_id)


def books_in(session: Session, order_id: int) -> Books:
    order = session.get_one(Order, order_id)
    payment = session.get_one(Payment, order.payment_id)
    lines = session.scalars(
        select(OrderLineItem).where(OrderLineItem.order_id == order_id).order_by(OrderLineItem.id)
    ).all()
    txns = session.scalars(
        select(PaymentTransaction)
        .where(
            PaymentTransaction.payment_id == payment.id,
            PaymentTransaction.kind == "REFUND",
        )
        .order_by(PaymentTransaction.id)
    ).all()
    allocations = session.scalars(
        select(RefundAllocation).where(RefundAllocation.order_id == order_id)
    ).all()
    per_line: dict[int, int] = defaultdict(int)
    per_txn: dict[int, int] = defaultdict(int)
    shipping = 0
    for a in allocations:
        per_txn[a.transaction_id] += a.amount
        if a.line_item_id is None:
            shipping += a.amount
        else:
            per_line[a.line_item_id] += a.amount
    keys = [f"ref_{t.id}" for t in txns]
    operations = session.scalars(
        select(SimGatewayOperation).where(
            SimGatewayOperation.idempotency_key.in_(keys), SimGatewayOperation.succeeded
        )
    ).all()
    return Books(
        captured=payment.captured_amount,
        total=order.total_amount,
        shipping_fee=order.shipping_fee,
        line_caps={line.id: line.sale_price + line.tax for line in lines},
        line_refunded={line.id: line.refunded_amount for line in lines},
        order_refunded=order.refunded_amount,
        shipping_refunded=order.shipping_refunded,
        payment_refunded=payment.refunded_amount,
        refunds={t.id: (t.amount, t.status) for t in txns},
        allocated_lines={line.id: per_line.get(line.id, 0) for line in lines},
        allocated_shipping=shipping,
        allocated_per_txn=dict(per_txn),
        gateway_refunds={op.idempotency_key: op.amount for op in operations},
    )


def assert_balanced(books: Books) -> None:
    """Nothing refunded beyond what was paid, and every book agrees with the others (one
    order per payment, as the tests place them)."""
    for line_id, cap in books.line_caps.items():
        assert 0 <= books.line_refunded[line_id] <= cap, (line_id, books)
        assert books.allocated_lines[line_id] == books.line_refunded[line_id], books
    assert 0 <= books.shipping_refunded <= books.shipping_fee, books
    assert books.allocated_shipping == books.shipping_refunded, books
    assert books.order_refunded == sum(books.line_refunded.values()) + books.shipping_refunded
    assert books.order_refunded <= books.total <= books.captured, books
    refunded = sum(amount for amount, _ in books.refunds.values())
    assert books.payment_refunded == refunded == books.order_refunded, books
    assert books.payment_refunded <= books.captured, books
    for txn_id, (amount, status) in books.refunds.items():
        assert books.allocated_per_txn.get(txn_id) == amount, (txn_id, books)
        assert status in ("PENDING", "SUCCEEDED"), books
        sent = books.gateway_refunds.get(f"ref_{txn_id}")
        if status == "SUCCEEDED":  # the gateway paid exactly this refund, once (by its key)
            assert sent == amount, (txn_id, books)
        else:  # pending: not sent yet, or sent and the answer lost
            assert sent in (None, amount), (txn_id, books)
    stray = set(books.gateway_refunds) - {f"ref_{t}" for t in books.refunds}
    assert not stray, books
