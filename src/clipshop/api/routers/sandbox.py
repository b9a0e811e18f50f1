"""Sandbox: move the platform clock forward and run what fell due."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from clipshop.api.deps import DatabaseDep, GatewayDep, StandaloneCaller
from clipshop.core.clock import clock
from clipshop.core.errors import PermissionDenied
from clipshop.core.schemas import RequestModel
from clipshop.deadlines.timers import TimerKind
from clipshop.identity.principal import Permission
from clipshop.worker import sandbox

router = APIRouter(tags=["sandbox"])


class AdvanceBody(RequestModel):
    days: int = Field(0, ge=0, le=365)
    hours: int = Field(0, ge=0, le=10_000)
    minutes: int = Field(0, ge=0, le=100_000)
    seconds: int = Field(0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _positive(self) -> AdvanceBody:
        if not (self.days or self.hours or self.minutes or self.seconds):
            raise ValueError("advance the clock by a positive amount")
        return self

    def delta(self) -> timedelta:
        return timedelta(
            days=self.days, hours=self.hours, minutes=self.minutes, seconds=self.seconds
        )


class AdvanceOut(BaseModel):
    now: datetime
    offset_seconds: float
    stops: int = Field(description="Due times the clock stopped at on the way")
    reconciled_payments: int
    released_from_hold: int
    expired_unpaid: int
    refunds_sent: int
    carrier_events: int
    rules_applied: dict[str, int] = Field(description="Timers whose rule changed something")
    rules_failed: int


@router.post(
    "/sandbox/clock/advance",
    response_model=AdvanceOut,
    summary="Move the platform clock forward and run every rule now due",
)
def advance(
    body: AdvanceBody, db: DatabaseDep, gateway: GatewayDep, caller: StandaloneCaller
) -> AdvanceOut:
    caller.require(Permission.SANDBOX)
    if not (db.settings.sandbox or caller.is_admin):
        raise PermissionDenied(
            "the clock can only be moved in sandbox mode", code="sandbox_disabled"
        )
    report, stops = sandbox.advance(db, gateway, body.delta())
    applied = report.sweep.applied
    return AdvanceOut(
        now=clock.now(),
        offset_seconds=clock.offset.total_seconds(),
        stops=stops,
        reconciled_payments=report.reconciled,
        released_from_hold=applied[TimerKind.RELEASE_HOLD],
        expired_unpaid=applied[TimerKind.UNPAID_CANCEL],
        refunds_sent=report.refunds + report.sweep.refunds,
        carrier_events=report.carrier_events,
        rules_applied=dict(sorted(applied.items())),
        rules_failed=report.sweep.failed,
    )
