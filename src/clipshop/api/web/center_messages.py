"""The seller center's shared inbox (docs/web.md "Messages"): every conversation of the
seller's shops (or one shop's, or the unread ones only), newest first, with the unread badge
and each shop's chat response over the last week in the header; one conversation (opening it
marks it read for the whole staff) where the seller replies in text or with an image, order
and product cards linking to the center's pages. The quick replies' page is
center_quick_replies. All on the services the API's /conversations routes call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from clipshop.api.web import center_quick_replies
from clipshop.api.web.center_requests import seller
from clipshop.api.web.chat import (
    MessageText,
    open_thread,
    post_image,
    post_text,
    refusal,
)
from clipshop.api.web.forms import Id, QueryId
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database
from clipshop.catalog import shops
from clipshop.conversations import service
from clipshop.core.errors import DomainError
from clipshop.core.pagination import page_request
from clipshop.deadlines.policies import for_region
from clipshop.identity.principal import Principal

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
router.include_router(center_quick_replies.router)  # before /messages/{id}: its paths first
WEEK = 7  # days of the chat response shown


def chat_response(session: Session, principal: Principal, shop_id: int) -> dict[str, Any]:
    """One shop's chat response over the last week, and its target (the region's hours)."""
    shop = shops.get_shop(session, principal, shop_id)
    found = service.chat_performance(session, principal, shop_id, WEEK)
    return {
        "shop_id": shop_id,
        "name": shop.name,
        "target_hours": for_region(shop.region).chat_response_hours,
        "judged": found.judged,
        "rate": found.response_rate,
        "average_hours": found.average_first_reply_hours,
    }


@router.get("/messages")
def inbox(
    request: Request,
    signed: SignedIn,
    shop_id: QueryId = None,
    unread: Annotated[bool, Query()] = False,
    cursor: str | None = None,
) -> Response:
    principal = seller(signed)
    filters = service.Filters(shop_id=shop_id, unread=unread)
    with database(request).unit_of_work(write=False) as session:
        found = service.list_conversations(
            session, principal, page_request(25, cursor or None), filters
        )
        counts = service.unread_counts(session, [c.id for c in found.items])
        rows = [
            (c.id, c.shop_id, c.buyer_id, c.last_message_at, counts[c.id][1]) for c in found.items
        ]
        shown = [shop_id] if shop_id is not None else sorted(principal.shop_ids)
        context = {
            "conversations": rows,
            "unread_total": service.unread_total(session, principal, shop_id),
            "performance": [chat_response(session, principal, s) for s in shown],
            "shops": sorted(principal.shop_ids),
            "shop_id": shop_id,
            "unread": unread,
            "next_cursor": found.next_cursor,
            "week": WEEK,
        }
    return page(request, "center/messages.html", context)


def _thread_page(
    request: Request,
    principal: Principal,
    conversation_id: int,
    cursor: str | None = None,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
    bad: str | None = None,
) -> Response:
    """The thread; opened without an error, the shop has read it."""
    with database(request).unit_of_work(write=error is None) as session:
        context = open_thread(session, principal, conversation_id, cursor, mark=error is None)
        shop = shops.get_shop(session, principal, context["conversation"].shop_id)
        context |= {"shop_name": shop.name, **refusal(error, bad), "typed": typed or {}}
    return page(request, "center/messages_thread.html", context, error.status if error else 200)


@router.get("/messages/{conversation_id}")
def thread(
    request: Request, signed: SignedIn, conversation_id: Id, cursor: str | None = None
) -> Response:
    return _thread_page(request, seller(signed), conversation_id, cursor or None)


def _done(conversation_id: int) -> Response:
    return RedirectResponse(f"/center/messages/{conversation_id}#latest", status_code=303)


@router.post("/messages/{conversation_id}")
def reply(
    request: Request, signed: SignedIn, conversation_id: Id, text: MessageText = ""
) -> Response:
    return post_text(request, seller(signed), conversation_id, text, _thread_page, _done)


@router.post("/messages/{conversation_id}/image")
def send_image(
    request: Request,
    signed: SignedIn,
    conversation_id: Id,
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return post_image(request, seller(signed), conversation_id, image, _thread_page, _done)
