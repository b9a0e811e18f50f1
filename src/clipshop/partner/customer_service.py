"""The customer_service module of the reference API as thin adapters over ``conversations``
(docs/tiktok-api.md, "Customer service"): the shop's conversations, their messages, sending,
reading, image upload, the agents' settings and the chat performance. The app acts as the
shop's owner who authorized it; another shop's conversation is 36009005."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.conversations import images, metrics, service
from clipshop.conversations.messages import Draft, conversation_for
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.core.pagination import PageRequest
from clipshop.identity.principal import Principal
from clipshop.models import ChatSettings, Conversation, ConversationMessage, Order
from clipshop.partner.customer_service_schemas import SendMessage
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.paging import PageParams, page_data

ROLES = {"BUYER": "BUYER", "SELLER": "SHOP", "SYSTEM": "SYSTEM"}
FILES = "/api/v1/files/"


def parse_id(value: str, name: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise invalid_parameter(f"{name} must be a decimal id")
    return int(value)


def _time(value: datetime) -> int:
    return int(value.timestamp())


def _content(m: ConversationMessage, base_url: str) -> str:
    if m.message_type == "IMAGE":
        return json.dumps({"url": f"{base_url}{FILES}{m.file_id}"})
    if m.message_type == "ORDER_CARD":
        return json.dumps({"order_id": str(m.order_id)})
    if m.message_type == "PRODUCT_CARD":
        return json.dumps({"product_id": str(m.product_id)})
    return json.dumps({"content": m.body})


def message_out(m: ConversationMessage, base_url: str) -> dict[str, Any]:
    return {
        "id": str(m.id),
        "index": str(m.id),
        "type": "TEXT" if m.message_type == "AUTO" else m.message_type,
        "content": _content(m, base_url),
        "create_time": _time(m.created_at),
        "is_visible": True,
        "sender": {"role": ROLES[m.sender_role], "im_user_id": str(m.sender_id or "")},
    }


def conversation_out(
    c: Conversation, unread: int, latest: ConversationMessage | None, base_url: str
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(c.id),
        "create_time": _time(c.created_at),
        "can_send_message": True,
        "participant_count": 2,
        "participants": [
            {"role": "BUYER", "user_id": str(c.buyer_id)},
            {"role": "SHOP", "user_id": str(c.shop_id)},
        ],
        "unread_count": unread,
    }
    if latest is not None:
        out["latest_message"] = message_out(latest, base_url)
    return out


def _request(params: PageParams) -> PageRequest:
    before = (params.position or {}).get("before")
    if params.position is not None and not (isinstance(before, str) and before.isdigit()):
        raise invalid_parameter("page_token is not valid; pass back next_page_token unchanged")
    return PageRequest(limit=params.size, after_id=int(before) if before else None)


def _next(next_cursor: str | None, items: list[Any]) -> dict[str, Any] | None:
    return {"before": str(items[-1].id)} if next_cursor and items else None


def _conversation(session: Session, who: Principal, conversation_id: str) -> Conversation:
    try:
        return service.get(session, who, parse_id(conversation_id, "conversation_id"))
    except NotFound:
        raise not_found("conversation not found") from None


def list_conversations(
    session: Session, who: Principal, shop_id: int, params: PageParams, base_url: str
) -> dict[str, Any]:
    page = service.list_conversations(
        session, who, _request(params), service.Filters(shop_id=shop_id)
    )
    counts = service.unread_counts(session, [c.id for c in page.items])
    latest = {
        m.id: m
        for m in session.scalars(
            select(ConversationMessage).where(
                ConversationMessage.id.in_(
                    [c.last_message_id for c in page.items if c.last_message_id]
                )
            )
        )
    }
    items = [
        conversation_out(c, counts[c.id][1], latest.get(c.last_message_id or 0), base_url)
        for c in page.items
    ]
    total = session.scalar(
        select(func.count(Conversation.id)).where(Conversation.shop_id == shop_id)
    )
    return page_data("conversations", items, _next(page.next_cursor, page.items), int(total or 0))


def detail(session: Session, who: Principal, conversation_id: str) -> dict[str, Any]:
    c = _conversation(session, who, conversation_id)
    out = conversation_out(c, service.unread_counts(session, [c.id])[c.id][1], None, "")
    return {"conversation": out}


def create(session: Session, who: Principal, shop_id: int, buyer_user_id: str) -> dict[str, Any]:
    """The conversation with the buyer (made with no message if there is none)."""
    buyer = parse_id(buyer_user_id, "buyer_user_id")
    ordered = session.scalar(
        select(Order.id).where(Order.shop_id == shop_id, Order.buyer_id == buyer).limit(1)
    )
    if ordered is None:
        raise not_found("buyer not found: the buyer has no order with this shop")
    conversation, _ = conversation_for(session, buyer, shop_id, "SELLER")
    return {"conversation_id": str(conversation.id)}


def messages(
    session: Session, who: Principal, conversation_id: str, params: PageParams, base_url: str
) -> dict[str, Any]:
    c = _conversation(session, who, conversation_id)
    page = service.messages(session, who, c.id, _request(params))
    data = page_data(
        "messages",
        [message_out(m, base_url) for m in page.items],
        _next(page.next_cursor, page.items),
        0,
    )
    data.pop("total_count")
    return data


def _draft(body: SendMessage) -> tuple[Draft | None, int | None]:
    try:
        content = json.loads(body.content)
    except ValueError:
        raise invalid_parameter("content must be a JSON object") from None
    if not isinstance(content, dict):
        raise invalid_parameter("content must be a JSON object")
    key = {
        "TEXT": "content",
        "IMAGE": "url",
        "PRODUCT_CARD": "product_id",
        "ORDER_CARD": "order_id",
    }
    value = content.get(key[body.type])
    if not isinstance(value, str) or not value.strip():
        raise invalid_parameter(f"content.{key[body.type]} is required for a {body.type} message")
    if body.type == "TEXT":
        if len(value) > 2000:
            raise invalid_parameter("content.content may be at most 2000 characters")
        return Draft("TEXT", value.strip()), None
    if body.type == "IMAGE":
        tail = value.rsplit(FILES, 1)[-1] if FILES in value else ""
        return None, parse_id(tail, "content.url")
    if body.type == "PRODUCT_CARD":
        return Draft("PRODUCT_CARD", product_id=parse_id(value, "content.product_id")), None
    return Draft("ORDER_CARD", order_id=parse_id(value, "content.order_id")), None


def send(
    session: Session, who: Principal, conversation_id: str, body: SendMessage
) -> dict[str, Any]:
    c = _conversation(session, who, conversation_id)
    draft, file_id = _draft(body)
    try:
        if file_id is not None:
            message = images.send_uploaded(session, who, c.id, file_id)
        else:
            assert draft is not None
            message = service.send(session, who, c.id, draft)
    except NotFound as exc:
        raise not_found(str(exc)) from None
    return {"message_id": str(message.id)}


def read(session: Session, who: Principal, conversation_id: str) -> dict[str, Any]:
    c = _conversation(session, who, conversation_id)
    service.mark_read(session, who, c.id)
    return {}


def settings(session: Session, shop_id: int) -> dict[str, Any]:
    row = session.get(ChatSettings, shop_id)
    return {"can_accept_chat": True if row is None else row.accepting_chats}


def set_settings(session: Session, shop_id: int, accepting: bool) -> dict[str, Any]:
    row = session.get(ChatSettings, shop_id)
    if row is None:
        session.add(ChatSettings(shop_id=shop_id, accepting_chats=accepting))
    else:
        row.accepting_chats = accepting
    session.flush()
    return {}


def performance(
    session: Session, shop_id: int, date_ge: str | None, date_lt: str | None
) -> dict[str, Any]:
    """The chat response over [support_date_ge, support_date_lt) (YYYY-MM-DD, UTC; default:
    the last 7 days)."""
    try:
        end = _day(date_lt) if date_lt else utcnow()
        start = _day(date_ge) if date_ge else end - timedelta(days=7)
    except ValueError:
        raise invalid_parameter("support_date_ge and support_date_lt are YYYY-MM-DD") from None
    if start >= end:
        raise invalid_parameter("support_date_ge must be before support_date_lt")
    p = metrics.performance(session, shop_id, start, end)
    out: dict[str, Any] = {"support_session_count": p.judged}
    if p.response_rate is not None:
        out["response_percentage"] = f"{p.response_rate * 100:.2f}"
    if p.average_first_reply_hours is not None:
        out["response_time_mins"] = f"{p.average_first_reply_hours * 60:.0f}"
    return {"performance": out}


def _day(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
