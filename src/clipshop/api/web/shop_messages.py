"""The buyer's conversations with shops (docs/web.md "Messages"): the list with unread counts,
newest first; one conversation (opening it marks it read) where the buyer writes, sends an
image or asks one of the shop's quick-reply questions; and the order page's "Contact the
seller" (``contact_about_order``, routed in shop_orders), which sends the order's card and the
typed text. All on the services the API's /conversations routes call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from sqlalchemy.orm import Session

from clipshop.api.routers.fulfillment_files import download_file
from clipshop.api.web.chat import (
    MessageText,
    open_thread,
    post_image,
    post_text,
    refusal,
    text_draft,
)
from clipshop.api.web.forms import Id
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to, buyer
from clipshop.api.web.state import database
from clipshop.catalog import storefront
from clipshop.conversations import quick_replies, service
from clipshop.conversations.messages import Draft
from clipshop.core.errors import DomainError, NotFound
from clipshop.core.pagination import page_request
from clipshop.identity.principal import Principal
from clipshop.orders import queries

router = APIRouter(
    prefix="/shop",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)


def shop_name(session: Session, principal: Principal, shop_id: int) -> str:
    """The shop's name as buyers see it ("Shop 7" once it is no longer listed)."""
    try:
        return storefront.get_shop(session, principal, shop_id).name
    except NotFound:
        return f"Shop {shop_id}"


@router.get("/messages")
def inbox(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    principal = buyer(signed)
    with database(request).unit_of_work(write=False) as session:
        found = service.list_conversations(session, principal, page_request(20, cursor or None))
        counts = service.unread_counts(session, [c.id for c in found.items])
        rows = [
            (c.id, shop_name(session, principal, c.shop_id), c.last_message_at, counts[c.id][0])
            for c in found.items
        ]
        total = service.unread_total(session, principal)
    context = {"conversations": rows, "unread_total": total, "next_cursor": found.next_cursor}
    return page(request, "shop/messages.html", context)


@router.get("/messages/files/{file_id}")
def message_image(request: Request, signed: SignedIn, file_id: Id) -> Response:
    """An image sent in one of the buyer's conversations (the API's download and its check)."""
    principal = buyer(signed)
    with database(request).unit_of_work(write=False) as session:
        return download_file(file_id, request, session, principal)


def _new_page(
    request: Request,
    principal: Principal,
    shop_id: int,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """The first message to a shop; a buyer already talking to it gets the thread."""
    with database(request).unit_of_work(write=False) as session:
        shop = storefront.get_shop(session, principal, shop_id)
        found = service.list_conversations(
            session, principal, page_request(1, None), service.Filters(shop_id=shop_id)
        ).items
    if found and error is None:
        return back_to(f"/shop/messages/{found[0].id}#latest")
    context = {"shop": {"id": shop.id, "name": shop.name}, **refusal(error), "typed": typed or {}}
    return page(request, "shop/messages_new.html", context, error.status if error else 200)


@router.get("/messages/shops/{shop_id}")
def new_conversation(request: Request, signed: SignedIn, shop_id: Id) -> Response:
    """The shop page's "Ask the seller"."""
    return _new_page(request, buyer(signed), shop_id)


@router.post("/messages/shops/{shop_id}")
def start(request: Request, signed: SignedIn, shop_id: Id, text: MessageText = "") -> Response:
    principal = buyer(signed)
    try:
        draft = text_draft(text)
        with database(request).unit_of_work() as session:
            conversation, _ = service.start(session, principal, shop_id, None, draft)
    except DomainError as exc:
        return _new_page(request, principal, shop_id, exc, {"text": text})
    return _done(conversation.id)


def _thread_page(
    request: Request,
    principal: Principal,
    conversation_id: int,
    cursor: str | None = None,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
    bad: str | None = None,
) -> Response:
    """The thread; opened without an error, it is marked read. ``bad``: the field the
    error is shown under (default: the one it names)."""
    with database(request).unit_of_work(write=error is None) as session:
        context = open_thread(session, principal, conversation_id, cursor, mark=error is None)
        shop_id = context["conversation"].shop_id
        context |= {
            "shop_name": shop_name(session, principal, shop_id),
            "replies": [(r.id, r.question) for r in quick_replies.list_replies(session, shop_id)],
            **refusal(error, bad),
            "typed": typed or {},
        }
    return page(request, "shop/messages_thread.html", context, error.status if error else 200)


@router.get("/messages/{conversation_id}")
def thread(
    request: Request, signed: SignedIn, conversation_id: Id, cursor: str | None = None
) -> Response:
    return _thread_page(request, buyer(signed), conversation_id, cursor or None)


def _done(conversation_id: int) -> Response:
    return back_to(f"/shop/messages/{conversation_id}#latest")


@router.post("/messages/{conversation_id}")
def send(
    request: Request, signed: SignedIn, conversation_id: Id, text: MessageText = ""
) -> Response:
    return post_text(request, buyer(signed), conversation_id, text, _thread_page, _done)


@router.post("/messages/{conversation_id}/image")
def send_image(
    request: Request,
    signed: SignedIn,
    conversation_id: Id,
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return post_image(request, buyer(signed), conversation_id, image, _thread_page, _done)


@router.post("/messages/{conversation_id}/ask/{reply_id}")
def ask(request: Request, signed: SignedIn, conversation_id: Id, reply_id: Id) -> Response:
    """One of the shop's quick-reply questions; the shop's answer comes at once."""
    principal = buyer(signed)
    try:
        with database(request).unit_of_work() as session:
            shop_id = service.get(session, principal, conversation_id).shop_id
            quick_replies.ask(session, principal, shop_id, reply_id)
    except DomainError as exc:
        return _thread_page(request, principal, conversation_id, error=exc)
    return _done(conversation_id)


def contact_about_order(request: Request, principal: Principal, order_id: int, text: str) -> int:
    """The order's card and the typed text, in the buyer's conversation with the order's shop
    (made on the first message); the conversation's id."""
    draft = text_draft(text)
    with database(request).unit_of_work() as session:
        order = queries.get_order(session, principal, order_id)
        card = Draft("ORDER_CARD", order_id=order.id)
        conversation, _ = service.start(session, principal, order.shop_id, None, card)
        service.send(session, principal, conversation.id, draft)
        return conversation.id


def contact_context(request: Request, principal: Principal, shop_id: int) -> dict[str, Any]:
    """For the order page: the buyer's conversation with the shop, if any, and its unread
    count."""
    with database(request).unit_of_work(write=False) as session:
        found = service.list_conversations(
            session, principal, page_request(1, None), service.Filters(shop_id=shop_id)
        ).items
        unread = service.unread_counts(session, [c.id for c in found])
    if not found:
        return {"conversation_id": None, "unread": 0}
    return {"conversation_id": found[0].id, "unread": unread[found[0].id][0]}
