"""A relay process for the crash test (``test_outbox_relay.py``): runs ``relay()`` once with
the event feed and a consumer ``crash_log`` that appends ``order_id event_id`` lines to a
file (a side effect outside the database, as a webhook is), and SIGKILLs itself at one point:

- ``fanout``: after the fan-out's UPDATE, before its COMMIT;
- ``read``: after the first delivery batch was read, before any consumer is called;
- ``dispatch``: in the consumer, right after it wrote its line (before the mark);
- ``mark``: after the first delivery's mark (its DELETE), before the COMMIT;
- ``commit``: after the first delivery batch committed, as the next transaction begins;
- ``none``: runs to the end.

    python -m tests.integration.relay_child DATABASE_URL POINT LOG_FILE
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from clipshop.core import outbox
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.worker.relay import relay

WHEN = {
    "fanout": "UPDATE outbox SET relayed_at",
    "read": "FROM outbox_deliveries JOIN outbox",
    "mark": "DELETE FROM outbox_deliveries",
}


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(url: str, point: str, log_file: str) -> None:
    db = Database(Settings(env="test", database_url=url, outbox_batch_size=3))
    delivered: list[int] = []

    def log(_session: Session, delivered_event: outbox.Delivered) -> None:
        with open(log_file, "a") as f:
            f.write(f"{delivered_event.order_id} {delivered_event.id}\n")
            f.flush()
            os.fsync(f.fileno())
        delivered.append(delivered_event.id)
        if point == "dispatch":
            die()

    outbox.register("crash_log", log)  # before the feed: its batches come first

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if point in WHEN and WHEN[point] in " ".join(statement.split()):
            die()

    @event.listens_for(db.engine, "begin")
    def _next_transaction(_conn: Any) -> None:  # the one after a delivery batch committed
        if point == "commit" and delivered:
            die()

    relay(db)
    db.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:4])
