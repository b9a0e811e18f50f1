"""/me, /users and /tokens over HTTP: exact bodies, refusals, and nothing changed on failure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import ROLE_PERMISSIONS, Role
from clipshop.identity.tokens import hash_token
from clipshop.models import ApiToken, User
from tests.conftest import Actor, World, make_actor
from tests.integration.native_api import (
    API,
    BAD_CURSOR,
    assert_paged_once,
    invalid_request,
    ok,
    pages,
    refused,
    snapshot,
    ts,
)


def user_row(db: Database, user_id: int | str) -> User:
    with db.unit_of_work(write=False) as session:
        return session.get_one(User, int(user_id))


def token_row(db: Database, token_id: int | str) -> ApiToken:
    with db.unit_of_work(write=False) as session:
        return session.get_one(ApiToken, int(token_id))


def user_body(user: User) -> dict[str, object]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
        "is_active": user.is_active,
        "created_at": ts(user.created_at),
    }


def token_body(token: ApiToken) -> dict[str, object]:
    return {
        "id": str(token.id),
        "user_id": str(token.user_id),
        "name": token.name,
        "prefix": token.prefix,
        "created_at": ts(token.created_at),
        "expires_at": ts(token.expires_at),
        "revoked_at": ts(token.revoked_at),
    }


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- /me ---------------------------------------------------------------------------------


def test_me_seller_shows_its_shop_and_permissions(client: TestClient, db: Database, world: World):
    body = ok(client.get(f"{API}/me", headers=world.seller_a.headers))
    shop = str(world.shop_a.id)
    assert body == {
        **user_body(user_row(db, world.seller_a.id)),
        "shop_ids": [shop],
        "owned_shop_ids": [shop],
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS[Role.SELLER]),
    }
    assert body["email"] == "seller.a@test.dev"
    assert body["role"] == "seller"
    # spelled out, so a permission leaking into the seller role is caught (not only mirrored)
    granted = set(body["permissions"])
    assert {"catalog:read", "catalog:write", "shop:create", "tokens:own"} <= granted
    assert not granted & {"users:admin", "shop:verify", "checkout", "orders:review"}


def test_me_buyer_has_birth_date_and_no_shops(client: TestClient, world: World):
    body = ok(client.get(f"{API}/me", headers=world.buyer.headers))
    assert body["role"] == "buyer"
    assert body["date_of_birth"] == date(date.today().year - 30, 1, 1).isoformat()
    assert body["shop_ids"] == []
    assert body["owned_shop_ids"] == []
    assert body["permissions"] == ["checkout", "orders:read", "tokens:own"]


def test_me_staff_member_is_not_an_owner(client: TestClient, db: Database, world: World):
    staff = make_actor(db, Role.SELLER, "staff@test.dev")
    ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/members",
            json={"user_id": str(staff.id)},
            headers=world.seller_a.headers,
        ),
        201,
    )
    body = ok(client.get(f"{API}/me", headers=staff.headers))
    assert body["shop_ids"] == [str(world.shop_a.id)]
    assert body["owned_shop_ids"] == []


# --- authentication failures -------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_token"),
        ({"Authorization": ""}, "missing_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_token"),
        ({"Authorization": "Bearer"}, "invalid_token"),
        ({"Authorization": "Bearer    "}, "invalid_token"),
        ({"Authorization": "Bearer cs_not-a-real-token"}, "invalid_token"),
        ({"Authorization": "Token cs_abc"}, "invalid_token"),
    ],
    ids=["no-header", "empty", "basic", "bearer-only", "bearer-blank", "unknown", "wrong-scheme"],
)
def test_missing_or_malformed_token_is_401(
    client: TestClient, world: World, headers: dict[str, str], code: str
):
    response = client.get(f"{API}/me", headers=headers)
    body = refused(response, 401, code)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["instance"] == "/api/v1/me"
    assert body["type"] == f"https://clipshop.dev/problems/{code}"


def test_bearer_scheme_is_case_insensitive(client: TestClient, world: World):
    headers = {"Authorization": f"bearer {world.seller_a.token}"}
    assert ok(client.get(f"{API}/me", headers=headers))["id"] == str(world.seller_a.id)


def test_revoked_token_is_401_and_other_tokens_still_work(client: TestClient, world: World):
    second = ok(
        client.post(f"{API}/tokens", json={"name": "ci"}, headers=world.seller_a.headers), 201
    )
    ok(client.delete(f"{API}/tokens/{second['id']}", headers=world.seller_a.headers))
    body = refused(client.get(f"{API}/me", headers=bearer(second["token"])), 401, "invalid_token")
    assert "revoked" in body["detail"]
    assert ok(client.get(f"{API}/me", headers=world.seller_a.headers))["id"] == str(
        world.seller_a.id
    )


def test_expired_token_is_401(client: TestClient, world: World):
    expires = (utcnow() + timedelta(hours=1)).isoformat()
    created = ok(
        client.post(
            f"{API}/tokens",
            json={"name": "short", "expires_at": expires},
            headers=world.seller_a.headers,
        ),
        201,
    )
    assert ok(client.get(f"{API}/me", headers=bearer(created["token"])))["role"] == "seller"
    clock.advance(timedelta(hours=1))  # expires_at <= now: expired
    body = refused(client.get(f"{API}/me", headers=bearer(created["token"])), 401, "invalid_token")
    assert "expired" in body["detail"]
    # a token without expiry is unaffected by the clock
    assert ok(client.get(f"{API}/me", headers=world.seller_a.headers))["role"] == "seller"


def test_inactive_users_token_is_401(client: TestClient, db: Database, world: World):
    with db.unit_of_work() as session:
        session.execute(update(User).where(User.id == world.buyer.id).values(is_active=False))
    body = refused(client.get(f"{API}/me", headers=world.buyer.headers), 401, "invalid_token")
    assert "not active" in body["detail"]


# --- /users ------------------------------------------------------------------------------


def test_admin_creates_a_seller(client: TestClient, db: Database, world: World):
    response = client.post(
        f"{API}/users",
        json={"email": "  New.Seller@Example.COM ", "name": "Nia New", "role": "seller"},
        headers=world.admin.headers,
    )
    body = ok(response, 201)
    row = user_row(db, body["id"])
    assert body == {
        "id": str(row.id),
        "email": "new.seller@example.com",
        "name": "Nia New",
        "role": "seller",
        "date_of_birth": None,
        "is_active": True,
        "created_at": ts(row.created_at),
    }
    assert row.password_hash is None
    assert ok(client.get(f"{API}/users/{body['id']}", headers=world.admin.headers)) == body


def test_admin_creates_a_buyer_with_password(client: TestClient, db: Database, world: World):
    body = ok(
        client.post(
            f"{API}/users",
            json={
                "email": "bo@example.com",
                "name": "Bo",
                "role": "buyer",
                "password": "correct horse",
                "date_of_birth": "2001-02-03",
            },
            headers=world.admin.headers,
        ),
        201,
    )
    assert body["date_of_birth"] == "2001-02-03"
    assert body["role"] == "buyer"
    assert "password" not in body and "password_hash" not in body
    row = user_row(db, body["id"])
    assert row.password_hash is not None and "correct horse" not in row.password_hash


def test_buyer_without_birth_date_is_refused(client: TestClient, db: Database, world: World):
    before = snapshot(db, User)
    response = client.post(
        f"{API}/users",
        json={"email": "kid@example.com", "name": "Kid", "role": "buyer"},
        headers=world.admin.headers,
    )
    refused(response, 422, "date_of_birth_required")
    assert snapshot(db, User) == before


def test_duplicate_email_is_409_whatever_the_case(client: TestClient, db: Database, world: World):
    before = snapshot(db, User)
    response = client.post(
        f"{API}/users",
        json={"email": "SELLER.A@test.dev", "name": "Dup", "role": "seller"},
        headers=world.admin.headers,
    )
    refused(response, 409, "email_taken")
    assert snapshot(db, User) == before


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"is_active": False}, "is_active", "extra_forbidden"),
        ({"id": "1"}, "id", "extra_forbidden"),
        ({"email": "not-an-email"}, "email", None),
        ({"role": "god"}, "role", None),
        ({"name": ""}, "name", None),
        ({"password": "short"}, "password", None),
        ({"date_of_birth": "2001-13-01"}, "date_of_birth", None),
    ],
)
def test_create_user_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, object],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, User)
    body = {"email": "x@example.com", "name": "X", "role": "seller", **payload}
    invalid_request(
        client.post(f"{API}/users", json=body, headers=world.admin.headers), field, error_type
    )
    assert snapshot(db, User) == before


def test_missing_body_and_malformed_json_are_422(client: TestClient, world: World):
    invalid_request(client.post(f"{API}/users", headers=world.admin.headers), "body")
    response = client.post(
        f"{API}/users",
        content=b'{"email": ',
        headers={**world.admin.headers, "Content-Type": "application/json"},
    )
    refused(response, 422, "invalid_request")


def test_list_users_every_user_once_over_pages(client: TestClient, db: Database, world: World):
    with db.unit_of_work(write=False) as session:
        everyone = {str(i) for i in session.scalars(select(User.id))}
    assert len(everyone) == 6
    chunks = pages(client, "/users", world.admin, limit=4)
    assert [len(c) for c in chunks] == [4, 2]
    assert_paged_once(chunks, everyone)
    first = chunks[0][0]
    assert first == user_body(user_row(db, first["id"]))


def test_list_users_exact_page_size_has_no_empty_extra_page(client: TestClient, world: World):
    chunks = pages(client, "/users", world.admin, limit=3)
    assert [len(c) for c in chunks] == [3, 3]


def test_list_users_by_role(client: TestClient, world: World):
    body = ok(client.get(f"{API}/users", params={"role": "seller"}, headers=world.admin.headers))
    assert [u["id"] for u in body["items"]] == [str(world.seller_b.id), str(world.seller_a.id)]
    assert body["next_cursor"] is None
    invalid_request(
        client.get(f"{API}/users", params={"role": "god"}, headers=world.admin.headers),
        "query.role",
    )


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"limit": 101}, "query.limit", "invalid_request"),
        ({"limit": 0}, "query.limit", "invalid_request"),
        ({"limit": "ten"}, "query.limit", "invalid_request"),
        ({"cursor": BAD_CURSOR}, None, "invalid_cursor"),
        ({"cursor": "eyJiZWZvcmUiOjF9"}, None, "invalid_cursor"),  # {"before":1}: not a string
        ({"cursor": "eyJiZWZvcmUiOiItNSJ9"}, None, "invalid_cursor"),  # {"before":"-5"}
    ],
)
def test_list_users_bad_paging_is_422(
    client: TestClient, world: World, params: dict[str, object], field: str | None, code: str
):
    response = client.get(f"{API}/users", params=params, headers=world.admin.headers)
    if field:
        invalid_request(response, field)
    else:
        refused(response, 422, code)


def test_get_user_self_and_by_admin(client: TestClient, db: Database, world: World):
    expected = user_body(user_row(db, world.buyer.id))
    path = f"{API}/users/{world.buyer.id}"
    assert ok(client.get(path, headers=world.buyer.headers)) == expected
    assert ok(client.get(path, headers=world.admin.headers)) == expected


@pytest.mark.parametrize(
    ("user_id", "status", "code"),
    [
        ("abc", 422, "invalid_request"),
        ("0", 422, "invalid_request"),
        ("-1", 422, "invalid_request"),
        (str(2**63), 422, "invalid_request"),
        ("1.5", 422, "invalid_request"),
        ("123456789", 404, "not_found"),
    ],
)
def test_get_user_bad_or_unknown_id(
    client: TestClient, world: World, user_id: str, status: int, code: str
):
    response = client.get(f"{API}/users/{user_id}", headers=world.admin.headers)
    refused(response, status, code)
    if status == 422:
        invalid_request(response, "path.user_id")


# --- /tokens -----------------------------------------------------------------------------


def test_create_token_shows_secret_once_and_it_works(
    client: TestClient, db: Database, world: World
):
    body = ok(
        client.post(f"{API}/tokens", json={"name": " erp-sync "}, headers=world.seller_a.headers),
        201,
    )
    row = token_row(db, body["id"])
    secret = body.pop("token")
    assert body == token_body(row)
    assert body["name"] == "erp-sync"
    assert body["user_id"] == str(world.seller_a.id)
    assert body["expires_at"] is None and body["revoked_at"] is None
    assert secret.startswith("cs_") and len(secret) > 40
    assert body["prefix"] == secret[:10]
    assert row.token_hash == hash_token(secret) and secret not in row.token_hash
    assert ok(client.get(f"{API}/me", headers=bearer(secret)))["id"] == str(world.seller_a.id)
    listed = ok(client.get(f"{API}/tokens", headers=world.seller_a.headers))["items"]
    assert listed[0] == body  # newest first, never with the secret


def test_create_token_with_expiry_in_another_zone_is_stored_utc(client: TestClient, world: World):
    year = utcnow().year + 2
    body = ok(
        client.post(
            f"{API}/tokens",
            json={"name": "tz", "expires_at": f"{year}-01-01T00:00:00+02:00"},
            headers=world.seller_a.headers,
        ),
        201,
    )
    assert body["expires_at"] == ts(datetime(year - 1, 12, 31, 22, 0, tzinfo=UTC))
    listed = ok(client.get(f"{API}/tokens", headers=world.seller_a.headers))["items"][0]
    assert listed["id"] == body["id"]
    assert listed["expires_at"] == body["expires_at"]  # the same instant, rendered the same


def test_admin_creates_token_for_another_user(client: TestClient, world: World):
    body = ok(
        client.post(
            f"{API}/tokens",
            json={"name": "for-buyer", "user_id": str(world.buyer.id)},
            headers=world.admin.headers,
        ),
        201,
    )
    assert body["user_id"] == str(world.buyer.id)
    assert ok(client.get(f"{API}/me", headers=bearer(body["token"])))["id"] == str(world.buyer.id)


def test_admin_token_for_unknown_user_is_404(client: TestClient, db: Database, world: World):
    before = snapshot(db, ApiToken)
    response = client.post(
        f"{API}/tokens", json={"name": "x", "user_id": "123456789"}, headers=world.admin.headers
    )
    refused(response, 404, "not_found")
    assert snapshot(db, ApiToken) == before


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"name": ""}, "name", None),
        ({"name": "x" * 101}, "name", None),
        ({"name": "x", "expires_at": "2030-01-01T00:00:00"}, "expires_at", "timezone_aware"),
        ({"name": "x", "expires_at": "tomorrow"}, "expires_at", None),
        ({"name": "x", "user_id": "abc"}, "user_id", None),
        ({"name": "x", "scopes": ["all"]}, "scopes", "extra_forbidden"),
        ({}, "name", "missing"),
    ],
)
def test_create_token_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, object],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, ApiToken)
    response = client.post(f"{API}/tokens", json=payload, headers=world.admin.headers)
    invalid_request(response, field, error_type)
    assert snapshot(db, ApiToken) == before


def test_list_tokens_only_own_and_paginated(client: TestClient, db: Database, world: World):
    actor = world.seller_a
    created = {
        ok(client.post(f"{API}/tokens", json={"name": f"t{i}"}, headers=actor.headers), 201)["id"]
        for i in range(4)
    }
    with db.unit_of_work(write=False) as session:
        fixture_token = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == hash_token(actor.token))
        )
    chunks = pages(client, "/tokens", actor, limit=2)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert_paged_once(chunks, created | {str(fixture_token)})
    for item in (i for c in chunks for i in c):
        assert set(item) == {
            "id",
            "user_id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "revoked_at",
        }
        assert item["user_id"] == str(actor.id)


def test_admin_lists_another_users_tokens(client: TestClient, db: Database, world: World):
    body = ok(
        client.get(
            f"{API}/tokens", params={"user_id": str(world.buyer.id)}, headers=world.admin.headers
        )
    )
    assert len(body["items"]) == 1
    assert body["items"][0] == token_body(token_row(db, body["items"][0]["id"]))
    assert body["items"][0]["user_id"] == str(world.buyer.id)
    refused(
        client.get(f"{API}/tokens", params={"user_id": "123456789"}, headers=world.admin.headers),
        404,
        "not_found",
    )
    invalid_request(
        client.get(f"{API}/tokens", params={"user_id": "x"}, headers=world.admin.headers),
        "query.user_id",
    )


def test_list_tokens_bad_paging(client: TestClient, world: World):
    h = world.seller_a.headers
    invalid_request(client.get(f"{API}/tokens", params={"limit": 101}, headers=h), "query.limit")
    refused(
        client.get(f"{API}/tokens", params={"cursor": BAD_CURSOR}, headers=h),
        422,
        "invalid_cursor",
    )


def test_revoke_token_and_repeat_is_harmless(client: TestClient, db: Database, world: World):
    created = ok(
        client.post(f"{API}/tokens", json={"name": "old"}, headers=world.seller_a.headers), 201
    )
    first = ok(client.delete(f"{API}/tokens/{created['id']}", headers=world.seller_a.headers))
    row = token_row(db, created["id"])
    assert row.revoked_at is not None
    assert first == token_body(row)
    assert first["revoked_at"] == ts(row.revoked_at)
    again = ok(client.delete(f"{API}/tokens/{created['id']}", headers=world.seller_a.headers))
    assert again == first  # revoked_at is not moved
    refused(client.get(f"{API}/me", headers=bearer(created["token"])), 401, "invalid_token")


def test_revoke_own_current_token_logs_out(client: TestClient, db: Database, world: World):
    with db.unit_of_work(write=False) as session:
        token_id = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == hash_token(world.buyer.token))
        )
    ok(client.delete(f"{API}/tokens/{token_id}", headers=world.buyer.headers))
    refused(client.get(f"{API}/me", headers=world.buyer.headers), 401, "invalid_token")


def test_revoke_someone_elses_token_is_404_and_it_keeps_working(
    client: TestClient, db: Database, world: World
):
    with db.unit_of_work(write=False) as session:
        foreign = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == hash_token(world.seller_b.token))
        )
    before = snapshot(db, ApiToken)
    refused(
        client.delete(f"{API}/tokens/{foreign}", headers=world.seller_a.headers), 404, "not_found"
    )
    refused(
        client.delete(f"{API}/tokens/123456789", headers=world.seller_a.headers), 404, "not_found"
    )
    assert snapshot(db, ApiToken) == before
    assert ok(client.get(f"{API}/me", headers=world.seller_b.headers))["id"] == str(
        world.seller_b.id
    )


def test_admin_revokes_another_users_token(client: TestClient, db: Database, world: World):
    other: Actor = make_actor(db, Role.SELLER, "victim@test.dev")
    with db.unit_of_work(write=False) as session:
        token_id = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == hash_token(other.token))
        )
    body = ok(client.delete(f"{API}/tokens/{token_id}", headers=world.admin.headers))
    assert body["user_id"] == str(other.id) and body["revoked_at"] is not None
    refused(client.get(f"{API}/me", headers=other.headers), 401, "invalid_token")


@pytest.mark.parametrize("token_id", ["abc", "0", str(2**63)])
def test_revoke_bad_token_id_is_422(client: TestClient, world: World, token_id: str):
    invalid_request(
        client.delete(f"{API}/tokens/{token_id}", headers=world.seller_a.headers), "path.token_id"
    )
