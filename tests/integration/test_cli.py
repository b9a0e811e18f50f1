"""The ``clipshop`` command against a SQLite file: db upgrade, users, tokens, demo.

``get_settings()`` is cached, so every test points CLIPSHOP_DATABASE_URL at its own file and
clears the cache before and after.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from clipshop.api.app import create_app
from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.cli import app
from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.core.migrate import alembic_config
from clipshop.core.settings import Settings, get_settings
from clipshop.identity.tokens import hash_token
from clipshop.identity.users import age_on, principal_for
from clipshop.models import ApiToken, Base, Order, User
from clipshop.payments.simulated import SimulatedGateway
from clipshop.rules import shared_clock
from tests.integration.checkout_api import ADDRESS
from tests.integration.native_api import API, ok, snapshot


@dataclass
class Cli:
    url: str
    runner: CliRunner

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args))

    def database(self) -> Database:
        return Database(Settings(env="test", database_url=self.url))

    @contextmanager
    def client(self) -> Iterator[TestClient]:
        db = self.database()
        try:
            with TestClient(create_app(db.settings, db), raise_server_exceptions=False) as client:
                yield client
        finally:
            db.dispose()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CLIPSHOP_DATABASE_URL", url)
    get_settings.cache_clear()
    yield Cli(url, CliRunner())
    get_settings.cache_clear()  # before monkeypatch restores the environment


def run_ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def users_in(cli: Cli) -> list[tuple[str, str]]:
    db = cli.database()
    try:
        with db.unit_of_work(write=False) as session:
            return [(u.email, u.role) for u in session.scalars(select(User).order_by(User.id))]
    finally:
        db.dispose()


def me(cli: Cli, token: str) -> Any:
    with cli.client() as client:
        return ok(client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}))


def test_settings_follow_the_environment(cli: Cli) -> None:
    assert get_settings().database_url == cli.url


def test_db_upgrade_migrates_to_head(cli: Cli) -> None:
    result = cli("db", "upgrade")
    run_ok(result)
    assert "database at head" in result.stderr
    db = cli.database()
    try:
        with db.engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        db.dispose()
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    run_ok(cli("db", "upgrade"))  # again: nothing to do, no error


def test_buyer_without_date_of_birth_fails_clearly(cli: Cli) -> None:
    result = cli("users", "create", "--email", "kid@example.com", "--role", "buyer")
    assert result.exit_code == 1
    assert "date_of_birth_required" in result.stderr
    assert result.stdout == ""
    assert users_in(cli) == []


def test_bad_date_of_birth_fails_clearly(cli: Cli) -> None:
    result = cli(
        "users", "create", "--email", "b@example.com", "--role", "buyer",
        "--date-of-birth", "2001-02-30",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr
    assert result.stdout == ""


def test_unknown_role_is_a_usage_error(cli: Cli) -> None:
    result = cli("users", "create", "--email", "x@example.com", "--role", "god")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_users_create_with_token(cli: Cli) -> None:
    result = cli(
        "users", "create", "--email", "Seller@Example.com", "--role", "seller", "--token",
    )  # fmt: skip
    out = json.loads(run_ok(result))
    assert set(out) == {"id", "email", "role", "token"}
    assert (out["email"], out["role"]) == ("seller@example.com", "seller")
    assert out["token"].startswith("cs_")
    assert users_in(cli) == [("seller@example.com", "seller")]
    body = me(cli, out["token"])
    assert (body["id"], body["role"], body["name"]) == (out["id"], "seller", "Seller")


def test_users_create_buyer_without_token(cli: Cli) -> None:
    result = cli(
        "users", "create", "--email", "bea@example.com", "--role", "buyer",
        "--name", "Bea", "--date-of-birth", "2000-05-17",
    )  # fmt: skip
    out = json.loads(run_ok(result))
    assert set(out) == {"id", "email", "role"}
    db = cli.database()
    try:
        with db.unit_of_work(write=False) as session:
            user = session.get_one(User, int(out["id"]))
            tokens = session.scalar(select(func.count()).select_from(ApiToken))
    finally:
        db.dispose()
    assert (user.name, user.date_of_birth, user.password_hash) == ("Bea", date(2000, 5, 17), None)
    assert tokens == 0


def test_duplicate_user_fails_and_changes_nothing(cli: Cli) -> None:
    run_ok(cli("users", "create", "--email", "a@example.com", "--role", "admin"))
    result = cli("users", "create", "--email", "A@example.com", "--role", "seller")
    assert result.exit_code == 1
    assert "email_taken" in result.stderr
    assert users_in(cli) == [("a@example.com", "admin")]


def test_tokens_create(cli: Cli) -> None:
    run_ok(cli("users", "create", "--email", "ops@example.com", "--role", "agent"))
    secret = run_ok(cli("tokens", "create", "--email", " OPS@example.com ", "--name", "ci")).strip()
    assert secret.startswith("cs_") and "\n" not in secret
    db = cli.database()
    try:
        with db.unit_of_work(write=False) as session:
            token = session.scalar(
                select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
            )
    finally:
        db.dispose()
    assert token is not None and token.name == "ci"
    assert me(cli, secret)["email"] == "ops@example.com"


def test_tokens_create_for_unknown_user_fails(cli: Cli) -> None:
    run_ok(cli("db", "upgrade"))
    result = cli("tokens", "create", "--email", "ghost@example.com")
    assert result.exit_code == 1
    assert "not_found" in result.stderr
    assert result.stdout == ""


def demo(cli: Cli) -> dict[str, Any]:
    world: dict[str, Any] = json.loads(run_ok(cli("demo", "--json")))
    return world


def test_demo_json(cli: Cli) -> None:
    world = demo(cli)
    users = world["users"]
    assert len(users) == 7
    assert sorted(u["role"] for u in users) == sorted(
        ["admin", "agent", "supervisor", "seller", "seller", "buyer", "buyer"]
    )
    today = date.today()
    buyers = [u for u in users if u["role"] == "buyer"]
    ages = sorted(age_on(date.fromisoformat(u["date_of_birth"]), today) for u in buyers)
    assert ages[0] < 18 <= ages[1]
    assert all(u["date_of_birth"] is None for u in users if u["role"] != "buyer")
    assert len({u["token"] for u in users}) == 7
    shops = world["shops"]
    assert sorted(s["shop_type"] for s in shops) == ["CROSS_BORDER", "LOCAL"]
    sellers = {u["shop_id"] for u in users if u["role"] == "seller"}
    assert sellers == {s["id"] for s in shops}
    for shop in shops:
        assert shop["warehouse_ids"] and shop["skus"]

    admin = next(u for u in users if u["role"] == "admin")
    headers = {"Authorization": f"Bearer {admin['token']}"}
    with cli.client() as client:
        assert ok(client.get(f"{API}/me", headers=headers))["id"] == admin["id"]
        listed = ok(client.get(f"{API}/users", headers=headers))["items"]
        assert {u["id"] for u in listed} == {u["id"] for u in users}
        listed_shops = ok(client.get(f"{API}/shops", headers=headers))["items"]
        assert {(s["id"], s["shop_type"]) for s in listed_shops} == {
            (s["id"], s["shop_type"]) for s in shops
        }
        for shop in shops:
            for sku_id in shop["skus"].values():
                sku = ok(client.get(f"{API}/skus/{sku_id}", headers=headers))
                assert sku["shop_id"] == shop["id"]
                assert sku["price"]["currency"] == shop["currency"]
        # every seller's token works and sees its own shop only
        for seller in (u for u in users if u["role"] == "seller"):
            h = {"Authorization": f"Bearer {seller['token']}"}
            assert [s["id"] for s in ok(client.get(f"{API}/shops", headers=h))["items"]] == [
                seller["shop_id"]
            ]


def test_demo_twice_reuses_the_data_with_new_tokens(cli: Cli) -> None:
    first = demo(cli)
    db = cli.database()
    tables = [t for t in Base.metadata.sorted_tables if t.name != ApiToken.__tablename__]
    models = [m.class_ for m in Base.registry.mappers if m.local_table in tables]
    try:
        before = snapshot(db, *models)
        second = demo(cli)
        after = snapshot(db, *models)
        with db.unit_of_work(write=False) as session:
            token_count = session.scalar(select(func.count()).select_from(ApiToken))
    finally:
        db.dispose()
    assert after == before  # nothing duplicated, nothing changed
    assert token_count == 14

    def strip(world: dict[str, Any]) -> dict[str, Any]:
        return {**world, "users": [{**u, "token": None} for u in world["users"]]}

    assert strip(second) == strip(first)
    old = {u["key"]: u["token"] for u in first["users"]}
    new = {u["key"]: u["token"] for u in second["users"]}
    assert all(old[k] != new[k] for k in old)
    # both the old and the new tokens work
    assert me(cli, old["admin"])["role"] == "admin"
    assert me(cli, new["admin"])["role"] == "admin"


def test_worker_once_picks_up_the_shared_clock_and_runs_what_is_due(cli: Cli) -> None:
    """Another process moved the sandbox clock two hours (published in the database): the
    worker adopts that time, releases the order from its remorse window, and says so."""
    world = demo(cli)
    buyer = next(u for u in world["users"] if u["key"] == "buyer")
    sku_id = next(iter(world["shops"][0]["skus"].values()))
    db = cli.database()
    try:
        with db.unit_of_work() as session:
            principal = principal_for(session, session.get_one(User, int(buyer["id"])))
        request = CheckoutRequest(shipping_address=dict(ADDRESS), items={int(sku_id): 1})
        payment_id = place_order(db, SimulatedGateway(db), principal, request)
        clock.advance(timedelta(hours=2))
        shared_clock.publish(db)
        clock.reset()  # this test process forgets; the worker must read it back
        output = run_ok(cli("worker", "--once"))
        assert re.search(r"rule RELEASE_HOLD\s*│\s*1\b", output), output
        with db.unit_of_work(write=False) as session:
            statuses = set(
                session.scalars(select(Order.status).where(Order.payment_id == payment_id))
            )
        assert statuses == {"AWAITING_SHIPMENT"}
        assert shared_clock.published(db) == timedelta(hours=2)
    finally:
        clock.reset()
        db.dispose()
