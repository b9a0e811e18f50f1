"""``clipshop serve --workers 2``: two real server processes on one port, on each database.

Both processes answer (``/healthz`` names the answering node), each generates ids with its
own node number, and concurrent checkouts through both never oversell.

Which process accepts a connection is the kernel's choice, so the test does not hope that
many connections spread over both: it finds the two worker processes (the children of
``serve`` that run ``spawn_main``), pauses one with SIGSTOP so that only the other can
accept, asks ``/healthz`` on a fresh connection, resumes it, and does the same the other
way round. Each worker must answer with its own node; with one worker, or a worker that does
not serve, this fails every time."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from clipshop.api.workers import node_ids
from clipshop.core.db import Database
from clipshop.core.ids import MAX_NODE, SEQ_BITS
from tests import servers
from tests.conftest import World
from tests.integration.checkout_api import ADDRESS, OK_CARD, add_card

BASE_NODE = 7

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the worker processes in /proc (Linux)"
)


@dataclass(frozen=True)
class Server:
    url: str
    pid: int  # the ``clipshop serve`` parent


@pytest.fixture
def server(db: Database, tmp_path: Path) -> Iterator[Server]:
    port = servers.free_port()
    env = {
        **os.environ,
        "CLIPSHOP_DATABASE_URL": db.settings.database_url,
        "CLIPSHOP_NODE_ID": str(BASE_NODE),
        "CLIPSHOP_STORAGE_DIR": str(tmp_path / "files"),
    }
    command = [sys.executable, "-m", "clipshop", "serve", "--port", str(port)]
    command += ["--workers", "2", "--jobs-interval", "0"]
    process = servers.start(command, env, tmp_path / "serve.log", port)
    try:
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        assert servers.stop(process) == 0, (tmp_path / "serve.log").read_text()


def _node_of(object_id: str) -> int:
    return (int(object_id) >> SEQ_BITS) & MAX_NODE


def worker_pids(parent: int) -> list[int]:
    """The worker processes of ``serve``: its children started by multiprocessing's spawn
    (its other child, multiprocessing's resource tracker, does not serve)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in () may hold spaces
        if ppid == parent and "spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def node_answering_while_paused(url: str, paused: int) -> int:
    """``/healthz``'s node on a fresh connection while worker ``paused`` is stopped: only the
    other worker can accept it."""
    os.kill(paused, signal.SIGSTOP)
    try:
        node: int = httpx.get(f"{url}/healthz", timeout=60).json()["node"]
    finally:
        os.kill(paused, signal.SIGCONT)
    return node


def test_two_workers_share_the_port_and_never_oversell(
    server: Server, world: World, db: Database
) -> None:
    workers = worker_pids(server.pid)
    assert len(workers) == 2, workers
    first, second = workers
    # Each worker, alone able to accept, answers with its own node.
    serving = {first: node_answering_while_paused(server.url, second)}
    serving[second] = node_answering_while_paused(server.url, first)
    assert sorted(serving.values()) == [BASE_NODE, BASE_NODE + 1], serving
    url = server.url

    buyer, shop = world.buyer, world.shop_a
    with httpx.Client(base_url=url) as client:
        add_card(client, buyer, OK_CARD)  # type: ignore[arg-type]

    def checkout(n: int) -> httpx.Response:
        body = {"items": [{"sku_id": str(shop.sku_id), "quantity": 1}], "shipping_address": ADDRESS}
        headers = {**buyer.headers, "Idempotency-Key": f"workers-{n}"}
        return httpx.post(f"{url}/api/v1/checkout", json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(checkout, range(14)))  # 10 units in stock
    placed = [r.json() for r in responses if r.status_code == 201]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert len(placed) == 10 and len(refused) == 4, [r.text for r in responses]
    assert {p["code"] for p in refused} == {"sold_out"}
    orders = [o for p in placed for o in p["orders"]]
    assert len({o["id"] for o in orders}) == 10
    assert {_node_of(o["id"]) for o in orders} <= {BASE_NODE, BASE_NODE + 1}
    assert {o["status"] for o in orders} == {"ON_HOLD"}


def test_worker_nodes_must_fit_the_id_generator() -> None:
    assert node_ids(3, 2) == [3, 4]
    with pytest.raises(ValueError, match="exceeds node 1023"):
        node_ids(1023, 2)
    with pytest.raises(ValueError, match="at least 1"):
        node_ids(0, 0)
