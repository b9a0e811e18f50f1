"""A webhook sender process for the crash test (``test_webhook_delivery.py``): runs
``send_due`` once, two sends at a time, with the tests' 2 s timeout (so the same lease); the
test's receiver SIGKILLs it on the first request it gets, so it dies after its claim
committed and before any outcome is recorded.

    python -m tests.integration.webhook_sender_child DATABASE_URL
"""

from __future__ import annotations

import sys

from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.webhooks.sender import send_due


def main(url: str) -> None:
    settings = Settings(
        env="test",
        database_url=url,
        webhooks_allow_loopback=True,
        webhook_concurrency=2,
        webhook_timeout_seconds=2,
    )
    db = Database(settings)
    send_due(db)
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
