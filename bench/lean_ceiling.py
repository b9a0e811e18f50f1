"""The lean ceiling: the least any Python HTTP server can do for one checkout here.

A FastAPI app (run by uvicorn, like ``clipshop serve``) answering ``POST /api/v1/checkout``
with the fewest round trips a *correct* checkout of clipshop's contract can take, written
directly with psycopg in pipeline mode into the app's real tables, and no business logic in
Python at all: the prices come precomputed from the app's own quote (``bench/checkout.py``
prepares them, as for the same-rows floor). What it keeps of the contract:

1. one round trip: the bearer token, the idempotency claim (committed with the placement:
   a concurrent request with the same key waits on its primary key), and every read the
   app's checkout makes (SKU with product and shop, seller discounts, tax rates, shipping
   profiles, the default card, failed attempts in the last hour, the warehouse, the shop's
   review timer);
2. one round trip: the payment, order, line, attempt, timer and event rows (and the outbox
   row, on a schema that has the outbox), then the
   conditional stock UPDATE last (its answer decides COMMIT or ROLLBACK);
3. one round trip: the inventory movement and COMMIT;
4. and 5. the gateway's authorize and capture, each its own committed row, outside any
   transaction that holds stock (as the issue requires);
6. one round trip: the outcome (payment CAPTURED, attempt SUCCEEDED, the capture
   transaction, order and line ON_HOLD, the event and its outbox row, UNPAID_CANCEL replaced
   by RELEASE_HOLD)
   and the stored idempotent response, and COMMIT.

The answer is the app's own warm-up response with this checkout's ids. PostgreSQL only.
Not part of clipshop: a measuring stick for ``bench/checkout.py --ceiling``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import pickle
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, Response
from psycopg.types.json import Json
from pydantic import BaseModel

from clipshop.core.ids import IdGenerator


@dataclass(frozen=True)
class Priced:
    """What the rows of a one-unit checkout of one SKU hold, from the app's own quote."""

    shop_id: int
    warehouse_id: int
    currency: str
    region: str
    total: int
    order: tuple[Any, ...]  # the orders columns from original_total_product_price to
    # delivery_max_days, in SAME_ROWS_SQL["order"] (bench/checkout.py) order
    line: tuple[Any, ...]  # sku_id .. tax of the line item, in SAME_ROWS_SQL["line"] order


@dataclass
class CeilingState:
    """What ``bench/checkout.py`` prepares (pickled; the path in ``CEILING_STATE``)."""

    dsn: str
    node: int  # the id generator's node of the first worker; worker i adds i
    priced: dict[int, Priced]
    buyer_methods: dict[int, tuple[int, str]]  # user id -> (default method id, card token)
    response: dict[str, Any]  # a 201 answer of the app, the template of ours
    unpaid_cancel: timedelta
    remorse: timedelta
    key_ttl: timedelta
    outbox: bool = False  # the schema has the transactional outbox (migration 0010)


READS = [
    # the token and its user
    "SELECT t.user_id, t.revoked_at, t.expires_at, u.is_active, u.role, u.date_of_birth"
    " FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.token_hash = %(token)s",
    "SELECT shop_id, role FROM shop_members WHERE user_id ="
    " (SELECT user_id FROM api_tokens WHERE token_hash = %(token)s)",
    # the claim: the record is new unless the key was used (then the request is answered
    # from it, which the ceiling does not need: its keys are unique)
    "INSERT INTO idempotency_keys (user_id, key, request_hash, state, expires_at, created_at)"
    " SELECT user_id, %(key)s, %(hash)s, 'IN_FLIGHT', %(expires)s, %(now)s FROM api_tokens"
    " WHERE token_hash = %(token)s ON CONFLICT DO NOTHING RETURNING user_id",
    "SELECT s.*, p.title, p.status, sh.name, sh.currency, sh.region, sh.standing FROM skus s"
    " JOIN products p ON p.id = s.product_id JOIN shops sh ON sh.id = s.shop_id"
    " WHERE s.id = ANY(%(skus)s)",
    "SELECT sku_id, discount_amount FROM sku_discounts WHERE sku_id = ANY(%(skus)s)"
    " AND starts_at <= %(now)s AND ends_at > %(now)s",
    "SELECT state, rate_percent FROM tax_rates WHERE country = %(country)s",
    "SELECT * FROM shipping_profiles WHERE shop_id = (SELECT shop_id FROM skus WHERE id = %(sku)s)",
    "SELECT id, token FROM payment_methods WHERE buyer_id ="
    " (SELECT user_id FROM api_tokens WHERE token_hash = %(token)s)"
    " AND is_default AND removed_at IS NULL",
    "SELECT count(*) FROM payment_attempts WHERE buyer_id ="
    " (SELECT user_id FROM api_tokens WHERE token_hash = %(token)s)"
    " AND status = 'FAILED' AND created_at >= %(hour_ago)s",
    "SELECT warehouse_id FROM stock_levels WHERE sku_id = %(sku)s AND available >= 1"
    " ORDER BY available DESC, warehouse_id LIMIT 1",
    "SELECT id FROM timers WHERE kind = 'SHOP_REVIEW' AND subject_id ="
    " (SELECT shop_id FROM skus WHERE id = %(sku)s)",
]
TAKE = (
    "UPDATE stock_levels SET available = available - 1, committed = committed + 1"
    " WHERE sku_id = %s AND warehouse_id = %s AND available >= 1"
    " RETURNING available, committed"
)
# the same-rows floor's statements (bench/checkout.py SAME_ROWS_SQL), in three groups
PLACE = ("payment", "order", "timer", "event", "line", "attempt")
OUTCOME = (
    "captured",
    "succeeded",
    "transaction",
    "on_hold",
    "lines_on_hold",
    "event",
    "disarm",
    "timer",
    "done",
)


