"""Products as the affiliate module shows them to a creator: title, shop, price range of the
active SKUs, stock, and the commission rate in force for the creator (``social.rates``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.core.money import Money
from clipshop.models import Product, Shop, Sku, StockLevel
from clipshop.partner import affiliate_schemas as api
from clipshop.social.rates import rates_for


@dataclass(frozen=True)
class Facts:
    """What the module says of a product, whoever asks."""

    shop_name: str
    region: str
    prices: list[Money]  # the active SKUs' prices
    in_stock: bool


def facts(session: Session, products: Iterable[Product]) -> dict[int, Facts]:
    ids = sorted({p.id for p in products})
    if not ids:
        return {}
    stmt = select(Product.id, Shop).join(Shop, Shop.id == Product.shop_id)
    shops = {pid: shop for pid, shop in session.execute(stmt.where(Product.id.in_(ids)))}
    prices: dict[int, list[Money]] = defaultdict(list)
    skus = select(Sku).where(Sku.product_id.in_(ids), Sku.active).order_by(Sku.id)
    for sku in session.scalars(skus):
        prices[sku.product_id].append(Money(sku.price, sku.currency))
    stocked = set(
        session.scalars(
            select(Sku.product_id)
            .join(StockLevel, StockLevel.sku_id == Sku.id)
            .where(Sku.product_id.in_(ids), Sku.active)
            .group_by(Sku.product_id)
            .having(func.sum(StockLevel.available) > 0)
        )
    )
    return {
        pid: Facts(shops[pid].name, shops[pid].region, prices[pid], pid in stocked) for pid in ids
    }


def price_range(prices: list[Money]) -> api.Prices | None:
    if not prices:
        return None
    low = min(prices, key=lambda m: m.amount)
    high = max(prices, key=lambda m: m.amount)
    return api.Prices(
        original_price=api.PriceRange(
            currency=low.currency,
            lowest_amount=low.to_decimal_string(),
            highest_amount=high.to_decimal_string(),
        )
    )


def describe(
    session: Session,
    creator_id: int,
    products: list[Product],
    added: set[int],
    hidden: bool | None = None,
) -> list[api.AffiliateProduct]:
    """``products`` in the given order; ``added``: those in the list asked about (the live's
    or the showcase); ``hidden`` answered only by the showcase (never hidden in clipshop)."""
    known = facts(session, products)
    rates = rates_for(session, creator_id, [p.id for p in products])
    out = []
    for product in products:
        fact, rate = known[product.id], rates.get(product.id)
        out.append(
            api.AffiliateProduct(
                id=str(product.id),
                title=product.title,
                shop_name=fact.shop_name,
                source="AFFILIATE",
                main_images=[],
                price=price_range(fact.prices),
                commission=api.Commission(commission_rate=rate.bps) if rate else None,
                status=api.ItemStatus(
                    added_status="ADDED" if product.id in added else "NOT_ADDED",
                    inventory_status="IN_STOCK" if fact.in_stock else "SOLD_OUT",
                    review_status="APPROVED" if rate else "UNAVAILABLE",
                    is_hidden=hidden,
                ),
                sale_regions=[fact.region],
            )
        )
    return out
