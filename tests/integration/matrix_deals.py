"""The price-level promotions part of the authorization matrix: its rows, its world (per
scope, "own": shop A, "foreign": shop B, one flash deal on the shop's SKU, made through the
service) and the valid requests of the promotion routes and a SKU's deal read.

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + md.ROWS``, a world field set by
``md.build_deals``, and ``md.requests(...)`` merged into ``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from clipshop.core.db import Database
from clipshop.promotions import deals
from clipshop.promotions.deal_schemas import PromotionIn
from tests.conftest import Actor, ShopFixture

WINDOW = {"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"}
BASE = "/api/v1/shops/{shop_id}/promotions"

_TABLE = """
POST   /api/v1/shops/{shop_id}/promotions                             401     403     201/404 201/404 403     403     201
GET    /api/v1/shops/{shop_id}/promotions                             401     403     200/404 200/404 200     200     200
GET    /api/v1/shops/{shop_id}/promotions/{promotion_id}              401     403     200/404 200/404 200     200     200
PATCH  /api/v1/shops/{shop_id}/promotions/{promotion_id}              401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{shop_id}/promotions/{promotion_id}/deactivate   401     403     200/404 200/404 403     403     200
GET    /api/v1/skus/{sku_id}/deal                                     401     200     200     200     200     200     200
"""  # noqa: E501
ROWS = "".join(f"{line}\n" for line in _TABLE.splitlines() if line.strip())  # after MATRIX_TABLE


def build_deals(
    db: Database, owners: dict[str, Actor], shops: dict[str, ShopFixture]
) -> dict[str, int]:
    """{scope: id} of a flash deal on each scope's SKU, at 9.00 of its 10.00: the other
    worlds' orders of that SKU still have enough to refund (a return's partial offer)."""
    made = {}
    when = {k: datetime.fromisoformat(v).astimezone(UTC) for k, v in WINDOW.items()}
    with db.unit_of_work() as session:
        for scope, shop in shops.items():
            body = PromotionIn(
                kind="FLASH_DEAL", sku_id=shop.sku_id, deal_price=900, quantity=5, **when
            )
            made[scope] = deals.create(session, owners[scope].principal, shop.id, body).id
    return made


Builder = Callable[[Any, str, str], Any]  # (world, caller, scope) -> value


def requests(
    spec: Callable[..., Any], deals_of: Callable[[Any], dict[str, int]]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``deals_of(world)``: what ``build_deals`` made."""

    def row_of(world: Any, caller: str, scope: str) -> dict[str, int]:
        return {"promotion_id": deals_of(world)[scope]}

    def new_body(world: Any, caller: str, scope: str) -> dict[str, Any]:
        sku = str(world.shop(scope).sku_id)
        return {"kind": "PRODUCT_DISCOUNT", "sku_id": sku, "percent_off": 10, **WINDOW}

    found: dict[tuple[str, str, str], Any] = {}
    found["POST", BASE, ""] = spec(body=new_body)
    found["GET", f"{BASE}/{{promotion_id}}", ""] = spec(ids=row_of)
    found["PATCH", f"{BASE}/{{promotion_id}}", ""] = spec(
        ids=row_of, body=lambda w, c, s: {"title": "Renamed"}
    )
    found["POST", f"{BASE}/{{promotion_id}}/deactivate", ""] = spec(
        ids=row_of, body=lambda w, c, s: {}
    )
    return found
