"""The platform clock: aware UTC, moves only forward, can be frozen (tests) and reset."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from clipshop.core.clock import Clock, as_utc, clock, utcnow

INSTANT = datetime(2025, 3, 30, 0, 59, 59, 999_999, tzinfo=UTC)


def test_now_is_aware_utc() -> None:
    wall_before = datetime.now(UTC)
    now = Clock().now()
    assert now.tzinfo is UTC
    assert wall_before <= now <= datetime.now(UTC)
    assert utcnow().utcoffset() == timedelta(0)


def test_frozen_clock_stands_still_and_reports_utc() -> None:
    frozen = Clock()
    tokyo = INSTANT.astimezone(timezone(timedelta(hours=9)))
    frozen.freeze(tokyo)
    assert frozen.now() == INSTANT
    assert frozen.now().tzinfo is UTC
    assert frozen.now() == frozen.now()


def test_freeze_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Clock().freeze(datetime(2025, 1, 1))


def test_advance_moves_forward_by_exactly_the_delta() -> None:
    moved = Clock()
    moved.freeze(INSTANT)
    assert moved.advance(timedelta(days=7, hours=1)) == INSTANT + timedelta(days=7, hours=1)
    assert moved.now() == INSTANT + timedelta(days=7, hours=1)
    assert moved.advance(timedelta(0)) == INSTANT + timedelta(days=7, hours=1)
    assert moved.offset == timedelta(days=7, hours=1)


def test_advance_on_a_running_clock() -> None:
    running = Clock()
    before = running.now()
    after = running.advance(timedelta(days=3))
    assert after - before >= timedelta(days=3)
    assert running.now() >= after


def test_advance_refuses_to_go_back_and_changes_nothing() -> None:
    moved = Clock()
    moved.freeze(INSTANT)
    moved.advance(timedelta(hours=2))
    with pytest.raises(ValueError, match="only moves forward"):
        moved.advance(timedelta(seconds=-1))
    assert moved.offset == timedelta(hours=2)
    assert moved.now() == INSTANT + timedelta(hours=2)


def test_freeze_clears_the_offset_and_reset_clears_both() -> None:
    moved = Clock()
    moved.advance(timedelta(days=1))
    moved.freeze(INSTANT)
    assert moved.offset == timedelta(0)
    assert moved.now() == INSTANT
    moved.advance(timedelta(minutes=5))
    moved.reset()
    assert moved.offset == timedelta(0)
    wall_before = datetime.now(UTC)
    now = moved.now()  # back to the wall clock
    assert wall_before <= now <= datetime.now(UTC)


def test_set_offset() -> None:
    moved = Clock()
    moved.freeze(INSTANT)
    moved.set_offset(timedelta(hours=5))
    assert moved.now() == INSTANT + timedelta(hours=5)


def test_concurrent_advances_are_all_counted() -> None:
    moved = Clock()
    moved.freeze(INSTANT)

    def work() -> None:
        for _ in range(500):
            moved.advance(timedelta(seconds=1))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert moved.now() == INSTANT + timedelta(seconds=4000)


def test_utcnow_reads_the_platform_clock() -> None:
    # conftest resets the global clock around every test
    clock.freeze(INSTANT)
    clock.advance(timedelta(minutes=30))
    assert utcnow() == INSTANT + timedelta(minutes=30)


def test_as_utc_normalises_database_values() -> None:
    naive = datetime(2025, 1, 1, 12, 0)
    assert as_utc(naive) == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert as_utc(naive).tzinfo is UTC
    berlin = datetime(2025, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert as_utc(berlin) == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert as_utc(berlin).tzinfo is UTC
