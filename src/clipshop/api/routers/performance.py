"""Seller performance: metrics per window and standing (readers of the shop); admins set
the standing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller, ShopId
from clipshop.standing import service as standing
from clipshop.standing.schemas import PerformanceOut, StandingEventOut, StandingIn, StandingOut

router = APIRouter(tags=["performance"])


@router.get(
    "/shops/{shop_id}/performance",
    response_model=PerformanceOut,
    summary="The shop's performance metrics over 7, 30 and 90 days, standing and history",
)
def get_performance(
    shop_id: ShopId,
    session: DB,
    caller: Caller,
    history_limit: Annotated[int, Query(ge=1, le=100, description="Standing events")] = 20,
) -> PerformanceOut:
    perf = standing.shop_performance(session, caller, shop_id, history_limit)
    return PerformanceOut.of(perf)


@router.post(
    "/shops/{shop_id}/standing",
    response_model=StandingOut,
    summary="Set the shop's standing (admins): lift or impose a restriction or suspension",
)
def set_standing(shop_id: ShopId, body: StandingIn, session: DB, caller: Caller) -> StandingOut:
    shop, event = standing.set_standing(
        session, caller, shop_id, body.standing, body.note, body.breach_count
    )
    return StandingOut(
        shop_id=shop.id,
        standing=body.standing.value,
        breach_count=shop.breach_count,
        standing_changed_at=shop.standing_changed_at,
        event=StandingEventOut.of(event),
    )
