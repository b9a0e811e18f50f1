"""The embedded default under concurrent writes: a real ``clipshop serve`` on a fresh SQLite
file with its jobs thread running, 32 and then 96 clients writing at once through every kind
of write route (``tests/writers_support.py``). Every request must answer, none with a 5xx, and
the server must stay up (``/healthz``); the rows written are then counted against the answers.
Before the writer turn was a permit (``core.db.WriterTurn``), 32 writers wedged the server;
before writing requests were admitted fewer than the worker threads (``api.admission``), 96
left requests waiting for minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from clipshop.core.db import Database
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.identity.principal import Role
from tests import servers
from tests.conftest import make_actor, make_shop
from tests.writers_support import Rows, Writers, assert_all_answered, assert_rows_follow

REQUEST_TIMEOUT = 30.0  # seconds; a request that takes longer counts as never answered
STOCK = 10_000
KEEPALIVE_EXPIRY = 1.0  # seconds: below uvicorn's 5 s keep-alive timeout


@contextmanager
def serving(url: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``clipshop serve`` with its embedded jobs thread running every 0.2 s."""
    port = servers.free_port()
    env = {
        **os.environ,
        "CLIPSHOP_DATABASE_URL": url,
        "CLIPSHOP_STORAGE_DIR": str(tmp_path / "files"),
    }
    command = [sys.executable, "-m", "clipshop", "serve", "--port", str(port)]
    command += ["--jobs-interval", "0.2"]
    process = servers.start(command, env, tmp_path / "serve.log", port)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        servers.stop(process, timeout=30)


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    db: Database
    writers: Writers

    def drive(self, count: int, rounds: int) -> None:
        """``count`` writers at once, ``rounds`` requests each: every one answered with a
        success or a client error, the server still up, the rows what the answers said."""
        before = Rows.read(self.db, self.writers.sku)

        def client_for() -> httpx.Client:
            # uvicorn closes a connection idle for 5 s; a client that keeps it longer can
            # send on a socket the server is closing ("Server disconnected" under load).
            limits = httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY)
            return httpx.Client(base_url=self.base, timeout=REQUEST_TIMEOUT, limits=limits)

        answers = self.writers.run(client_for, count, rounds)

        assert_all_answered(answers, count * rounds)
        assert httpx.get(f"{self.base}/healthz", timeout=REQUEST_TIMEOUT).status_code == 200
        assert self.process.poll() is None
        assert_rows_follow(answers, before, Rows.read(self.db, self.writers.sku))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("writers")
    url = f"sqlite:///{tmp_path / 'clipshop.db'}"
    db = Database(Settings(env="test", database_url=url))
    try:
        upgrade(db.engine)
        admin = make_actor(db, Role.ADMIN, "admin@test.dev")
        seller = make_actor(db, Role.SELLER, "seller@test.dev")
        buyer = make_actor(db, Role.BUYER, "buyer@test.dev")
        shop = make_shop(db, seller, admin, "Writers", stock=STOCK)
        writers = Writers(admin, seller, buyer, shop.sku_id, shop.warehouse_id)
        with serving(url, tmp_path) as (base, process):
            with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
                writers.add_card(client)
            yield Server(base, process, db, writers)
        # It stopped on SIGTERM (uvicorn re-raises the signal once it has shut down); a
        # wedged server is killed after 30 s instead.
        assert process.returncode in (0, -signal.SIGTERM)
    finally:
        db.dispose()


def test_32_concurrent_writers_all_answer(server: Server) -> None:
    server.drive(32, 4)


def test_more_concurrent_writers_than_worker_threads_all_answer(server: Server) -> None:
    """96 writers: more than the 40 worker threads of the server's pool. Writers that took
    every thread to wait for their turn would leave none to the one holding it
    (``api.admission``)."""
    server.drive(96, 2)
