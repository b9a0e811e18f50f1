"""A 500 answer leaves the keep-alive connection open: a real uvicorn server, two requests on
one connection, the first failing for real.

The failure: the idempotency store is missing (its table renamed, as a schema the code does not
expect would be), so the idempotency middleware's claim fails with a database error that is not
a lost connection. That error is raised outside the routes, where only the app's outermost
layer can answer it; Starlette's ``ServerErrorMiddleware`` answered it and re-raised, and
uvicorn then closed the connection (issue 11). Now ``errors.ServerErrors`` answers the 500
problem and nothing is raised.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from sqlalchemy import text

from clipshop.api.app import create_app
from clipshop.core.db import Database
from tests.conftest import World

STORE = "idempotency_keys"


@contextmanager
def serving(db: Database) -> Iterator[tuple[str, int]]:
    """The app on a real uvicorn server in a thread, on a free port of 127.0.0.1."""
    server = uvicorn.Server(uvicorn.Config(create_app(db.settings, db), log_level="critical"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def store_missing(db: Database) -> Iterator[None]:
    with db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {STORE} RENAME TO {STORE}_away"))
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {STORE}_away RENAME TO {STORE}"))


def test_a_500_answer_keeps_the_connection_for_the_next_request(db: Database, world: World) -> None:
    with serving(db) as (host, port):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            with store_missing(db):
                conn.request(
                    "POST",
                    "/api/v1/tokens",
                    body=json.dumps({"name": "keep-alive"}),
                    headers={
                        **world.admin.headers,
                        "Content-Type": "application/json",
                        "Idempotency-Key": "keep-alive-1",
                    },
                )
                failed = conn.getresponse()
                body = json.loads(failed.read())
                assert failed.status == 500, body
                assert failed.getheader("content-type") == "application/problem+json"
                assert body["code"] == "internal_error"
                assert failed.getheader("connection") != "close"
                first_socket = conn.sock
                assert first_socket is not None

            # The same connection, not a new one: a closed one raises RemoteDisconnected here.
            conn.request("GET", "/healthz")
            after = conn.getresponse()
            assert after.status == 200, after.read()
            assert json.loads(after.read())["status"] == "ok"
            assert conn.sock is first_socket
        finally:
            conn.close()
