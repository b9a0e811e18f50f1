"""The logistics module of the seller API (scope ``seller.logistics``): warehouses, a
warehouse's delivery options, a delivery option's shipping providers (one shop), and a
global seller's warehouses (every shop of the token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import answer
from clipshop.api.partner.protocol import PartnerCall, partner
from clipshop.partner import logistics, scopes
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.fulfillment import parse_id

router = APIRouter(tags=["partner"], include_in_schema=False)

ShopCall = Annotated[PartnerCall, Depends(partner(scopes.LOGISTICS))]
SellerCall = Annotated[PartnerCall, Depends(partner(scopes.LOGISTICS, shop_scoped=False))]
BASE = "/logistics/202309"


@router.get(f"{BASE}/warehouses")
def warehouses(request: Request, call: ShopCall) -> JSONResponse:
    return answer(request, logistics.warehouses(call.session, call.shop_id))


@router.get(BASE + "/warehouses/{warehouse_id}/delivery_options")
def delivery_options(request: Request, call: ShopCall, warehouse_id: str) -> JSONResponse:
    scope = (request.query_params.get("scope") or "WAREHOUSE").upper()
    if scope not in ("WAREHOUSE", "PRODUCT"):
        raise invalid_parameter("scope must be WAREHOUSE or PRODUCT")
    wanted = parse_id(warehouse_id, "warehouse_id")
    return answer(request, logistics.delivery_options(call.session, call.shop_id, wanted, scope))


@router.get(BASE + "/delivery_options/{delivery_option_id}/shipping_providers")
def shipping_providers(request: Request, call: ShopCall, delivery_option_id: str) -> JSONResponse:
    option = delivery_option_id.strip().upper()
    return answer(request, logistics.shipping_providers(call.session, call.shop_id, option))


@router.get(f"{BASE}/global_warehouses")
def global_warehouses(request: Request, call: SellerCall) -> JSONResponse:
    return answer(request, logistics.global_warehouses(call.session, call.shop_ids))
