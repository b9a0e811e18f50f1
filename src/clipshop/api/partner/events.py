"""The event module of the seller API (scope ``seller.webhook``): the app's webhook address
per event type on one shop, listed, set and deleted (``partner.events``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import answer
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.partner import events, scopes
from clipshop.partner import events_schemas as api

router = APIRouter(tags=["partner"], include_in_schema=False)
EventCall = Annotated[PartnerCall, Depends(partner(scopes.WEBHOOKS))]
PATH = "/event/202309/webhooks"


@router.get(PATH)
def list_webhooks(request: Request, call: EventCall) -> JSONResponse:
    return answer(request, events.list_webhooks(call.session, call.app.id, call.shop_id))


@router.put(PATH)
def put_webhook(request: Request, call: EventCall) -> JSONResponse:
    body = parse_body(call, api.WebhookIn)
    loopback = bool(request.app.state.settings.webhooks_allow_loopback)
    events.put_webhook(call.session, call.app.id, call.shop_id, body, loopback)
    return answer(request, {})


@router.delete(PATH)
def delete_webhook(request: Request, call: EventCall) -> JSONResponse:
    body = parse_body(call, api.WebhookTypeIn)
    events.delete_webhook(call.session, call.app.id, call.shop_id, body.event_type)
    return answer(request, {})
