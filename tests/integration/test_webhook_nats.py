"""The NATS consumer against the NATS server on 127.0.0.1:4222 (skipped with the reason when
it is not there or has no JetStream): with ``CLIPSHOP_NATS_URL`` set, the relay publishes
every event to JetStream on ``clipshop.<shop_id>.<type>`` with ``Nats-Msg-Id`` = the event
id, and a second publish of the same event is dropped as a duplicate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from clipshop.core import outbox
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.webhooks import nats as nats_consumer
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.integration.outbox_support import outbox_ids
from tests.integration.webhook_support import announce_changes

NATS_URL = "nats://127.0.0.1:4222"


async def _jetstream_reachable() -> str | None:
    import nats

    try:
        client = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
    except Exception as exc:
        return f"no NATS server at {NATS_URL}: {exc!r}"
    try:
        await client.jetstream(timeout=2).account_info()
    except Exception as exc:
        return f"the NATS server at {NATS_URL} has no JetStream: {exc!r}"
    finally:
        await client.close()
    return None


@pytest.fixture
def nats_db(db: Database) -> Iterator[Database]:
    pytest.importorskip("nats", reason="nats-py is not installed")
    reason = asyncio.run(_jetstream_reachable())
    if reason:
        pytest.skip(reason)
    settings = Settings(env="test", database_url=db.settings.database_url, nats_url=NATS_URL)
    other = Database(settings)
    yield other
    other.dispose()
    outbox.unregister(nats_consumer.CONSUMER)


async def _read(subject: str, count: int) -> list[Any]:
    import nats

    client = await nats.connect(NATS_URL, connect_timeout=2)
    try:
        js = client.jetstream(timeout=5)
        sub = await js.subscribe(subject, ordered_consumer=True)
        got = [await sub.next_msg(timeout=5) for _ in range(count)]
        info = await js.stream_info(nats_consumer.STREAM, subjects_filter=subject)
        total = sum((info.state.subjects or {}).values())
        return [got, total]
    finally:
        await client.close()


def test_the_relay_publishes_every_event_to_jetstream_once(nats_db: Database, world: World) -> None:
    shop = world.shop_a.id  # a new id per test: its subjects hold only this test's events
    announce_changes(nats_db, shop, [101, 102], 2)
    report = relay(nats_db)
    assert report.failed == 0
    ids = outbox_ids(nats_db, "order.status_changed")  # the world's stock.changed go elsewhere

    subject = f"clipshop.{shop}.order.status_changed"
    messages, total = asyncio.run(_read(subject, len(ids)))
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [str(i) for i in ids]
    first = json.loads(messages[0].data)
    assert first["id"] == str(ids[0]) and first["shop_id"] == str(shop)
    assert first["type"] == "order.status_changed" and first["data"]["order_id"] == "101"
    assert total == len(ids)

    # a relay retry publishes an event again: JetStream drops it (same Nats-Msg-Id)
    with nats_db.unit_of_work(write=False) as session:
        from clipshop.models import OutboxEvent

        row = session.get_one(OutboxEvent, ids[0])
        again = outbox.Delivered(
            row.id, row.type, row.shop_id, row.order_id, row.payload, row.created_at
        )
        nats_consumer.publisher(NATS_URL)(session, again)
    _, total = asyncio.run(_read(subject, 0))
    assert total == len(ids)
