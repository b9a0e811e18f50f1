"""Conversations as the API and the pages use them (docs/conversations.md): list, read one
with its messages, start, send, mark read, unread counts. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.orm import Session

from clipshop.conversations import access, metrics
from clipshop.conversations.messages import Draft, announce, check_card, conversation_for, post
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound, PermissionDenied
from clipshop.core.pagination import Page, PageRequest, make_page, paginate
from clipshop.identity.principal import PLATFORM_ROLES, Principal, Role
from clipshop.models import Conversation, ConversationMessage, Order, Shop, User


@dataclass(frozen=True, slots=True)
class Filters:
    shop_id: int | None = None
    unread: bool = False  # only those with messages the caller's side has not read


def _unread_condition(side: str) -> ColumnElement[bool]:
    """A message of the conversation that ``side`` (BUYER or SELLER) has not read yet: one
    of the other side's (for the buyer, the platform's automatic messages too) after its
    read mark."""
    if side == "BUYER":
        mark, other = Conversation.buyer_read_id, ConversationMessage.sender_role != "BUYER"
    else:
        mark, other = Conversation.seller_read_id, ConversationMessage.sender_role == "BUYER"
    return and_(
        ConversationMessage.conversation_id == Conversation.id,
        ConversationMessage.id > func.coalesce(mark, 0),
        other,
    )


def list_conversations(
    session: Session, caller: Principal, page: PageRequest, filters: Filters = Filters()
) -> Page[Conversation]:
    """The latest activity first (the last message's time, else the conversation's: ids are
    time-ordered, so the last message's id orders them; the cursor is that id); a seller's
    inbox is every shop it belongs to (or one)."""
    stmt = access.scope(select(Conversation), caller)
    if filters.shop_id is not None:
        stmt = stmt.where(Conversation.shop_id == filters.shop_id)
    if filters.unread and caller.role in (Role.BUYER, Role.SELLER):
        side = "BUYER" if caller.role is Role.BUYER else "SELLER"
        stmt = stmt.where(exists().where(_unread_condition(side)))
    activity = func.coalesce(Conversation.last_message_id, Conversation.id)
    if page.after_id is not None:
        stmt = stmt.where(activity < page.after_id)
    rows = list(session.scalars(stmt.order_by(activity.desc()).limit(page.limit + 1)))
    return make_page(rows, page, lambda row: row.last_message_id or row.id)


def unread_counts(session: Session, conversation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per conversation: (messages the buyer has not read, messages the shop has not read)."""
    out = {cid: (0, 0) for cid in conversation_ids}
    if not conversation_ids:
        return out
    rows = session.execute(
        select(
            Conversation.id,
            func.count(ConversationMessage.id).filter(
                ConversationMessage.id > func.coalesce(Conversation.buyer_read_id, 0),
                ConversationMessage.sender_role != "BUYER",
            ),
            func.count(ConversationMessage.id).filter(
                ConversationMessage.id > func.coalesce(Conversation.seller_read_id, 0),
                ConversationMessage.sender_role == "BUYER",
            ),
        )
        .join(ConversationMessage, ConversationMessage.conversation_id == Conversation.id)
        .where(Conversation.id.in_(conversation_ids))
        .group_by(Conversation.id)
    )
    for cid, buyer, seller in rows:
        out[cid] = (int(buyer), int(seller))
    return out


def unread_total(session: Session, caller: Principal, shop_id: int | None = None) -> int:
    """Messages the caller's side has not read, over all its conversations (a seller: its
    shops', or one shop's); 0 for the platform's staff."""
    if caller.role not in (Role.BUYER, Role.SELLER):
        return 0
    side = "BUYER" if caller.role is Role.BUYER else "SELLER"
    stmt = access.scope(
        select(func.count(ConversationMessage.id)).select_from(Conversation), caller
    ).join(ConversationMessage, _unread_condition(side))
    if shop_id is not None:
        stmt = stmt.where(Conversation.shop_id == shop_id)
    return int(session.scalar(stmt) or 0)


def get(session: Session, caller: Principal, conversation_id: int) -> Conversation:
    return access.get(session, caller, conversation_id)


def messages(
    session: Session, caller: Principal, conversation_id: int, page: PageRequest
) -> Page[ConversationMessage]:
    """The conversation's messages, newest first."""
    conversation = access.get(session, caller, conversation_id)
    stmt = select(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id)
    return paginate(session, stmt, ConversationMessage.id, page)


def start(
    session: Session, caller: Principal, shop_id: int, buyer_id: int | None, draft: Draft
) -> tuple[Conversation, ConversationMessage]:
    """The first message (or the next one, when the pair already talks): a buyer writes to a
    shop; a shop's staff to a buyer who ordered from it (another buyer: 404)."""
    if caller.role is Role.BUYER:
        if session.get(Shop, shop_id) is None:
            raise NotFound("shop not found", code="shop_not_found")
        buyer, role = caller.user_id, "BUYER"
    else:
        access.require_seller(caller, shop_id)
        ordered = session.scalar(
            select(Order.id).where(Order.shop_id == shop_id, Order.buyer_id == buyer_id).limit(1)
        )
        if buyer_id is None or ordered is None or session.get(User, buyer_id) is None:
            raise NotFound("buyer not found", code="buyer_not_found")
        buyer, role = buyer_id, "SELLER"
    conversation, started = conversation_for(session, buyer, shop_id, role)
    check_card(session, conversation, draft)
    message = post(session, conversation, role, caller.user_id, draft)
    announce(session, conversation, message, started)
    return conversation, message


def send(
    session: Session, caller: Principal, conversation_id: int, draft: Draft
) -> ConversationMessage:
    conversation = access.get(session, caller, conversation_id, lock=True)
    role = access.side_of(caller, conversation)
    check_card(session, conversation, draft)
    message = post(session, conversation, role, caller.user_id, draft)
    announce(session, conversation, message, False)
    return message


def mark_read(
    session: Session, caller: Principal, conversation_id: int, message_id: int | None = None
) -> Conversation:
    """The caller's side has read up to ``message_id`` (default: the last message). A mark
    never moves back (one conditional UPDATE)."""
    conversation = access.get(session, caller, conversation_id)
    side = access.side_of(caller, conversation)
    upto = message_id if message_id is not None else conversation.last_message_id
    if message_id is not None:
        found = session.scalar(
            select(ConversationMessage.id).where(
                ConversationMessage.id == message_id,
                ConversationMessage.conversation_id == conversation.id,
            )
        )
        if found is None:
            raise NotFound("message not found", code="message_not_found")
    if upto is not None:
        mark = Conversation.buyer_read_id if side == "BUYER" else Conversation.seller_read_id
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id, func.coalesce(mark, 0) < upto)
            .values({mark.key: upto})
            .execution_options(synchronize_session=False)
        )
        session.refresh(conversation)
    return conversation


def chat_performance(
    session: Session, caller: Principal, shop_id: int, days: int
) -> metrics.ChatPerformance:
    """The shop's chat response over the last ``days`` days: its staff and the platform's."""
    if caller.role is Role.SELLER or not caller.sees_shop(shop_id):
        caller.check_shop(shop_id)
    if caller.role not in (Role.SELLER, *PLATFORM_ROLES):
        raise PermissionDenied("only the shop's staff and the platform's read this")
    end = utcnow()
    return metrics.performance(session, shop_id, end - timedelta(days=days), end)
