"""A shop's webhook subscriptions: create, list, read, change, delete, rotate the secret
(docs/webhooks.md). Seller staff with ``webhooks:manage`` manage their shops'; a platform
admin may read them; anyone else gets 404 for a shop they cannot see."""

from __future__ import annotations

from datetime import datetime

from clipshop.models import WebhookSubscription


def signing_secrets(sub: WebhookSubscription, now_wall: datetime) -> list[str]:
    """The secrets that sign a delivery made at ``now_wall``: the current one, and the
    previous one while its rotation overlap lasts."""
    found = [sub.secret]
    until = sub.previous_secret_until
    if sub.previous_secret and until is not None and now_wall < until:
        found.append(sub.previous_secret)
    return found
