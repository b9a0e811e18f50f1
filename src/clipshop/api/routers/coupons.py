"""Shop coupons, bundles and free-shipping promotions (sellers, scoped by shop); a buyer's
coupon claims and wallet (docs/promotions.md).

The three seller resources share one shape (create, list, get, update, deactivate), built by
``_resource``. No ``from __future__ import annotations`` here: the routes' annotations are the
resource's own classes, which FastAPI reads as objects.
"""

from types import ModuleType
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel

from clipshop.api.deps import DB, Caller, ShopId, id_path
from clipshop.promotions import bundles, coupons, free_shipping
from clipshop.promotions.coupon_schemas import (
    BundleCreate,
    BundleOut,
    BundleUpdate,
    CouponClaimIn,
    CouponCreate,
    CouponOut,
    CouponUpdate,
    FreeShippingIn,
    FreeShippingOut,
    FreeShippingUpdate,
    WalletCouponOut,
)

router = APIRouter(tags=["coupons"])
PromotionId = Annotated[int, id_path("Promotion id")]


def _resource(
    path: str,
    what: str,
    service: ModuleType,
    names: tuple[str, str],
    schemas: tuple[Any, type[BaseModel], type[BaseModel]],  # the create body may be a union
) -> None:
    """Register create, list, get, update (PATCH: the fields sent) and deactivate of one
    seller resource at /shops/{shop_id}/``path``. ``names``: the service's list and update
    functions' names (create, get and deactivate are named so in each)."""
    listing, updating = names
    body_in, body_update, out = schemas
    base = f"/shops/{{shop_id}}/{path}"

    def create(shop_id: ShopId, body: body_in, session: DB, caller: Caller) -> Any:  # type: ignore[valid-type]
        row = service.create(session, caller, shop_id, body.model_dump())  # type: ignore[attr-defined]
        return out.model_validate(row)

    def list_(shop_id: ShopId, session: DB, caller: Caller) -> Any:
        return [out.model_validate(r) for r in getattr(service, listing)(session, caller, shop_id)]

    def get(shop_id: ShopId, row_id: PromotionId, session: DB, caller: Caller) -> Any:
        return out.model_validate(service.get(session, caller, shop_id, row_id))

    def update(
        shop_id: ShopId,
        row_id: PromotionId,
        body: body_update,  # type: ignore[valid-type]
        session: DB,
        caller: Caller,
    ) -> Any:
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return out.model_validate(
            getattr(service, updating)(session, caller, shop_id, row_id, changes)
        )

    def deactivate(shop_id: ShopId, row_id: PromotionId, session: DB, caller: Caller) -> Any:
        return out.model_validate(service.deactivate(session, caller, shop_id, row_id))

    router.post(base, response_model=out, status_code=201, summary=f"Create a {what}")(create)
    router.get(base, response_model=list[out], summary=f"The shop's {what}s")(list_)  # type: ignore[valid-type]
    router.get(f"{base}/{{row_id}}", response_model=out, summary=f"One {what}")(get)
    router.patch(f"{base}/{{row_id}}", response_model=out, summary=f"Change a {what}")(update)
    router.post(f"{base}/{{row_id}}/deactivate", response_model=out, summary=f"Stop a {what}")(
        deactivate
    )


_resource(
    "coupons",
    "coupon",
    coupons,
    ("list_coupons", "update_coupon"),
    (CouponCreate, CouponUpdate, CouponOut),
)
_resource(
    "bundles",
    "bundle",
    bundles,
    ("list_bundles", "update_bundle"),
    (BundleCreate, BundleUpdate, BundleOut),
)
_resource(
    "free-shipping-promotions",
    "free-shipping promotion",
    free_shipping,
    ("list_promotions", "update_promotion"),
    (FreeShippingIn, FreeShippingUpdate, FreeShippingOut),
)


def _wallet_out(coupon: Any, held: Any) -> WalletCouponOut:
    return WalletCouponOut(
        coupon=CouponOut.model_validate(coupon), claimed_at=held.claimed_at, uses=held.uses
    )


@router.post(
    "/coupon-claims",
    response_model=WalletCouponOut,
    summary="Claim a shop's coupon code into my wallet",
)
def claim_coupon(body: CouponClaimIn, session: DB, caller: Caller) -> WalletCouponOut:
    return _wallet_out(*coupons.claim(session, caller, body.shop_id, body.code))


@router.get("/me/coupons", response_model=list[WalletCouponOut], summary="My coupons")
def my_coupons(session: DB, caller: Caller) -> list[WalletCouponOut]:
    return [_wallet_out(c, h) for c, h in coupons.wallet(session, caller)]
