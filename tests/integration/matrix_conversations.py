"""The conversations part of the authorization matrix: its rows, its world and the valid
requests of those routes.

World: "own" is the buyer column's conversation with shop A, "foreign" buyer B's with shop B
(each opened by the buyer's first message), and one quick reply per shop. A buyer reads and
writes its own conversations, every member of a shop (owner and staff) the shop's; the
platform's staff read any and write none (403); a conversation the caller does not see is
404. Quick replies: anyone signed in reads a shop's and a buyer sends one (any shop); the
shop's staff change them. Starting a conversation: a buyer with any shop, the shop's staff
with a buyer who ordered from it (the commerce world's orders).

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + ... + ROWS``, the world field
``conversations`` set by ``build(db, world)`` (called last, when the rest of the world
exists; it may create ``world.buyer_b`` if that is None), and ``requests(...)`` merged into
``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clipshop.conversations import quick_replies, service
from clipshop.conversations.messages import Draft, post
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import make_actor

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))

# Columns: anon buyer seller staff agent supervisor admin
_TABLE = """
GET    /api/v1/conversations                                          401     200     200     200     200     200     200
POST   /api/v1/conversations                                          401     201     201/404 201/404 403     403     403
GET    /api/v1/conversations/unread-count                             401     200     200     200     200     200     200
GET    /api/v1/conversations/{conversation_id}                        401     200/404 200/404 200/404 200     200     200
GET    /api/v1/conversations/{conversation_id}/messages               401     200/404 200/404 200/404 200     200     200
POST   /api/v1/conversations/{conversation_id}/messages               401     201/404 201/404 201/404 403     403     403
POST   /api/v1/conversations/{conversation_id}/images                 401     201/404 201/404 201/404 403     403     403
POST   /api/v1/conversations/{conversation_id}/read                   401     200/404 200/404 200/404 403     403     403
GET    /api/v1/shops/{shop_id}/quick-replies                          401     200     200     200     200     200     200
POST   /api/v1/shops/{shop_id}/quick-replies                          401     403     201/404 201/404 403     403     403
PUT    /api/v1/shops/{shop_id}/quick-replies/{reply_id}               401     403     200/404 200/404 403     403     403
DELETE /api/v1/shops/{shop_id}/quick-replies/{reply_id}               401     403     204/404 204/404 403     403     403
POST   /api/v1/shops/{shop_id}/quick-replies/{reply_id}/send          401     201     403     403     403     403     403
GET    /api/v1/shops/{shop_id}/chat-performance                       401     404     200/404 200/404 200     200     200
"""  # noqa: E501
ROWS = "".join(f"{line}\n" for line in _TABLE.splitlines() if line.strip())


@dataclass
class Conversations:
    conversations: dict[str, int]  # scope -> the scope's buyer's conversation with its shop
    replies: dict[str, int]  # scope -> a quick reply of the scope's shop


def build(db: Database, world: Any) -> Conversations:
    """This part's world (what its requests need), made through the services."""
    if world.buyer_b is None:
        world.buyer_b = make_actor(db, Role.BUYER, "buyer.b@matrix.dev")
    made = Conversations({}, {})
    with db.unit_of_work() as session:
        for scope in ("own", "foreign"):
            shop = world.shop(scope)
            buyer = world.buyer(scope)
            conversation, _ = service.start(
                session, buyer.principal, shop.id, None, Draft("TEXT", "Hello")
            )
            made.conversations[scope] = conversation.id
            service.send(session, shop.owner.principal, conversation.id, Draft("TEXT", "Hi!"))
            # unread by both sides: each side's mark-read moves
            post(session, conversation, "SYSTEM", None, Draft("AUTO", "Note", auto_kind="FAQ"))
            reply = quick_replies.create(
                session, shop.owner.principal, shop.id, "Shipping?", "Two days."
            )
            made.replies[scope] = reply.id
    return made


def requests(
    spec: Callable[..., Any], part_of: Callable[[Any], Any]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``part_of(world)``: what ``build`` made."""

    def ids(world: Any, caller: str, scope: str) -> dict[str, int]:
        made: Conversations = part_of(world)
        return {
            "conversation_id": made.conversations[scope],
            "reply_id": made.replies[scope],
        }

    def start(world: Any, caller: str, scope: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "shop_id": str(world.shop(scope).id),
            "message": {"type": "TEXT", "text": "Hi"},
        }
        if caller != "buyer":
            body["buyer_id"] = str(world.buyer(scope).id)
        return body

    def text(world: Any, caller: str, scope: str) -> dict[str, Any]:
        return {"type": "TEXT", "text": "A message"}

    def empty(world: Any, caller: str, scope: str) -> dict[str, Any]:
        return {}

    def reply(world: Any, caller: str, scope: str) -> dict[str, Any]:
        return {"question": "Returns?", "answer": "Thirty days."}

    one = "/api/v1/conversations/{conversation_id}"
    replies = "/api/v1/shops/{shop_id}/quick-replies"
    missing = "conversation_not_found"
    return {
        ("POST", "/api/v1/conversations", ""): spec(body=start, commerce=True),
        ("GET", one, ""): spec(ids=ids, not_found_code=missing),
        ("GET", f"{one}/messages", ""): spec(ids=ids, not_found_code=missing),
        ("POST", f"{one}/messages", ""): spec(ids=ids, body=text, not_found_code=missing),
        ("POST", f"{one}/images", ""): spec(
            ids=ids,
            body=lambda w, c, s: PNG,
            headers=lambda w, c, s: {"Content-Type": "image/png"},
            not_found_code=missing,
        ),
        ("POST", f"{one}/read", ""): spec(ids=ids, body=empty, not_found_code=missing),
        ("POST", replies, ""): spec(body=reply),
        ("PUT", f"{replies}/{{reply_id}}", ""): spec(ids=ids, body=reply),
        ("DELETE", f"{replies}/{{reply_id}}", ""): spec(ids=ids),
        ("POST", f"{replies}/{{reply_id}}/send", ""): spec(ids=ids, body=empty),
    }
