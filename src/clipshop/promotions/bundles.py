"""Bundles: a seller's tiers (buy 2+ for 10% off, 3+ for 15%) or buy X get Y over a set of
the shop's products (docs/promotions.md); applied by ``waterfall_steps.apply_bundles``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.core.errors import InvalidInput
from clipshop.identity.principal import Principal
from clipshop.models import Bundle, Product
from clipshop.promotions import coupon_store as store


def create(session: Session, principal: Principal, shop_id: int, fields: dict[str, Any]) -> Bundle:
    store.shop_for_promoting(session, principal, shop_id)
    store.check_window(fields["starts_at"], fields["ends_at"])
    fields["product_ids"] = _shop_products(session, shop_id, fields["product_ids"])
    bundle = Bundle(shop_id=shop_id, **fields)
    session.add(bundle)
    session.flush()
    return bundle


def update_bundle(
    session: Session, principal: Principal, shop_id: int, bundle_id: int, changes: dict[str, Any]
) -> Bundle:
    store.shop_for_promoting(session, principal, shop_id)  # the caller's shop first
    if "product_ids" in changes:
        changes["product_ids"] = _shop_products(session, shop_id, changes["product_ids"])
    _, bundle = store.update_row(session, principal, Bundle, shop_id, bundle_id, changes)
    session.flush()
    return bundle


def _shop_products(session: Session, shop_id: int, product_ids: list[Any]) -> list[int]:
    """The ids, each a product of this shop (else 422 ``unknown_product``), without repeats."""
    wanted = sorted({int(p) for p in product_ids})  # model_dump renders ids as strings
    found = session.scalar(
        select(func.count())
        .select_from(Product)
        .where(Product.shop_id == shop_id, Product.id.in_(wanted))
    )
    if found != len(wanted):
        raise InvalidInput("every product of a bundle must be the shop's", code="unknown_product")
    return wanted


def get(session: Session, principal: Principal, shop_id: int, bundle_id: int) -> Bundle:
    return store.get_row(session, principal, Bundle, shop_id, bundle_id)


def list_bundles(session: Session, principal: Principal, shop_id: int) -> list[Bundle]:
    return store.list_rows(session, principal, Bundle, shop_id)


def deactivate(session: Session, principal: Principal, shop_id: int, bundle_id: int) -> Bundle:
    return store.deactivate(session, principal, Bundle, shop_id, bundle_id)
