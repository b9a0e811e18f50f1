"""The payments context's prebuilt driver statements (``core.rawsql``), and payments and
attempts as plain rows.

A checkout's outcome (``checkout.payflow``) reads and writes ``payments``,
``payment_attempts`` and ``payment_transactions`` only with these, never through the ORM, in
its unit of work: a table is written one way per unit of work (docs/checkout.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.models import Payment, PaymentAttempt, PaymentMethod, PaymentTransaction

Query = tuple[rawsql.Statement, Mapping[str, Any]]  # a statement and its parameters
Result = rawsql.Result


@dataclass(frozen=True)
class PaymentRow:
    """A ``payments`` row as plain values."""

    id: int
    created_at: datetime
    buyer_id: int
    amount: int
    currency: str
    status: str
    method_id: int | None
    gateway_ref: str | None
    captured_amount: int
    refunded_amount: int
    failure_code: str | None
    updated_at: datetime

    def but(self, **changes: Any) -> PaymentRow:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class AttemptRow:
    """A ``payment_attempts`` row as plain values (the columns an outcome needs)."""

    id: int
    payment_id: int
    buyer_id: int
    method_id: int
    amount: int
    currency: str
    status: str
    idempotency_key: str


_PAYMENT = [Payment.__table__.c[f.name] for f in dataclasses.fields(PaymentRow)]
_ATTEMPT = [PaymentAttempt.__table__.c[f.name] for f in dataclasses.fields(AttemptRow)]
_ATTEMPT_AND_PAYMENT = rawsql.Statement(
    select(*_ATTEMPT, *_PAYMENT)
    .join_from(PaymentAttempt, Payment, Payment.id == PaymentAttempt.payment_id)
    .where(PaymentAttempt.id == bindparam("attempt"))
)
_PAYMENT_BY_ID = rawsql.Statement(select(*_PAYMENT).where(Payment.id == bindparam("payment")))


def attempt_query(attempt_id: int) -> Query:
    """The attempt and its payment (``attempt_and_payment``)."""
    return _ATTEMPT_AND_PAYMENT, {"attempt": attempt_id}


def attempt_and_payment(result: Result) -> tuple[AttemptRow, PaymentRow]:
    (row,) = result.rows  # the attempt exists: its id was handed out with its row
    return AttemptRow(*row[: len(_ATTEMPT)]), PaymentRow(*row[len(_ATTEMPT) :])


def payment_query(payment_id: int) -> Query:
    """The payment (``payment_of``)."""
    return _PAYMENT_BY_ID, {"payment": payment_id}


def payment_of(result: Result) -> PaymentRow | None:
    row = result.first()
    return None if row is None else PaymentRow(*row)


# -- writes --------------------------------------------------------------------------------


def insert_payment(session: Session, row: Mapping[str, Any]) -> None:
    """Deferred, like every insert here: written with the transaction's next statement."""
    rawsql.insert(session, Payment.__table__, row)


def insert_attempt(session: Session, row: Mapping[str, Any]) -> None:
    rawsql.insert(session, PaymentAttempt.__table__, row)


