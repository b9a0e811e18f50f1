"""Authorization matrix: every native API route x every role x own/foreign object.

The routes come from the app's OpenAPI schema, so a route added without a row in ``MATRIX``
fails (its own parametrized case and ``test_every_route_has_a_matrix_row`` name it).

Columns (callers):
  anon        no Authorization header
  buyer       a buyer
  seller      seller A, OWNER of shop A
  staff       a seller who is a STAFF member of shop A
  agent, supervisor, admin

Scopes: "own" means shop A's objects (for user and token routes: the caller's own user or
token, for anon: shop A / seller A); "foreign" means shop B's objects, owned by seller B
(for user and token routes: seller B's user or token). A cell is one status for both
scopes, or "own/foreign".

Every request is valid (body, path ids that exist), so only authorization decides. Besides
the status, each case checks the problem code of a refusal, that a refusal or a read left the
database exactly as it was, and that an allowed write changed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.api.app import create_app
from clipshop.catalog import shops
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.identity.principal import Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import principal_for
from clipshop.models import Base, User
from tests.conftest import Actor, ShopFixture, make_actor, make_shop, problem_code, truncate_all

CALLERS = ("anon", "buyer", "seller", "staff", "agent", "supervisor", "admin")
SCOPES = ("own", "foreign")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SKIPPED_PREFIXES = ("/docs", "/redoc", "/openapi")

MATRIX_TABLE = """
# method path [variant]                                               anon    buyer   seller  staff   agent   superv. admin
GET    /healthz                                                       200     200     200     200     200     200     200
GET    /api/v1/me                                                     401     200     200     200     200     200     200
POST   /api/v1/users                                                  401     403     403     403     403     403     201
GET    /api/v1/users                                                  401     403     403     403     403     403     200
GET    /api/v1/users/{user_id}                                        401     200/403 200/403 200/403 200/403 200/403 200
POST   /api/v1/tokens                                                 401     201/403 201/403 201/403 201/403 201/403 201
GET    /api/v1/tokens                                                 401     200/403 200/403 200/403 200/403 200/403 200
DELETE /api/v1/tokens/{token_id}                                      401     200/404 200/404 200/404 200/404 200/404 200
POST   /api/v1/shops                                                  401     403     201/403 201/403 403     403     201
GET    /api/v1/shops                                                  401     403     200     200     200     200     200
GET    /api/v1/shops/{shop_id}                                        401     403     200/404 200/404 200     200     200
PATCH  /api/v1/shops/{shop_id}                                        401     403     200/404 200/404 403     403     200
PATCH  /api/v1/shops/{shop_id} [verified]                             401     403     403/404 403/404 403     403     200
GET    /api/v1/shops/{shop_id}/members                                401     403     200/404 200/404 200     200     200
POST   /api/v1/shops/{shop_id}/members                                401     403     201/404 403/404 403     403     201
POST   /api/v1/shops/{shop_id}/warehouses                             401     403     201/404 201/404 403     403     201
GET    /api/v1/shops/{shop_id}/warehouses                             401     403     200/404 200/404 200     200     200
GET    /api/v1/warehouses/{warehouse_id}                              401     403     200/404 200/404 200     200     200
PATCH  /api/v1/warehouses/{warehouse_id}                              401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{shop_id}/products                               401     403     201/404 201/404 403     403     201
GET    /api/v1/shops/{shop_id}/products                               401     403     200/404 200/404 200     200     200
GET    /api/v1/products/{product_id}                                  401     403     200/404 200/404 200     200     200
PATCH  /api/v1/products/{product_id}                                  401     403     200/404 200/404 403     403     200
POST   /api/v1/products/{product_id}/skus                             401     403     201/404 201/404 403     403     201
GET    /api/v1/skus/{sku_id}                                          401     403     200/404 200/404 200     200     200
PATCH  /api/v1/skus/{sku_id}                                          401     403     200/404 200/404 403     403     200
GET    /api/v1/skus/{sku_id}/stock                                    401     403     200/404 200/404 200     200     200
PUT    /api/v1/skus/{sku_id}/stock/{warehouse_id}                     401     403     200/404 200/404 403     403     200
PUT    /api/v1/skus/{sku_id}/stock/{warehouse_id} [cross-shop]        401     403     404     404     403     403     404
POST   /api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust              401     403     200/404 200/404 403     403     200
POST   /api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust [cross-shop] 401     403     404     404     403     403     404
GET    /api/v1/skus/{sku_id}/movements                                401     403     200/404 200/404 200     200     200
GET    /api/v1/shops/{shop_id}/low-stock                              401     403     200/404 200/404 200     200     200
"""  # noqa: E501
# [verified]: the body sets ``verified`` (admins only) instead of renaming.
# [cross-shop]: the SKU and the warehouse belong to different shops ("own" = own SKU with the
# other shop's warehouse, "foreign" = the other shop's SKU with an own warehouse).

RouteKey = tuple[str, str]  # (METHOD, path template)
RowKey = tuple[str, str, str]  # (METHOD, path template, variant or "")


def _parse_matrix(text: str) -> dict[RowKey, dict[tuple[str, str], int]]:
    rows: dict[RowKey, dict[tuple[str, str], int]] = {}
    for line in text.strip().splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"(\w+)\s+(\S+)(?:\s+\[([\w-]+)\])?\s+(.+)", line.strip())
        assert match, f"cannot parse matrix line: {line!r}"
        method, path, variant, cells = match.groups()
        values = cells.split()
        assert len(values) == len(CALLERS), f"{len(CALLERS)} cells expected: {line!r}"
        key = (method, path, variant or "")
        assert key not in rows, f"duplicate matrix row: {line!r}"
        expected: dict[tuple[str, str], int] = {}
        for caller, cell in zip(CALLERS, values, strict=True):
            own, _, foreign = cell.partition("/")
            expected[caller, "own"] = int(own)
            expected[caller, "foreign"] = int(foreign or own)
        rows[key] = expected
    return rows


MATRIX = _parse_matrix(MATRIX_TABLE)


def api_routes() -> list[RouteKey]:
    """Every (method, path) of the OpenAPI schema, docs excluded."""
    app = create_app(Settings(env="test", database_url="sqlite://"))
    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if not path.startswith(SKIPPED_PREFIXES)
        for method in operations
        if method in HTTP_METHODS
    ]
    return sorted(routes, key=lambda r: (r[1], r[0]))


ROUTES = api_routes()


def _missing_rows() -> list[str]:
    covered = {(method, path) for method, path, _ in MATRIX}
    return [f"{method} {path}" for method, path in ROUTES if (method, path) not in covered]


def test_every_route_has_a_matrix_row() -> None:
    missing = _missing_rows()
    assert not missing, (
        "routes without a row in the authorization matrix (add them to MATRIX_TABLE in "
        f"{__file__}): " + ", ".join(missing)
    )


def test_every_matrix_row_is_a_route() -> None:
    stale = sorted({f"{m} {p}" for m, p, _ in MATRIX if (m, p) not in set(ROUTES)})
    assert not stale, "matrix rows for routes that do not exist: " + ", ".join(stale)


# ---------------------------------------------------------------------------------------------
# The world the matrix runs against


@dataclass
class MatrixWorld:
    callers: dict[str, Actor]  # by column name, without "anon"
    seller_b: Actor
    newcomer: Actor  # a seller in no shop: the member to add
    shop_a: ShopFixture
    shop_b: ShopFixture
    spare_tokens: dict[int, int] = field(default_factory=dict)  # user id -> a revocable token

    def shop(self, scope: str) -> ShopFixture:
        return self.shop_a if scope == "own" else self.shop_b

    def other_shop(self, scope: str) -> ShopFixture:
        return self.shop_b if scope == "own" else self.shop_a

    def user_for(self, caller: str, scope: str) -> Actor:
        """Whose user/token a request of this scope is about."""
        if scope == "foreign":
            return self.seller_b
        return self.callers.get(caller, self.callers["seller"])

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "anon" else self.callers[caller].headers


def build_world(db: Database) -> MatrixWorld:
    admin = make_actor(db, Role.ADMIN, "admin@matrix.dev")
    seller_a = make_actor(db, Role.SELLER, "seller.a@matrix.dev")
    seller_b = make_actor(db, Role.SELLER, "seller.b@matrix.dev")
    staff = make_actor(db, Role.SELLER, "staff.a@matrix.dev")
    callers = {
        "buyer": make_actor(db, Role.BUYER, "buyer@matrix.dev"),
        "seller": seller_a,
        "staff": staff,
        "agent": make_actor(db, Role.AGENT, "agent@matrix.dev"),
        "supervisor": make_actor(db, Role.SUPERVISOR, "supervisor@matrix.dev"),
        "admin": admin,
    }
    world = MatrixWorld(
        callers=callers,
        seller_b=seller_b,
        newcomer=make_actor(db, Role.SELLER, "newcomer@matrix.dev"),
        shop_a=make_shop(db, seller_a, admin, "ShopA"),
        shop_b=make_shop(db, seller_b, admin, "ShopB"),
    )
    with db.unit_of_work() as session:
        admin_p = principal_for(session, session.get_one(User, admin.id))
        shops.add_member(session, admin_p, world.shop_a.id, staff.id, "STAFF")
        for actor in [*callers.values(), seller_b]:
            world.spare_tokens[actor.id] = issue_token(session, actor.id, "spare").token.id
    return world


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a comparable form."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


# ---------------------------------------------------------------------------------------------
# Valid requests per row

Builder = Callable[[MatrixWorld, str, str], Any]  # (world, caller, scope) -> value


@dataclass(frozen=True)
class RequestSpec:
    body: Builder | None = None
    query: Builder | None = None
    ids: Builder | None = None  # overrides of path parameters


def _shop_ids(shop: ShopFixture) -> dict[str, int]:
    return {
        "shop_id": shop.id,
        "warehouse_id": shop.warehouse_id,
        "product_id": shop.product_id,
        "sku_id": shop.sku_id,
    }


def default_ids(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    user = world.user_for(caller, scope)
    return {
        **_shop_ids(world.shop(scope)),
        "user_id": user.id,
        "token_id": world.spare_tokens[user.id],
    }


def _cross_shop(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    return {"warehouse_id": world.other_shop(scope).warehouse_id}


def _token_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "matrix"}
    if scope == "foreign":
        body["user_id"] = str(world.seller_b.id)
    return body


def _shop_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "New shop", "region": "US", "currency": "USD"}
    if scope == "foreign":  # a shop owned by somebody else
        body["owner_user_id"] = str(world.seller_b.id)
    elif caller == "admin":  # an admin must always name the owner
        body["owner_user_id"] = str(world.callers["seller"].id)
    return body


WAREHOUSE_BODY = {
    "name": "Second DC",
    "address_line1": "2 Dock Rd",
    "city": "Portland",
    "state": "OR",
    "postal_code": "97201",
    "country": "US",
}
SKU_BODY = {"seller_sku": "MATRIX-NEW", "name": "Matrix tee", "price": "12.50"}


def _const(value: Any) -> Builder:
    return lambda world, caller, scope: value


REQUESTS: dict[RowKey, RequestSpec] = {
    ("POST", "/api/v1/users", ""): RequestSpec(
        body=_const({"email": "new.user@matrix.dev", "name": "New User", "role": "seller"})
    ),
    ("POST", "/api/v1/tokens", ""): RequestSpec(body=_token_body),
    ("GET", "/api/v1/tokens", ""): RequestSpec(
        query=lambda w, c, s: {"user_id": str(w.seller_b.id)} if s == "foreign" else {}
    ),
    ("POST", "/api/v1/shops", ""): RequestSpec(body=_shop_body),
    ("PATCH", "/api/v1/shops/{shop_id}", ""): RequestSpec(body=_const({"name": "Renamed"})),
    ("PATCH", "/api/v1/shops/{shop_id}", "verified"): RequestSpec(body=_const({"verified": True})),
    ("POST", "/api/v1/shops/{shop_id}/members", ""): RequestSpec(
        body=lambda w, c, s: {"user_id": str(w.newcomer.id), "role": "STAFF"}
    ),
    ("POST", "/api/v1/shops/{shop_id}/warehouses", ""): RequestSpec(body=_const(WAREHOUSE_BODY)),
    ("PATCH", "/api/v1/warehouses/{warehouse_id}", ""): RequestSpec(
        body=_const({"name": "Renamed DC"})
    ),
    ("POST", "/api/v1/shops/{shop_id}/products", ""): RequestSpec(
        body=_const({"title": "Matrix hoodie", "skus": [SKU_BODY]})
    ),
    ("PATCH", "/api/v1/products/{product_id}", ""): RequestSpec(
        body=_const({"title": "Renamed tee"})
    ),
    ("POST", "/api/v1/products/{product_id}/skus", ""): RequestSpec(body=_const(SKU_BODY)),
    ("PATCH", "/api/v1/skus/{sku_id}", ""): RequestSpec(body=_const({"name": "Renamed"})),
    ("PUT", "/api/v1/skus/{sku_id}/stock/{warehouse_id}", ""): RequestSpec(
        body=_const({"available": 7})
    ),
    ("PUT", "/api/v1/skus/{sku_id}/stock/{warehouse_id}", "cross-shop"): RequestSpec(
        body=_const({"available": 7}), ids=_cross_shop
    ),
    ("POST", "/api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust", ""): RequestSpec(
        body=_const({"delta": 3})
    ),
    ("POST", "/api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust", "cross-shop"): RequestSpec(
        body=_const({"delta": 3}), ids=_cross_shop
    ),
}


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: Any
    query: Any

    def describe(self) -> str:
        return f"{self.method} {self.url} query={self.query} body={self.body}"


def build_call(row: RowKey, world: MatrixWorld, caller: str, scope: str) -> Call:
    method, template, _ = row
    spec = REQUESTS.get(row, RequestSpec())
    ids = default_ids(world, caller, scope)
    if spec.ids is not None:
        ids.update(spec.ids(world, caller, scope))

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no value for path parameter {{{name}}} of {method} {template}"
        return str(ids[name])

    url = re.sub(r"\{(\w+)\}", fill, template)
    body = spec.body(world, caller, scope) if spec.body else None
    if method not in READ_METHODS | {"DELETE"}:
        assert body is not None, f"no request body declared in REQUESTS for {row}"
    query = spec.query(world, caller, scope) if spec.query else None
    return Call(method, url, body, query)


REFUSAL_CODES = {401: "missing_token", 403: "forbidden", 404: "not_found"}


def _check(
    client: TestClient, db: Database, call: Call, caller: str, expected: int, world: MatrixWorld
) -> tuple[list[str], bool]:
    """Run one call; returns the problems found and whether the database changed."""
    before = snapshot(db)
    response = client.request(
        call.method, call.url, json=call.body, params=call.query, headers=world.headers(caller)
    )
    changed = snapshot(db) != before
    problems = []
    if response.status_code != expected:
        problems.append(f"expected {expected}, got {response.status_code}: {response.text[:300]}")
    elif expected >= 400:
        code = problem_code(response)
        if code != REFUSAL_CODES.get(expected, code):
            problems.append(f"expected problem code {REFUSAL_CODES[expected]}, got {code}")
    if (expected >= 400 or call.method in READ_METHODS) and changed:
        problems.append("the database changed although the call was a read or was refused")
    if expected < 400 and call.method not in READ_METHODS and not changed:
        problems.append("an allowed write left the database unchanged")
    return problems, changed


def _cases(row: RowKey, world: MatrixWorld) -> Iterator[tuple[str, str, int]]:
    """(caller, scope, expected); a scope whose request equals the other's runs once."""
    for caller in CALLERS:
        seen: dict[str, int] = {}
        for scope in SCOPES:
            expected = MATRIX[row][caller, scope]
            call = build_call(row, world, caller, scope).describe()
            if call in seen:
                assert seen[call] == expected, (
                    f"{row}: the matrix expects {caller} own/foreign to differ but the "
                    "requests are the same; give the row a scope-dependent request in REQUESTS"
                )
                continue
            seen[call] = expected
            yield caller, scope, expected


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_authorization_matrix(route: RouteKey, db: Database, client: TestClient) -> None:
    rows = [key for key in MATRIX if key[:2] == route]
    if not rows:
        pytest.fail(
            f"no authorization-matrix row for {route[0]} {route[1]}: "
            f"add one to MATRIX_TABLE in {__file__}"
        )
    world = build_world(db)
    failures: list[str] = []
    for row in rows:
        for caller, scope, expected in list(_cases(row, world)):
            call = build_call(row, world, caller, scope)
            problems, changed = _check(client, db, call, caller, expected, world)
            label = f"{row[0]} {row[1]}{f' [{row[2]}]' if row[2] else ''} as {caller} ({scope})"
            failures += [f"{label}: {p}\n    {call.describe()}" for p in problems]
            if changed:  # start the next case from the same world, with fresh ids
                truncate_all(db)
                world = build_world(db)
    assert not failures, f"{len(failures)} authorization mismatches:\n" + "\n".join(failures)


def test_lists_show_only_visible_objects(db: Database, client: TestClient) -> None:
    world = build_world(db)
    a, b = str(world.shop_a.id), str(world.shop_b.id)
    expected_shops = {"seller": [a], "staff": [a], "agent": [b, a], "admin": [b, a]}
    for caller, ids in expected_shops.items():
        response = client.get("/api/v1/shops", headers=world.headers(caller))
        assert response.status_code == 200
        assert [s["id"] for s in response.json()["items"]] == ids, caller
    for caller, actor in world.callers.items():
        response = client.get("/api/v1/tokens", headers=world.headers(caller))
        assert response.status_code == 200
        owners = {t["user_id"] for t in response.json()["items"]}
        assert owners == {str(actor.id)}, caller
