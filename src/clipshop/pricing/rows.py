"""Pricing's prebuilt statements (``core.rawsql``), as queries that read their own results
(``core.batch``): seller discounts, promotions, tax rates and shipping profiles, read on every
quote, and a checkout's source."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, select

from clipshop.core import rawsql
from clipshop.core.batch import Query, first_value
from clipshop.core.clock import utcnow
from clipshop.models import (
    LiveSession,
    Promotion,
    PromotionBuyerUse,
    ShippingProfile,
    SkuDiscount,
    TaxRate,
    User,
    Video,
)
from clipshop.promotions.deal_price import Offer


@lru_cache(maxsize=16)
def _discounts(count: int) -> rawsql.Statement:
    """The active seller discounts of ``count`` SKUs (bound sku_0 .. sku_<count-1>)."""
    skus: list[Any] = [bindparam(f"sku_{i}") for i in range(count)]
    return rawsql.Statement(
        select(SkuDiscount.sku_id, SkuDiscount.discount_amount).where(
            SkuDiscount.sku_id.in_(skus),
            SkuDiscount.starts_at <= bindparam("now"),
            SkuDiscount.ends_at > bindparam("now"),
        )
    )


def _best_discounts(result: rawsql.Result) -> dict[int, int]:
    best: dict[int, int] = {}
    for sku_id, amount in result.rows:
        best[sku_id] = max(best.get(sku_id, 0), amount)
    return best


def discounts(sku_ids: list[int]) -> Query[dict[int, int]]:
    """The largest seller discount active now of each of these SKUs that has one."""
    params: dict[str, Any] = {f"sku_{i}": sku_id for i, sku_id in enumerate(sku_ids)}
    return Query(_discounts(len(sku_ids)), params | {"now": utcnow()}, _best_discounts)


_RATES = rawsql.Statement(
    select(TaxRate.state, TaxRate.rate_percent).where(TaxRate.country == bindparam("country"))
)


def _by_state(result: rawsql.Result) -> dict[str, str]:
    return {str(state): str(rate) for state, rate in result.rows}


def tax_rates(country: str) -> Query[dict[str, str]]:
    """The country's tax rates (percent, as text) by state (``*``: the whole country)."""
    return Query(_RATES, {"country": country}, _by_state)


PROFILE_COLUMNS = (
    "service",
    "name",
    "min_days",
    "max_days",
    "rates",
    "rural_surcharge",
    "rural_postal_prefixes",
    "free_shipping_threshold",
)
_PROFILES = rawsql.Statement(
    select(*(getattr(ShippingProfile, c) for c in PROFILE_COLUMNS))
    .where(ShippingProfile.shop_id == bindparam("shop"))
    .order_by(ShippingProfile.min_days)
)


def _profiles(result: rawsql.Result) -> list[dict[str, Any]]:
    return [dict(zip(PROFILE_COLUMNS, row, strict=True)) for row in result.rows]


def shipping_profiles(shop_id: int) -> Query[list[dict[str, Any]]]:
    """The shop's own shipping profiles (none: the shop has not set any), fastest first."""
    return Query(_PROFILES, {"shop": shop_id}, _profiles)


OFFER_COLUMNS = (
    Promotion.id,
    Promotion.shop_id,
    Promotion.sku_id,
    Promotion.kind,
    Promotion.percent_off,
    Promotion.deal_price,
    Promotion.quantity,
    Promotion.sold,
    Promotion.per_buyer_limit,
    Promotion.on_sold_out,
    Promotion.live_session_id,
    LiveSession.status,
    func.coalesce(PromotionBuyerUse.used, 0),
    Promotion.ends_at,
)


@lru_cache(maxsize=16)
def _offers(count: int) -> rawsql.Statement:
    """The active promotions of ``count`` SKUs (bound sku_0 ..), with their live session's
    status and what the buyer (bound ``buyer``; None: nobody) used of each."""
    skus: list[Any] = [bindparam(f"sku_{i}") for i in range(count)]
    used = and_(
        PromotionBuyerUse.promotion_id == Promotion.id,
        PromotionBuyerUse.buyer_id == bindparam("buyer"),
    )
    return rawsql.Statement(
        select(*OFFER_COLUMNS)
        .outerjoin(LiveSession, LiveSession.id == Promotion.live_session_id)
        .outerjoin(PromotionBuyerUse, used)
        .where(
            Promotion.sku_id.in_(skus),
            Promotion.active.is_(True),
            Promotion.starts_at <= bindparam("now"),
            Promotion.ends_at > bindparam("now"),
        )
        .order_by(Promotion.id)
    )


def _read_offers(result: rawsql.Result) -> list[Offer]:
    return [Offer(*row) for row in result.rows]


def offers(sku_ids: list[int], buyer_id: int | None) -> Query[list[Offer]]:
    """The promotions of these SKUs active now (``promotions.deal_price.Offer``)."""
    params: dict[str, Any] = {f"sku_{i}": sku_id for i, sku_id in enumerate(sku_ids)}
    return Query(_offers(len(sku_ids)), params | {"now": utcnow(), "buyer": buyer_id}, _read_offers)


_SOURCES = {
    "LIVE": rawsql.Statement(select(LiveSession.status).where(LiveSession.id == bindparam("id"))),
    "VIDEO": rawsql.Statement(select(literal("VIDEO")).where(Video.id == bindparam("id"))),
    "SHOWCASE": rawsql.Statement(select(User.role).where(User.id == bindparam("id"))),
}


def source(source_type: str, source_id: int) -> Query[str | None]:
    """What a checkout's source is: a live session's status, ``VIDEO`` for a video, a
    showcase's user's role; None: no such row."""
    return Query(_SOURCES[source_type], {"id": source_id}, first_value)
