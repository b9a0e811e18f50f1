"""A shop's webhook subscriptions (docs/webhooks.md). The secret is answered by create and
rotate-secret only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from clipshop.api.deps import DB, Caller, ShopId, id_path
from clipshop.webhooks import subscriptions
from clipshop.webhooks.schemas import (
    RotateSecret,
    SecretOut,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(tags=["webhooks"])
WebhookId = Annotated[int, id_path("Webhook subscription id")]
BASE = "/shops/{shop_id}/webhooks"


async def allow_loopback(request: Request) -> bool:
    """CLIPSHOP_WEBHOOKS_ALLOW_LOOPBACK of the app's settings."""
    return bool(request.app.state.settings.webhooks_allow_loopback)


AllowLoopback = Annotated[bool, Depends(allow_loopback)]


@router.post(
    BASE,
    response_model=WebhookCreated,
    status_code=201,
    summary="Subscribe a URL to the shop's events (the answer shows the secret, once)",
)
def create_webhook(
    shop_id: ShopId, body: WebhookCreate, session: DB, caller: Caller, loopback: AllowLoopback
) -> WebhookCreated:
    sub = subscriptions.create(
        session,
        caller,
        shop_id,
        url=body.url,
        event_types=body.event_types,
        enabled=body.enabled,
        description=body.description,
        allow_loopback=loopback,
    )
    return WebhookCreated.model_validate(sub)


@router.get(BASE, response_model=WebhookList, summary="The shop's webhook subscriptions")
def list_webhooks(shop_id: ShopId, session: DB, caller: Caller) -> WebhookList:
    subs = subscriptions.list_for_shop(session, caller, shop_id)
    return WebhookList(items=[WebhookOut.model_validate(s) for s in subs])


@router.get(f"{BASE}/{{webhook_id}}", response_model=WebhookOut)
def get_webhook(shop_id: ShopId, webhook_id: WebhookId, session: DB, caller: Caller) -> WebhookOut:
    return WebhookOut.model_validate(subscriptions.get(session, caller, shop_id, webhook_id))


@router.patch(
    f"{BASE}/{{webhook_id}}",
    response_model=WebhookOut,
    summary="Change the URL, event types, description, or enable/disable",
)
def update_webhook(
    shop_id: ShopId,
    webhook_id: WebhookId,
    body: WebhookUpdate,
    session: DB,
    caller: Caller,
    loopback: AllowLoopback,
) -> WebhookOut:
    changes = body.model_dump(exclude_unset=True)
    sub = subscriptions.update(session, caller, shop_id, webhook_id, changes, loopback)
    return WebhookOut.model_validate(sub)


@router.delete(
    f"{BASE}/{{webhook_id}}",
    response_model=WebhookOut,
    summary="Delete the subscription and its deliveries (pending ones are never sent)",
)
def delete_webhook(
    shop_id: ShopId, webhook_id: WebhookId, session: DB, caller: Caller
) -> WebhookOut:
    return WebhookOut.model_validate(subscriptions.remove(session, caller, shop_id, webhook_id))


@router.post(
    f"{BASE}/{{webhook_id}}/rotate-secret",
    response_model=SecretOut,
    summary="A new secret; the old one keeps signing for overlap_hours (shown once)",
)
def rotate_secret(
    shop_id: ShopId, webhook_id: WebhookId, session: DB, caller: Caller, body: RotateSecret
) -> SecretOut:
    sub = subscriptions.rotate_secret(session, caller, shop_id, webhook_id, body.overlap_hours)
    return SecretOut(secret=sub.secret, previous_secret_until=sub.previous_secret_until)
