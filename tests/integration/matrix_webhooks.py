"""The webhook part of the authorization matrix's world: per scope ("own": shop A,
"foreign": shop B) one subscription, made through the service, and the valid request
bodies of the subscription routes."""

from __future__ import annotations

from clipshop.core.db import Database
from clipshop.webhooks import subscriptions
from tests.conftest import Actor, ShopFixture

URL = "https://93.184.216.34/matrix"  # a public literal address: nothing to resolve
CREATE_BODY = {"url": URL, "event_types": ["order.status_changed"], "description": "matrix"}
UPDATE_BODY = {"description": "changed", "enabled": False}
ROTATE_BODY = {"overlap_hours": 1}


def build_subscriptions(
    db: Database, owners: dict[str, Actor], shops: dict[str, ShopFixture]
) -> dict[str, int]:
    """{scope: the id of a subscription of that scope's shop}."""
    found = {}
    with db.unit_of_work() as session:
        for scope, shop in shops.items():
            sub = subscriptions.create(
                session, owners[scope].principal, shop.id, url=URL, event_types=["*"]
            )
            found[scope] = sub.id
    return found
