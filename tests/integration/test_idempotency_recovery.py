"""An Idempotency-Key whose request died is recovered, never held for ever.

The takeover rules (``core.idempotency``): a repeat takes over an IN_FLIGHT record when its
lease has run out, or at once when its holder was a request of this process that has ended;
only one of several retries wins. Then a checkout or payment retry that died is finished or
answered from the rows its first request wrote (found by the key's claim id), never placed
or charged twice. Requests die here by a gateway that raises ``Died`` (a BaseException, as
nothing in the server catches) at a chosen step, like the process ending there; the real
SIGKILL of a server is ``test_idempotency_crash.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from clipshop.api.app import create_app
from clipshop.checkout import payflow
from clipshop.core import idempotency
from clipshop.core.db import Database
from clipshop.models import IdempotencyRecord, Order, Payment, PaymentAttempt, StockLevel
from clipshop.payments.gateway import GatewayResult
from clipshop.payments.simulated import SimulatedGateway
from tests.conftest import Actor, World, problem_code
from tests.integration.checkout_api import (
    API,
    DECLINED_CARD,
    OK_CARD,
    add_card,
    charged,
    checkout_body,
    count,
    stock,
)

TTL, LEASE = timedelta(hours=24), timedelta(minutes=1)
KEY = "died-1"
PATH = f"{API}/checkout"


class Died(BaseException):
    """The server process ends here (nothing in it catches a BaseException)."""


class DyingGateway(SimulatedGateway):
    """The simulated gateway, but the process dies just before ``at`` ("authorize",
    "capture") or just after the capture ("answer")."""

    def __init__(self, db: Database, at: str) -> None:
        super().__init__(db)
        self.at = at

    def authorize(
        self, token: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        if self.at == "authorize":
            raise Died
        return super().authorize(token, amount, currency, idempotency_key)

    def capture(
        self, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        if self.at == "capture":
            raise Died
        result = super().capture(reference, amount, currency, idempotency_key)
        if self.at == "answer":
            raise Died
        return result


@pytest.fixture
def dying(db: Database) -> Iterator[dict[str, TestClient]]:
    """A server per step at which its requests die (sharing the database with ``client``)."""
    clients = {}
    for at in ("authorize", "capture", "answer"):
        app = create_app(db.settings, db, gateway=DyingGateway(db, at))
        clients[at] = TestClient(app, raise_server_exceptions=True)
    yield clients


def send(client: TestClient, buyer: Actor, url: str, body: bytes, key: str) -> Any:
    headers = {**buyer.headers, "Idempotency-Key": key, "Content-Type": "application/json"}
    return client.post(url, content=body, headers=headers)


def die(client: TestClient, buyer: Actor, url: str, body: bytes, key: str = KEY) -> None:
    with pytest.raises(Died):
        send(client, buyer, url, body, key)
    record = read_record(client_db(client), buyer.id, key)
    assert record.state == "IN_FLIGHT"  # nothing stored an answer or released the key


def client_db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def read_record(db: Database, user_id: int, key: str) -> IdempotencyRecord:
    with db.unit_of_work(write=False) as session:
        return session.get_one(IdempotencyRecord, (user_id, key))


def body_of(sku_id: int, **extra: Any) -> bytes:
    return json.dumps(checkout_body({sku_id: 1}, **extra)).encode()


# -- checkouts that died ----------------------------------------------------------------


@pytest.mark.parametrize("at", ["authorize", "capture", "answer"])
def test_a_checkout_that_died_at_the_gateway_is_paid_once_by_its_retry(
    client: TestClient, dying: dict[str, TestClient], db: Database, world: World, at: str
) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    body = body_of(a.sku_id)
    die(dying[at], buyer, PATH, body)
    assert count(db, Payment) == 1 and count(db, PaymentAttempt) == 1

    retried = send(client, buyer, PATH, body, KEY)
    assert retried.status_code == 201, retried.text
    answer = retried.json()
    assert answer["payment"]["status"] == "CAPTURED"
    assert [o["status"] for o in answer["orders"]] == ["ON_HOLD"]
    assert count(db, Payment) == 1 and count(db, Order) == 1
    assert count(db, PaymentAttempt) == 1  # the first request's attempt, paid on
    assert charged(client) == 1000 + 499  # once, whatever the gateway had booked
    assert stock(client, world.seller_a, a.sku_id) == (9, 1)

    again = send(client, buyer, PATH, body, KEY)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == retried.content


def test_a_checkout_that_died_and_was_reconciled_answers_what_happened(
    client: TestClient, dying: dict[str, TestClient], db: Database, world: World
) -> None:
    """The issue's keys: the reconciler found no charge (FAILED no_answer) and the orders
    UNPAID; the retry tells the client so (and it can pay with /payments/{id}/retry)."""
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    body = body_of(a.sku_id)
    die(dying["authorize"], buyer, PATH, body)
    assert payflow.reconcile(db, SimulatedGateway(db), timedelta(0)) == 1

    retried = send(client, buyer, PATH, body, KEY)
    assert retried.status_code == 201, retried.text
    payment = retried.json()["payment"]
    assert (payment["status"], payment["failure_code"]) == ("FAILED", "no_answer")
    assert [o["status"] for o in retried.json()["orders"]] == ["UNPAID"]
    assert count(db, Payment) == 1 and count(db, PaymentAttempt) == 1
    assert charged(client) == 0

    paid = send(client, buyer, f"{API}/payments/{payment['id']}/retry", b"{}", "pay-it")
    assert paid.status_code == 200, paid.text
    assert paid.json()["payment"]["status"] == "CAPTURED"
    assert charged(client) == 1000 + 499


def test_a_checkout_that_died_before_placing_runs_again_once(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    body = body_of(a.sku_id)
    owner = idempotency.OWNERS.begin()  # claimed, then the process died before placing
    fp = idempotency.fingerprint("POST", PATH, "", body)
    assert isinstance(
        idempotency.begin(db, buyer.id, KEY, fp, TTL, owner, LEASE), idempotency.Claim
    )
    idempotency.OWNERS.end(owner)

    retried = send(client, buyer, PATH, body, KEY)
    assert retried.status_code == 201, retried.text
    assert retried.json()["payment"]["status"] == "CAPTURED"
    assert count(db, Payment) == 1 and count(db, Order) == 1
    assert charged(client) == 1000 + 499


def test_a_payment_retry_that_died_is_paid_once_by_its_retry(
    client: TestClient, dying: dict[str, TestClient], db: Database, world: World
) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, DECLINED_CARD)  # the default
    good = add_card(client, buyer, OK_CARD)
    first = send(client, buyer, PATH, body_of(a.sku_id), "declined")
    assert first.json()["payment"]["status"] == "FAILED"
    url = f"{API}/payments/{first.json()['payment']['id']}/retry"
    body = json.dumps({"payment_method_id": str(good)}).encode()
    die(dying["authorize"], buyer, url, body, "retry-1")

    retried = send(client, buyer, url, body, "retry-1")
    assert retried.status_code == 200, retried.text
    assert retried.json()["payment"]["status"] == "CAPTURED"
    assert count(db, PaymentAttempt) == 2  # the declined one, and the retry's, paid on
    assert charged(client) == 1000 + 499


def waiting_on_locks(db: Database) -> int:
    with db.engine.connect() as conn:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        return int(conn.execute(text(sql + " AND wait_event_type = 'Lock'")).scalar_one())


def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline, "never reached"
        time.sleep(0.02)


def test_a_request_that_outlived_its_lease_and_its_taker_place_once(
    client: TestClient, db: Database, world: World
) -> None:
    """The lease is meant to outlast every request; if one runs longer, the retry that takes
    its key over may place at the same time. The claim id is unique on the attempt: one of
    the two places, the other answers from what it placed."""
    if db.is_sqlite:
        pytest.skip("a row lock keeps the first request placing: PostgreSQL only")
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    body = body_of(a.sku_id)
    stock_row = select(StockLevel).where(StockLevel.sku_id == a.sku_id).with_for_update()
    with db.engine.connect() as lock, ThreadPoolExecutor(2) as pool:
        lock.execute(stock_row)  # the first request waits for the stock row while placing
        first = pool.submit(send, client, buyer, PATH, body, KEY)
        wait_until(lambda: waiting_on_locks(db) == 1)
        end_lease(db, buyer.id)  # it is still running, but its lease ran out
        taker = pool.submit(send, client, buyer, PATH, body, KEY)
        wait_until(lambda: waiting_on_locks(db) == 2)  # the taker places too, and waits
        lock.rollback()
        answers = [first.result(timeout=60), taker.result(timeout=60)]

    assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]
    assert {r.json()["payment"]["id"] for r in answers} == {answers[0].json()["payment"]["id"]}
    assert {r.json()["payment"]["status"] for r in answers} == {"CAPTURED"}
    assert count(db, Payment) == 1 and count(db, Order) == 1 and count(db, PaymentAttempt) == 1
    assert charged(client) == 1000 + 499
    assert stock(client, world.seller_a, a.sku_id) == (9, 1)


# -- the takeover rules -----------------------------------------------------------------


def claim(db: Database, user_id: int, owner: str, fp: str = "f" * 64) -> Any:
    return idempotency.begin(db, user_id, KEY, fp, TTL, owner, LEASE)


def end_lease(db: Database, user_id: int) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == KEY)
            .values(claimed_until=idempotency.wall_now() - timedelta(seconds=1))
        )


def test_a_record_whose_lease_ran_out_is_taken_over(db: Database, world: World) -> None:
    user = world.buyer.id
    first = claim(db, user, idempotency.OWNERS.begin())  # still running, as far as we know
    assert isinstance(first, idempotency.Claim)
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Stored)

    end_lease(db, user)
    second = claim(db, user, idempotency.OWNERS.begin())
    assert isinstance(second, idempotency.Claim) and second.recovered
    assert second.claim_id == first.claim_id  # what the first request wrote is found by it
    # The new holder has a lease of its own: the next repeat waits again.
    third = claim(db, user, idempotency.OWNERS.begin())
    assert isinstance(third, idempotency.Stored) and third.state == "IN_FLIGHT"
    assert third.claimed_until is not None and third.claimed_until > idempotency.wall_now()


def test_an_ended_holder_of_this_process_is_taken_over_at_once(db: Database, world: World) -> None:
    user = world.buyer.id
    owner = idempotency.OWNERS.begin()
    assert isinstance(claim(db, user, owner), idempotency.Claim)
    # Another process's holder with a live lease is never judged from here.
    with db.unit_of_work() as session:
        session.execute(update(IdempotencyRecord).values(owner="0123456789abcdef.1"))
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Stored)
    with db.unit_of_work() as session:
        session.execute(update(IdempotencyRecord).values(owner=owner))
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Stored)

    idempotency.OWNERS.end(owner)  # its request ended without storing or releasing
    taken = claim(db, user, idempotency.OWNERS.begin())
    assert isinstance(taken, idempotency.Claim) and taken.recovered


def test_a_different_request_never_takes_a_key_over(db: Database, world: World) -> None:
    user = world.buyer.id
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Claim)
    end_lease(db, user)
    other = claim(db, user, idempotency.OWNERS.begin(), fp="0" * 64)
    assert isinstance(other, idempotency.Stored) and other.request_hash == "f" * 64


def test_two_takeovers_of_one_record_one_wins(db: Database, world: World) -> None:
    user = world.buyer.id
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Claim)
    end_lease(db, user)
    found = read_record(db, user, KEY)  # both retries read the record before either wrote
    with db.unit_of_work() as session:
        assert idempotency.take_over(session, found, idempotency.OWNERS.begin(), LEASE)
    with db.unit_of_work() as session:
        assert idempotency.take_over(session, found, idempotency.OWNERS.begin(), LEASE) is None


def test_concurrent_retries_of_a_dead_request_one_takes_it_over(db: Database, world: World) -> None:
    user = world.buyer.id
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Claim)
    end_lease(db, user)
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: claim(db, user, idempotency.OWNERS.begin()), range(8)))
    claims = [f for f in found if isinstance(f, idempotency.Claim)]
    assert len(claims) == 1 and claims[0].recovered
    assert all(
        isinstance(f, idempotency.Stored) and f.state == "IN_FLIGHT"
        for f in found
        if f not in claims
    )
    assert read_record(db, user, KEY).owner == claims[0].owner


def test_release_ends_only_its_own_holders_lease(db: Database, world: World) -> None:
    user = world.buyer.id
    first = idempotency.OWNERS.begin()
    assert isinstance(claim(db, user, first), idempotency.Claim)
    end_lease(db, user)
    second = idempotency.OWNERS.begin()
    assert isinstance(claim(db, user, second), idempotency.Claim)
    until = read_record(db, user, KEY).claimed_until

    idempotency.release(db, user, KEY, first)  # the old holder, late: changes nothing
    assert read_record(db, user, KEY).claimed_until == until
    idempotency.release(db, user, KEY, second)
    assert isinstance(claim(db, user, idempotency.OWNERS.begin()), idempotency.Claim)


def test_a_record_from_before_leases_is_taken_over(
    client: TestClient, db: Database, world: World
) -> None:
    """Records left IN_FLIGHT before migration 0009 have no holder and no lease."""
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    body = body_of(a.sku_id)
    fp = idempotency.fingerprint("POST", PATH, "", body)
    assert isinstance(claim(db, buyer.id, idempotency.OWNERS.begin(), fp), idempotency.Claim)
    with db.unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord).values(owner=None, claimed_until=None, claim_id=None)
        )
    retried = send(client, buyer, PATH, body, KEY)
    assert retried.status_code == 201, retried.text
    assert count(db, Order) == 1


def test_in_flight_answer_says_when_to_retry(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a = world.buyer, world.shop_a
    body = body_of(a.sku_id)
    fp = idempotency.fingerprint("POST", PATH, "", body)
    assert isinstance(claim(db, buyer.id, idempotency.OWNERS.begin(), fp), idempotency.Claim)
    busy = send(client, buyer, PATH, body, KEY)
    assert busy.status_code == 409
    assert problem_code(busy) == "idempotency_request_in_flight"
    assert 1 <= int(busy.headers["retry-after"]) <= LEASE.total_seconds()
