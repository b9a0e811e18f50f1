"""The return_refund module of the seller API: returns and cancellations search, the seller's
approve / reject (``idempotency_key``: a replay answers code 0 and acts once), reject reasons
and return records; scope ``seller.return_refund.basic``, one shop."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from clipshop.api.partner.envelope import answer, choice, envelope, query_list
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.core.settings import Settings
from clipshop.identity.principal import Principal
from clipshop.partner import (
    cancellations,
    returns,
    returns_calculate,
    returns_create,
    returns_eligibility,
    scopes,
)
from clipshop.partner import returns_paging as paging
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.paging import page_data, page_params
from clipshop.partner.returns_keys import Replayed, once, seller
from clipshop.payments.refunds import execute_refunds

router = APIRouter(tags=["partner"], include_in_schema=False)
ReturnCall = Annotated[PartnerCall, Depends(partner(scopes.RETURN_REFUND))]
ReturnSearch = Annotated[PartnerCall, Depends(partner(scopes.RETURN_REFUND, reads_only=True))]
# The searches at 202602 (named by the issue; the reference has only 202309) answer the same
# shapes; what a 202602 client sends besides is ignored like any unknown body field.
SEARCH_VERSIONS = ("202309", "202602")
# Unlike the other searches, these two have page_size optional in the reference (default 10):
# a client that leaves it out, or sends it blank, gets pages of 10.
DEFAULT_PAGE_SIZE = 10


def _search(
    request: Request, call: PartnerCall, filters: type[Any], service: Any, key: str
) -> JSONResponse:
    """A search route: page, sort (``create_time`` ASC by default, as the reference says),
    the body's filters, then ``service``'s page under ``key``."""
    q = request.query_params
    page = page_params(q.get("page_size") or DEFAULT_PAGE_SIZE, q.get("page_token"))
    field = choice(request, "sort_field", paging.SORT_FIELDS, "create_time")
    order = choice(request, "sort_order", paging.SORT_ORDERS, "ASC")
    body = parse_body(call, filters)
    found, position, total = service(call.session, call.shop_id, body, page, (field, order))
    items = [x.model_dump(mode="json", exclude_none=True) for x in found]
    return answer(request, page_data(key, items, position, total))


def search_returns(request: Request, call: ReturnSearch) -> JSONResponse:
    return _search(request, call, api.ReturnFilters, returns.search, "return_orders")


def search_cancellations(request: Request, call: ReturnSearch) -> JSONResponse:
    return _search(request, call, api.CancelFilters, cancellations.search, "cancellations")


for _version in SEARCH_VERSIONS:
    router.post(f"/return_refund/{_version}/returns/search")(search_returns)
    router.post(f"/return_refund/{_version}/cancellations/search")(search_cancellations)


@router.get("/return_refund/202309/returns/{return_id}/records")
def return_records(request: Request, call: ReturnCall, return_id: str) -> JSONResponse:
    wanted = returns.parse_id(return_id, "return_id")
    return answer(request, returns.records(call.session, call.shop_id, wanted))


@router.get("/return_refund/202309/reject_reasons")
def reject_reasons(request: Request, call: ReturnCall) -> JSONResponse:
    text = request.query_params.get("return_or_cancel_id", "")
    if not text:
        raise invalid_parameter("return_or_cancel_id is required")
    return answer(request, returns.reject_reasons(call.session, call.shop_id, text))


Acted = tuple[BaseModel | None, int | None]  # the answer's data ({} if None), the refund queued


def _data(acted: Acted) -> bytes:
    shaped, _refund = acted
    return b"{}" if shaped is None else shaped.model_dump_json(exclude_none=True).encode()


def _act(request: Request, call: ReturnCall, action: Callable[[Principal], Acted]) -> JSONResponse:
    """Run ``action(seller)`` once per ``idempotency_key`` (a replay answers what the first
    request did); a refund it queued goes to the gateway after the commit (the response's
    background task runs after it)."""
    settings: Settings = request.app.state.settings
    who = seller(call.session, call.access.app_id, call.shop_id)
    done = once(
        call.session,
        who,
        f"{call.access.app_key}:{call.shop_id}",
        request.query_params.get("idempotency_key"),
        (request.url.path, call.body),
        timedelta(hours=settings.idempotency_ttl_hours),
        timedelta(seconds=settings.idempotency_lease_seconds),
        lambda: action(who),
        _data,
    )
    if isinstance(done, Replayed):
        return envelope(request, json.loads(done.data))
    shaped, refund = done
    response = envelope(request, {}) if shaped is None else answer(request, shaped)
    if refund is not None:
        state = request.app.state
        response.background = BackgroundTask(execute_refunds, state.db, state.gateway, [refund])
    return response


@router.post("/return_refund/202309/returns/{return_id}/approve")
def approve_return(request: Request, call: ReturnCall, return_id: str) -> JSONResponse:
    wanted = returns.parse_id(return_id, "return_id")
    body = parse_body(call, api.ApproveReturnBody)
    return _act(
        request,
        call,
        lambda who: (None, returns.approve(call.session, who, call.shop_id, wanted, body)),
    )


@router.post("/return_refund/202309/returns/{return_id}/reject")
def reject_return(request: Request, call: ReturnCall, return_id: str) -> JSONResponse:
    wanted = returns.parse_id(return_id, "return_id")
    body = parse_body(call, api.RejectBody)
    return _act(
        request,
        call,
        lambda who: (None, returns.reject(call.session, who, call.shop_id, wanted, body)),
    )


@router.post("/return_refund/202309/cancellations/{cancel_id}/approve")
def approve_cancellation(request: Request, call: ReturnCall, cancel_id: str) -> JSONResponse:
    wanted = returns.parse_id(cancel_id, "cancel_id")
    return _act(
        request,
        call,
        lambda who: (None, cancellations.approve(call.session, who, call.shop_id, wanted)),
    )


@router.post("/return_refund/202309/cancellations/{cancel_id}/reject")
def reject_cancellation(request: Request, call: ReturnCall, cancel_id: str) -> JSONResponse:
    wanted = returns.parse_id(cancel_id, "cancel_id")
    body = parse_body(call, api.RejectBody)
    return _act(
        request,
        call,
        lambda who: (None, cancellations.reject(call.session, who, call.shop_id, wanted, body)),
    )


@router.post("/return_refund/202309/cancellations")
def cancel_order(request: Request, call: ReturnCall) -> JSONResponse:
    """The seller cancels an order's unshipped items (``cancel_reason``: OUT_OF_STOCK,
    PRICING_ERROR, UNABLE_TO_DELIVER or BUYER_REQUESTED)."""
    body = parse_body(call, api.CancelOrderBody)
    return _act(
        request, call, lambda who: cancellations.cancel_order(call.session, who, call.shop_id, body)
    )


@router.post("/return_refund/202309/returns")
def create_return(request: Request, call: ReturnCall) -> JSONResponse:
    """The seller starts a return in the buyer's name (REFUND: refunded at once;
    RETURN_AND_REFUND: the buyer ships it back)."""
    body = parse_body(call, api.CreateReturnBody)
    return _act(
        request, call, lambda who: returns_create.create(call.session, who, call.shop_id, body)
    )


def _eligibility(request: Request, call: PartnerCall, order_id: str, version: str) -> JSONResponse:
    who = (request.query_params.get("initiate_aftersale_user") or "SELLER").upper()
    wanted = query_list(request, "request_types") if version != "202309" else None
    seller_of_shop = seller(call.session, call.access.app_id, call.shop_id)
    data = returns_eligibility.check(
        call.session, seller_of_shop, call.shop_id, order_id, who, version, wanted
    )
    return answer(request, data)


@router.get("/return_refund/202309/orders/{order_id}/aftersale_eligibility")
def aftersale_eligibility(request: Request, call: ReturnCall, order_id: str) -> JSONResponse:
    return _eligibility(request, call, order_id, "202309")


@router.get("/return_refund/202512/orders/{order_id}/aftersale_eligibility")
def aftersale_eligibility_202512(request: Request, call: ReturnCall, order_id: str) -> JSONResponse:
    """202512: ``request_types`` (CANCEL, REFUND, RETURN_AND_REFUND, REPLACEMENT) narrows
    the answer; an eligible line names its ``available_reason_names``."""
    return _eligibility(request, call, order_id, "202512")


@router.post("/return_refund/202309/refunds/calculate")
def calculate_refund(request: Request, call: ReturnCall) -> JSONResponse:
    body = parse_body(call, api.CalculateBody)
    seller_of_shop = seller(call.session, call.access.app_id, call.shop_id)
    data = returns_calculate.calculate(call.session, seller_of_shop, call.shop_id, body)
    return answer(request, data)
