"""Boundary schemas of seller performance: metrics per window, standing, its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from clipshop.core.schemas import FilledText, IdStr, RequestModel, ResponseModel
from clipshop.deadlines.standing import Standing
from clipshop.models import ShopStandingEvent
from clipshop.standing.performance import Metric, WindowMetrics
from clipshop.standing.service import MANUAL, Performance

StandingName = Literal["GOOD", "WARNING", "RESTRICTED", "SUSPENDED"]


class MetricOut(BaseModel):
    value: float | None = Field(description="null when there is nothing to judge")
    numerator: float = Field(description="Orders or packages counted; total hours for times")
    denominator: int
    target: float
    bound: Literal["max", "min"] = Field(description="value at most / at least the target")
    met: bool

    @classmethod
    def of(cls, metric: Metric) -> MetricOut:
        return cls(**metric.as_json())


class WindowOut(BaseModel):
    days: int
    start: datetime
    end: datetime
    orders: int = Field(description="Orders paid in the window")
    judged: bool = Field(description="Enough orders for a review to judge this window")
    breaches: list[str]
    metrics: dict[str, MetricOut]

    @classmethod
    def of(cls, window: WindowMetrics, minimum_orders: int) -> WindowOut:
        judged = window.orders >= minimum_orders
        return cls(
            days=window.days,
            start=window.start,
            end=window.end,
            orders=window.orders,
            judged=judged,
            breaches=window.breaches if judged else [],
            metrics={name: MetricOut.of(m) for name, m in window.metrics.items()},
        )


class StandingEventOut(ResponseModel):
    id: IdStr
    kind: Literal["REVIEW", "ADMIN"]
    window_days: int | None
    breaches: list[str]
    metrics: dict[str, Any]
    from_standing: StandingName
    to_standing: StandingName
    note: str
    created_at: datetime

    @classmethod
    def of(cls, event: ShopStandingEvent) -> StandingEventOut:
        manual = event.window_days == MANUAL
        return cls(
            id=event.id,
            kind="ADMIN" if manual else "REVIEW",
            window_days=None if manual else event.window_days,
            breaches=event.breaches,
            metrics=event.metrics,
            from_standing=event.from_standing,
            to_standing=event.to_standing,
            note=event.note,
            created_at=event.created_at,
        )


class PerformanceOut(BaseModel):
    shop_id: IdStr
    standing: StandingName
    breach_count: int
    standing_changed_at: datetime | None
    as_of: datetime
    next_review_at: datetime | None = Field(description="null: no order yet, not reviewed")
    windows: list[WindowOut]
    history: list[StandingEventOut] = Field(description="Standing events, newest first")

    @classmethod
    def of(cls, perf: Performance) -> PerformanceOut:
        shop = perf.shop
        return cls(
            shop_id=shop.id,
            standing=shop.standing,
            breach_count=shop.breach_count,
            standing_changed_at=shop.standing_changed_at,
            as_of=perf.as_of,
            next_review_at=perf.next_review_at,
            windows=[WindowOut.of(w, perf.minimum_orders) for w in perf.windows],
            history=[StandingEventOut.of(e) for e in perf.history],
        )


class StandingIn(RequestModel):
    standing: Standing
    note: FilledText = Field(min_length=1, max_length=500)
    breach_count: int | None = Field(
        None, ge=0, le=1_000_000, description="Set the breach count (0: a clean slate)"
    )


class StandingOut(BaseModel):
    shop_id: IdStr
    standing: StandingName
    breach_count: int
    standing_changed_at: datetime | None
    event: StandingEventOut
