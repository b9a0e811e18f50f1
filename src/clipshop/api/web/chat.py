"""What the buyer's and the seller's conversation pages share (docs/web.md "Messages"): the
typed message checked as the API checks it, the chosen image read, and one conversation's
page of messages as the templates show it (oldest first; opening it marks it read)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Request, Response, UploadFile
from pydantic import ValidationError
from sqlalchemy.orm import Session

from clipshop.api.web.state import database
from clipshop.conversations import images, service
from clipshop.conversations.messages import MAX_TEXT, Draft
from clipshop.conversations.schemas import MessageIn
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.core.storage import Storage
from clipshop.fulfillment.photos import MAX_PHOTO_BYTES
from clipshop.identity.principal import Principal
from clipshop.models import Conversation, ConversationMessage

MessageText = Annotated[str, Form(max_length=4 * MAX_TEXT)]
"""The message box: a little over the limit is taken, so that the page can say what is
wrong and keep what was typed (the schema checks the limit)."""
THREAD = 50  # messages per page of a thread
PHOTO_MB = MAX_PHOTO_BYTES // (1024 * 1024)


def text_draft(text: str) -> Draft:
    """The typed text as a TEXT message, checked by the API's own schema; a refusal names
    the field ``text``."""
    try:
        return MessageIn(type="TEXT", text=text.strip() or None).draft()
    except ValidationError:
        if not text.strip():
            detail = "write a message first"
        else:
            detail = f"a message is at most {MAX_TEXT} characters (this one has {len(text)})"
        raise InvalidInput(detail, code="invalid_message", field="text") from None


def image_bytes(image: UploadFile | None) -> bytes:
    """The chosen image's bytes, read up to just over the limit (the service checks the
    type by the bytes and the size)."""
    if image is None or not image.filename:
        raise InvalidInput("choose an image to send", code="invalid_image", field="image")
    data = image.file.read(MAX_PHOTO_BYTES + 1)
    if not data:
        raise InvalidInput("the image is empty", code="invalid_image", field="image")
    return data


def refusal(error: DomainError | None, bad: str | None = None) -> dict[str, Any]:
    """The error for a thread's template and the field it is shown under (``bad``, else the
    one it names; none: shown at the top)."""
    named = error.extra.get("field") if error is not None else None
    return {"error": error, "bad": (bad or named) if error is not None else None}


@dataclass(frozen=True, slots=True)
class Line:
    """A message as a thread shows it."""

    id: int
    mine: bool
    sender: str  # BUYER, SELLER or SYSTEM
    kind: str
    text: str
    file_id: int | None
    order_id: int | None
    product_id: int | None
    at: Any
    read: bool  # the other side has read it (shown on the viewer's own messages)


def _line(m: ConversationMessage, c: Conversation, side: str) -> Line:
    other_mark = c.seller_read_id if side == "BUYER" else c.buyer_read_id
    return Line(
        id=m.id,
        mine=m.sender_role == side,
        sender=m.sender_role,
        kind=m.message_type,
        text=m.body,
        file_id=m.file_id,
        order_id=m.order_id,
        product_id=m.product_id,
        at=m.created_at,
        read=(other_mark or 0) >= m.id,
    )


def open_thread(
    session: Session, caller: Principal, conversation_id: int, cursor: str | None, mark: bool
) -> dict[str, Any]:
    """The conversation and a page of its messages, oldest first (``cursor``: older ones).
    ``mark``: the caller's side has now read it (its read mark moves to the last message)."""
    side = "BUYER" if caller.role.value == "buyer" else "SELLER"
    conversation = (
        service.mark_read(session, caller, conversation_id)
        if mark
        else service.get(session, caller, conversation_id)
    )
    found = service.messages(session, caller, conversation_id, page_request(THREAD, cursor))
    return {
        "conversation": conversation,
        "lines": [_line(m, conversation, side) for m in reversed(found.items)],
        "older": found.next_cursor,
        "photo_mb": PHOTO_MB,
    }


ThreadPage = Callable[..., Response]
"""A side's thread page: (request, principal, conversation_id, error=, typed=, bad=)."""


def post_text(
    request: Request,
    principal: Principal,
    conversation_id: int,
    text: str,
    thread_page: ThreadPage,
    done: Callable[[int], Response],
) -> Response:
    """Send the typed text (a refusal: the thread again, the text kept under its error)."""
    try:
        draft = text_draft(text)
        with database(request).unit_of_work() as session:
            service.send(session, principal, conversation_id, draft)
    except DomainError as exc:
        return thread_page(request, principal, conversation_id, error=exc, typed={"text": text})
    return done(conversation_id)


def post_image(
    request: Request,
    principal: Principal,
    conversation_id: int,
    image: UploadFile | None,
    thread_page: ThreadPage,
    done: Callable[[int], Response],
) -> Response:
    """Send the chosen image (a refusal: the thread again, the error under the image field)."""
    storage: Storage = request.app.state.storage
    try:
        data = image_bytes(image)
        with database(request).unit_of_work() as session:
            images.send_image(session, storage, principal, conversation_id, data)
    except DomainError as exc:
        return thread_page(request, principal, conversation_id, error=exc, bad="image")
    return done(conversation_id)
