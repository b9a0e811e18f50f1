"""A webhook subscription's delivery log, the retry of one delivery, the test ping and the
replay of a time range (docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller, Paging, ShopId, id_path
from clipshop.webhooks import deliveries
from clipshop.webhooks.delivery_schemas import (
    DeliveryOut,
    DeliveryPage,
    DeliveryStatus,
    ReplayIn,
    ReplayOut,
)

router = APIRouter(tags=["webhooks"])
WebhookId = Annotated[int, id_path("Webhook subscription id")]
DeliveryId = Annotated[int, id_path("Delivery id")]
BASE = "/shops/{shop_id}/webhooks/{webhook_id}"


@router.get(
    f"{BASE}/deliveries",
    response_model=DeliveryPage,
    summary="The subscription's deliveries, newest first",
)
def list_deliveries(
    shop_id: ShopId,
    webhook_id: WebhookId,
    session: DB,
    caller: Caller,
    page: Paging,
    status: Annotated[DeliveryStatus | None, Query(description="Only these")] = None,
) -> DeliveryPage:
    result = deliveries.list_deliveries(session, caller, shop_id, webhook_id, page, status)
    return DeliveryPage(
        items=[DeliveryOut.of(row) for row in result.items], next_cursor=result.next_cursor
    )


@router.post(
    f"{BASE}/deliveries/{{delivery_id}}/retry",
    response_model=DeliveryOut,
    status_code=202,
    summary="Send a delivery again now (a failed one gets a fresh retry schedule)",
)
def retry_delivery(
    shop_id: ShopId, webhook_id: WebhookId, delivery_id: DeliveryId, session: DB, caller: Caller
) -> DeliveryOut:
    return DeliveryOut.of(deliveries.retry(session, caller, shop_id, webhook_id, delivery_id))


@router.post(
    f"{BASE}/test",
    response_model=DeliveryOut,
    status_code=202,
    summary="Send a webhook.ping delivery now",
)
def test_webhook(
    shop_id: ShopId, webhook_id: WebhookId, session: DB, caller: Caller
) -> DeliveryOut:
    return DeliveryOut.of(deliveries.ping(session, caller, shop_id, webhook_id))


@router.post(
    f"{BASE}/replay",
    response_model=ReplayOut,
    status_code=202,
    summary="Send again every kept event of a time range the subscription wants",
)
def replay(
    shop_id: ShopId, webhook_id: WebhookId, body: ReplayIn, session: DB, caller: Caller
) -> ReplayOut:
    count = deliveries.replay(session, caller, shop_id, webhook_id, body.start, body.end)
    return ReplayOut(deliveries=count)
