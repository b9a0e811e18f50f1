"""Who sees and writes what in conversations (docs/conversations.md): a buyer its own, every
member of a shop's staff the shop's (one shared inbox), the platform's agents, supervisors and
admins read any for support. A conversation the caller may not see is missing (404)."""

from __future__ import annotations

from typing import Literal, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound, PermissionDenied
from clipshop.identity.principal import PLATFORM_ROLES, Principal, Role
from clipshop.models import Conversation

Side = Literal["BUYER", "SELLER"]
T = TypeVar("T")


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


def sees(caller: Principal, conversation: Conversation) -> bool:
    if caller.role is Role.BUYER:
        return conversation.buyer_id == caller.user_id
    if caller.role is Role.SELLER:
        return conversation.shop_id in caller.shop_ids
    return caller.role in PLATFORM_ROLES


def scope(stmt: Select[T], caller: Principal) -> Select[T]:
    """``stmt`` (over ``Conversation``) limited to what the caller sees."""
    if caller.role is Role.BUYER:
        return stmt.where(Conversation.buyer_id == caller.user_id)
    if caller.role is Role.SELLER:
        return stmt.where(Conversation.shop_id.in_(caller.shop_ids))
    if caller.role in PLATFORM_ROLES:
        return stmt
    return stmt.where(Conversation.id.is_(None))  # creators: none


def get(
    session: Session, caller: Principal, conversation_id: int, lock: bool = False
) -> Conversation:
    """The conversation, if the caller sees it (``lock``: held until the transaction ends, so
    one conversation's messages are written one at a time)."""
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None or not sees(caller, found):
        raise ConversationNotFound("conversation not found")
    return found


def side_of(caller: Principal, conversation: Conversation) -> Side:
    """The side the caller writes for: the buyer, or the shop's staff. The platform's staff
    only read (403)."""
    if caller.role is Role.BUYER and conversation.buyer_id == caller.user_id:
        return "BUYER"
    if caller.role is Role.SELLER and conversation.shop_id in caller.shop_ids:
        return "SELLER"
    if not sees(caller, conversation):
        raise ConversationNotFound("conversation not found")
    raise PermissionDenied("the platform's staff read conversations; only its buyer and shop write")


def require_buyer(caller: Principal) -> None:
    if caller.role is not Role.BUYER:
        raise PermissionDenied("only a buyer does this")


def require_seller(caller: Principal, shop_id: int) -> None:
    """A member of the shop's staff (another shop: 404; not a seller: 403)."""
    if caller.role is not Role.SELLER:
        raise PermissionDenied("only the shop's staff do this")
    caller.check_shop(shop_id)
