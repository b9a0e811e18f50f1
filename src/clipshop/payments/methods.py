"""Saved payment methods of a buyer: only the gateway's token, brand and last four digits."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound, PermissionDenied
from clipshop.identity.principal import Principal, Role
from clipshop.models import PaymentMethod
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


def get_method(session: Session, principal: Principal, method_id: int) -> PaymentMethod:
    require_buyer(principal)
    row = session.get(PaymentMethod, method_id)
    if row is None or row.buyer_id != principal.user_id or row.removed_at is not None:
        raise NotFound("payment method not found")
    return row


_DEFAULT = select(PaymentMethod).where(
    PaymentMethod.buyer_id == bindparam("buyer"),
    PaymentMethod.removed_at.is_(None),
    PaymentMethod.is_default,
)


def default_method(session: Session, principal: Principal) -> PaymentMethod:
    row = session.scalar(_DEFAULT, {"buyer": principal.user_id})
    if row is None:
        raise NotFound("no saved payment method: add one first", code="no_payment_method")
    return row


def remove_method(session: Session, principal: Principal, method_id: int) -> PaymentMethod:
    row = get_method(session, principal, method_id)
    row.removed_at = utcnow()
    row.is_default = False
    session.flush()
    return row
