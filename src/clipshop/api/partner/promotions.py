"""The promotion module of the seller API: activities (create, search, get, update,
deactivate, products; ``seller.promotion.write`` for changes, ``seller.promotion.info`` for
reads) and coupons (search, detail; ``seller.promotion.info``); one shop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import answer
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.models import Shop
from clipshop.partner import promotions, promotions_coupons, scopes
from clipshop.partner import promotions_schemas as api
from clipshop.partner.paging import page_data, page_params
from clipshop.partner.returns_keys import seller

router = APIRouter(tags=["partner"], include_in_schema=False)
ReadCall = Annotated[PartnerCall, Depends(partner(scopes.PROMOTION_INFO))]
SearchCall = Annotated[PartnerCall, Depends(partner(scopes.PROMOTION_INFO, reads_only=True))]
WriteCall = Annotated[PartnerCall, Depends(partner(scopes.PROMOTION_WRITE))]
A = "/promotion/202309/activities"


def _shop(call: PartnerCall) -> Shop:
    return call.session.get_one(Shop, call.shop_id)


@router.post(A)
def create_activity(request: Request, call: WriteCall) -> JSONResponse:
    body = parse_body(call, api.CreateActivity)
    who = seller(call.session, call.access.app_id, call.shop_id)
    return answer(request, promotions.create(call.session, who, _shop(call), body))


@router.post(f"{A}/search")
def search_activities(request: Request, call: SearchCall) -> JSONResponse:
    body = parse_body(call, api.SearchActivities)
    return answer(request, promotions.search(call.session, _shop(call), body))


@router.get(A + "/{activity_id}")
def get_activity(request: Request, call: ReadCall, activity_id: str) -> JSONResponse:
    return answer(request, promotions.detail(call.session, _shop(call), activity_id))


@router.put(A + "/{activity_id}")
def update_activity(request: Request, call: WriteCall, activity_id: str) -> JSONResponse:
    body = parse_body(call, api.UpdateActivity)
    who = seller(call.session, call.access.app_id, call.shop_id)
    return answer(request, promotions.update(call.session, who, _shop(call), activity_id, body))


@router.post(A + "/{activity_id}/deactivate")
def deactivate_activity(request: Request, call: WriteCall, activity_id: str) -> JSONResponse:
    who = seller(call.session, call.access.app_id, call.shop_id)
    return answer(request, promotions.deactivate(call.session, who, _shop(call), activity_id))


@router.put(A + "/{activity_id}/products")
def update_products(request: Request, call: WriteCall, activity_id: str) -> JSONResponse:
    body = parse_body(call, api.UpdateProducts)
    who = seller(call.session, call.access.app_id, call.shop_id)
    shop = _shop(call)
    return answer(request, promotions.put_products(call.session, who, shop, activity_id, body))


@router.delete(A + "/{activity_id}/products")
def remove_products(request: Request, call: WriteCall, activity_id: str) -> JSONResponse:
    body = parse_body(call, api.RemoveProducts)
    who = seller(call.session, call.access.app_id, call.shop_id)
    shop = _shop(call)
    return answer(request, promotions.remove_products(call.session, who, shop, activity_id, body))


@router.post("/promotion/202406/coupons/search")
def search_coupons(request: Request, call: SearchCall) -> JSONResponse:
    q = request.query_params
    page = page_params(q.get("page_size") or promotions.DEFAULT_PAGE_SIZE, q.get("page_token"))
    body = parse_body(call, api.SearchCoupons)
    found, position, total = promotions_coupons.search(call.session, _shop(call), body, page)
    items = [c.model_dump(mode="json", exclude_none=True) for c in found]
    return answer(request, page_data("coupons", items, position, total))


@router.get("/promotion/202406/coupons/{coupon_id}")
def get_coupon(request: Request, call: ReadCall, coupon_id: str) -> JSONResponse:
    return answer(request, promotions_coupons.detail(call.session, _shop(call), coupon_id))
