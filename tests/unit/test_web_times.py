"""The pages' times: the viewer's zone and the spelled-out platform deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clipshop.api.web import charts, times

DUE = datetime(2026, 12, 9, 23, 59, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(days=1, hours=4), "1 day 4 h left"),
        (timedelta(days=2), "2 days left"),
        (timedelta(hours=3, minutes=10), "3 h 10 min left"),
        (timedelta(hours=5), "5 h left"),
        (timedelta(minutes=35, seconds=59), "35 min left"),
        (timedelta(0), "0 min left"),
        (-timedelta(hours=2, minutes=5), "2 h 5 min overdue"),
        (-timedelta(days=3, hours=1), "3 days 1 h overdue"),
    ],
)
def test_countdown(left: timedelta, text: str) -> None:
    assert times.countdown(DUE, DUE - left) == text


def test_deadline_is_spelled_out_in_the_viewers_zone() -> None:
    now = DUE - timedelta(days=1, hours=4)
    assert times.deadline("ship", DUE, now, UTC) == "ship by Wed 9 Dec, 23:59 — 1 day 4 h left"
    tokyo = times.deadline("ship", DUE, now, ZoneInfo("Asia/Tokyo"))
    assert tokyo == "ship by Thu 10 Dec, 08:59 — 1 day 4 h left"


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus", "../../etc/passwd", "x" * 65])
def test_unknown_zones_fall_back_to_utc(name: str | None) -> None:
    assert times.zone_named(name) == ZoneInfo("UTC")


def test_known_zone_is_used() -> None:
    assert times.zone_named("America/New_York") == ZoneInfo("America/New_York")
    assert times.when(None, UTC) == "—"


def test_metrics_read_as_per_cent_or_hours() -> None:
    assert charts.metric_text("late_dispatch_rate", 0.375) == "37.5\u00a0%"
    assert charts.metric_text("average_processing_hours", 27.04) == "27.0\u00a0h"
    assert charts.metric_text("on_time_delivery_rate", None) == "—"
