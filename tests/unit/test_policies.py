"""Deadline policies: the built-in file, operator overrides, and business-day arithmetic
across weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clipshop.deadlines import policies
from clipshop.deadlines.policies import PolicyError, RegionPolicy, build, load

NY = "America/New_York"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_built_in_regions_differ_where_the_file_says() -> None:
    built_in = load()
    us, gb, my = (built_in.for_region(r) for r in ("US", "GB", "MY"))
    assert (us.return_window_days, gb.return_window_days, my.return_window_days) == (30, 14, 7)
    assert (us.rts_business_days, my.rts_business_days) == (2, 3)
    assert us.timezone == NY and us.holiday_calendar == "US"
    # every DOMAIN.md default, as data
    assert (
        us.unpaid_cancel_hours,
        us.remorse_window_minutes,
        us.no_tracking_cancel_business_days,
        us.no_progress_cancel_days,
        us.failed_attempts_lost,
        us.undelivered_lost_days,
        us.platform_delivery_hours,
        us.seller_response_hours,
        us.dispute_escalation_hours,
        us.damage_claim_days,
        us.buyer_protection_days,
        us.collection_scan_hours,
    ) == (48, 60, 7, 15, 2, 12, 120, 48, 72, 7, 90, 48)


def test_unknown_region_falls_back_to_the_default_table() -> None:
    built_in = load()
    assert built_in.for_region("ZZ") == built_in.default
    assert built_in.for_region("gb") == built_in.for_region("GB")


def test_weekend_is_skipped() -> None:
    policy = RegionPolicy(timezone="UTC")
    friday = at(2026, 12, 4, 15, 30)
    assert policy.add_business_days(friday, 1) == at(2026, 12, 7, 15, 30)  # Monday
    assert policy.add_business_days(friday, 2) == at(2026, 12, 8, 15, 30)
    saturday = at(2026, 12, 5, 9)
    assert policy.add_business_days(saturday, 1) == at(2026, 12, 7, 9)


def test_holiday_of_the_region_calendar_is_skipped() -> None:
    us = load().for_region("US")
    # Wed 25 Nov 2026 10:00 New York; Thu 26 is Thanksgiving; Fri 27 and Mon 30 count.
    wednesday = at(2026, 11, 25, 15)
    assert us.add_business_days(wednesday, 2) == at(2026, 11, 30, 15)
    assert not us.is_business_day(date(2026, 11, 26))
    assert us.is_business_day(date(2026, 11, 27))
    # Christmas 2026 is a Friday: Thursday + 1 business day is the Monday after.
    assert us.add_business_days(at(2026, 12, 24, 15), 1) == at(2026, 12, 28, 15)


def test_extra_holidays_and_a_custom_weekend() -> None:
    policy = RegionPolicy(weekend=("Fri", "Sat"), extra_holidays=(date(2026, 12, 6),))
    thursday = at(2026, 12, 3, 8)
    # Fri 4 and Sat 5 are the weekend, Sun 6 is a holiday: Monday 7 is the first.
    assert policy.add_business_days(thursday, 1) == at(2026, 12, 7, 8)


def test_business_days_count_in_the_region_time_zone() -> None:
    us = RegionPolicy(timezone=NY)
    # 02:00 UTC on Saturday is still Friday evening in New York: +1 is Monday 21:00 NY.
    late_friday = at(2026, 12, 5, 2)
    assert us.add_business_days(late_friday, 1) == at(2026, 12, 8, 2)
    assert RegionPolicy(timezone="UTC").add_business_days(late_friday, 1) == at(2026, 12, 7, 2)


def test_daylight_saving_change_keeps_the_local_time() -> None:
    us = RegionPolicy(timezone=NY)
    # Fri 6 Mar 2026 09:00 EST (14:00 UTC) + 2 business days = Tue 10 Mar 09:00 EDT.
    assert us.add_business_days(at(2026, 3, 6, 14), 2) == at(2026, 3, 10, 13)


def test_operator_override_file_replaces_keys_one_by_one(tmp_path: Path) -> None:
    override = tmp_path / "ops.toml"
    override.write_text(
        "[default]\nunpaid_cancel_hours = 24\n[regions.GB]\nreturn_window_days = 21\n"
        '[regions.DE]\ntimezone = "Europe/Berlin"\nholiday_calendar = "DE"\n'
    )
    merged = load(override)
    assert merged.for_region("GB").return_window_days == 21
    assert merged.for_region("GB").timezone == "Europe/London"  # kept from the built-in
    assert merged.for_region("DE").unpaid_cancel_hours == 24  # the new default
    # US names no unpaid_cancel_hours of its own, so it inherits the new default too
    assert merged.for_region("US").unpaid_cancel_hours == 24
    assert merged.for_region("US").holiday_calendar == "US"
    assert merged.default.unpaid_cancel_hours == 24


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[default]\nunpaid_hours = 3\n", "unpaid_hours"),
        ('[default]\ntimezone = "Mars/Base"\n', "unknown time zone"),
        ('[default]\nweekend = ["Caturday"]\n', "weekend days"),
        ('[regions.US]\nholiday_calendar = "XX"\n', "no holiday calendar"),
        ("[default]\nrts_business_days = 0\n", "rts_business_days"),
        ("[default\n", "not valid TOML"),
    ],
)
def test_a_bad_override_file_is_refused_naming_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    override = tmp_path / "bad.toml"
    override.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load(override)


def test_a_missing_override_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load(tmp_path / "nope.toml")


def test_build_rejects_unknown_top_level_tables() -> None:
    with pytest.raises(PolicyError, match="surprise"):
        build({"default": {}, "regions": {}, "surprise": {}})


def test_current_reads_the_settings_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    override = tmp_path / "ops.toml"
    override.write_text("[regions.US]\nremorse_window_minutes = 5\n")
    monkeypatch.setattr(
        policies, "get_settings", lambda: type("S", (), {"policy_file": override})()
    )
    assert policies.for_region("US").remorse_window_minutes == 5
