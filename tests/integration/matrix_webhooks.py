"""The webhook part of the authorization matrix's world: per scope ("own": shop A,
"foreign": shop B) one subscription with one delivery (a test ping), made through the
services, and the valid request bodies of the subscription and delivery routes."""

from __future__ import annotations

from clipshop.core.db import Database
from clipshop.webhooks import deliveries, subscriptions
from tests.conftest import Actor, ShopFixture

URL = "https://93.184.216.34/matrix"  # a public literal address: nothing to resolve
CREATE_BODY = {"url": URL, "event_types": ["order.status_changed"], "description": "matrix"}
UPDATE_BODY = {"description": "changed", "enabled": False}
ROTATE_BODY = {"overlap_hours": 1}
REPLAY_BODY = {"from": "2026-01-01T00:00:00Z", "to": "2099-01-01T00:00:00Z"}


def build_subscriptions(
    db: Database, owners: dict[str, Actor], shops: dict[str, ShopFixture]
) -> tuple[dict[str, int], dict[str, int]]:
    """{scope: the id of a subscription of that scope's shop}, {scope: one of its
    deliveries}."""
    found, sent = {}, {}
    with db.unit_of_work() as session:
        for scope, shop in shops.items():
            owner = owners[scope].principal
            sub = subscriptions.create(session, owner, shop.id, url=URL, event_types=["*"])
            found[scope] = sub.id
            sent[scope] = deliveries.ping(session, owner, shop.id, sub.id).id
    return found, sent
