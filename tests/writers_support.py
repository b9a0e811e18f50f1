"""Many writers at once through every kind of write route, for the concurrency tests of the
writer turn (a real ``clipshop serve`` on SQLite in ``tests/e2e``, the in-process app on both
databases in ``tests/concurrency``).

The kinds: a user and a token created by an admin (the request's own unit of work, half of
the users with an Idempotency-Key), a stock adjustment (half with a key) and a SKU edit by the
seller, a cart line and a checkout (own units of work and the gateway; always a key) by the
buyer. Every answer is recorded; the rows are then counted against the answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from clipshop.core.db import Database
from clipshop.models import ApiToken, Order, StockLevel, User
from tests.conftest import Actor
from tests.integration.checkout_api import ADDRESS, OK_CARD

API = "/api/v1"
Answer = tuple[str, int, Any]  # (kind, HTTP status or 0 when none came, JSON body)
Kind = Callable[[httpx.Client, int], httpx.Response]


@dataclass
class Writers:
    admin: Actor
    seller: Actor
    buyer: Actor
    sku: int
    warehouse: int

    def user(self, client: httpx.Client, n: int) -> httpx.Response:
        body = {"email": f"writer{n}@test.dev", "name": f"writer {n}", "role": "seller"}
        headers = self.admin.headers | ({"Idempotency-Key": f"user-{n}"} if n % 2 else {})
        return client.post(f"{API}/users", json=body, headers=headers)

    def token(self, client: httpx.Client, n: int) -> httpx.Response:
        return client.post(f"{API}/tokens", json={"name": f"t{n}"}, headers=self.admin.headers)

    def adjust(self, client: httpx.Client, n: int) -> httpx.Response:
        path = f"{API}/skus/{self.sku}/stock/{self.warehouse}/adjust"
        headers = self.seller.headers | ({"Idempotency-Key": f"adjust-{n}"} if n % 2 else {})
        return client.post(path, json={"delta": 1, "reason": "RECEIVED"}, headers=headers)

    def patch_sku(self, client: httpx.Client, n: int) -> httpx.Response:
        body = {"name": f"Tee {n}"}
        return client.patch(f"{API}/skus/{self.sku}", json=body, headers=self.seller.headers)

    def cart(self, client: httpx.Client, n: int) -> httpx.Response:
        path = f"{API}/cart/items/{self.sku}"
        return client.put(path, json={"quantity": n % 9 + 1}, headers=self.buyer.headers)

    def checkout(self, client: httpx.Client, n: int) -> httpx.Response:
        body = {"items": [{"sku_id": str(self.sku), "quantity": 1}], "shipping_address": ADDRESS}
        headers = self.buyer.headers | {"Idempotency-Key": f"checkout-{n}"}
        return client.post(f"{API}/checkout", json=body, headers=headers)

    def kinds(self) -> list[Kind]:
        return [self.user, self.token, self.adjust, self.patch_sku, self.cart, self.checkout]

    def add_card(self, client: httpx.Client) -> None:
        card = {"type": "CARD", "card_number": OK_CARD, "exp_month": 12, "exp_year": 2099}
        card |= {"cvc": "123", "make_default": True}
        added = client.post(f"{API}/payment-methods", json=card, headers=self.buyer.headers)
        assert added.status_code == 201, added.text

    def run(
        self,
        client_for: Callable[[], AbstractContextManager[httpx.Client]],
        count: int,
        rounds: int,
    ) -> list[Answer]:
        """``count`` writers at once, each sending ``rounds`` requests of the next kinds
        through its own client; a writer whose request times out stops there."""
        kinds = self.kinds()

        def write(index: int) -> list[Answer]:
            answers: list[Answer] = []
            with client_for() as client:
                for r in range(rounds):
                    kind = kinds[(index + r) % len(kinds)]
                    try:
                        response = kind(client, index * rounds + r)
                    except httpx.TimeoutException:
                        answers.append((kind.__name__, 0, "no answer"))
                        return answers
                    body = response.json() if response.content else None
                    answers.append((kind.__name__, response.status_code, body))
            return answers

        with ThreadPoolExecutor(count) as pool:
            return [a for batch in pool.map(write, range(count)) for a in batch]


def count_rows(db: Database, column: Any) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count(column))) or 0)


@dataclass(frozen=True)
class Rows:
    users: int
    tokens: int
    orders: int
    units: int  # the SKU's stock, available + committed
    committed: int

    @classmethod
    def read(cls, db: Database, sku: int) -> Rows:
        with db.unit_of_work(write=False) as session:
            level = session.execute(
                select(func.sum(StockLevel.available), func.sum(StockLevel.committed)).where(
                    StockLevel.sku_id == sku
                )
            ).one()
        users, tokens = count_rows(db, User.id), count_rows(db, ApiToken.id)
        orders = count_rows(db, Order.id)
        return cls(users, tokens, orders, int(level[0]) + int(level[1]), int(level[1]))


def assert_all_answered(answers: list[Answer], expected: int) -> None:
    """Every request answered, with a success or a client error, never a 5xx."""
    wrong = [a for a in answers if not 200 <= a[1] < 500]
    assert wrong == [], wrong
    assert len(answers) == expected


def assert_rows_follow(answers: list[Answer], before: Rows, after: Rows) -> None:
    """What the answers say was written is exactly what was written."""
    ok = Counter(kind for kind, status, _ in answers if 200 <= status < 300)
    placed = {
        o["id"]
        for kind, status, body in answers
        if kind == "checkout" and status == 201
        for o in body["orders"]
    }
    assert len(placed) == ok["checkout"]
    assert after == Rows(
        users=before.users + ok["user"],
        tokens=before.tokens + ok["token"],
        orders=before.orders + len(placed),
        units=before.units + ok["adjust"],
        committed=before.committed + len(placed),
    )
