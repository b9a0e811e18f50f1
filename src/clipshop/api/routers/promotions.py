"""Price-level promotions of a shop (sellers: product discounts, flash deals, live-only
prices) and a SKU's flash deal now (anyone signed in: the buyer's product page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller, ShopId, SkuId, id_path
from clipshop.promotions import deals
from clipshop.promotions.deal_schemas import (
    LiveDealOut,
    PromotionIn,
    PromotionOut,
    PromotionUpdate,
)

router = APIRouter(tags=["promotions"])
PromotionId = Annotated[int, id_path("Promotion id")]


@router.post(
    "/shops/{shop_id}/promotions",
    response_model=PromotionOut,
    status_code=201,
    summary="Create a product discount or flash deal (optionally live-only)",
)
def create_promotion(
    shop_id: ShopId, body: PromotionIn, session: DB, caller: Caller
) -> PromotionOut:
    return PromotionOut.model_validate(deals.create(session, caller, shop_id, body))


@router.get("/shops/{shop_id}/promotions", response_model=list[PromotionOut])
def list_promotions(
    shop_id: ShopId,
    session: DB,
    caller: Caller,
    active: Annotated[bool | None, Query()] = None,
) -> list[PromotionOut]:
    found = deals.list_for_shop(session, caller, shop_id, active)
    return [PromotionOut.model_validate(p) for p in found]


@router.get("/shops/{shop_id}/promotions/{promotion_id}", response_model=PromotionOut)
def get_promotion(
    shop_id: ShopId, promotion_id: PromotionId, session: DB, caller: Caller
) -> PromotionOut:
    return PromotionOut.model_validate(deals.get(session, caller, shop_id, promotion_id))


@router.patch("/shops/{shop_id}/promotions/{promotion_id}", response_model=PromotionOut)
def update_promotion(
    shop_id: ShopId, promotion_id: PromotionId, body: PromotionUpdate, session: DB, caller: Caller
) -> PromotionOut:
    found = deals.update(session, caller, shop_id, promotion_id, body)
    return PromotionOut.model_validate(found)


@router.post(
    "/shops/{shop_id}/promotions/{promotion_id}/deactivate",
    response_model=PromotionOut,
    summary="Stop a promotion from now on",
)
def deactivate_promotion(
    shop_id: ShopId, promotion_id: PromotionId, session: DB, caller: Caller
) -> PromotionOut:
    return PromotionOut.model_validate(deals.deactivate(session, caller, shop_id, promotion_id))


@router.get(
    "/skus/{sku_id}/deal",
    response_model=LiveDealOut,
    summary="A SKU's flash deal now: deal price, remaining quantity, end (404: none)",
)
def sku_deal(sku_id: SkuId, session: DB, caller: Caller) -> LiveDealOut:
    deal, sku, shop = deals.live_deal(session, sku_id)
    assert deal.deal_price is not None and deal.quantity is not None  # a flash deal's
    return LiveDealOut(
        promotion_id=deal.id,
        sku_id=sku.id,
        deal_price=deal.deal_price,
        original_price=sku.price,
        currency=shop.currency,
        remaining_quantity=deal.quantity - deal.sold,
        per_buyer_limit=deal.per_buyer_limit,
        live_session_id=deal.live_session_id,
        ends_at=deal.ends_at,
    )
