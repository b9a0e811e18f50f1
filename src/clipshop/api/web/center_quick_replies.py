"""The seller center's quick replies (/center/messages/quick-replies; docs/web.md "Messages"):
a shop's questions and answers that buyers ask from a conversation and get answered at once.
Add, change, remove and move up or down, on ``conversations.quick_replies`` (the API's
/shops/{id}/quick-replies). Included by center_messages (its prefix, CSRF check)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from clipshop.api.web.center_requests import seller
from clipshop.api.web.center_stock import shop_of
from clipshop.api.web.forms import Id, QueryId, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn
from clipshop.api.web.state import database
from clipshop.catalog import shops
from clipshop.conversations import quick_replies
from clipshop.conversations.access import require_seller
from clipshop.conversations.quick_replies import MAX_QUICK_REPLIES
from clipshop.conversations.schemas import QuickReplyIn
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.identity.principal import Principal

router = APIRouter(route_class=PageRoute)
PATH = "/messages/quick-replies"


def _page(
    request: Request,
    principal: Principal,
    shop_id: int | None,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """``typed``: the form just refused (``reply``: its id, or "new") and what was typed."""
    shop_id = shop_of(principal, shop_id)
    with database(request).unit_of_work(write=False) as session:
        shop = shops.get_shop(session, principal, shop_id)
        replies = quick_replies.list_replies(session, shop_id)
        context = {
            "shop": {"id": shop.id, "name": shop.name},
            "shops": sorted(principal.shop_ids),
            "replies": [(r.id, r.question, r.answer) for r in replies],
            "most": MAX_QUICK_REPLIES,
            "error": error,
            "bad": (error.extra.get("field") if error else None),
            "typed": typed or {},
        }
    return page(request, "center/quick_replies.html", context, error.status if error else 200)


@router.get(PATH)
def replies_page(request: Request, signed: SignedIn, shop_id: QueryId = None) -> Response:
    return _page(request, seller(signed), shop_id)


def _checked(question: str, answer: str) -> QuickReplyIn:
    """The form as the API's request schema; a refusal names its field."""
    try:
        return QuickReplyIn(question=question.strip(), answer=answer.strip())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "question"
        limit = 200 if field == "question" else 1000
        detail = f"write the {field} (at most {limit} characters)"
        raise InvalidInput(detail, code="invalid_quick_reply", field=field) from None


def _back(shop_id: int) -> Response:
    return RedirectResponse(f"/center{PATH}?shop_id={shop_id}", status_code=303)


@router.post(PATH + "/{shop_id}")
def add(
    request: Request, signed: SignedIn, shop_id: Id, question: Text = "", answer: Text = ""
) -> Response:
    principal = seller(signed)
    try:
        body = _checked(question, answer)
        with database(request).unit_of_work() as session:
            quick_replies.create(session, principal, shop_id, body.question, body.answer)
    except DomainError as exc:
        typed = {"reply": "new", "question": question, "answer": answer}
        return _page(request, principal, shop_id, exc, typed)
    return _back(shop_id)


@router.post(PATH + "/{shop_id}/{reply_id}")
def change(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    reply_id: Id,
    question: Text = "",
    answer: Text = "",
) -> Response:
    principal = seller(signed)
    try:
        body = _checked(question, answer)
        with database(request).unit_of_work() as session:
            quick_replies.update(
                session, principal, shop_id, reply_id, body.question, body.answer, None
            )
    except DomainError as exc:
        typed = {"reply": str(reply_id), "question": question, "answer": answer}
        return _page(request, principal, shop_id, exc, typed)
    return _back(shop_id)


@router.post(PATH + "/{shop_id}/{reply_id}/delete")
def remove(request: Request, signed: SignedIn, shop_id: Id, reply_id: Id) -> Response:
    principal = seller(signed)
    with database(request).unit_of_work() as session:
        quick_replies.delete(session, principal, shop_id, reply_id)
    return _back(shop_id)


def _move(session: Session, principal: Principal, shop_id: int, reply_id: int, step: int) -> None:
    """Swap the reply with its neighbour and number the list 0, 1, ... (the positions the
    service keeps)."""
    require_seller(principal, shop_id)
    replies = quick_replies.list_replies(session, shop_id)
    ids = [r.id for r in replies]
    if reply_id not in ids:
        raise quick_replies.QuickReplyNotFound("quick reply not found")
    at = ids.index(reply_id)
    to = at + step
    if not 0 <= to < len(replies):
        return
    replies[at], replies[to] = replies[to], replies[at]
    for position, r in enumerate(replies):
        if r.position != position:
            quick_replies.update(session, principal, shop_id, r.id, r.question, r.answer, position)


@router.post(PATH + "/{shop_id}/{reply_id}/move")
def move(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    reply_id: Id,
    direction: Annotated[Literal["up", "down"], Form()],
) -> Response:
    principal = seller(signed)
    with database(request).unit_of_work() as session:
        _move(session, principal, shop_id, reply_id, -1 if direction == "up" else 1)
    return _back(shop_id)