class Item(BaseModel):
    sku_id: str
    quantity: int


class Address(BaseModel):
    name: str
    phone: str
    address_line1: str
    address_line2: str | None = None
    city: str
    state: str | None = None
    postal_code: str
    country: str


class Body(BaseModel):
    items: list[Item]
    shipping_address: Address


@dataclass
class Batch:
    """Statements sent in one pipeline, then a sync, COMMIT or ROLLBACK (one round trip);
    the rows of the statements at ``fetch`` come back."""

    statements: list[tuple[str, Any]]
    fetch: tuple[int, ...] = ()
    end: str = "sync"  # or "commit", "rollback"


# The checkout as a generator of batches: the sync and the async servers run the same steps.
Steps = Generator[Batch, list[list[Any]], Response]


def _steps(state: CeilingState, ids: IdGenerator, body: Body, bearer: str, key: str) -> Steps:
    from checkout import SAME_ROWS_SQL  # bench/ is on sys.path: uvicorn runs from there

    sql = SAME_ROWS_SQL
    token = hashlib.sha256(bearer.removeprefix("Bearer ").strip().encode()).hexdigest()
    sku = int(body.items[0].sku_id)
    p = state.priced[sku]
    now = datetime.now(UTC)
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    params = {
        "token": token,
        "key": key,
        "hash": request_hash,
        "expires": now + state.key_ttl,
        "now": now,
        "skus": [sku],
        "sku": sku,
        "country": body.shipping_address.country,
        "hour_ago": now - timedelta(hours=1),
    }
    movement, payment, order, timer1, timer2, placed, held, line, attempt, txn = (
        ids.next_id() for _ in range(10)
    )
    # round trip 1: the caller, the claim and every read
    found = yield Batch([(read, params) for read in READS], tuple(range(len(READS))))
    if not found[0] or not found[2]:
        yield Batch([], end="rollback")
        return JSONResponse({"code": "unauthorized"}, status_code=401)
    buyer = int(found[0][0][0])
    method, card = state.buyer_methods[buyer]
    t, cur = now, p.currency  # cur: the currency
    cancel_at, hold_until = now + state.unpaid_cancel, now + state.remorse
    address = Json(body.shipping_address.model_dump())
    pay_key = f"pay_{attempt}"
    order_row = (order, p.shop_id, buyer, payment, cur, *p.order, address, False, p.region)
    rows = [
        (sql["payment"], (payment, buyer, p.total, cur, method, t, t)),
        (sql["order"], (*order_row, cancel_at, False, t, t)),
        (sql["timer"], (timer1, "UNPAID_CANCEL", order, p.shop_id, cancel_at, t)),
        (sql["event"], (placed, order, p.shop_id, "ORDER_PLACED", buyer, None, "UNPAID", "", t)),
        (sql["line"], (line, order, p.shop_id, *p.line)),
        (sql["attempt"], (attempt, payment, buyer, method, p.total, cur, pay_key, t)),
        *_outbox(state, ids, order, p.shop_id, buyer, (None, "UNPAID", "BUYER", "", t)),
        (TAKE, (sku, p.warehouse_id)),
    ]
    # round trip 2: the rows, then the conditional stock UPDATE
    stock = (yield Batch(rows, (len(rows) - 1,)))[0]
    if not stock:
        yield Batch([], end="rollback")
        return JSONResponse({"code": "sold_out"}, status_code=409)
    moved = (movement, p.shop_id, sku, p.warehouse_id, *stock[0], buyer, t)
    yield Batch([(sql["movement"], moved)], end="commit")  # round trip 3
    refs = []
    for op, op_key, op_token in (("AUTHORIZE", pay_key, card), ("CAPTURE", f"cap_{payment}", None)):
        ref = f"sim_{op}_{secrets.token_hex(8)}"
        booked = (op_key, op, ref, op_token, p.total, cur, True, datetime.now(UTC))
        yield Batch([(sql["gateway"], booked)], end="commit")  # round trips 4 and 5
        refs.append(ref)
    cap_ref = refs[1]
    answer = copy.deepcopy(state.response)
    answer["payment"]["id"] = str(payment)
    answer["payment"]["order_ids"] = [str(order)]
    answer["orders"][0]["id"] = str(order)
    answer["orders"][0]["payment_id"] = str(payment)
    answer["orders"][0]["line_items"][0]["id"] = str(line)
    raw = json.dumps(answer).encode()
    headers = [["content-type", "application/json"], ["content-length", str(len(raw))]]
    t = datetime.now(UTC)
    changed = ("STATUS_CHANGED", buyer, "UNPAID", "ON_HOLD", "payment captured", t)
    outcome = [
        (sql["captured"], (p.total, method, cap_ref, p.total, t, payment)),
        (sql["succeeded"], (cap_ref, t, attempt)),
        (sql["transaction"], (txn, payment, order, p.shop_id, p.total, cur, cap_ref, t)),
        (sql["on_hold"], (t, hold_until, t, order)),
        (sql["lines_on_hold"], (order,)),
        (sql["event"], (held, order, p.shop_id, *changed)),
        (sql["disarm"], (order,)),
        (sql["timer"], (timer2, "RELEASE_HOLD", order, p.shop_id, hold_until, t)),
        (sql["done"], (201, Json(headers), raw, buyer, key)),
        *_outbox(
            state,
            ids,
            order,
            p.shop_id,
            buyer,
            ("UNPAID", "ON_HOLD", "BUYER", "payment captured", t),
        ),
    ]
    yield Batch(outcome, end="commit")  # round trip 6
    return Response(raw, status_code=201, media_type="application/json")


