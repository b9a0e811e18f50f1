"""What buyers may browse: shops that sell (not suspended), their ACTIVE products and the
switched-on SKUs of those, with the stock state checkout goes by. Buyers have no
``catalog:read`` (warehouses, inactive products, the stock ledger stay the sellers'); this
read needs ``checkout``, the permission of those who buy."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog import listing
from clipshop.core.errors import NotFound
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Product, Shop, Sku

SUSPENDED = "SUSPENDED"


@dataclass(frozen=True)
class Offer:
    """A SKU as a buyer sees it: price in minor units, total available stock, for sale."""

    sku: Sku
    product: Product
    available: int
    sellable: bool


def list_shops(session: Session, principal: Principal, page: PageRequest) -> Page[Shop]:
    principal.require(Permission.CHECKOUT)
    return paginate(session, select(Shop).where(Shop.standing != SUSPENDED), Shop.id, page)


def get_shop(session: Session, principal: Principal, shop_id: int) -> Shop:
    principal.require(Permission.CHECKOUT)
    shop = session.get(Shop, shop_id)
    if shop is None or shop.standing == SUSPENDED:
        raise NotFound("shop not found")
    return shop


def _offers(session: Session, pairs: list[tuple[Sku, Product]]) -> list[Offer]:
    stock = listing.totals(session, [sku.id for sku, _ in pairs])
    return [
        Offer(
            sku,
            product,
            stock[sku.id],
            product.status == "ACTIVE" and listing.is_sellable(sku, stock[sku.id]),
        )
        for sku, product in pairs
    ]


def products(
    session: Session, principal: Principal, shop_id: int, page: PageRequest
) -> tuple[Page[Product], dict[int, list[Offer]]]:
    """A page of the shop's ACTIVE products, newest first, and each one's active SKUs."""
    get_shop(session, principal, shop_id)
    stmt = select(Product).where(Product.shop_id == shop_id, Product.status == "ACTIVE")
    found = paginate(session, stmt, Product.id, page)
    by_id = {p.id: p for p in found.items}
    skus = session.scalars(
        select(Sku).where(Sku.product_id.in_(list(by_id)), Sku.active).order_by(Sku.id)
    ).all()
    grouped: dict[int, list[Offer]] = {p.id: [] for p in found.items}
    for offer in _offers(session, [(s, by_id[s.product_id]) for s in skus]):
        grouped[offer.product.id].append(offer)
    return found, grouped


def offers(session: Session, principal: Principal, sku_ids: list[int]) -> dict[int, Offer]:
    """The SKUs (of any status: a cart may hold one that went off sale) by id."""
    principal.require(Permission.CHECKOUT)
    if not sku_ids:
        return {}
    stmt = select(Sku, Product).join(Product, Product.id == Sku.product_id)
    pairs = [(s, p) for s, p in session.execute(stmt.where(Sku.id.in_(sku_ids)))]
    return {o.sku.id: o for o in _offers(session, pairs)}
