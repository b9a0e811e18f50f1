"""Helpers for the promotions tests: promotions through the API, live sessions and the deal
counters read from the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import LiveSession, Promotion, PromotionBuyerUse, PromotionClaim
from tests.conftest import Actor, World
from tests.integration.checkout_api import API, ok


def promotion_body(sku_id: int, kind: str = "PRODUCT_DISCOUNT", **fields: Any) -> dict[str, Any]:
    now = utcnow()
    body = {
        "kind": kind,
        "sku_id": str(sku_id),
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
    }
    return body | fields


def post_promotion(client: TestClient, seller: Actor, shop_id: int, **body: Any) -> Any:
    return client.post(f"{API}/shops/{shop_id}/promotions", json=body, headers=seller.headers)


def create(client: TestClient, world: World, kind: str = "PRODUCT_DISCOUNT", **fields: Any) -> int:
    """A promotion of shop A's SKU (price 10.00 USD)."""
    body = promotion_body(world.shop_a.sku_id, kind, **fields)
    return int(ok(post_promotion(client, world.seller_a, world.shop_a.id, **body), 201)["id"])


def flash(client: TestClient, world: World, quantity: int, price: int = 500, **more: Any) -> int:
    return create(client, world, "FLASH_DEAL", deal_price=price, quantity=quantity, **more)


def live_session(db: Database, world: World, status: str = "LIVE") -> int:
    with db.unit_of_work() as session:
        live = LiveSession(
            host_user_id=world.seller_a.id,
            shop_id=world.shop_a.id,
            title="Friday live",
            status=status,
            started_at=utcnow() - timedelta(hours=1),
            ended_at=utcnow() if status == "ENDED" else None,
        )
        session.add(live)
        session.flush()
        return live.id


def sold(db: Database, deal_id: int) -> int:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Promotion, deal_id).sold


def used(db: Database, deal_id: int, buyer_id: int) -> int:
    with db.unit_of_work(write=False) as session:
        use = session.get(PromotionBuyerUse, (deal_id, buyer_id))
        return use.used if use else 0


def claims(db: Database, deal_id: int) -> list[tuple[int, bool]]:
    """(line item id, released) of the deal's claims."""
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(PromotionClaim.line_item_id, PromotionClaim.released_at)
            .where(PromotionClaim.promotion_id == deal_id)
            .order_by(PromotionClaim.id)
        ).all()
    return [(line, released is not None) for line, released in rows]


def cuts(quote: dict[str, Any]) -> list[list[tuple[str, int]]]:
    """Per line of the first order: (kind, amount) of its cuts."""
    return [
        [(c["kind"], c["amount"]["minor_units"]) for c in line["cuts"]]
        for line in quote["orders"][0]["line_items"]
    ]
