"""A shop's webhook subscriptions: create, list, read, change, delete, rotate the secret
(docs/webhooks.md). Seller staff with ``webhooks:manage`` manage their shops'; a platform
admin may read them; a shop the caller cannot see, or another shop's subscription, is 404."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Shop, WebhookDelivery, WebhookSubscription
from clipshop.webhooks.ssrf import check_target

MAX_PER_SHOP = 20
PING = "webhook.ping"
EVERY_TYPE = "*"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
# The shop's own subscriptions; a partner app's webhooks (``app_id`` set) are the app's,
# managed through the seller API's event module (``partner.events``).
OWN = WebhookSubscription.app_id.is_(None)


def known_event_types() -> frozenset[str]:
    """Every ``core.events.Event`` subclass's type, and the test ping's."""
    found = {PING}
    pending = list(events.Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if isinstance(getattr(cls, "type", None), str):
            found.add(cls.type)
    return frozenset(found)


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_secrets(sub: WebhookSubscription, now_wall: datetime) -> list[str]:
    """The secrets that sign a delivery made at ``now_wall``: the current one, and the
    previous one while its rotation overlap lasts."""
    found = [sub.secret]
    until = sub.previous_secret_until
    if sub.previous_secret and until is not None and now_wall < until:
        found.append(sub.previous_secret)
    return found


def create(
    session: Session,
    caller: Principal,
    shop_id: int,
    *,
    url: str,
    event_types: list[str],
    enabled: bool = True,
    description: str = "",
    allow_loopback: bool = False,
) -> WebhookSubscription:
    """A new subscription with a fresh secret (``sub.secret``: answered this once)."""
    _check_writer(caller, shop_id)
    types = _checked_types(event_types)
    check_target(url, allow_loopback)
    # the shop row's lock makes concurrent creates count one after the other
    if session.scalar(select(Shop.id).where(Shop.id == shop_id).with_for_update()) is None:
        raise NotFound("shop not found")
    count = session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(WebhookSubscription.shop_id == shop_id, OWN)
    )
    if (count or 0) >= MAX_PER_SHOP:
        raise Conflict(
            f"a shop may have at most {MAX_PER_SHOP} webhook subscriptions; delete one first",
            code="webhook_limit_reached",
            limit=MAX_PER_SHOP,
        )
    sub = WebhookSubscription(
        shop_id=shop_id,
        url=url,
        event_types=types,
        enabled=enabled,
        description=description,
        secret=new_secret(),
    )
    session.add(sub)
    session.flush()
    return sub


def list_for_shop(session: Session, caller: Principal, shop_id: int) -> list[WebhookSubscription]:
    _check_reader(session, caller, shop_id)
    stmt = select(WebhookSubscription).where(WebhookSubscription.shop_id == shop_id, OWN)
    return list(session.scalars(stmt.order_by(WebhookSubscription.id)))


def get(session: Session, caller: Principal, shop_id: int, sub_id: int) -> WebhookSubscription:
    _check_reader(session, caller, shop_id)
    return _find(session, shop_id, sub_id)


def update(
    session: Session,
    caller: Principal,
    shop_id: int,
    sub_id: int,
    changes: dict[str, Any],
    allow_loopback: bool = False,
) -> WebhookSubscription:
    """Apply ``changes`` (url, event_types, enabled, description; absent keys stay).
    Enabling a subscription clipshop disabled clears the reason."""
    _check_writer(caller, shop_id)
    sub = _find(session, shop_id, sub_id, lock=True)
    if changes.get("url") is not None:
        check_target(changes["url"], allow_loopback)
        sub.url = changes["url"]
    if changes.get("event_types") is not None:
        sub.event_types = _checked_types(changes["event_types"])
    if changes.get("description") is not None:
        sub.description = changes["description"]
    if changes.get("enabled") is not None:
        if changes["enabled"] and not sub.enabled:
            sub.disabled_reason, sub.disabled_at = None, None
        sub.enabled = changes["enabled"]
    session.flush()
    return sub


def remove(session: Session, caller: Principal, shop_id: int, sub_id: int) -> WebhookSubscription:
    """Delete the subscription and its deliveries: what was pending is never sent."""
    _check_writer(caller, shop_id)
    sub = _find(session, shop_id, sub_id, lock=True)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))
    session.delete(sub)
    session.flush()
    return sub


def rotate_secret(
    session: Session,
    caller: Principal,
    shop_id: int,
    sub_id: int,
    overlap_hours: int,
    now_wall: datetime | None = None,
) -> WebhookSubscription:
    """A new secret; the replaced one keeps signing for ``overlap_hours`` (wall time). A
    rotation during an overlap ends it: the secret replaced now is the only previous one."""
    if not 0 <= overlap_hours <= 168:
        raise InvalidInput("overlap_hours must be 0..168", code="invalid_overlap")
    _check_writer(caller, shop_id)
    sub = _find(session, shop_id, sub_id, lock=True)
    now_wall = now_wall or datetime.now(UTC)
    if overlap_hours:
        sub.previous_secret = sub.secret
        sub.previous_secret_until = now_wall + timedelta(hours=overlap_hours)
    else:
        sub.previous_secret, sub.previous_secret_until = None, None
    sub.secret = new_secret()
    session.flush()
    return sub


def _checked_types(requested: list[str]) -> list[str]:
    if EVERY_TYPE in requested:
        return [EVERY_TYPE]
    known = known_event_types()
    unknown = sorted({t for t in requested if t not in known})
    if unknown:
        raise InvalidInput(
            f"unknown event types: {', '.join(unknown)}",
            code="unknown_event_types",
            unknown=unknown,
            known=sorted(known),
        )
    return list(dict.fromkeys(requested))


def _check_reader(session: Session, caller: Principal, shop_id: int) -> None:
    caller.require(Permission.WEBHOOKS_MANAGE)
    caller.check_shop(shop_id)
    if shop_id not in caller.shop_ids and session.get(Shop, shop_id) is None:
        raise NotFound("shop not found")


def _check_writer(caller: Principal, shop_id: int) -> None:
    caller.require(Permission.WEBHOOKS_MANAGE)
    caller.check_shop(shop_id)
    if shop_id not in caller.shop_ids:
        raise PermissionDenied("only the shop's own staff change its webhook subscriptions")


def _find(session: Session, shop_id: int, sub_id: int, lock: bool = False) -> WebhookSubscription:
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.id == sub_id, WebhookSubscription.shop_id == shop_id, OWN
    )
    sub = session.scalar(stmt.with_for_update() if lock else stmt)
    if sub is None:
        raise NotFound("webhook subscription not found")
    return sub
