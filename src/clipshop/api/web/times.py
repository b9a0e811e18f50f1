"""Times on the pages: in the viewer's zone (the ``tz`` cookie the pages' script sets), and the
platform deadlines spelled out: "ship by Wed 9 Dec, 23:59 — 1 day 4 h left"."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def zone_named(name: str | None) -> tzinfo:
    """The IANA zone ``name`` (from the browser), UTC if missing or unknown."""
    if not name or len(name) > 64:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def when(at: datetime | None, zone: tzinfo) -> str:
    """'Wed 9 Dec, 23:59' in ``zone``."""
    if at is None:
        return "—"
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        unit = "day" if days == 1 else "days"
        return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def countdown(due: datetime, now: datetime) -> str:
    """'1 day 4 h left', '35 min left', '2 h 5 min overdue'."""
    if due >= now:
        return f"{_span(due - now)} left"
    return f"{_span(now - due)} overdue"


def deadline(verb: str, due: datetime, now: datetime, zone: tzinfo) -> str:
    """'ship by Wed 9 Dec, 23:59 — 1 day 4 h left'."""
    return f"{verb} by {when(due, zone)} — {countdown(due, now)}"
