"""Helpers of the conversation tests: a staff member of shop A, writing and reading over the
native API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.catalog import shops
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.identity.users import principal_for
from clipshop.models import User
from tests.conftest import Actor, World, make_actor
from tests.integration.checkout_api import API, ok


def add_staff(db: Database, world: World, email: str = "staff.a@test.dev") -> Actor:
    """A seller who is a STAFF member of shop A."""
    staff = make_actor(db, Role.SELLER, email)
    with db.unit_of_work() as session:
        admin = principal_for(session, session.get_one(User, world.admin.id))
        shops.add_member(session, admin, world.shop_a.id, staff.id, "STAFF")
        staff.principal = principal_for(session, session.get_one(User, staff.id))
    return staff


def write_to_shop(client: TestClient, buyer: Actor, shop_id: int, text: str) -> dict[str, Any]:
    body = {"shop_id": str(shop_id), "message": {"type": "TEXT", "text": text}}
    out: dict[str, Any] = ok(
        client.post(f"{API}/conversations", json=body, headers=buyer.headers), 201
    )
    return out


def say(client: TestClient, actor: Actor, conversation_id: str, text: str) -> dict[str, Any]:
    out: dict[str, Any] = ok(
        client.post(
            f"{API}/conversations/{conversation_id}/messages",
            json={"type": "TEXT", "text": text},
            headers=actor.headers,
        ),
        201,
    )
    return out
