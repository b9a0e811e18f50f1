"""Paging as the TikTok Shop API does it: query ``page_size`` (1..100) and an opaque, URL-safe
``page_token``; the answer carries ``next_page_token`` ("" on the last page) and
``total_count``. What a token holds is the caller's business (a keyset position, say)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from clipshop.partner.errors import invalid_parameter

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageParams:
    size: int
    position: dict[str, Any] | None  # what the previous page's token holds; None: first page


def encode_token(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise invalid_parameter("page_token is not valid; pass back next_page_token unchanged")
    return value


def page_params(page_size: int | str | None, page_token: str | None) -> PageParams:
    try:
        size = int(page_size) if page_size not in (None, "") else 0
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid_parameter(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return PageParams(size, decode_token(page_token) if page_token else None)


def page_data(
    items_key: str, items: list[Any], next_position: dict[str, Any] | None, total_count: int
) -> dict[str, Any]:
    """The ``data`` of a page: the items under ``items_key``, the next token, the total."""
    return {
        items_key: items,
        "next_page_token": encode_token(next_position) if next_position else "",
        "total_count": total_count,
    }
