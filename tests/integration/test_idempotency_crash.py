"""SIGKILL a real ``clipshop serve`` in the middle of checkouts, start it again, retry every
Idempotency-Key with the same body: each key gets its real outcome (never 409 in flight for
good), and no key ever places a second checkout or charges twice.

PostgreSQL: the requests are held at chosen steps by locks the test takes (a stock row: still
placing; the gateway's table: placed, not yet paid), so each key's state at the kill is
known. SQLite has no such locks: the server is stopped (SIGSTOP) until its database shows
requests in both states, then killed; what each key had done is read after the kill.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from clipshop.checkout import payflow
from clipshop.core.db import Database
from clipshop.models import (
    IdempotencyRecord,
    Order,
    Payment,
    PaymentAttempt,
    SimGatewayOperation,
    StockLevel,
)
from clipshop.payments.simulated import SimulatedGateway
from tests import servers
from tests.conftest import Actor, World
from tests.integration.checkout_api import ADDRESS, OK_CARD

LEASE_SECONDS = 3
STOCK = 10_000
PRICE = 1000 + 499  # a tee and its shipping


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str


@pytest.fixture
def serve(db: Database, tmp_path: Path) -> Iterator[Callable[[], Server]]:
    """Start ``clipshop serve`` on the test database (one process, no background jobs)."""
    started: list[Server] = []
    env = {
        **os.environ,
        "CLIPSHOP_DATABASE_URL": db.settings.database_url,
        "CLIPSHOP_STORAGE_DIR": str(tmp_path / "files"),
        "CLIPSHOP_IDEMPOTENCY_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    log_path = tmp_path / "serve.log"

    def start() -> Server:
        port = servers.free_port()
        command = [sys.executable, "-m", "clipshop", "serve", "--port", str(port)]
        process = servers.start([*command, "--jobs-interval", "0"], env, log_path, port)
        server = Server(process, f"http://127.0.0.1:{port}")
        started.append(server)
        return server

    yield start
    for server in started:
        servers.stop(server.process)


def body_of(sku_id: int) -> bytes:
    items = [{"sku_id": str(sku_id), "quantity": 1}]
    return json.dumps({"items": items, "shipping_address": ADDRESS}).encode()


def post(base: str, buyer: Actor, key: str, body: bytes) -> httpx.Response:
    headers = {**buyer.headers, "Idempotency-Key": key, "Content-Type": "application/json"}
    return httpx.post(f"{base}/api/v1/checkout", content=body, headers=headers, timeout=60)


def post_until_answered(base: str, buyer: Actor, key: str, body: bytes) -> httpx.Response:
    """Retry as a client would: while the key is in flight, after its Retry-After."""
    for _ in range(10):
        response = post(base, buyer, key, body)
        if response.status_code != 409 or "retry-after" not in response.headers:
            return response
        assert response.json()["code"] == "idempotency_request_in_flight", response.text
        wait = int(response.headers["retry-after"])
        assert 1 <= wait <= LEASE_SECONDS
        time.sleep(wait)
    raise AssertionError(f"{key} stayed in flight")


def prepare(server: Server, world: World) -> None:
    """Stock enough for every checkout, and the buyer's default card."""
    with httpx.Client(base_url=f"{server.base}/api/v1") as client:
        for shop in (world.shop_a, world.shop_b):
            url = f"/skus/{shop.sku_id}/stock/{shop.warehouse_id}"
            answer = client.put(url, json={"available": STOCK}, headers=shop.owner.headers)
            assert answer.status_code == 200, answer.text
        card = {"type": "CARD", "card_number": OK_CARD, "exp_month": 12, "exp_year": 2099}
        card |= {"cvc": "123"}
        answer = client.post("/payment-methods", json=card, headers=world.buyer.headers)
        assert answer.status_code == 201, answer.text


def fire(pool: ThreadPoolExecutor, server: Server, buyer: Actor, keys: dict[str, bytes]) -> None:
    """Send the checkouts; the server dies under them (their answers are never read)."""

    def send(key: str) -> None:
        with contextlib.suppress(httpx.TransportError):
            post(server.base, buyer, key, keys[key])

    futures: list[Future[None]] = [pool.submit(send, key) for key in keys]
    assert futures


