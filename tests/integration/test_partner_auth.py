"""Apps, authorizations and tokens on both databases: registering an app (admins), a shop
owner's grant (auth code), the token endpoints' answers, a used, expired or foreign code, the
refresh, expired and revoked tokens, and who may grant or revoke."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from clipshop.core.db import Database
from clipshop.models import AppAuthorization, AuthCode, PartnerToken
from clipshop.partner import scopes
from clipshop.partner.schemas import TokenData
from tests.conftest import World, problem_code
from tests.partner_support import auth_code, connect, make_app


def token_get(client: TestClient, key: str, secret: str, code: str, **extra: str) -> Any:
    params = {"app_key": key, "app_secret": secret, "auth_code": code}
    params["grant_type"] = "authorized_code"
    return client.get("/api/v2/token/get", params={**params, **extra})


def token_refresh(client: TestClient, key: str, secret: str, refresh: str) -> Any:
    params = {"app_key": key, "app_secret": secret, "refresh_token": refresh}
    return client.get("/api/v2/token/refresh", params={**params, "grant_type": "refresh_token"})


def envelope_code(response: Any) -> int:
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "data"}, body
    assert isinstance(body["code"], int) and body["request_id"], body
    assert response.headers["content-type"] == "application/json"
    return int(body["code"])


def test_the_token_answer(client: TestClient, db: Database, world: World) -> None:
    key, secret = make_app(db)
    code = auth_code(db, key, world.shop_a.id, [scopes.ORDER_INFO, scopes.SHOP_INFO])
    before = int(time.time())
    got = token_get(client, key, secret, code)
    assert got.status_code == 200 and envelope_code(got) == 0, got.text
    data = TokenData.model_validate(got.json()["data"])
    week, year = 7 * 86_400, 365 * 86_400  # absolute Unix seconds on the wall clock
    assert before + week <= data.access_token_expire_in <= int(time.time()) + week
    assert before + year <= data.refresh_token_expire_in <= int(time.time()) + year
    assert data.seller_name == "ShopA" and data.seller_base_region == "US"
    assert data.granted_scopes == sorted([scopes.ORDER_INFO, scopes.SHOP_INFO])
    assert data.user_type == 0 and data.open_id

    again = token_get(client, key, secret, code)
    assert again.status_code == 400 and envelope_code(again) == 36004004
    assert "already used" in again.json()["message"]


def test_a_code_is_refused_when_wrong_expired_or_for_another_app(
    client: TestClient, db: Database, world: World
) -> None:
    key, secret = make_app(db)
    other_key, other_secret = make_app(db, "Other")
    code = auth_code(db, key, world.shop_a.id)
    assert envelope_code(token_get(client, key, "wrong", code)) == 36004001
    assert envelope_code(token_get(client, "nokey", secret, code)) == 36004001
    assert envelope_code(token_get(client, other_key, other_secret, code)) == 36004004
    assert envelope_code(token_get(client, key, secret, "not-a-code")) == 36004004
    assert envelope_code(token_get(client, key, secret, code, grant_type="x")) == 36009004
    missing = client.get("/api/v2/token/get", params={"app_key": key})
    assert missing.status_code == 400 and envelope_code(missing) == 36009004

    with db.unit_of_work() as session:  # ten minutes of wall time went by
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(AuthCode).values(expires_at=past))
    expired = token_get(client, key, secret, code)
    assert envelope_code(expired) == 36004004 and "expired" in expired.json()["message"]
    with db.unit_of_work(write=False) as session:  # a refused code is not spent
        assert session.scalars(select(AuthCode.used_at)).one() is None
        assert session.scalars(select(PartnerToken)).all() == []


def test_refresh_expiry_and_revocation(client: TestClient, db: Database, world: World) -> None:
    pc = connect(client, db, [world.shop_a.id])
    first = pc.access_token
    assert pc.get("/seller/202309/shops").json()["code"] == 0

    refreshed = token_refresh(client, pc.app_key, pc.app_secret, pc.refresh_token)
    assert envelope_code(refreshed) == 0, refreshed.text
    data = TokenData.model_validate(refreshed.json()["data"])
    assert data.refresh_token == pc.refresh_token and data.access_token != first
    stale = pc.get("/seller/202309/shops")
    assert stale.status_code == 401 and envelope_code(stale) == 105001
    pc.access_token = data.access_token
    assert pc.get("/seller/202309/shops").json()["code"] == 0
    assert envelope_code(token_refresh(client, pc.app_key, pc.app_secret, "nope")) == 36004004

    with db.unit_of_work() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(PartnerToken).values(access_expires_at=past))
    expired = pc.get("/seller/202309/shops")
    assert expired.status_code == 401 and envelope_code(expired) == 105002

    with db.unit_of_work(write=False) as session:
        auth_id = session.scalars(select(AppAuthorization.id)).one()
    path = f"/api/v1/shops/{world.shop_a.id}/app-authorizations/{auth_id}"
    assert client.delete(path, headers=world.seller_b.headers).status_code == 404
    assert client.delete(path, headers=world.seller_a.headers).status_code == 204
    revoked = token_refresh(client, pc.app_key, pc.app_secret, pc.refresh_token)
    assert envelope_code(revoked) == 36004004 and "revoked" in revoked.json()["message"]
    with db.unit_of_work() as session:  # even an unexpired access token dies with the grant
        future = datetime.now(UTC) + timedelta(days=1)
        session.execute(update(PartnerToken).values(access_expires_at=future))
    dead = pc.get("/seller/202309/shops")
    assert dead.status_code == 401 and envelope_code(dead) == 105001


def test_registering_and_authorizing_over_the_native_api(
    client: TestClient, db: Database, world: World
) -> None:
    made = client.post("/api/v1/apps", headers=world.admin.headers, json={"name": "Acme ERP"})
    assert made.status_code == 201, made.text
    app = made.json()
    assert app["app_key"] and app["app_secret"] and app["name"] == "Acme ERP"
    refused = client.post("/api/v1/apps", headers=world.seller_a.headers, json={"name": "x"})
    assert refused.status_code == 403 and problem_code(refused) == "forbidden"

    base = f"/api/v1/shops/{world.shop_a.id}/app-authorizations"
    body = {"app_key": app["app_key"], "scopes": [scopes.ORDER_INFO]}
    assert client.post(base, headers=world.seller_b.headers, json=body).status_code == 404
    staff = client.post(base, headers=world.agent.headers, json=body)
    assert staff.status_code == 403
    unknown = client.post(base, headers=world.seller_a.headers, json={**body, "scopes": ["x"]})
    assert unknown.status_code == 422 and problem_code(unknown) == "unknown_scope"
    no_app = client.post(base, headers=world.seller_a.headers, json={"app_key": "nope"})
    assert no_app.status_code == 404 and problem_code(no_app) == "app_not_found"

    granted = client.post(base, headers=world.seller_a.headers, json=body)
    assert granted.status_code == 201, granted.text
    grant = granted.json()
    assert grant["scopes"] == [scopes.ORDER_INFO] and grant["shop_cipher"].startswith("ROW_")
    got = token_get(client, app["app_key"], app["app_secret"], grant["auth_code"])
    assert envelope_code(got) == 0 and got.json()["data"]["granted_scopes"] == [scopes.ORDER_INFO]


def test_authorizing_again_does_not_revive_revoked_tokens(
    client: TestClient, db: Database, world: World
) -> None:
    pc = connect(client, db, [world.shop_a.id])
    with db.unit_of_work(write=False) as session:
        grant = session.scalars(select(AppAuthorization)).one()
        auth_id, cipher = grant.id, grant.cipher
    path = f"/api/v1/shops/{world.shop_a.id}/app-authorizations/{auth_id}"
    assert client.delete(path, headers=world.admin.headers).status_code == 204
    fresh = auth_code(db, pc.app_key, world.shop_a.id)
    assert code_of_get(pc) == 105001  # the old token stays dead
    got = token_get(client, pc.app_key, pc.app_secret, fresh)
    assert envelope_code(got) == 0
    pc.access_token = got.json()["data"]["access_token"]
    shops = pc.get("/authorization/202309/shops").json()["data"]["shops"]
    assert [s["cipher"] for s in shops] == [cipher]  # the shop keeps its cipher


def code_of_get(pc: Any) -> int:
    return envelope_code(pc.get("/seller/202309/shops"))
