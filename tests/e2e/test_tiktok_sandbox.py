"""The issue's "Done when": docs/examples/tiktok_client.py, a client written to TikTok's
documentation only, runs the whole seller flow against a real ``clipshop serve --demo
--tiktok`` (one server per database) with the credentials ``clipshop demo --json`` prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clipshop.partner.order_status import ORDER_STATUS
from tests import servers
from tests.conftest import BACKENDS

CLIENT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tiktok_client.py"
# Every order status the API names, but a partly shipped order's (the world has none).
EVERY_STATUS = sorted(set(ORDER_STATUS.values()) - {"PARTIALLY_SHIPPING"})
STEPS = (
    "token",
    "refresh",
    "authorized shops",
    "orders search",
    "order detail",
    "packages search",
    "logistics",
    "ship",
    "tracking",
    "returns search",
    "approve return",
    "cancellations search",
    "approve cancellation",
    "products search",
    "inventory update",
    "price update",
    "webhooks",
)


def run_client(demo: servers.Demo, *demo_options: str) -> subprocess.CompletedProcess[str]:
    """The client, with the credentials of ``clipshop demo --json [demo_options]``."""
    world = subprocess.run(
        [servers.CLIPSHOP, "demo", "--json", *demo_options],
        cwd=demo.cwd,
        env=demo.env,
        capture_output=True,
        text=True,
        check=True,
    )
    tiktok = json.loads(world.stdout)["tiktok"]
    command = [
        sys.executable,
        str(CLIENT),
        f"--base-url=http://127.0.0.1:{demo.port}",
        f"--app-key={tiktok['app_key']}",
        f"--app-secret={tiktok['app_secret']}",
        f"--auth-code={tiktok['auth_code']}",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_documented_client_runs_the_seller_flow_against_the_sandbox(
    backend: str, tmp_path: Path
) -> None:
    loopback = {"CLIPSHOP_WEBHOOKS_ALLOW_LOOPBACK": "true"}  # the client's webhook address
    with servers.demo_server(backend, tmp_path, "--tiktok", settings=loopback) as demo:
        result = run_client(demo)
        again = run_client(demo, "--tiktok")  # the world topped up: the flow runs again
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert again.returncode == 0, (again.stdout, again.stderr)
    lines = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    assert [s for s in STEPS if s not in lines] == []
    for status in EVERY_STATUS:  # the world holds orders in every status
        assert f"'{status}'" in lines["orders search"], lines["orders search"]
    assert "on 6 pages of 2" in lines["orders search"]  # 12 orders, paged to the end
    assert "now AWAITING_COLLECTION" in lines["ship"]
    assert "now RETURN_OR_REFUND_REQUEST_COMPLETE" in lines["approve return"]
    assert "now CANCELLATION_REQUEST_COMPLETE" in lines["approve cancellation"]
    assert "ORDER_STATUS_CHANGE -> http://127.0.0.1:9/tiktok/events" in lines["webhooks"]
    assert result.stdout.rstrip().endswith("the whole seller flow passed")
