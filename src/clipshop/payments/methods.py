"""Saved payment methods of a buyer: only the gateway's token, brand and last four digits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound, PermissionDenied
from clipshop.identity.principal import Principal, Role
from clipshop.models import PaymentMethod
from clipshop.payments import rows
from clipshop.payments.gateway import TokenizedMethod


def require_buyer(principal: Principal) -> None:
    if principal.role is not Role.BUYER:
        raise PermissionDenied("only buyers have payment methods")


def save_method(
    session: Session, principal: Principal, method: TokenizedMethod, make_default: bool = False
) -> PaymentMethod:
    require_buyer(principal)
    first = (
        session.scalar(
            select(PaymentMethod.id).where(
                PaymentMethod.buyer_id == principal.user_id, PaymentMethod.removed_at.is_(None)
            )
        )
        is None
    )
    row = PaymentMethod(
        buyer_id=principal.user_id,
        kind=method.kind,
        token=method.token,
        brand=method.brand,
        last4=method.last4,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        is_default=False,
    )
    session.add(row)
    session.flush()
    if make_default or first:
        session.execute(
            update(PaymentMethod)
            .where(PaymentMethod.buyer_id == principal.user_id, PaymentMethod.id != row.id)
            .values(is_default=False)
        )
        row.is_default = True
        session.flush()
    return row


def list_methods(session: Session, principal: Principal) -> list[PaymentMethod]:
    require_buyer(principal)
    stmt = (
        select(PaymentMethod)
        .where(PaymentMethod.buyer_id == principal.user_id, PaymentMethod.removed_at.is_(None))
        .order_by(PaymentMethod.id)
    )
    return list(session.scalars(stmt))


def _owned(buyer_id: int, removed: bool, principal: Principal) -> None:
    if buyer_id != principal.user_id or removed:
        raise NotFound("payment method not found")


def get_method(session: Session, principal: Principal, method_id: int) -> PaymentMethod:
    require_buyer(principal)
    row = session.get(PaymentMethod, method_id)
    if row is None:
        raise NotFound("payment method not found")
    _owned(row.buyer_id, row.removed_at is not None, principal)
    return row


_DEFAULT = select(PaymentMethod).where(
    PaymentMethod.buyer_id == bindparam("buyer"),
    PaymentMethod.removed_at.is_(None),
    PaymentMethod.is_default,
)


def default_method(session: Session, principal: Principal) -> PaymentMethod:
    row = session.scalar(_DEFAULT, {"buyer": principal.user_id})
    if row is None:
        raise _no_method()
    return row


def _no_method() -> NotFound:
    return NotFound("no saved payment method: add one first", code="no_payment_method")


# The same two lookups as plain rows, for a caller that reads several things in one round
# trip (``payments.rows``): ``method_query`` then ``method_ref`` of its result.
@dataclass(frozen=True)
class MethodRef:
    id: int
    token: str


def method_query(principal: Principal, method_id: int | None) -> rows.Query:
    """The read of the buyer's method ``method_id`` (their default when None)."""
    if method_id is None:
        return rows.DEFAULT_METHOD, {"buyer": principal.user_id}
    return rows.METHOD_BY_ID, {"method": method_id}


def method_ref(result: rows.Result, principal: Principal, method_id: int | None) -> MethodRef:
    """What ``method_query`` found, checked as ``get_method`` / ``default_method`` check."""
    require_buyer(principal)
    row = result.first()
    if method_id is None and row is None:
        raise _no_method()
    if row is None:
        raise NotFound("payment method not found")
    _owned(row[1], row[2] is not None, principal)
    return MethodRef(row[0], row[3])


def remove_method(session: Session, principal: Principal, method_id: int) -> PaymentMethod:
    row = get_method(session, principal, method_id)
    row.removed_at = utcnow()
    row.is_default = False
    session.flush()
    return row
