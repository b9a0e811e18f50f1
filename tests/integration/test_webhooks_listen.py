"""``clipshop webhooks listen`` verifies deliveries with the standardwebhooks library: a
delivery signed with the subscription's secret is printed (type, webhook-id, data) and
answered 204; any other is answered 401 and printed as REJECTED."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook

from clipshop.webhooks.cli import make_server
from clipshop.webhooks.subscriptions import new_secret

BODY = {
    "type": "order.status_changed",
    "timestamp": "2026-01-02T03:04:05Z",
    "data": {"order_id": "42", "to_status": "PAID"},
}


def signed(
    secret: str, message_id: str, body: bytes, when: datetime | None = None
) -> dict[str, str]:
    when = when or datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, when, body),
        "content-type": "application/json",
    }


class Listener:
    def __init__(self, secrets: list[str]) -> None:
        self.lines: list[str] = []
        self.server = make_server("127.0.0.1", 0, secrets, self.lines.append)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def two_secrets() -> list[str]:
    return [new_secret(), new_secret()]


@pytest.fixture
def listener(two_secrets: list[str]) -> Iterator[Listener]:
    running = Listener(two_secrets)
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_a_signed_delivery_is_printed(listener: Listener, two_secrets: list[str]) -> None:
    body = json.dumps(BODY).encode()
    answer = httpx.post(listener.url, content=body, headers=signed(two_secrets[0], "msg_1", body))
    assert answer.status_code == 204
    assert listener.lines == ['order.status_changed msg_1 {"order_id":"42","to_status":"PAID"}']
    # the other secret (a rotation's overlap) verifies too
    answer = httpx.post(listener.url, content=body, headers=signed(two_secrets[1], "msg_2", body))
    assert answer.status_code == 204
    assert listener.lines[-1].startswith("order.status_changed msg_2 ")


def test_bad_signatures_are_refused(listener: Listener, two_secrets: list[str]) -> None:
    body = json.dumps(BODY).encode()
    stale = datetime.now(UTC) - timedelta(hours=1)
    cases = [
        (body, signed(new_secret(), "msg_other_secret", body)),
        (body + b" ", signed(two_secrets[0], "msg_tampered", body)),
        (body, {**signed(two_secrets[0], "msg_1", body), "webhook-id": "msg_id_changed"}),
        (body, signed(two_secrets[0], "msg_stale", body, stale)),
        (body, {"content-type": "application/json"}),
    ]
    for sent, headers in cases:
        answer = httpx.post(listener.url, content=sent, headers=headers)
        assert answer.status_code == 401, headers
    assert len(listener.lines) == len(cases)
    assert all(line.startswith("REJECTED ") for line in listener.lines), listener.lines
    assert listener.lines[0].startswith("REJECTED msg_other_secret: ")
    assert listener.lines[-1] == "REJECTED -: Missing required headers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_command_in_its_own_process() -> None:
    secret, port = new_secret(), free_port()
    command = ["webhooks", "listen", "--port", str(port), "--secret", secret]
    process = subprocess.Popen(
        [sys.executable, "-m", "clipshop", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith(f"listening on http://127.0.0.1:{port}/")
        body = json.dumps({**BODY, "type": "webhook.ping", "data": {}}).encode()
        url = f"http://127.0.0.1:{port}/hooks"
        ok = httpx.post(url, content=body, headers=signed(secret, "msg_ping_7", body))
        assert ok.status_code == 204
        assert process.stdout.readline().strip() == "webhook.ping msg_ping_7 {}"
        bad = httpx.post(url, content=body, headers=signed(new_secret(), "msg_ping_8", body))
        assert bad.status_code == 401
        assert process.stdout.readline().startswith("REJECTED msg_ping_8: ")
    finally:
        process.terminate()
        process.wait(timeout=30)
