"""Shared fixtures: the two databases, a clean schema per test, an app client, a small world.

SQLite always runs. PostgreSQL runs when ``CLIPSHOP_TEST_POSTGRES_URL`` is set (``.ci/run``
always sets it); without it those tests are skipped with a visible reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from clipshop.api.app import create_app
from clipshop.catalog import inventory, products, shops, warehouses
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.clock import clock
from clipshop.core.db import Database, normalise_url
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.identity.principal import Principal, Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import create_user, principal_for
from clipshop.models import Base, User

POSTGRES_URL = os.environ.get("CLIPSHOP_TEST_POSTGRES_URL")
NO_POSTGRES = "CLIPSHOP_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES),
    ),
]


@contextmanager
def private_postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database of its own for this test session (created on the server
    of ``CLIPSHOP_TEST_POSTGRES_URL``, dropped afterwards), so that several test runs, or
    pytest-xdist workers, never share tables."""
    assert POSTGRES_URL
    base = make_url(normalise_url(POSTGRES_URL))
    name = f"{base.database or 'test'}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'clipshop-test.db'}"
        else:
            url = stack.enter_context(private_postgres_database())
        db = Database(Settings(env="test", database_url=url))
        upgrade(db.engine)
        yield db
        db.dispose()


def truncate_all(db: Database) -> None:
    """Empty every table, children first. DELETE, not TRUNCATE: the tables of a test hold a
    few rows, and PostgreSQL's TRUNCATE of every table costs about 160 ms (new files for each)
    where the DELETEs, sent as one batch, cost about 3."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        else:
            conn.exec_driver_sql("; ".join(f"DELETE FROM {name}" for name in tables))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The database, emptied before each test."""
    truncate_all(database)
    yield database


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = create_app(db.settings, db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Actor:
    """A user with a token, ready for HTTP calls."""

    id: int
    role: str
    token: str
    principal: Principal

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_actor(
    db: Database, role: Role, email: str, age: int | None = 30, password: str | None = None
) -> Actor:
    with db.unit_of_work() as session:
        user = create_user(
            session,
            email=email,
            name=email.split("@")[0],
            role=role,
            password=password,
            date_of_birth=date(date.today().year - age, 1, 1)
            if role is Role.BUYER and age
            else None,
        )
        token = issue_token(session, user.id, "test").secret
        principal = principal_for(session, user)
    return Actor(user.id, role.value, token, principal)


@dataclass
class ShopFixture:
    id: int
    owner: Actor
    warehouse_id: int
    product_id: int
    sku_id: int
    currency: str


def make_shop(
    db: Database, owner: Actor, admin: Actor, name: str, currency: str = "USD", stock: int = 10
) -> ShopFixture:
    with db.unit_of_work() as session:
        admin_p = principal_for(session, session.get_one(User, admin.id))
        shop = shops.create_shop(
            session,
            admin_p,
            name=name,
            region="US",
            currency=currency,
            shop_type="LOCAL",
            owner_user_id=owner.id,
        )
        warehouse = warehouses.create_warehouse(
            session,
            admin_p,
            shop.id,
            {
                "name": f"{name} DC",
                "address_line1": "1 Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
                "country": "US",
            },
        )
        product, skus = products.create_product(
            session,
            admin_p,
            shop.id,
            ProductCreate(
                title=f"{name} tee",
                skus=[
                    SkuCreate(
                        seller_sku=f"{name}-TEE",
                        name="Tee",
                        price="10.00" if currency != "JPY" else "1000",
                    )
                ],
            ),
        )
        if stock:
            inventory.set_stock(session, admin_p, skus[0].id, warehouse.id, stock)
        ids = shop.id, warehouse.id, product.id, skus[0].id
    with db.unit_of_work() as session:
        owner.principal = principal_for(session, session.get_one(User, owner.id))
    return ShopFixture(ids[0], owner, ids[1], ids[2], ids[3], currency)


@dataclass
class World:
    admin: Actor
    agent: Actor
    supervisor: Actor
    buyer: Actor
    seller_a: Actor
    seller_b: Actor
    shop_a: ShopFixture
    shop_b: ShopFixture

    def by_role(self) -> dict[str, Actor]:
        return {
            "admin": self.admin,
            "agent": self.agent,
            "supervisor": self.supervisor,
            "buyer": self.buyer,
            "seller": self.seller_a,
        }


@pytest.fixture
def world(db: Database) -> World:
    return make_world(db)


def make_world(db: Database, password: str | None = None) -> World:
    """Staff of every role, a buyer, and two sellers with a shop each (``password``: every
    user's, for the web pages' sign-in)."""
    admin = make_actor(db, Role.ADMIN, "admin@test.dev", password=password)
    seller_a = make_actor(db, Role.SELLER, "seller.a@test.dev", password=password)
    seller_b = make_actor(db, Role.SELLER, "seller.b@test.dev", password=password)
    return World(
        admin=admin,
        agent=make_actor(db, Role.AGENT, "agent@test.dev", password=password),
        supervisor=make_actor(db, Role.SUPERVISOR, "supervisor@test.dev", password=password),
        buyer=make_actor(db, Role.BUYER, "buyer@test.dev", password=password),
        seller_a=seller_a,
        seller_b=seller_b,
        shop_a=make_shop(db, seller_a, admin, "ShopA"),
        shop_b=make_shop(db, seller_b, admin, "ShopB"),
    )


def problem_code(response: Any) -> str:
    """The stable error code of a problem+json response (asserting it is one)."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code
    return str(body["code"])
