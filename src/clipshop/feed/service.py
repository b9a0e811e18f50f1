"""The event feed: ``store`` is the outbox consumer that copies each event into
``event_feed`` (numbered in commit order), and ``list_events`` reads it, scoped like every
read: a seller sees the events of its shops, agents, supervisors and admins every shop's;
buyers have no feed (403: the feed is the sellers' polling alternative to webhooks)."""

from __future__ import annotations

import base64
import binascii
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.core.errors import InvalidInput, PermissionDenied
from clipshop.core.outbox import Delivered
from clipshop.core.pagination import MAX_LIMIT
from clipshop.identity.principal import Principal, Role
from clipshop.models import FeedEvent

CONSUMER = "event_feed"


def store(session: Session, event: Delivered) -> None:
    """Append ``event`` to the feed. The relay runs this consumer one batch at a time
    (``serial``), so ``seq`` grows in commit order and a reader never misses a row."""
    last = session.scalar(select(func.max(FeedEvent.seq))) or 0
    row = FeedEvent(seq=last + 1, event_id=event.id, type=event.type, shop_id=event.shop_id)
    row.order_id, row.payload, row.created_at = event.order_id, event.payload, event.created_at
    session.add(row)
    session.flush()


def list_events(
    session: Session, caller: Principal, after: int, limit: int, shop_id: int | None = None
) -> list[FeedEvent]:
    """The caller's events with ``seq`` above ``after``, oldest first (at most ``limit``).
    ``shop_id``: one shop's only (one the caller cannot see: none)."""
    if caller.role is Role.BUYER:
        raise PermissionDenied("the event feed is for sellers and the platform's staff")
    if not 1 <= limit <= MAX_LIMIT + 1:  # a page and one more, to tell whether more wait
        raise ValueError("limit out of range")
    stmt = select(FeedEvent).where(FeedEvent.seq > after)
    visible = caller.visible_shop_ids()
    if visible is not None:
        if shop_id is not None and shop_id not in visible:
            return []
        shops = sorted(visible if shop_id is None else {shop_id})
        if not shops:
            return []
        stmt = stmt.where(FeedEvent.shop_id.in_(shops))
    elif shop_id is not None:
        stmt = stmt.where(FeedEvent.shop_id == shop_id)
    return list(session.scalars(stmt.order_by(FeedEvent.seq).limit(limit)))


def encode_cursor(seq: int) -> str:
    raw = json.dumps({"after": str(seq)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The feed position a cursor stands for (none: the start of what is kept)."""
    if cursor is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        seq = data["after"]
        if not isinstance(seq, str) or not seq.isascii() or not seq.isdigit():
            raise ValueError(seq)
        value = int(seq)
        if value >= 2**63:
            raise ValueError(seq)
        return value
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidInput(
            "after is not a cursor of this feed; pass back next_cursor unchanged",
            code="invalid_cursor",
        ) from None
