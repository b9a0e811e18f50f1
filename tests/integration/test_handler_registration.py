"""Every process that announces events runs every event handler (``worker.reactions``): a
worker-only process, which never imports the API, voids a creator's commission and gives a
flash deal's units back when its sweeper cancels an unpaid order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Commission, Order
from clipshop.worker import reactions
from tests.conftest import World, make_actor
from tests.integration.checkout_api import API, DECLINED_CARD, add_card, checkout, ok
from tests.integration.promotion_support import flash, sold, used
from tests.integration.social_support import open_offer

ROOT = Path(__file__).resolve().parents[2]


def _run_worker(db: Database, now: str) -> dict[str, dict[str, object]]:
    url = db.engine.url.render_as_string(hide_password=False)
    child = subprocess.run(
        [sys.executable, "-m", "tests.integration.worker_child", url, now],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    found: dict[str, dict[str, object]] = json.loads(child.stdout.splitlines()[-1])
    return found


def _state(db: Database, order_id: int) -> tuple[str, list[str]]:
    with db.unit_of_work(write=False) as session:
        status = session.get_one(Order, order_id).status
        stmt = select(Commission.status).where(Commission.order_id == order_id)
        return status, list(session.scalars(stmt))


def test_a_worker_alone_voids_commission_and_gives_deal_units_back(
    client: TestClient, db: Database, world: World
) -> None:
    creator = make_actor(db, Role.CREATOR, "creator@test.dev")
    open_offer(client, world, 1000)
    body = {"product_id": str(world.shop_a.product_id)}
    ok(
        client.post(f"{API}/creators/{creator.id}/showcase", json=body, headers=creator.headers),
        201,
    )
    deal = flash(client, world, quantity=5, per_buyer_limit=3)
    card = add_card(client, world.buyer, DECLINED_CARD)
    source = {"type": "SHOWCASE", "id": str(creator.id)}
    placed = checkout(
        client, world.buyer, {world.shop_a.sku_id: 2}, source=source, payment_method_id=str(card)
    )
    (order,) = placed["orders"]
    order_id = int(order["id"])
    assert _state(db, order_id) == ("UNPAID", ["PENDING", "PENDING"])
    assert (sold(db, deal), used(db, deal, world.buyer.id)) == (2, 2)

    ran = _run_worker(db, (utcnow() + timedelta(days=3)).isoformat())

    assert ran["applied"] == {"UNPAID_CANCEL": 1}
    assert _state(db, order_id) == ("CANCELLED", ["VOID", "VOID"])
    assert (sold(db, deal), used(db, deal, world.buyer.id)) == (0, 0)
    assert ran["loaded"] == {
        "clipshop.api": False,  # the worker alone
        "clipshop.social.commission": True,
        "clipshop.promotions.giveback": True,
    }


def test_the_list_holds_every_module_that_registers_a_handler() -> None:
    """Each module of ``src/clipshop`` with an ``events.on`` handler is in the list."""
    src = ROOT / "src"
    registering = {
        ".".join(path.relative_to(src).with_suffix("").parts)
        for path in (src / "clipshop").rglob("*.py")
        if "@events.on(" in path.read_text() and path.parts[-2] != "core"
    }
    assert registering == {module.__name__ for module in reactions.register()}
