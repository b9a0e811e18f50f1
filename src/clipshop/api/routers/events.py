"""The event feed: what happened in the caller's shops, oldest first, resumed with a cursor
(the polling alternative to webhooks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller
from clipshop.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from clipshop.feed import service
from clipshop.feed.schemas import EventPage, FeedEventOut

router = APIRouter(tags=["events"])


@router.get(
    "/events",
    response_model=EventPage,
    summary="Events of your shops after a cursor, oldest first (sellers; staff see all shops)",
)
def list_events(
    session: DB,
    caller: Caller,
    after: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous call")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1..100")] = (
        DEFAULT_LIMIT
    ),
    shop_id: Annotated[int | None, Query(gt=0, lt=2**63, description="Only this shop's")] = None,
) -> EventPage:
    position = service.decode_cursor(after)
    rows = service.list_events(session, caller, position, limit + 1, shop_id)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].seq if rows else position
    items = [
        FeedEventOut(
            id=r.event_id,
            type=r.type,
            shop_id=r.shop_id,
            order_id=r.order_id,
            created_at=r.created_at,
            data=r.payload,
        )
        for r in rows
    ]
    return EventPage(items=items, next_cursor=service.encode_cursor(last), has_more=more)