def scalar(db: Database, sql: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not done():
        assert time.monotonic() < deadline, "never reached"
        time.sleep(0.05)


@dataclass(frozen=True)
class KeyState:
    """What a key's first request had done when the server died."""

    state: str | None  # the record: None (never claimed), IN_FLIGHT, DONE
    attempt: str | None  # its payment attempt's status, None if it opened none


def key_states(db: Database, user_id: int) -> dict[str, KeyState]:
    record, attempt = IdempotencyRecord, PaymentAttempt
    stmt = (
        select(record.key, record.state, attempt.status)
        .outerjoin(attempt, attempt.claim_id == record.claim_id)
        .where(record.user_id == user_id)
    )
    with db.engine.connect() as conn:
        return {key: KeyState(state, status) for key, state, status in conn.execute(stmt)}


def check_books(db: Database, answers: dict[str, httpx.Response], world: World) -> None:
    """One checkout per key, each charged at most once, the answers as the rows are."""
    payments = {key: r.json()["payment"] for key, r in answers.items()}
    assert len({p["id"] for p in payments.values()}) == len(answers)
    with db.unit_of_work(write=False) as session:

        def count(model: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        assert count(Payment) == count(Order) == count(PaymentAttempt) == len(answers)
        rows = {p.id: p for p in session.scalars(select(Payment))}
        for answer in payments.values():
            row = rows[int(answer["id"])]
            assert (row.status, row.failure_code) == (answer["status"], answer["failure_code"])
        captured = sum(p.captured_amount for p in rows.values())
        assert captured == PRICE * sum(p.status == "CAPTURED" for p in rows.values())
        operations = select(SimGatewayOperation).where(SimGatewayOperation.succeeded)
        booked = list(session.scalars(operations))
        assert sum(o.amount for o in booked if o.operation == "CAPTURE") == captured
        stock = select(func.sum(StockLevel.committed)).where(
            StockLevel.sku_id.in_([world.shop_a.sku_id, world.shop_b.sku_id])
        )
        assert session.scalar(stock) == len(answers)  # every order holds its unit


def replay_all(base: str, buyer: Actor, keys: dict[str, bytes], answers: dict[str, Any]) -> None:
    for key, body in keys.items():
        again = post(base, buyer, key, body)
        assert again.headers.get("idempotent-replayed") == "true", again.text
        assert again.content == answers[key].content


def test_keys_recover_after_sigkill_on_postgresql(
    serve: Callable[[], Server], db: Database, world: World
) -> None:
    if db.is_sqlite:
        pytest.skip("the SQLite run is test_keys_recover_after_sigkill_on_sqlite")
    buyer, a, b = world.buyer, world.shop_a, world.shop_b
    first = serve()
    prepare(first, world)
    done = {f"done-{n}": body_of(b.sku_id) for n in range(2)}
    for key, body in done.items():
        assert post(first.base, buyer, key, body).status_code == 201
    placing = {f"placing-{n}": body_of(a.sku_id) for n in range(3)}
    paying = {f"paying-{n}": body_of(b.sku_id) for n in range(4)}

    with db.engine.connect() as locks, ThreadPoolExecutor(8) as pool:
        stock_row = select(StockLevel).where(StockLevel.sku_id == a.sku_id).with_for_update()
        locks.execute(stock_row)  # "placing" checkouts wait for it, in their placing transaction
        locks.execute(text("LOCK TABLE sim_gateway_operations IN SHARE ROW EXCLUSIVE MODE"))
        fire(pool, first, buyer, placing | paying)  # "paying" ones wait at the gateway
        blocked = len(placing) + len(paying)
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        attempts = "SELECT count(*) FROM payment_attempts"
        wait_until(
            lambda: (
                scalar(db, attempts) == len(done) + len(paying)
                and scalar(db, f"{waiting} AND datname = current_database()") == blocked
            )
        )
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)
        # The dead server's blocked backends end too (PostgreSQL would notice in time).
        locks.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        locks.rollback()

    states = key_states(db, buyer.id)
    assert {states[k] for k in placing} == {KeyState("IN_FLIGHT", None)}
    assert {states[k] for k in paying} == {KeyState("IN_FLIGHT", "PENDING")}

    second = serve()
    answers: dict[str, httpx.Response] = {}
    resumed = dict(list(paying.items())[:2])
    for key, body in (placing | resumed).items():
        answers[key] = post_until_answered(second.base, buyer, key, body)
    # The other two were settled by the reconciler before their retry: the bank never got
    # them, so it failed them (the UNPAID orders with a FAILED no_answer payment).
    assert payflow.reconcile(db, SimulatedGateway(db), timedelta(0)) == len(paying) - 2
    reconciled = {k: v for k, v in paying.items() if k not in resumed}
    for key, body in (reconciled | done).items():
        answers[key] = post_until_answered(second.base, buyer, key, body)

    for key, answer in answers.items():
        assert answer.status_code == 201, (key, answer.text)
        status = answer.json()["payment"]["status"], answer.json()["orders"][0]["status"]
        if key in reconciled:
            assert status == ("FAILED", "UNPAID")
            assert answer.json()["payment"]["failure_code"] == "no_answer"
        else:
            assert status == ("CAPTURED", "ON_HOLD")
        assert (answer.headers.get("idempotent-replayed") == "true") == (key in done)
    check_books(db, answers, world)
    replay_all(second.base, buyer, placing | paying | done, answers)


def _frozen_state(path: str) -> tuple[int, int]:
    """(keys claimed that placed nothing, keys whose attempt is PENDING), read while the
    server is stopped."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
    try:
        placing = conn.execute(
            "SELECT count(*) FROM idempotency_keys k WHERE k.state = 'IN_FLIGHT' AND NOT "
            "EXISTS (SELECT 1 FROM payment_attempts a WHERE a.claim_id = k.claim_id)"
        ).fetchone()[0]
        paying = conn.execute(
            "SELECT count(*) FROM idempotency_keys k JOIN payment_attempts a "
            "ON a.claim_id = k.claim_id WHERE k.state = 'IN_FLIGHT' AND a.status = 'PENDING'"
        ).fetchone()[0]
        return int(placing), int(paying)
    finally:
        conn.close()


def test_keys_recover_after_sigkill_on_sqlite(
    serve: Callable[[], Server], db: Database, world: World
) -> None:
    if not db.is_sqlite:
        pytest.skip("the PostgreSQL run is test_keys_recover_after_sigkill_on_postgresql")
    buyer, a, b = world.buyer, world.shop_a, world.shop_b
    path = db.engine.url.database
    assert path
    first = serve()
    prepare(first, world)
    keys: dict[str, bytes] = {}  # every key sent, with its body
    dead = threading.Event()

    def keep_checking_out(sender: int) -> None:
        """New checkouts one after the other, until the server is dead."""
        for n in itertools.count():
            key = f"key-{sender}-{n}"
            keys[key] = body_of((a, b)[n % 2].sku_id)
            try:
                post(first.base, buyer, key, keys[key])
            except httpx.TransportError:
                assert dead.is_set()
                return

    with ThreadPoolExecutor(8) as pool:
        senders = [pool.submit(keep_checking_out, n) for n in range(8)]
        deadline = time.monotonic() + 120
        while True:
            assert time.monotonic() < deadline, "never caught requests placing and paying"
            assert not any(s.done() for s in senders), [s.result() for s in senders]
            first.process.send_signal(signal.SIGSTOP)
            try:
                placing, paying = _frozen_state(path)
            except sqlite3.OperationalError:  # stopped inside a checkpoint: try again
                placing = paying = 0
            if placing and paying:
                dead.set()
                first.process.send_signal(signal.SIGKILL)
                break
            first.process.send_signal(signal.SIGCONT)
            time.sleep(0.01)
        first.process.wait(timeout=30)

    states = key_states(db, buyer.id)
    assert any(s == KeyState("IN_FLIGHT", None) for s in states.values())
    assert any(s == KeyState("IN_FLIGHT", "PENDING") for s in states.values())

    second = serve()
    answers = {
        key: post_until_answered(second.base, buyer, key, body) for key, body in keys.items()
    }
    for key, answer in answers.items():
        assert answer.status_code == 201, (key, answer.text)
        status = answer.json()["payment"]["status"], answer.json()["orders"][0]["status"]
        assert status == ("CAPTURED", "ON_HOLD"), key
        replayed = answer.headers.get("idempotent-replayed") == "true"
        assert replayed == (key in states and states[key].state == "DONE"), key
    check_books(db, answers, world)
    replay_all(second.base, buyer, keys, answers)