def insert_transactions(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    rawsql.insert(session, PaymentTransaction.__table__, rows)


def _set(model: Any, columns: Sequence[str], *where: Any) -> rawsql.Statement:
    values: dict[str, Any] = {column: bindparam(f"set_{column}") for column in columns}
    return rawsql.Statement(update(model).where(*where).values(values))


def _params(values: Mapping[str, Any], **keys: Any) -> dict[str, Any]:
    return {f"set_{column}": value for column, value in values.items()} | keys


_THE_ATTEMPT = PaymentAttempt.id == bindparam("attempt")
_SUCCEEDED = ("status", "gateway_ref", "completed_at", "failure_code", "failure_message")
_ATTEMPT_SUCCEEDED = _set(PaymentAttempt, _SUCCEEDED, _THE_ATTEMPT)
_ATTEMPT_FAILED = _set(
    PaymentAttempt, ("status", "completed_at", "failure_code", "failure_message"), _THE_ATTEMPT
)
_ATTEMPT_UNKNOWN = _set(PaymentAttempt, ("status", "failure_message"), _THE_ATTEMPT)
_CAPTURED_COLUMNS = (
    "status",
    "amount",
    "captured_amount",
    "gateway_ref",
    "method_id",
    "failure_code",
    "updated_at",
)
_CAPTURED = _set(
    Payment,
    _CAPTURED_COLUMNS,
    Payment.id == bindparam("payment"),
    or_(Payment.status == "PENDING", Payment.status == "FAILED"),
)
_FAILED = _set(
    Payment,
    ("status", "failure_code", "updated_at"),
    Payment.id == bindparam("payment"),
    Payment.status == "PENDING",
)


def attempt_succeeded(session: Session, attempt_id: int, values: Mapping[str, Any]) -> None:
    """SUCCEEDED: ``values`` of every ``_SUCCEEDED`` column (deferred, as the two below)."""
    rawsql.defer(session, _ATTEMPT_SUCCEEDED, _params(values, attempt=attempt_id))


def attempt_failed(
    session: Session, attempt_id: int, code: str | None, message: str | None, now: datetime
) -> None:
    values: dict[str, Any] = {"status": "FAILED", "completed_at": now}
    values |= {"failure_code": code, "failure_message": message}
    rawsql.defer(session, _ATTEMPT_FAILED, _params(values, attempt=attempt_id))


def attempt_unknown(session: Session, attempt_id: int, message: str) -> None:
    values = {"status": "UNKNOWN", "failure_message": message}
    rawsql.defer(session, _ATTEMPT_UNKNOWN, _params(values, attempt=attempt_id))


def capture(session: Session, payment_id: int, values: Mapping[str, Any]) -> bool:
    """The payment captured with ``values`` (every ``_CAPTURED_COLUMNS``), unless it was
    already (run now: False then)."""
    return rawsql.run(session, _CAPTURED, _params(values, payment=payment_id)).rowcount == 1


def fail(session: Session, payment_id: int, values: Mapping[str, Any]) -> None:
    """A PENDING payment FAILED with ``values`` (status, failure_code, updated_at; deferred)."""
    rawsql.defer(session, _FAILED, _params(values, payment=payment_id))


_RESERVE = rawsql.Statement(
    update(Payment)
    .where(
        Payment.id == bindparam("payment"),
        Payment.status == "CAPTURED",
        Payment.refunded_amount + bindparam("amount") <= Payment.captured_amount,
    )
    .values(
        refunded_amount=Payment.refunded_amount + bindparam("amount"),
        updated_at=bindparam("now"),
    )
    .returning(Payment.refunded_amount, Payment.updated_at)
)


def reserve(
    session: Session, payment_id: int, amount: int, now: datetime
) -> tuple[int, datetime] | None:
    """Add ``amount`` to a CAPTURED payment's refunded amount, never past the capture (run
    now): its new refunded amount and updated_at, or None if it was not possible."""
    found = rawsql.run(session, _RESERVE, {"payment": payment_id, "amount": amount, "now": now})
    row = found.first()
    return None if row is None else (row[0], row[1])


# -- reads for a caller's batch (checkout) -------------------------------------------------

FAILED_SINCE = rawsql.Statement(
    select(func.count())
    .select_from(PaymentAttempt)
    .where(
        PaymentAttempt.buyer_id == bindparam("buyer"),
        PaymentAttempt.status == "FAILED",
        PaymentAttempt.created_at >= bindparam("since"),
    )
)
_REF = select(
    PaymentMethod.id, PaymentMethod.buyer_id, PaymentMethod.removed_at, PaymentMethod.token
)
METHOD_BY_ID = rawsql.Statement(_REF.where(PaymentMethod.id == bindparam("method")))
DEFAULT_METHOD = rawsql.Statement(
    _REF.where(
        PaymentMethod.buyer_id == bindparam("buyer"),
        PaymentMethod.removed_at.is_(None),
        PaymentMethod.is_default,
    )
)
