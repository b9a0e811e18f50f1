"""The embedded default under concurrent writes: a real ``clipshop serve`` on a fresh SQLite
file with its jobs thread running, 32 clients writing at once through every kind of write
route (``tests/writers_support.py``). Every request must answer, none with a 5xx, and the
server must stay up (``/healthz``); the rows written are then counted against the answers.
Before the writer turn was a permit (``core.db.WriterTurn``), this wedged the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from clipshop.core.db import Database
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.identity.principal import Role
from tests.conftest import make_actor, make_shop
from tests.writers_support import Rows, Writers, assert_all_answered, assert_rows_follow

WRITERS = 32
ROUNDS = 4  # requests per writer: 128 in all
REQUEST_TIMEOUT = 30.0  # seconds; a request that takes longer counts as never answered
STOCK = 10_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(url: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``clipshop serve`` with its embedded jobs thread running every 0.2 s."""
    port = _free_port()
    env = {
        **os.environ,
        "CLIPSHOP_DATABASE_URL": url,
        "CLIPSHOP_STORAGE_DIR": str(tmp_path / "files"),
    }
    command = [sys.executable, "-m", "clipshop", "serve", "--port", str(port)]
    command += ["--jobs-interval", "0.2"]
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log_path.read_text())
                time.sleep(0.2)
            yield base, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:  # wedged: the test has failed already
                    process.kill()
                    process.wait(timeout=30)


def test_32_concurrent_writers_all_answer_on_sqlite(tmp_path: Path) -> None:
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
            before = Rows.read(db, shop.sku_id)

            def client_for() -> httpx.Client:
                return httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT)

            answers = writers.run(client_for, WRITERS, ROUNDS)

            assert_all_answered(answers, WRITERS * ROUNDS)
            assert httpx.get(f"{base}/healthz", timeout=REQUEST_TIMEOUT).status_code == 200
            assert process.poll() is None
        # It stopped on SIGTERM (uvicorn re-raises the signal once it has shut down); a
        # wedged server is killed after 30 s instead.
        assert process.returncode in (0, -signal.SIGTERM)
        assert_rows_follow(answers, before, Rows.read(db, shop.sku_id))
    finally:
        db.dispose()
