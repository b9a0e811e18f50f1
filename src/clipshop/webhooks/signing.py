"""The signed headers of one delivery, in either of the two formats a subscription may have.

Standard Webhooks (a shop's own subscriptions): ``webhook-id``, ``webhook-timestamp`` (wall
time, as receivers check it against their own clock) and ``webhook-signature``: one
``v1,<base64 HMAC-SHA256>`` per active secret, space-separated, made by the
``standardwebhooks`` library so a receiver using it verifies exactly what we sign.

TikTok Shop (a partner app's webhooks): ``Authorization`` = lowercase hex
HMAC-SHA256(key = app_secret, message = app_key + the raw body)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook


def headers(
    message_id: str, body: bytes, secrets: Sequence[str], sent_at: datetime
) -> dict[str, str]:
    """The headers of a delivery of ``body`` sent at ``sent_at`` (wall time), signed with each
    of ``secrets`` (``whsec_...``; two during a rotation's overlap)."""
    if not secrets:
        raise ValueError("a delivery needs at least one secret")
    signatures = " ".join(Webhook(secret).sign(message_id, sent_at, body) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def tiktok_authorization(app_key: str, app_secret: str, body: bytes) -> str:
    """The ``Authorization`` header of a TikTok-format delivery of ``body``."""
    message = app_key.encode() + body
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def tiktok_headers(app_key: str, app_secret: str, body: bytes) -> dict[str, str]:
    return {
        "authorization": tiktok_authorization(app_key, app_secret, body),
        "content-type": "application/json",
    }
