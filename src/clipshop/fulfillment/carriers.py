"""Carrier adapters: buying labels (platform shipping), pickup slots, and — for the built-in
simulated carrier — the scripted tracking events it will report as the clock moves."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from clipshop.fulfillment.providers import Provider, with_check_digit

SCENARIOS = (
    "on_time",
    "late",
    "fail_once",
    "fail_twice",
    "exception",
    "return_to_sender",
    "never_collected",
    "lost_in_transit",
)


@dataclass(frozen=True)
class Step:
    after: timedelta  # from handover
    kind: str
    location: str


class CarrierAdapter(Protocol):
    def new_tracking_number(self, provider: Provider) -> str: ...

    def pickup_slots(
        self, provider: Provider, now: datetime
    ) -> list[tuple[datetime, datetime]]: ...

    def script(self, scenario: str, delivery_days: int) -> list[Step]: ...


def _day(days: float) -> timedelta:
    return timedelta(days=days)


class SimulatedCarrier:
    """Labels with check-digit tracking numbers; pickups in two-hour slots from 09:00 to 17:00
    on the next three days; a scripted event stream per scenario."""

    def new_tracking_number(self, provider: Provider) -> str:
        return provider.prefix + with_check_digit(f"{secrets.randbelow(10**10):010d}")

    def pickup_slots(self, provider: Provider, now: datetime) -> list[tuple[datetime, datetime]]:
        first = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        return [
            (first + _day(d) + timedelta(hours=h), first + _day(d) + timedelta(hours=h + 2))
            for d in range(3)
            for h in range(0, 8, 2)
        ]

    def script(self, scenario: str, delivery_days: int) -> list[Step]:
        d = max(delivery_days, 1)
        collected = [
            Step(timedelta(hours=4), "PICKED_UP", "Origin facility"),
            Step(timedelta(hours=20), "IN_TRANSIT", "Regional hub"),
        ]
        arrive = [
            Step(_day(d) - timedelta(hours=10), "IN_TRANSIT", "Destination hub"),
            Step(_day(d) - timedelta(hours=4), "OUT_FOR_DELIVERY", "Local depot"),
        ]
        if scenario == "never_collected":
            return []
        if scenario == "lost_in_transit":
            return collected
        if scenario == "exception":
            return [*collected, Step(timedelta(hours=30), "EXCEPTION", "Regional hub")]
        if scenario == "late":
            late = [Step(s.after + _day(3), s.kind, s.location) for s in arrive]
            return [*collected, *late, Step(_day(d + 3), "DELIVERED", "Recipient")]
        if scenario in ("fail_once", "fail_twice", "return_to_sender"):
            steps = [*collected, *arrive, Step(_day(d), "DELIVERY_FAILED", "Recipient")]
            if scenario == "fail_once":
                return [
                    *steps,
                    Step(_day(d + 1) - timedelta(hours=4), "OUT_FOR_DELIVERY", "Local depot"),
                    Step(_day(d + 1), "DELIVERED", "Recipient"),
                ]
            if scenario == "fail_twice":
                return [*steps, Step(_day(d + 1), "DELIVERY_FAILED", "Recipient")]
            return [*steps, Step(_day(d + 5), "RETURNED_TO_SENDER", "Origin facility")]
        return [*collected, *arrive, Step(_day(d), "DELIVERED", "Recipient")]
