"""Browser tests: Playwright driving Debian's Chromium (``/usr/bin/chromium``; never a
downloaded browser build) against the app served by uvicorn in a thread, one server per
module, on each test database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from clipshop.api.app import create_app
from clipshop.core.db import Database
from tests import servers
from tests.conftest import truncate_all

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Site:
    url: str
    db: Database


@pytest.fixture(scope="module")
def site(database: Database) -> Iterator[Site]:
    """The app on a free port over the emptied test database."""
    truncate_all(database)
    port = servers.free_port()
    config = uvicorn.Config(
        create_app(database.settings, database), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + servers.START_TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200  # a loaded machine
    yield Site(url, database)
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
