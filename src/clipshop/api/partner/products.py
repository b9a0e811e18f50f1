"""The product module of the seller API: products search at 202309 and 202502, product
detail, inventory search (scope ``seller.product.basic``), and the inventory and price
updates (``seller.product.write``); one shop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import answer
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.models import Shop
from clipshop.partner import products, scopes
from clipshop.partner import products_schemas as api
from clipshop.partner.paging import page_data, page_params
from clipshop.partner.returns_keys import seller
from clipshop.partner.returns_paging import ids

router = APIRouter(tags=["partner"], include_in_schema=False)
ReadCall = Annotated[PartnerCall, Depends(partner(scopes.PRODUCT_BASIC))]
SearchCall = Annotated[PartnerCall, Depends(partner(scopes.PRODUCT_BASIC, reads_only=True))]
WriteCall = Annotated[PartnerCall, Depends(partner(scopes.PRODUCT_WRITE))]


def _search(request: Request, call: PartnerCall) -> JSONResponse:
    q = request.query_params
    page = page_params(q.get("page_size"), q.get("page_token"))
    filters = parse_body(call, api.SearchFilters)
    shop = call.session.get_one(Shop, call.shop_id)
    found, position, total = products.search(call.session, shop, filters, page)
    items = [p.model_dump(mode="json", exclude_none=True) for p in found]
    return answer(request, page_data("products", items, position, total))


@router.post("/product/202309/products/search")
def search_202309(request: Request, call: SearchCall) -> JSONResponse:
    return _search(request, call)


@router.post("/product/202502/products/search")
def search_202502(request: Request, call: SearchCall) -> JSONResponse:
    return _search(request, call)


@router.get("/product/202309/products/{product_id}")
def product_detail(request: Request, call: ReadCall, product_id: str) -> JSONResponse:
    wanted = ids([product_id.strip()], "product_id")[0]
    return answer(request, products.detail(call.session, call.shop_id, wanted))


@router.post("/product/202309/inventory/search")
def inventory_search(request: Request, call: SearchCall) -> JSONResponse:
    body = parse_body(call, api.InventorySearch)
    return answer(request, products.inventory_search(call.session, call.shop_id, body))


@router.post("/product/202309/products/{product_id}/inventory/update")
def update_inventory(request: Request, call: WriteCall, product_id: str) -> JSONResponse:
    wanted = ids([product_id.strip()], "product_id")[0]
    body = parse_body(call, api.InventoryUpdate)
    who = seller(call.session, call.access.app_id, call.shop_id)
    products.update_inventory(call.session, who, call.shop_id, wanted, body)
    return answer(request, api.UpdateData())


@router.post("/product/202309/products/{product_id}/prices/update")
def update_prices(request: Request, call: WriteCall, product_id: str) -> JSONResponse:
    wanted = ids([product_id.strip()], "product_id")[0]
    body = parse_body(call, api.PriceUpdate)
    who = seller(call.session, call.access.app_id, call.shop_id)
    shop = call.session.get_one(Shop, call.shop_id)
    products.update_prices(call.session, who, shop, wanted, body)
    return answer(request, {})
