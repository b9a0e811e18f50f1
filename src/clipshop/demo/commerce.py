"""Demo checkout setup: shipping rate tables, tax rates, a live voucher, saved payment methods."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import insert_ignore
from clipshop.core.ids import new_id
from clipshop.identity.users import principal_for
from clipshop.models import PaymentMethod, PlatformVoucher, ShippingProfile, TaxRate, User
from clipshop.payments import methods
from clipshop.payments.simulated import tokenize_card, tokenize_wallet

TAX_RATES = [("US", "CA", "7.25"), ("US", "TX", "6.25"), ("US", "NY", "4"), ("US", "*", "0")]

LOCAL_PROFILES = [
    {
        "service": "STANDARD",
        "name": "Standard (USPS Ground)",
        "min_days": 3,
        "max_days": 6,
        "rates": [
            {"zone": "US", "max_weight_grams": 450, "fee": 499},
            {"zone": "US", "max_weight_grams": 2000, "fee": 899},
            {"zone": "US", "max_weight_grams": None, "fee": 1499},
        ],
        "rural_surcharge": 300,
        "rural_postal_prefixes": ["995", "996", "997", "998", "999"],
        "free_shipping_threshold": 5000,
    },
    {
        "service": "EXPRESS",
        "name": "Express (2-day)",
        "min_days": 1,
        "max_days": 2,
        "rates": [
            {"zone": "US", "max_weight_grams": 450, "fee": 1299},
            {"zone": "US", "max_weight_grams": None, "fee": 2199},
        ],
        "rural_surcharge": 800,
        "rural_postal_prefixes": ["995", "996", "997", "998", "999"],
        "free_shipping_threshold": None,
    },
]


def seed_commerce(session: Session, local_shop_id: int, buyer: User) -> None:
    for country, state, rate in TAX_RATES:
        insert_ignore(
            session,
            TaxRate.__table__,
            {"id": new_id(), "country": country, "state": state, "rate_percent": rate},
            ["country", "state"],
        )
    for profile in LOCAL_PROFILES:
        insert_ignore(
            session,
            ShippingProfile.__table__,
            {"id": new_id(), "shop_id": local_shop_id, **profile},
            ["shop_id", "service"],
        )
    if session.scalar(select(PlatformVoucher.id).where(PlatformVoucher.code == "LIVE10")) is None:
        now = utcnow()
        session.add(
            PlatformVoucher(
                code="LIVE10",
                currency="USD",
                percent_off=10,
                max_discount=1500,
                min_spend=2000,
                starts_at=now,
                ends_at=now + timedelta(days=365),
            )
        )
    has_method = (
        session.scalar(select(PaymentMethod.id).where(PaymentMethod.buyer_id == buyer.id))
        is not None
    )
    if not has_method:
        principal = principal_for(session, buyer)
        year = utcnow().year + 3
        methods.save_method(
            session,
            principal,
            tokenize_card("4242424242424242", 12, year, "123"),
            make_default=True,
        )
        methods.save_method(session, principal, tokenize_card("4000000000000002", 12, year, "123"))
        methods.save_method(session, principal, tokenize_wallet("clippay"))
    session.flush()
