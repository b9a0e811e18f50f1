"""Request signing as the TikTok Shop API does it (docs/tiktok-api.md#signing).

The query parameters except ``sign`` and ``access_token``, sorted by key, each as key + value
(blank values too); the path as received in front; the raw body after, unless multipart; the
whole wrapped in the app secret; HMAC-SHA256 keyed with the secret, lowercase hex."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

EXCLUDED = frozenset({"sign", "access_token"})


def string_to_sign(
    secret: str, path: str, query: Iterable[tuple[str, str]], body: bytes = b""
) -> bytes:
    """``query`` as (key, value) pairs; a repeated key keeps its values in order."""
    pairs = sorted((kv for kv in query if kv[0] not in EXCLUDED), key=lambda kv: kv[0])
    signed = path + "".join(key + value for key, value in pairs)
    return secret.encode() + signed.encode() + body + secret.encode()


def sign(secret: str, path: str, query: Iterable[tuple[str, str]], body: bytes = b"") -> str:
    message = string_to_sign(secret, path, query, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected, given.lower())
