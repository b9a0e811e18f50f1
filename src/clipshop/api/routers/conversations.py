"""Buyer-seller conversations, messages, read receipts and quick replies (native API,
docs/conversations.md). A buyer sees its own conversations, a shop's staff share the shop's
inbox, the platform's staff read for support."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from clipshop.api.deps import DB, Caller, Paging, ShopId, StandaloneCaller, id_path
from clipshop.api.routers.fulfillment_files import PHOTO_BODY, read_upload
from clipshop.conversations import images, quick_replies, service
from clipshop.conversations.schemas import (
    ChatPerformanceOut,
    ConversationOut,
    ConversationPage,
    ConversationStart,
    MessageIn,
    MessageOut,
    MessagePage,
    QuickReplyIn,
    QuickReplyOut,
    ReadIn,
    SentOut,
    UnreadOut,
)
from clipshop.core.storage import Storage
from clipshop.fulfillment.photos import MAX_PHOTO_BYTES
from clipshop.models import Conversation, ConversationMessage

router = APIRouter(tags=["conversations"])
ConversationId = Annotated[int, id_path("Conversation id")]
ReplyId = Annotated[int, id_path("Quick reply id")]
REPLIES = "/shops/{shop_id}/quick-replies"


def _out(session: Session, conversation: Conversation) -> ConversationOut:
    unread = service.unread_counts(session, [conversation.id])[conversation.id]
    return ConversationOut.of(conversation, unread)


def _sent(session: Session, conversation: Conversation, sent: list[ConversationMessage]) -> SentOut:
    return SentOut(
        conversation=_out(session, conversation),
        messages=[MessageOut.of(m, conversation) for m in sent],
    )


@router.get("/conversations", response_model=ConversationPage, summary="Your conversations")
def list_conversations(
    session: DB,
    caller: Caller,
    page: Paging,
    shop_id: Annotated[int | None, Query(gt=0, lt=2**63, description="One shop's")] = None,
    unread: Annotated[
        bool, Query(description="Only those with messages you have not read")
    ] = False,
) -> ConversationPage:
    found = service.list_conversations(session, caller, page, service.Filters(shop_id, unread))
    counts = service.unread_counts(session, [c.id for c in found.items])
    return ConversationPage(
        items=[ConversationOut.of(c, counts[c.id]) for c in found.items],
        next_cursor=found.next_cursor,
    )


@router.post(
    "/conversations",
    response_model=SentOut,
    status_code=201,
    summary="Write to a shop (buyer) or to a buyer who ordered (the shop's staff)",
)
def start(body: ConversationStart, session: DB, caller: Caller) -> SentOut:
    conversation, message = service.start(
        session, caller, body.shop_id, body.buyer_id, body.message.draft()
    )
    return _sent(session, conversation, [message])


@router.get(
    "/conversations/unread-count",
    response_model=UnreadOut,
    summary="Messages your side has not read, over your conversations",
)
def unread_count(
    session: DB,
    caller: Caller,
    shop_id: Annotated[int | None, Query(gt=0, lt=2**63, description="One shop's")] = None,
) -> UnreadOut:
    return UnreadOut(unread=service.unread_total(session, caller, shop_id))


@router.get(
    "/conversations/{conversation_id}", response_model=ConversationOut, summary="A conversation"
)
def get_conversation(
    conversation_id: ConversationId, session: DB, caller: Caller
) -> ConversationOut:
    return _out(session, service.get(session, caller, conversation_id))


@router.get(
    "/conversations/{conversation_id}/messages",
    response_model=MessagePage,
    summary="Its messages, newest first",
)
def list_messages(
    conversation_id: ConversationId, session: DB, caller: Caller, page: Paging
) -> MessagePage:
    found = service.messages(session, caller, conversation_id, page)
    conversation = service.get(session, caller, conversation_id)
    return MessagePage(
        items=[MessageOut.of(m, conversation) for m in found.items], next_cursor=found.next_cursor
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=SentOut,
    status_code=201,
    summary="Send a text, an order card or a product card",
)
def send(conversation_id: ConversationId, body: MessageIn, session: DB, caller: Caller) -> SentOut:
    message = service.send(session, caller, conversation_id, body.draft())
    return _sent(session, service.get(session, caller, conversation_id), [message])


async def _image_body(request: Request, _caller: StandaloneCaller) -> bytes:
    """Authenticated first (401 before the body is read), read before the transaction."""
    return await read_upload(request, MAX_PHOTO_BYTES)


@router.post(
    "/conversations/{conversation_id}/images",
    response_model=SentOut,
    status_code=201,
    summary="Send an image (JPEG, PNG or WebP, at most 5 MB)",
    openapi_extra=PHOTO_BODY,
)
def send_image(
    conversation_id: ConversationId,
    request: Request,
    data: Annotated[bytes, Depends(_image_body)],
    session: DB,
    caller: Caller,
) -> SentOut:
    storage: Storage = request.app.state.storage
    message = images.send_image(session, storage, caller, conversation_id, data)
    return _sent(session, service.get(session, caller, conversation_id), [message])


@router.post(
    "/conversations/{conversation_id}/read",
    response_model=ConversationOut,
    summary="Mark read up to a message (default: the last)",
)
def mark_read(
    conversation_id: ConversationId, body: ReadIn, session: DB, caller: Caller
) -> ConversationOut:
    return _out(session, service.mark_read(session, caller, conversation_id, body.message_id))


@router.get(REPLIES, response_model=list[QuickReplyOut], summary="A shop's quick replies")
def list_replies(shop_id: ShopId, session: DB, _caller: Caller) -> list[QuickReplyOut]:
    return [QuickReplyOut.of(r) for r in quick_replies.list_replies(session, shop_id)]


@router.post(REPLIES, response_model=QuickReplyOut, status_code=201, summary="Add a quick reply")
def add_reply(shop_id: ShopId, body: QuickReplyIn, session: DB, caller: Caller) -> QuickReplyOut:
    return QuickReplyOut.of(
        quick_replies.create(session, caller, shop_id, body.question, body.answer)
    )


@router.put(REPLIES + "/{reply_id}", response_model=QuickReplyOut, summary="Change a quick reply")
def change_reply(
    shop_id: ShopId, reply_id: ReplyId, body: QuickReplyIn, session: DB, caller: Caller
) -> QuickReplyOut:
    reply = quick_replies.update(
        session, caller, shop_id, reply_id, body.question, body.answer, body.position
    )
    return QuickReplyOut.of(reply)


@router.delete(REPLIES + "/{reply_id}", status_code=204, summary="Remove a quick reply")
def remove_reply(shop_id: ShopId, reply_id: ReplyId, session: DB, caller: Caller) -> Response:
    quick_replies.delete(session, caller, shop_id, reply_id)
    return Response(status_code=204)


@router.post(
    REPLIES + "/{reply_id}/send",
    response_model=SentOut,
    status_code=201,
    summary="Ask a shop's quick-reply question (the answer comes at once)",
)
def ask(shop_id: ShopId, reply_id: ReplyId, session: DB, caller: Caller) -> SentOut:
    conversation, sent = quick_replies.ask(session, caller, shop_id, reply_id)
    return _sent(session, conversation, sent)


@router.get(
    "/shops/{shop_id}/chat-performance",
    response_model=ChatPerformanceOut,
    summary="The shop's chat response rate and average first-reply hours",
)
def chat_performance(
    shop_id: ShopId,
    session: DB,
    caller: Caller,
    days: Annotated[int, Query(ge=1, le=90, description="The window, in days")] = 7,
) -> ChatPerformanceOut:
    found = service.chat_performance(session, caller, shop_id, days)
    return ChatPerformanceOut.of(shop_id, days, found)
