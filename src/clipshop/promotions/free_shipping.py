"""Free-shipping promotions: a shop's products sub-total from which shipping is free, for a
window, funded by the seller (docs/promotions.md); read by ``waterfall.free_shipping_threshold``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clipshop.identity.principal import Principal
from clipshop.models import FreeShippingPromotion
from clipshop.promotions import coupon_store as store

Model = FreeShippingPromotion


def create(session: Session, principal: Principal, shop_id: int, fields: dict[str, Any]) -> Model:
    shop = store.shop_for_promoting(session, principal, shop_id)
    store.check_window(fields["starts_at"], fields["ends_at"])
    store.check_amounts(shop.currency, {"threshold": fields["threshold"]})
    row = Model(shop_id=shop_id, **fields)
    session.add(row)
    session.flush()
    return row


def update_promotion(
    session: Session, principal: Principal, shop_id: int, row_id: int, changes: dict[str, Any]
) -> Model:
    shop, row = store.update_row(session, principal, Model, shop_id, row_id, changes)
    store.check_amounts(shop.currency, {"threshold": changes.get("threshold")})
    session.flush()
    return row


def get(session: Session, principal: Principal, shop_id: int, row_id: int) -> Model:
    return store.get_row(session, principal, Model, shop_id, row_id)


def list_promotions(session: Session, principal: Principal, shop_id: int) -> list[Model]:
    return store.list_rows(session, principal, Model, shop_id)


def deactivate(session: Session, principal: Principal, shop_id: int, row_id: int) -> Model:
    return store.deactivate(session, principal, Model, shop_id, row_id)
