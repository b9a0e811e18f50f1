"""Pricing's prebuilt statements (``core.rawsql``), as queries that read their own results
(``core.batch``): seller discounts, tax rates and shipping profiles, read on every quote."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select

from clipshop.core import rawsql
from clipshop.core.batch import Query
from clipshop.core.clock import utcnow
from clipshop.models import ShippingProfile, SkuDiscount, TaxRate


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
