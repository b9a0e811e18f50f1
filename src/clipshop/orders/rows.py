"""The orders context's prebuilt driver statements (``core.rawsql``), and orders and lines
as plain rows.

The checkout path (placing, and the payment's outcome in ``checkout.payflow``) writes
``orders``, ``order_line_items`` and ``order_events`` only with these, and reads orders and
lines as ``Row`` values, never as ORM objects: within one unit of work a table is written
either through the ORM or by driver statements, never both (docs/checkout.md). Order events
are always written here, whatever wrote the order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.models import Order, OrderEvent, OrderLineItem, PaymentAttempt
from clipshop.payments import rows as payment_rows


class Row:
    """A row as plain values, read-only: ``row.status``, ``row.id``..., one per column."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a row is read-only ({name}): make another with ``but``")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and self._values == other._values

    def __hash__(self) -> int:
        return hash(self._values["id"])

    def __repr__(self) -> str:
        return f"Row(id={self._values.get('id')}, status={self._values.get('status')})"

    def but(self, **changes: Any) -> Row:
        """The same row with ``changes``."""
        return Row(self._values | changes)


OrderRow = Row
LineRow = Row

_ORDER = Order.__table__
_LINE = OrderLineItem.__table__
_ORDER_COLUMNS = tuple(c.name for c in _ORDER.columns)
_LINE_COLUMNS = tuple(c.name for c in _LINE.columns)


def _with_lines(of_payment: Any) -> rawsql.Statement:
    return rawsql.Statement(
        select(*_ORDER.columns, *_LINE.columns)
        .outerjoin_from(_ORDER, _LINE, _LINE.c.order_id == _ORDER.c.id)
        .where(_ORDER.c.payment_id == of_payment)
        .order_by(_ORDER.c.id, _LINE.c.id)
    )


_OF_PAYMENT = _with_lines(bindparam("payment"))
_OF_ATTEMPT = _with_lines(
    select(PaymentAttempt.payment_id)
    .where(PaymentAttempt.id == bindparam("attempt"))
    .scalar_subquery()
)


def _orders_and_lines(result: rawsql.Result) -> tuple[list[Row], dict[int, list[Row]]]:
    orders: dict[int, Row] = {}
    lines: dict[int, list[Row]] = {}
    width = len(_ORDER_COLUMNS)
    for values in result.rows:
        order_id = values[_ORDER_COLUMNS.index("id")]
        if order_id not in orders:
            orders[order_id] = Row(dict(zip(_ORDER_COLUMNS, values[:width], strict=True)))
            lines[order_id] = []
        line = dict(zip(_LINE_COLUMNS, values[width:], strict=True))
        if line["id"] is not None:
            lines[order_id].append(Row(line))
    return list(orders.values()), lines


def of_attempt(
    session: Session, attempt_id: int
) -> tuple[payment_rows.AttemptRow, payment_rows.PaymentRow, list[Row], dict[int, list[Row]]]:
    """An attempt, its payment, and the payment's orders with their lines (in id order):
    two statements, one round trip."""
    attempt_query = payment_rows.attempt_query(attempt_id)
    found, with_lines = rawsql.run_many(
        session, [attempt_query, (_OF_ATTEMPT, {"attempt": attempt_id})]
    )
    attempt, payment = payment_rows.attempt_and_payment(found)
    return (attempt, payment, *_orders_and_lines(with_lines))


def of_payment(
    session: Session, payment_id: int
) -> tuple[payment_rows.PaymentRow, list[Row], dict[int, list[Row]]] | None:
    """A payment, its orders and their lines (None: no such payment); one round trip."""
    payment_query = payment_rows.payment_query(payment_id)
    found, with_lines = rawsql.run_many(
        session, [payment_query, (_OF_PAYMENT, {"payment": payment_id})]
    )
    payment = payment_rows.payment_of(found)
    if payment is None:
        return None
    return (payment, *_orders_and_lines(with_lines))


# -- writes --------------------------------------------------------------------------------


def insert_orders(
    session: Session, orders: Sequence[Mapping[str, Any]], lines: Sequence[Mapping[str, Any]]
) -> None:
    """New orders and their lines (deferred: with the transaction's next statement)."""
    rawsql.insert(session, _ORDER, orders)
    rawsql.insert(session, _LINE, lines)


def insert_event(session: Session, row: Mapping[str, Any]) -> None:
    """A timeline event (deferred)."""
    rawsql.insert(session, OrderEvent.__table__, row)


_LINES = rawsql.Statement(
    update(OrderLineItem)
    .where(OrderLineItem.order_id == bindparam("of_order"), OrderLineItem.status != "CANCELLED")
    .values(status=bindparam("to_status"))
)


@lru_cache(maxsize=64)
def _move(also: tuple[str, ...]) -> rawsql.Statement:
    """UPDATE orders SET status, updated_at (and the ``also`` columns) WHERE id AND status."""
    values: dict[str, Any] = {"status": bindparam("to_status"), "updated_at": bindparam("now")}
    values |= {column: bindparam(f"set_{column}") for column in also}
    return rawsql.Statement(
        update(Order)
        .where(Order.id == bindparam("of_order"), Order.status == bindparam("from_status"))
        .values(values)
    )


def move(
    session: Session,
    order_id: int,
    current: str,
    to: str,
    now: datetime,
    also: Mapping[str, Any],
) -> bool:
    """The order's status from ``current`` to ``to`` (and ``also``'s columns) if it is still
    ``current`` (run now: False if it was not), and its live lines' (deferred)."""
    params = {"of_order": order_id, "from_status": current, "to_status": to, "now": now}
    params |= {f"set_{column}": value for column, value in also.items()}
    if rawsql.run(session, _move(tuple(also)), params).rowcount != 1:
        return False
    rawsql.defer(session, _LINES, {"of_order": order_id, "to_status": to})
    return True


_FAILURE = rawsql.Statement(
    update(Order)
    .where(Order.id == bindparam("of_order"))
    .values(payment_failure=bindparam("message"), updated_at=bindparam("now"))
)


def set_payment_failure(
    session: Session, order_ids: Sequence[int], message: str, now: datetime
) -> None:
    """Why the payment of these orders failed (deferred)."""
    rows = [{"of_order": order_id, "message": message, "now": now} for order_id in order_ids]
    if rows:
        rawsql.defer(session, _FAILURE, rows)
