"""Shipping options of a shop for one destination: rate table, rural surcharge, free-shipping
threshold and delivery window (cross-border shops add transit and customs days)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from clipshop.core.batch import Query
from clipshop.models import Shop
from clipshop.pricing import rows

CROSS_BORDER_EXTRA_DAYS = (5, 10)  # transit and customs added to min/max days

DEFAULT_PROFILES: list[dict[str, Any]] = [
    {
        "service": "STANDARD",
        "name": "Standard shipping",
        "min_days": 3,
        "max_days": 7,
        "rates": [
            {"zone": "*", "max_weight_grams": 500, "fee": 499},
            {"zone": "*", "max_weight_grams": 2000, "fee": 799},
            {"zone": "*", "max_weight_grams": None, "fee": 1299},
        ],
        "rural_surcharge": 0,
        "rural_postal_prefixes": [],
        "free_shipping_threshold": None,
    },
    {
        "service": "EXPRESS",
        "name": "Express shipping",
        "min_days": 1,
        "max_days": 3,
        "rates": [
            {"zone": "*", "max_weight_grams": 500, "fee": 999},
            {"zone": "*", "max_weight_grams": 2000, "fee": 1499},
            {"zone": "*", "max_weight_grams": None, "fee": 2499},
        ],
        "rural_surcharge": 0,
        "rural_postal_prefixes": [],
        "free_shipping_threshold": None,
    },
]


@dataclass(frozen=True)
class ShippingOption:
    service: str
    name: str
    original_fee: int
    seller_discount: int  # free shipping over the threshold is seller-funded
    min_days: int
    max_days: int

    @property
    def fee(self) -> int:
        return self.original_fee - self.seller_discount


def profiles_for(session: Session, shop_id: int) -> list[dict[str, Any]]:
    return profiles_query(shop_id).run(session)


def profiles_query(shop_id: int) -> Query[list[dict[str, Any]]]:
    """The shop's shipping profiles (the built-in ones for a shop with none), for a caller
    reading several things at once (``core.batch``)."""
    return rows.shipping_profiles(shop_id).then(lambda found: found or DEFAULT_PROFILES)


def rate_for(rates: list[dict[str, Any]], country: str, weight_grams: int) -> int | None:
    """The fee of the lightest band that fits, in the destination's zone (else zone '*')."""
    for zone in (country, "*"):
        bands = [
            r
            for r in rates
            if r["zone"] == zone
            and (r["max_weight_grams"] is None or r["max_weight_grams"] >= weight_grams)
        ]
        if bands:
            best = min(
                bands, key=lambda r: (r["max_weight_grams"] is None, r["max_weight_grams"] or 0)
            )
            return int(best["fee"])
    return None


def options_from(
    profiles: list[dict[str, Any]],
    shop: Shop,
    country: str,
    postal_code: str,
    weight_grams: int,
    products_sub_total: int,
    promoted_threshold: int | None = None,
) -> list[ShippingOption]:
    """The shop's options for one parcel to ``country`` (``profiles``: ``profiles_for``);
    ``promoted_threshold``: a free-shipping promotion's, combined with each profile's (the
    lower wins)."""
    extra = CROSS_BORDER_EXTRA_DAYS if shop.shop_type == "CROSS_BORDER" else (0, 0)
    result = []
    for profile in profiles:
        fee = rate_for(profile["rates"], country, weight_grams)
        if fee is None:
            continue  # this service does not ship there
        if any(postal_code.startswith(p) for p in profile["rural_postal_prefixes"]):
            fee += int(profile["rural_surcharge"])
        thresholds = (profile["free_shipping_threshold"], promoted_threshold)
        threshold = min((t for t in thresholds if t is not None), default=None)
        free = threshold is not None and products_sub_total >= threshold
        result.append(
            ShippingOption(
                service=profile["service"],
                name=profile["name"],
                original_fee=fee,
                seller_discount=fee if free else 0,
                min_days=profile["min_days"] + extra[0],
                max_days=profile["max_days"] + extra[1],
            )
        )
    return result
