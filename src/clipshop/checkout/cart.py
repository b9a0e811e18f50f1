"""A buyer's cart: SKUs from any number of shops, with quantities."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clipshop.checkout.errors import BuyersOnly
from clipshop.core.db import upsert
from clipshop.identity.principal import Principal, Role
from clipshop.models import CartItem, Sku
from clipshop.pricing.errors import NotSellable


def _buyer(principal: Principal) -> int:
    if principal.role is not Role.BUYER:
        raise BuyersOnly("only buyers have a cart and check out")
    return principal.user_id


def items(session: Session, principal: Principal) -> list[CartItem]:
    stmt = select(CartItem).where(CartItem.buyer_id == _buyer(principal)).order_by(CartItem.sku_id)
    return list(session.scalars(stmt))


def set_quantity(session: Session, principal: Principal, sku_id: int, quantity: int) -> None:
    """Put a SKU in the cart with this quantity; 0 removes it."""
    buyer_id = _buyer(principal)
    if quantity == 0:
        session.execute(
            delete(CartItem).where(CartItem.buyer_id == buyer_id, CartItem.sku_id == sku_id)
        )
        return
    sku = session.get(Sku, sku_id)
    if sku is None or not sku.active:
        raise NotSellable(f"sku {sku_id} is not for sale", sku_id=str(sku_id))
    upsert(
        session,
        CartItem.__table__,
        {"buyer_id": buyer_id, "sku_id": sku_id, "quantity": quantity},
        ["buyer_id", "sku_id"],
        ["quantity"],
    )


def clear(session: Session, buyer_id: int, sku_ids: list[int]) -> None:
    session.execute(
        delete(CartItem).where(CartItem.buyer_id == buyer_id, CartItem.sku_id.in_(sku_ids))
    )
