"""Packages (sellers), tracking (buyers and sellers), and inbound carrier webhooks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from clipshop.api.deps import DB, Caller, OrderId, Paging
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.core.schemas import Line, When
from clipshop.fulfillment import packages, photos, tracking, views
from clipshop.fulfillment.carriers import CarrierAdapter
from clipshop.fulfillment.providers import PROVIDERS, allowed_providers
from clipshop.fulfillment.schemas import (
    CarrierBatch,
    CarrierBatchOut,
    CarrierOutcomeOut,
    PackageCreate,
    PackageEventOut,
    PackageOut,
    PackagePage,
    SlotOut,
    TrackingCorrection,
    TrackingOut,
)
from clipshop.models import Package
from clipshop.orders import queries

router = APIRouter(tags=["fulfillment"])
PackageId = Annotated[int, Path(gt=0, lt=2**63, description="Package id")]


def _carrier(request: Request) -> CarrierAdapter:
    carrier: CarrierAdapter = request.app.state.carrier
    return carrier


def packages_out(session: Session, items: list[Package], with_events: bool) -> list[PackageOut]:
    ids = [p.id for p in items]
    lines = views.lines_by_package(session, ids)
    events = views.events_by_package(session, ids) if with_events else {}
    out = []
    for p in items:
        own = lines.get(p.id, [])
        out.append(
            PackageOut(
                id=p.id,
                shop_id=p.shop_id,
                order_ids=sorted({x.order_id for x in own}),
                line_item_ids=[x.id for x in own],
                status=p.status,
                shipping_type=p.shipping_type,
                shipping_service=p.shipping_service,
                provider_code=p.provider_code,
                tracking_number=p.tracking_number,
                handover_method=p.handover_method,
                pickup_slot_start=p.pickup_slot_start,
                pickup_slot_end=p.pickup_slot_end,
                estimated_delivery=p.estimated_delivery,
                collected_at=p.collected_at,
                delivered_at=p.delivered_at,
                returned_at=p.returned_at,
                failed_attempts=p.failed_attempts,
                last_event_kind=p.last_event_kind,
                created_at=p.created_at,
                events=[PackageEventOut.model_validate(e) for e in events.get(p.id, [])]
                if with_events
                else None,
            )
        )
    return out


@router.post(
    "/packages",
    response_model=PackageOut,
    status_code=201,
    summary="Ship items: by seller (tracking number) or platform shipping (label)",
)
def create_package(
    body: PackageCreate, request: Request, session: DB, caller: Caller
) -> PackageOut:
    package = packages.create_package(session, caller, _carrier(request), body.ship_request())
    return packages_out(session, [package], True)[0]


@router.get("/packages", response_model=PackagePage, summary="Search packages")
def search_packages(
    session: DB,
    caller: Caller,
    page: Paging,
    status: Annotated[
        Literal["PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED"] | None, Query()
    ] = None,
    order_id: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
    tracking_number: Annotated[Line | None, Query(max_length=64)] = None,
    create_time_ge: Annotated[When | None, Query()] = None,
    create_time_lt: Annotated[When | None, Query()] = None,
) -> PackagePage:
    result = views.search(
        session,
        caller,
        page,
        views.PackageFilters(
            status=status,
            order_id=order_id,
            tracking_number=tracking_number,
            created_ge=create_time_ge,
            created_lt=create_time_lt,
        ),
    )
    return PackagePage(
        items=packages_out(session, result.items, False), next_cursor=result.next_cursor
    )


@router.get("/packages/{package_id}", response_model=PackageOut)
def get_package(package_id: PackageId, session: DB, caller: Caller) -> PackageOut:
    return packages_out(session, [packages.get_package(session, caller, package_id)], True)[0]


@router.post(
    "/packages/{package_id}/tracking",
    response_model=PackageOut,
    summary="Correct a tracking number (once, within 72 h)",
)
def correct_tracking(
    package_id: PackageId, body: TrackingCorrection, session: DB, caller: Caller
) -> PackageOut:
    package = packages.correct_tracking(
        session, caller, package_id, body.tracking_number, body.provider_code
    )
    return packages_out(session, [package], True)[0]


@router.get(
    "/orders/{order_id}/tracking",
    response_model=TrackingOut,
    summary="Per package: carrier, tracking number, events, estimated delivery",
)
def order_tracking(order_id: OrderId, session: DB, caller: Caller) -> TrackingOut:
    order = queries.get_order(session, caller, order_id)
    items = views.packages_of_order(session, order.id)
    return TrackingOut(
        order_id=order.id, status=order.status, packages=packages_out(session, items, True)
    )


@router.get(
    "/orders/{order_id}/handover-slots",
    response_model=list[SlotOut],
    summary="Pickup slots for platform shipping",
)
def handover_slots(
    order_id: OrderId, request: Request, session: DB, caller: Caller
) -> list[SlotOut]:
    order = queries.get_order(session, caller, order_id)
    providers = [p for p in allowed_providers(order.shipping_service) if p.sells_labels]
    if not providers:
        raise NotFound("no platform-shipping carrier serves this order")
    slots = _carrier(request).pickup_slots(providers[0], utcnow())
    return [SlotOut(start=s, end=e) for s, e in slots]


@router.post(
    "/carriers/{carrier}/events",
    response_model=CarrierBatchOut,
    status_code=202,
    summary="Inbound tracking webhook (HMAC-signed raw body)",
)
async def carrier_events(
    carrier: Annotated[Line, Path(max_length=20)],
    request: Request,
    x_clipshop_signature: Annotated[str | None, Header()] = None,
) -> CarrierBatchOut:
    raw = await request.body()
    tracking.verify_signature(
        request.app.state.settings.carrier_webhook_secret, raw, x_clipshop_signature
    )
    if carrier not in PROVIDERS:
        raise NotFound(f"unknown carrier {carrier!r}")
    try:
        batch = CarrierBatch.model_validate_json(raw)
    except ValidationError as exc:  # a malformed body is the carrier's error (422), not ours
        raise RequestValidationError(exc.errors(include_url=False)) from None
    events = [
        tracking.CarrierEvent(
            e.event_id,
            e.tracking_number,
            e.kind,
            e.occurred_at,
            e.location,
            e.description,
            photos.decode_photo(e.proof_photo) if e.proof_photo is not None else None,
        )
        for e in batch.events
    ]

    def apply() -> list[tracking.Outcome]:
        with request.app.state.db.unit_of_work() as session:
            return tracking.apply_events(session, carrier, events, request.app.state.storage)

    outcomes = await run_in_threadpool(apply)
    return CarrierBatchOut(
        results=[
            CarrierOutcomeOut(event_id=o.event_id, result=o.result, package_id=o.package_id)
            for o in outcomes
        ]
    )
