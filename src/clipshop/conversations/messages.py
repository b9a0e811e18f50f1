"""Writing a message (docs/conversations.md): the conversation of a buyer and a shop is made
on the first message of either side (race-safe: the unique pair decides), then every message
of one conversation is written with its row held, so the last message, the read marks and the
buyer's wait move in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.deadlines.policies import for_region
from clipshop.models import ChatWait, Conversation, ConversationMessage, Order, Product, Shop

MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Draft:
    """What a message says: ``kind`` TEXT, IMAGE, ORDER_CARD, PRODUCT_CARD or AUTO."""

    kind: str
    body: str = ""
    file_id: int | None = None
    order_id: int | None = None
    product_id: int | None = None
    auto_kind: str | None = None


def conversation_for(
    session: Session, buyer_id: int, shop_id: int, started_by: str
) -> tuple[Conversation, bool]:
    """The buyer's conversation with the shop, held; made if there is none (True: made now).
    Two first messages at once: one insert wins, the other finds its row."""
    stmt = (
        select(Conversation)
        .where(Conversation.buyer_id == buyer_id, Conversation.shop_id == shop_id)
        .with_for_update()
    )
    found = session.scalar(stmt)
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            made = Conversation(buyer_id=buyer_id, shop_id=shop_id, started_by=started_by)
            session.add(made)
            session.flush()
    except IntegrityError:
        return session.scalars(stmt).one(), False
    return made, True


def check_card(session: Session, conversation: Conversation, draft: Draft) -> None:
    """An order card names an order of this buyer at this shop; a product card a product of
    this shop (else 404)."""
    if draft.order_id is not None:
        order = session.get(Order, draft.order_id)
        if (
            order is None
            or order.buyer_id != conversation.buyer_id
            or order.shop_id != conversation.shop_id
        ):
            raise NotFound("order not found", code="order_not_found")
    if draft.product_id is not None:
        product = session.get(Product, draft.product_id)
        if product is None or product.shop_id != conversation.shop_id:
            raise NotFound("product not found", code="product_not_found")


def post(
    session: Session,
    conversation: Conversation,
    role: str,
    sender_id: int | None,
    draft: Draft,
    *,
    waits: bool = True,
) -> ConversationMessage:
    """Add the message to ``conversation`` (held by the caller). The sender has read up to its
    own message. ``waits``: a buyer's message opens a wait when none is open, a seller's
    answers the open one (a buyer's quick-reply question, answered at once, does neither)."""
    now = utcnow()
    message = ConversationMessage(
        conversation_id=conversation.id,
        shop_id=conversation.shop_id,
        sender_role=role,
        sender_id=sender_id,
        message_type=draft.kind,
        body=draft.body,
        file_id=draft.file_id,
        order_id=draft.order_id,
        product_id=draft.product_id,
        auto_kind=draft.auto_kind,
        created_at=now,
    )
    session.add(message)
    session.flush()
    conversation.last_message_id = message.id
    conversation.last_message_at = now
    if role == "BUYER":
        conversation.buyer_read_id = message.id
    elif role == "SELLER":
        conversation.seller_read_id = message.id
    if waits:
        _move_wait(session, conversation, role, now)
    session.flush()
    return message


def _move_wait(session: Session, conversation: Conversation, role: str, now: datetime) -> None:
    if role == "BUYER" and conversation.open_wait_id is None:
        region = session.scalar(select(Shop.region).where(Shop.id == conversation.shop_id))
        hours = for_region(region or "").chat_response_hours
        wait = ChatWait(
            shop_id=conversation.shop_id,
            conversation_id=conversation.id,
            started_at=now,
            due_at=now + timedelta(hours=hours),
        )
        session.add(wait)
        session.flush()
        conversation.open_wait_id = wait.id
    elif role == "SELLER" and conversation.open_wait_id is not None:
        wait_row = session.get(ChatWait, conversation.open_wait_id)
        if wait_row is not None:
            wait_row.answered_at = now
        conversation.open_wait_id = None


def announce(
    session: Session, conversation: Conversation, message: ConversationMessage, started: bool
) -> None:
    """ConversationStarted (first message) and MessageSent, for a buyer's or seller's message
    written in a request. Automatic messages are written by an outbox consumer, which may not
    announce (docs/conversations.md)."""
    said: list[events.Event] = []
    if started:
        said.append(
            events.ConversationStarted(
                shop_id=conversation.shop_id,
                at=message.created_at,
                conversation_id=conversation.id,
                buyer_id=conversation.buyer_id,
                started_by=message.sender_role,
            )
        )
    said.append(
        events.MessageSent(
            shop_id=conversation.shop_id,
            at=message.created_at,
            conversation_id=conversation.id,
            message_id=message.id,
            buyer_id=conversation.buyer_id,
            sender_role=message.sender_role,
            sender_id=message.sender_id,
            message_type=message.message_type,
        )
    )
    events.announce_all(session, said)
