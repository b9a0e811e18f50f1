"""A worker-only process for ``test_handler_registration.py``: runs the worker's entry function
(``worker.jobs.run_due``) once at a given time, without importing the API, then prints which
of the API's and the handlers' modules it had loaded.

    python -m tests.integration.worker_child DATABASE_URL NOW_ISO
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker.jobs import run_due

WATCHED = ("clipshop.api", "clipshop.social.commission", "clipshop.promotions.giveback")


def main(url: str, now: str) -> None:
    db = Database(Settings(env="test", database_url=url))
    try:
        report = run_due(db, SimulatedGateway(db), datetime.fromisoformat(now))
    finally:
        db.dispose()
    loaded = {name: name in sys.modules for name in WATCHED}
    print(json.dumps({"applied": dict(report.sweep.applied), "loaded": loaded}))


if __name__ == "__main__":
    main(*sys.argv[1:])
