"""The event module's webhooks: an app's address per (shop, event type), set, listed and
deleted through ``/event/202309/webhooks`` (scope ``seller.webhook``); stopped when the shop
revokes the app (docs/tiktok-api.md#events-webhooks).

A webhook is a ``WebhookSubscription`` row with the app and the topic, so its deliveries go
through the native webhooks' sender, retry schedule and delivery log. The shop's own
subscriptions never see these rows, nor one app another's. Of the reference's event types,
clipshop sends the seven it can produce (``SENT``); the others are refused with a message
that says so, rather than accepted and never sent."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import DomainError
from clipshop.models import AppAuthorization, WebhookDelivery, WebhookSubscription
from clipshop.partner import events_schemas as api
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.returns_paging import unix
from clipshop.webhooks.sender import disable
from clipshop.webhooks.ssrf import check_target

# The event types clipshop sends, with the ``type`` number of their notifications.
SENT = {
    "ORDER_STATUS_CHANGE": 1,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
    "NEW_CONVERSATION": 13,
    "NEW_MESSAGE": 14,
}
# The reference's other event types: refused until clipshop has what they report.
NOT_YET = (
    "PRODUCT_STATUS_CHANGE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
    "PRODUCT_INFORMATION_CHANGE",
    "PRODUCT_CREATION",
    "PRODUCT_CATEGORY_CHANGE",
    "NEW_MESSAGE_LISTENER",
    "INVOICE_STATUS_CHANGE",
    "PRODUCT_AUDIT_STATUS_CHANGE",
    "REVERSE_STATUS_UPDATE",
)
REVOKED = "app authorization revoked"


def topic(event_type: str) -> str:
    """``event_type`` as one of ``SENT`` (any letter case), else 36009004 saying why."""
    name = event_type.strip().upper()
    if name in SENT:
        return name
    sent = ", ".join(SENT)
    if name in NOT_YET:
        raise invalid_parameter(
            f"event_type {name} is not sent by clipshop yet; it sends {sent}",
        )
    raise invalid_parameter(f"event_type {event_type!r} is unknown; clipshop sends {sent}")


def _mine(app_id: int, shop_id: int) -> ColumnElement[bool]:
    s = WebhookSubscription
    return (s.app_id == app_id) & (s.shop_id == shop_id)


def list_webhooks(session: Session, app_id: int, shop_id: int) -> api.WebhooksData:
    """The app's enabled webhooks of the shop (one clipshop disabled is not listed: PUT it
    again)."""
    s = WebhookSubscription
    rows = session.scalars(select(s).where(_mine(app_id, shop_id), s.enabled).order_by(s.id))
    webhooks = [
        api.WebhookOut(
            address=row.url,
            create_time=unix(row.created_at),
            event_type=row.topic or "",
            update_time=unix(row.updated_at),
        )
        for row in rows
    ]
    return api.WebhooksData(total_count=len(webhooks), webhooks=webhooks)


def put_webhook(
    session: Session, app_id: int, shop_id: int, body: api.WebhookIn, allow_loopback: bool
) -> WebhookSubscription:
    """Set the address of the app's webhook of ``body.event_type`` on the shop (a new one, or
    the same row changed and enabled again)."""
    name = topic(body.event_type)
    address = body.address.strip()
    try:
        check_target(address, allow_loopback)
    except DomainError as exc:
        raise invalid_parameter(f"address refused: {exc.detail}") from None
    found = _find(session, app_id, shop_id, name)
    if found is None:
        try:
            with session.begin_nested():
                found = WebhookSubscription(
                    shop_id=shop_id,
                    url=address,
                    event_types=[name],
                    enabled=True,
                    description=f"{name} webhook of a partner app",
                    secret="",
                    app_id=app_id,
                    topic=name,
                )
                session.add(found)
                session.flush()
            return found
        except IntegrityError:  # a concurrent PUT of the same topic made it first
            found = _find(session, app_id, shop_id, name)
            assert found is not None
    found.url, found.enabled = address, True
    found.disabled_reason, found.disabled_at = None, None
    found.updated_at = utcnow()
    session.flush()
    return found


def delete_webhook(session: Session, app_id: int, shop_id: int, event_type: str) -> None:
    """Delete the app's webhook of ``event_type`` and its deliveries (what was pending is
    never sent); success whether or not there was one, as the reference says."""
    found = _find(session, app_id, shop_id, topic(event_type))
    if found is None:
        return
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == found.id))
    session.delete(found)
    session.flush()


def stop(session: Session, authorization: AppAuthorization) -> int:
    """The shop revoked the app: its webhooks of the shop are disabled and their pending
    deliveries failed (``webhooks.sender.disable``, which tells the seller); how many."""
    if authorization.shop_id is None:  # a creator's grant: no shop, no webhooks
        return 0
    s = WebhookSubscription
    ids = session.scalars(
        select(s.id).where(_mine(authorization.app_id, authorization.shop_id), s.enabled)
    ).all()
    now = utcnow()
    return sum(disable(session, sub_id, REVOKED, now) for sub_id in ids)


def _find(session: Session, app_id: int, shop_id: int, name: str) -> WebhookSubscription | None:
    s = WebhookSubscription
    stmt = select(s).where(_mine(app_id, shop_id), s.topic == name).with_for_update()
    return session.scalar(stmt)
