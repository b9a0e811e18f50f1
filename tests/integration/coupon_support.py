"""Helpers of the coupon, bundle and free-shipping tests: bodies and HTTP calls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import CouponWallet, Shop, ShopCoupon
from tests.conftest import Actor
from tests.integration.checkout_api import API


def window(**fields: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        **fields,
    }


def coupon_body(code: str = "SAVE5", **fields: Any) -> dict[str, Any]:
    base = {"code": code, "title": "Five off", "kind": "AMOUNT", "amount_off": 500}
    return window(**{**base, "total_limit": 100, **fields})


def create(client: TestClient, seller: Actor, shop_id: int, path: str, body: Any) -> Response:
    response: Response = client.post(
        f"{API}/shops/{shop_id}/{path}", json=body, headers=seller.headers
    )
    return response


def claim(client: TestClient, buyer: Actor, shop_id: int, code: str) -> Response:
    body = {"shop_id": str(shop_id), "code": code}
    response: Response = client.post(f"{API}/coupon-claims", json=body, headers=buyer.headers)
    return response


def set_standing(db: Database, shop_id: int, standing: str) -> None:
    with db.unit_of_work() as session:
        session.execute(update(Shop).where(Shop.id == shop_id).values(standing=standing))


def coupon_uses(db: Database, shop_id: int) -> dict[str, int]:
    """Each coupon's uses by code."""
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(ShopCoupon.code, ShopCoupon.uses).where(ShopCoupon.shop_id == shop_id)
        )
        return {code: uses for code, uses in rows}


def wallet_uses(db: Database, buyer_id: int) -> int:
    with db.unit_of_work(write=False) as session:
        uses = session.scalars(select(CouponWallet.uses).where(CouponWallet.buyer_id == buyer_id))
        return sum(uses)
