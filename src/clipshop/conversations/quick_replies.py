"""A shop's quick replies (docs/conversations.md): questions and answers its staff keep, in
order, at most ``MAX_QUICK_REPLIES``; a buyer sends one and the platform answers at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.conversations import access
from clipshop.conversations.messages import Draft, announce, conversation_for, post
from clipshop.core.errors import Conflict, NotFound
from clipshop.identity.principal import Principal
from clipshop.models import Conversation, ConversationMessage, QuickReply, Shop

MAX_QUICK_REPLIES = 20
FAQ = "FAQ"


class QuickReplyNotFound(NotFound):
    code = "quick_reply_not_found"


class TooManyQuickReplies(Conflict):
    code = "too_many_quick_replies"


def _shop(session: Session, shop_id: int, lock: bool = False) -> Shop:
    stmt = select(Shop).where(Shop.id == shop_id)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound("shop not found", code="shop_not_found")
    return found


def list_replies(session: Session, shop_id: int) -> list[QuickReply]:
    """A shop's quick replies in order (anyone signed in reads them)."""
    _shop(session, shop_id)
    stmt = (
        select(QuickReply)
        .where(QuickReply.shop_id == shop_id)
        .order_by(QuickReply.position, QuickReply.id)
    )
    return list(session.scalars(stmt))


def _reply(session: Session, shop_id: int, reply_id: int) -> QuickReply:
    found = session.get(QuickReply, reply_id)
    if found is None or found.shop_id != shop_id:
        raise QuickReplyNotFound("quick reply not found")
    return found


def create(
    session: Session, caller: Principal, shop_id: int, question: str, answer: str
) -> QuickReply:
    """Added last. The shop's row is held, so two adds at once cannot pass the bound."""
    access.require_seller(caller, shop_id)
    _shop(session, shop_id, lock=True)
    count, last = session.execute(
        select(func.count(QuickReply.id), func.max(QuickReply.position)).where(
            QuickReply.shop_id == shop_id
        )
    ).one()
    if count >= MAX_QUICK_REPLIES:
        raise TooManyQuickReplies(f"a shop keeps at most {MAX_QUICK_REPLIES} quick replies")
    reply = QuickReply(
        shop_id=shop_id,
        position=0 if last is None else int(last) + 1,
        question=question,
        answer=answer,
    )
    session.add(reply)
    session.flush()
    return reply


def update(
    session: Session,
    caller: Principal,
    shop_id: int,
    reply_id: int,
    question: str,
    answer: str,
    position: int | None,
) -> QuickReply:
    access.require_seller(caller, shop_id)
    reply = _reply(session, shop_id, reply_id)
    reply.question, reply.answer = question, answer
    if position is not None:
        reply.position = position
    session.flush()
    return reply


def delete(session: Session, caller: Principal, shop_id: int, reply_id: int) -> None:
    access.require_seller(caller, shop_id)
    session.delete(_reply(session, shop_id, reply_id))
    session.flush()


def ask(
    session: Session, caller: Principal, shop_id: int, reply_id: int
) -> tuple[Conversation, list[ConversationMessage]]:
    """The buyer's question (its message) and the shop's answer (an AUTO message, kind FAQ),
    in the buyer's conversation with the shop. Answered at once, so it opens no wait for the
    seller, nor answers one."""
    access.require_buyer(caller)
    reply = _reply(session, shop_id, reply_id)
    conversation, started = conversation_for(session, caller.user_id, shop_id, "BUYER")
    asked = post(
        session, conversation, "BUYER", caller.user_id, Draft("TEXT", reply.question), waits=False
    )
    announce(session, conversation, asked, started)
    answered = post(
        session,
        conversation,
        "SYSTEM",
        None,
        Draft("AUTO", reply.answer, auto_kind=FAQ),
        waits=False,
    )
    return conversation, [asked, answered]
