"""The order module of the seller API: ``POST /order/202309/orders/search``, ``GET
/order/202309/orders`` and ``GET /order/202507/orders`` (order detail by ``ids``) and ``GET
/order/202407/orders/{order_id}/price_detail``; scope ``seller.order.info``, one shop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import answer, choice, query_list
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.partner import order_prices, orders, scopes
from clipshop.partner import order_schemas as api
from clipshop.partner.paging import page_data, page_params

router = APIRouter(tags=["partner"], include_in_schema=False)

OrderCall = Annotated[PartnerCall, Depends(partner(scopes.ORDER_INFO))]
OrderSearch = Annotated[PartnerCall, Depends(partner(scopes.ORDER_INFO, reads_only=True))]
SORT_FIELDS: dict[str, orders.SortField] = {
    "create_time": "create_time",
    "update_time": "update_time",
}
SORT_ORDERS: dict[str, orders.SortOrder] = {"ASC": "ASC", "DESC": "DESC"}


@router.post("/order/202309/orders/search")
def search_orders(request: Request, call: OrderSearch) -> JSONResponse:
    q = request.query_params
    page = page_params(q.get("page_size"), q.get("page_token"))
    sort_field = choice(request, "sort_field", SORT_FIELDS, "create_time")
    sort_order = choice(request, "sort_order", SORT_ORDERS, "DESC")
    filters = parse_body(call, api.SearchFilters)
    found, position, total = orders.search(
        call.session, call.shop_id, filters, page, sort_field, sort_order
    )
    data = page_data(
        "orders", [o.model_dump(mode="json", exclude_none=True) for o in found], position, total
    )
    return answer(request, data)


def _ids(request: Request) -> list[int]:
    return orders.parse_ids(query_list(request, "ids"))


@router.get("/order/202309/orders")
def order_detail_202309(request: Request, call: OrderCall) -> JSONResponse:
    found = orders.detail(call.session, call.shop_id, _ids(request), api.Order202309)
    return answer(request, api.Detail202309Data(orders=found))


@router.get("/order/202507/orders")
def order_detail_202507(request: Request, call: OrderCall) -> JSONResponse:
    found = orders.detail(call.session, call.shop_id, _ids(request), api.Order202507)
    return answer(request, api.Detail202507Data(orders=found))


@router.get("/order/202407/orders/{order_id}/price_detail")
def price_detail(request: Request, call: OrderCall, order_id: str) -> JSONResponse:
    wanted = orders.parse_id(order_id.strip())
    return answer(request, order_prices.price_detail(call.session, call.shop_id, wanted))
