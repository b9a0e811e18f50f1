"""The low half of a shop's standing, used by the contexts below it (pricing refuses a
suspended shop's SKUs, checkout arms the review timer, promotions check the standing): the
standings, what each forbids, and the SHOP_REVIEW timer. The review itself and the admin's
decision are ``clipshop.standing``'s."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from clipshop.deadlines import timers
from clipshop.deadlines.errors import ShopRestricted, ShopSuspended
from clipshop.deadlines.policies import PerformancePolicy, current
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Shop


class Standing(StrEnum):
    GOOD = "GOOD"
    WARNING = "WARNING"
    RESTRICTED = "RESTRICTED"
    SUSPENDED = "SUSPENDED"


SEVERITY = {standing: rank for rank, standing in enumerate(Standing)}
NO_PROMOTIONS = frozenset({Standing.RESTRICTED, Standing.SUSPENDED})


# --- what a standing forbids --------------------------------------------------------------


def check_may_promote(shop: Shop) -> None:
    """RESTRICTED and SUSPENDED shops create no new promotions."""
    if shop.standing in NO_PROMOTIONS:
        raise ShopRestricted(
            f"shop {shop.name} is {shop.standing.lower()} after repeated performance "
            "breaches and cannot create promotions",
            shop_id=str(shop.id),
            standing=shop.standing,
        )


def check_may_sell(shop_id: int, shop_name: str, standing: str) -> None:
    """A SUSPENDED shop's SKUs cannot be bought."""
    if standing == Standing.SUSPENDED:
        raise ShopSuspended(
            f"shop {shop_name} is suspended and cannot sell",
            shop_id=str(shop_id),
            shop_name=shop_name,
        )


# --- the review timer ---------------------------------------------------------------------


def next_review_at(after: datetime, policy: PerformancePolicy | None = None) -> datetime:
    """The first ``review_hour_utc`` o'clock UTC strictly after ``after``: every shop is
    reviewed at the same time of day, over windows ending then."""
    policy = policy or current().performance
    candidate = after.replace(hour=policy.review_hour_utc, minute=0, second=0, microsecond=0)
    return candidate if candidate > after else candidate + timedelta(days=1)


def unscheduled(shop_ids: list[int], reviewed: set[int]) -> list[int]:
    """The shops among these that have no review timer yet (``reviewed``: those that do)."""
    return [shop_id for shop_id in shop_ids if shop_id not in reviewed]


def schedule_review(session: Session, shop_id: int, now: datetime) -> None:
    """Make sure the shop is reviewed: its first orders arm the timer (inserted once)."""
    timers.arm_if_absent(session, TimerKind.SHOP_REVIEW, shop_id, shop_id, next_review_at(now))