def _outbox(
    state: CeilingState,
    ids: IdGenerator,
    order: int,
    shop: int,
    buyer: int,
    change: tuple[Any, ...],
) -> list[tuple[str, Any]]:
    """The order's outbox row for ``change``, in the same round trip (none before 0010)."""
    from checkout import SAME_ROWS_SQL, status_changed

    if not state.outbox:
        return []
    payload = Json(status_changed(order, shop, buyer, change), dumps=str)
    return [(SAME_ROWS_SQL["outbox"], (ids.next_id(), shop, order, payload, change[-1]))]


def _run_sync(conn: psycopg.Connection[Any], steps: Steps) -> Response:
    try:
        batch = next(steps)
        while True:
            with conn.pipeline() as pipe:
                cursors = [conn.cursor() for _ in batch.statements]
                for cursor, (statement, params) in zip(cursors, batch.statements, strict=True):
                    cursor.execute(statement, params)
                if batch.end == "commit":
                    conn.commit()
                elif batch.end == "rollback":
                    conn.rollback()
                else:
                    pipe.sync()
            batch = steps.send([cursors[i].fetchall() for i in batch.fetch])
    except StopIteration as done:
        response: Response = done.value
        return response


async def _run_async(conn: psycopg.AsyncConnection[Any], steps: Steps) -> Response:
    try:
        batch = next(steps)
        while True:
            async with conn.pipeline() as pipe:
                cursors = [conn.cursor() for _ in batch.statements]
                for cursor, (statement, params) in zip(cursors, batch.statements, strict=True):
                    await cursor.execute(statement, params)
                if batch.end == "commit":
                    await conn.commit()
                elif batch.end == "rollback":
                    await conn.rollback()
                else:
                    await pipe.sync()
            batch = steps.send([await cursors[i].fetchall() for i in batch.fetch])
    except StopIteration as done:
        response: Response = done.value
        return response


def create_app() -> FastAPI:
    """``CEILING_MODE=async``: an ``async def`` route on psycopg's async connections (no
    thread pool); otherwise a plain ``def`` route in the thread pool, as clipshop's."""
    with open(os.environ["CEILING_STATE"], "rb") as f:
        state: CeilingState = pickle.load(f)
    worker = int(os.environ.get("CEILING_WORKER", "0"))
    ids = IdGenerator(state.node + worker)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if os.environ.get("CEILING_MODE") == "async":
        idle: list[psycopg.AsyncConnection[Any]] = []

        @app.post("/api/v1/checkout", status_code=201)
        async def checkout_async(
            body: Body, authorization: str = Header(), idempotency_key: str = Header()
        ) -> Response:
            conn = idle.pop() if idle else await psycopg.AsyncConnection.connect(state.dsn)
            try:
                return await _run_async(
                    conn, _steps(state, ids, body, authorization, idempotency_key)
                )
            finally:
                idle.append(conn)

        return app

    local = threading.local()

    def conn() -> psycopg.Connection[Any]:
        found = getattr(local, "conn", None)
        if found is None or found.closed:
            found = local.conn = psycopg.connect(state.dsn)
        return found

    @app.post("/api/v1/checkout", status_code=201)
    def checkout(
        body: Body, authorization: str = Header(), idempotency_key: str = Header()
    ) -> Response:
        return _run_sync(conn(), _steps(state, ids, body, authorization, idempotency_key))

    return app


def _worker(index: int, sock: socket.socket) -> None:
    import uvicorn

    os.environ["CEILING_WORKER"] = str(index)
    config = uvicorn.Config(create_app(), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def serve(port: int, workers: int) -> None:
    """``workers`` processes on one listening socket (as ``clipshop serve --workers``)."""
    sock = socket.create_server(("127.0.0.1", port), backlog=2048)
    sock.set_inheritable(True)
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_worker, args=(i, sock)) for i in range(workers)]
    for child in children:
        child.start()

    def stop(*_: object) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    for child in children:
        child.join()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
