"""``clipshop serve --workers N``: N server processes sharing one listening socket.

One Python process is bound to one core by the GIL; on a machine with more cores the API
scales by processes. The parent binds the socket and starts N children (``spawn``, so each
starts clean); each child runs uvicorn on the inherited socket with its own id-generator
node (``CLIPSHOP_NODE_ID`` + its index, so ids never collide) and only child 0 runs the
background jobs. If a child exits, the others are stopped and ``serve`` exits with an error:
a supervisor (systemd, Kubernetes) restarts the whole set.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
from types import FrameType

from clipshop.core.db import Database
from clipshop.core.ids import MAX_NODE
from clipshop.core.settings import Settings, get_settings
from clipshop.worker.jobs import run_forever


def node_ids(base: int, workers: int) -> list[int]:
    """The id-generator node of each worker; all must fit the generator's 10 bits."""
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    if base + workers - 1 > MAX_NODE:
        raise ValueError(
            f"CLIPSHOP_NODE_ID {base} + {workers} workers exceeds node {MAX_NODE}; "
            "use a lower CLIPSHOP_NODE_ID"
        )
    return [base + i for i in range(workers)]


def run_one(
    settings: Settings,
    jobs_interval: float,
    sock: socket.socket | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """One server process: the app, its embedded jobs thread (if ``jobs_interval``)."""
    import uvicorn

    from clipshop.api.app import create_app

    db = Database(settings)
    app = create_app(settings, db)
    stop = threading.Event()
    if jobs_interval > 0:
        threading.Thread(
            target=run_forever,
            daemon=True,
            name="clipshop-jobs",
            args=(db, app.state.gateway, jobs_interval, stop),
        ).start()
    try:
        if sock is None:
            uvicorn.run(app, host=host, port=port, log_level="info")
        else:
            server = uvicorn.Server(uvicorn.Config(app, log_level="info"))
            server.run(sockets=[sock])
    finally:
        stop.set()
        db.dispose()


def _child(node_id: int, jobs_interval: float, sock: socket.socket) -> None:
    settings = get_settings().model_copy(update={"node_id": node_id})
    run_one(settings, jobs_interval, sock)


def run_many(host: str, port: int, workers: int, jobs_interval: float) -> int:
    """Start the workers and wait; returns the exit status for ``serve``."""
    nodes = node_ids(get_settings().node_id, workers)
    sock = socket.create_server((host, port), backlog=2048, reuse_port=False)
    sock.set_inheritable(True)
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_child,
            args=(node, jobs_interval if i == 0 else 0.0, sock),
            name=f"clipshop-worker-{i}",
        )
        for i, node in enumerate(nodes)
    ]
    for child in children:
        child.start()
    stopping = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stopping.is_set() and all(child.is_alive() for child in children):
            stopping.wait(0.5)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()  # uvicorn finishes requests in flight on SIGTERM
        for child in children:
            child.join(timeout=30)
        sock.close()
    if stopping.is_set():
        return 0
    failed = [c.name for c in children if c.exitcode not in (0, None)]
    print(f"clipshop: worker(s) exited: {', '.join(failed) or 'one'}", file=sys.stderr)
    return 1
