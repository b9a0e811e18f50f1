"""Deadline policies per region, read from ``policies.toml`` (and an operator's override
file), and business-day arithmetic with each region's weekend and holiday calendar.

Pure data and arithmetic: no database, so every context may read it."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clipshop.core.settings import get_settings

BUILT_IN = Path(__file__).with_name("policies.toml")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PolicyError(ValueError):
    """The policy file is malformed; the message names the key."""


class RegionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    holiday_calendar: str = ""
    holiday_subdivision: str = ""
    extra_holidays: tuple[date, ...] = ()
    weekend: tuple[str, ...] = ("Sat", "Sun")
    unpaid_cancel_hours: int = Field(48, ge=1)
    remorse_window_minutes: int = Field(60, ge=0)
    rts_business_days: int = Field(2, ge=1)
    collection_scan_hours: int = Field(48, ge=1)
    no_tracking_cancel_business_days: int = Field(7, ge=1)
    no_progress_cancel_days: int = Field(15, ge=1)
    failed_attempts_lost: int = Field(2, ge=1)
    undelivered_lost_days: int = Field(12, ge=1)
    lost_grace_days: int = Field(3, ge=0)
    platform_delivery_hours: int = Field(120, ge=1)
    seller_response_hours: int = Field(48, ge=1)
    partial_refund_response_hours: int = Field(48, ge=1)
    dispute_escalation_hours: int = Field(72, ge=1)
    damage_claim_days: int = Field(7, ge=1)
    return_window_days: int = Field(30, ge=0)
    buyer_protection_days: int = Field(90, ge=0)
    not_received_claim_after_hours: int = Field(48, ge=0)
    late_delivery_support_business_days: int = Field(15, ge=1)
    chat_response_hours: int = Field(12, ge=1)
    case_first_response_hours: int = Field(24, ge=1)
    case_reopen_days: int = Field(7, ge=0)
    dispute_decision_hours: int = Field(72, ge=1)
    force_majeure_max_days: int = Field(30, ge=1)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weekend")
    @classmethod
    def _weekend(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [day for day in value if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"weekend days are {', '.join(WEEKDAYS)}; not {unknown}")
        return value

    @field_validator("holiday_calendar")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if value and value not in holidays.list_supported_countries():
            raise ValueError(f"no holiday calendar for {value!r}")
        return value

    # --- time arithmetic ---------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        if WEEKDAYS[day.weekday()] in self.weekend:
            return False
        return day not in self.extra_holidays and day not in _calendar(
            self.holiday_calendar, self.holiday_subdivision, day.year
        )

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """``days`` business days after ``start``: the same local time of day on the
        ``days``-th following day that is neither a weekend day nor a holiday."""
        local = start.astimezone(self.zone)
        day, counted = local.date(), 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_business_day(day)
        moved = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.zone)
        return moved.astimezone(start.tzinfo)


class PerformancePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    late_dispatch_rate_max: float = Field(0.04, ge=0, le=1)
    valid_tracking_rate_min: float = Field(0.95, ge=0, le=1)
    on_time_delivery_rate_min: float = Field(0.90, ge=0, le=1)
    seller_fault_cancellation_rate_max: float = Field(0.025, ge=0, le=1)
    average_processing_hours_max: float = Field(48, gt=0)
    chat_response_rate_min: float = Field(0.90, ge=0, le=1)
    minimum_orders: int = Field(10, ge=1)
    review_window_days: int = Field(30, ge=1)
    restrict_after_breaches: int = Field(2, ge=1)
    suspend_after_breaches: int = Field(4, ge=1)
    review_interval_days: int = Field(1, ge=1)
    review_hour_utc: int = Field(0, ge=0, le=23)


class Policies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: RegionPolicy
    regions: dict[str, RegionPolicy]
    performance: PerformancePolicy

    def for_region(self, region: str) -> RegionPolicy:
        return self.regions.get(region.upper(), self.default)


@cache
def _calendar(country: str, subdivision: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    days = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(days)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise PolicyError(f"cannot read the policy file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"the policy file {path} is not valid TOML: {exc}") from exc


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Keys of ``override`` replace those of ``base``; tables merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build(raw: dict[str, Any], source: str = "policies") -> Policies:
    """Every region inherits ``[default]`` and overrides what it names."""
    default = raw.get("default", {})
    regions = raw.get("regions", {})
    if not isinstance(default, dict) or not isinstance(regions, dict):
        raise PolicyError(f"{source}: [default] and [regions.XX] must be tables")
    try:
        return Policies(
            default=RegionPolicy(**default),
            regions={
                code.upper(): RegionPolicy(**merge(default, table))
                for code, table in regions.items()
            },
            performance=PerformancePolicy(**raw.get("performance", {})),
            **{k: v for k, v in raw.items() if k not in {"default", "regions", "performance"}},
        )
    except ValidationError as exc:
        raise PolicyError(f"{source}: {exc}") from exc
    except TypeError as exc:
        raise PolicyError(f"{source}: {exc}") from exc


def current() -> Policies:
    """The policies in force: the built-in file plus ``CLIPSHOP_POLICY_FILE``, if set."""
    return load(get_settings().policy_file)


def for_region(region: str) -> RegionPolicy:
    return current().for_region(region)


@lru_cache
def load(override_file: Path | None = None) -> Policies:
    raw = _read(BUILT_IN)
    source = str(BUILT_IN)
    if override_file is not None:
        raw = merge(raw, _read(override_file))
        source = f"{BUILT_IN} + {override_file}"
    return build(raw, source)
