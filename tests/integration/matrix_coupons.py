"""The coupon part of the authorization matrix: its rows, its world (per scope, "own": shop A,
"foreign": shop B, one coupon, one bundle and one free-shipping promotion made through the
services) and the valid requests of the coupon, bundle, free-shipping and wallet routes.

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + mc.ROWS``, a world field set by
``mc.build_promotions``, and ``mc.requests(...)`` merged into ``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from clipshop.core.db import Database
from clipshop.promotions import bundles, coupons, free_shipping
from tests.conftest import Actor, ShopFixture

WINDOW = {"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"}
COUPON = {"code": "MATRIX", "title": "Matrix", "kind": "AMOUNT", "amount_off": 100}
RESOURCES = {  # path -> (a row's update body, the world's key)
    "coupons": ({"total_limit": 7}, "coupon"),
    "bundles": ({"title": "Renamed"}, "bundle"),
    "free-shipping-promotions": ({"threshold": 900}, "free_shipping"),
}

_SELLER_ROWS = """
POST   /api/v1/shops/{{shop_id}}/{path}                               401     403     201/404 201/404 403     403     201
GET    /api/v1/shops/{{shop_id}}/{path}                               401     403     200/404 200/404 200     200     200
GET    /api/v1/shops/{{shop_id}}/{path}/{{row_id}}                    401     403     200/404 200/404 200     200     200
PATCH  /api/v1/shops/{{shop_id}}/{path}/{{row_id}}                    401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{{shop_id}}/{path}/{{row_id}}/deactivate         401     403     200/404 200/404 403     403     200
"""  # noqa: E501
_BUYER_ROWS = """
POST   /api/v1/coupon-claims                                          401     200     403     403     403     403     200
GET    /api/v1/me/coupons                                             401     200     403     403     403     403     200
"""  # noqa: E501
_LINES = [
    *(line for path in RESOURCES for line in _SELLER_ROWS.format(path=path).splitlines()),
    *_BUYER_ROWS.splitlines(),
]
ROWS = "".join(f"{line}\n" for line in _LINES if line.strip())  # after MATRIX_TABLE


def build_promotions(
    db: Database, owners: dict[str, Actor], shops: dict[str, ShopFixture]
) -> dict[str, dict[str, int]]:
    """{kind: {scope: id}} of a coupon, a bundle and a free-shipping promotion per scope."""
    made: dict[str, dict[str, int]] = {"coupon": {}, "bundle": {}, "free_shipping": {}}
    with db.unit_of_work() as session:
        for scope, shop in shops.items():
            p = owners[scope].principal
            made["coupon"][scope] = coupons.create(session, p, shop.id, _coupon(100)).id
            bundle = _bundle() | {"product_ids": [shop.product_id]}
            made["bundle"][scope] = bundles.create(session, p, shop.id, bundle).id
            free = free_shipping.create(session, p, shop.id, _free_shipping())
            made["free_shipping"][scope] = free.id
    return made


def _when() -> dict[str, datetime]:
    return {k: datetime.fromisoformat(v) for k, v in WINDOW.items()}


def _coupon(total_limit: int) -> dict[str, Any]:
    return {**COUPON, **_when(), "total_limit": total_limit}


def _bundle() -> dict[str, Any]:
    tiers = [{"min_quantity": 2, "percent_off": 10}]
    return {"title": "Matrix", "kind": "TIERS", "tiers": tiers, **_when()}


def _free_shipping() -> dict[str, Any]:
    return {"threshold": 1000, **_when()}


Builder = Callable[[Any, str, str], Any]  # (world, caller, scope) -> value


def requests(
    spec: Callable[..., Any], promotions_of: Callable[[Any], dict[str, dict[str, int]]]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``promotions_of(world)``: what ``build_promotions`` made."""

    def row_of(key: str) -> Builder:
        return lambda world, caller, scope: {"row_id": promotions_of(world)[key][scope]}

    def new_body(path: str) -> Builder:
        def body(world: Any, caller: str, scope: str) -> dict[str, Any]:
            if path == "coupons":
                return {**COUPON, "code": f"NEW{caller}", **WINDOW, "total_limit": 5}
            if path == "bundles":
                product = world.shop(scope).product_id
                tiers = [{"min_quantity": 3, "percent_off": 15}]
                return {"title": "New", "kind": "TIERS", "product_ids": [str(product)]} | {
                    "tiers": tiers,
                    **WINDOW,
                }
            return {"threshold": 2000, **WINDOW}

        return body

    found: dict[tuple[str, str, str], Any] = {}
    for path, (update, key) in RESOURCES.items():
        base = f"/api/v1/shops/{{shop_id}}/{path}"
        found["POST", base, ""] = spec(body=new_body(path))
        found["GET", f"{base}/{{row_id}}", ""] = spec(ids=row_of(key))
        found["PATCH", f"{base}/{{row_id}}", ""] = spec(
            ids=row_of(key), body=lambda w, c, s, u=update: u
        )
        found["POST", f"{base}/{{row_id}}/deactivate", ""] = spec(
            ids=row_of(key), body=lambda w, c, s: {}
        )
    found["POST", "/api/v1/coupon-claims", ""] = spec(
        body=lambda world, caller, scope: {"shop_id": str(world.shop(scope).id), "code": "MATRIX"}
    )
    return found
