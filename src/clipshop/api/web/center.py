"""The seller center's dashboard (on the API's own services); the orders pages are in
center_orders*.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request, Response

from clipshop.aftersales import cancellations, dispute_actions, disputes, returns
from clipshop.api.web import charts
from clipshop.api.web.center_orders import seller
from clipshop.api.web.render import PageRoute, page, zone_of
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database
from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.pagination import PageRequest
from clipshop.orders.cancellations import PENDING as PENDING_CANCEL
from clipshop.orders.due import due_to_ship
from clipshop.standing import service as standing
from clipshop.standing.schemas import PerformanceOut

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
AT_RISK = timedelta(hours=48)
FIRST = PageRequest(limit=10)


@router.get("")
def dashboard(request: Request, signed: SignedIn) -> Response:
    principal = seller(signed)
    now, zone = utcnow(), zone_of(request)
    today_ends = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), zone)
    with database(request).unit_of_work(write=False) as session:
        due = due_to_ship(session, principal, max(today_ends, now + AT_RISK))
        cancels = cancellations.list_cancellations(
            session, principal, FIRST, cancellations.Filters(status=PENDING_CANCEL)
        ).items
        rets = returns.list_returns(
            session, principal, FIRST, returns.ReturnFilters(status=returns.ReturnStatus.PENDING)
        ).items
        open_disputes = dispute_actions.queue(
            session, principal, FIRST, dispute_actions.DisputeFilters(status=disputes.OPEN)
        ).items
        low = [
            (shop_id, sku, total)
            for shop_id in sorted(principal.shop_ids)
            for sku, total in inventory.low_stock(session, principal, shop_id, FIRST).items
        ]
        shops = [
            standing.shop_performance(session, principal, shop_id, 1)
            for shop_id in sorted(principal.shop_ids)
        ]
        performance = [(p.shop.name, PerformanceOut.of(p)) for p in shops]
    context = {
        "performance": performance,
        "metric": charts.metric_text,
        "rates_chart": charts.rates_chart,
        "today": [o for o in due if o.rts_sla_time and o.rts_sla_time < today_ends],
        "at_risk": [o for o in due if o.rts_sla_time and o.rts_sla_time < now + AT_RISK],
        "cancellations": cancels,
        "returns": rets,
        "disputes": open_disputes,
        "low_stock": low,
    }
    return page(request, "center/dashboard.html", context)
