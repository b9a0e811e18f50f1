"""Cancellations: buyer requests and the seller's answer, seller and operator cancels, lists.

Each POST runs its own unit of work and sends the refund it queued to the gateway after the
commit. An Idempotency-Key header, when sent, makes a retry replay the first answer (the
middleware covers every unsafe request); without one a repeat is refused by the state it
finds (``cancellation_pending``, ``cancellation_not_pending``, ``line_already_cancelled``),
so no retry refunds twice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from clipshop.aftersales import cancellations
from clipshop.aftersales.cancellation_schemas import (
    CancellationOut,
    CancellationPage,
    CancellationRequestBody,
    CancelStatus,
    OperatorCancelBody,
    RejectBody,
    SellerCancelBody,
    WithdrawBody,
    cancellation_out,
)
from clipshop.api.deps import DB, Caller, DatabaseDep, GatewayDep, OrderId, Paging, StandaloneCaller

router = APIRouter(tags=["cancellations"])
CancelId = Annotated[int, Path(gt=0, lt=2**63, description="Cancellation id")]
IdQuery = Annotated[int | None, Query(gt=0, lt=2**63)]


@router.post(
    "/orders/{order_id}/cancellations",
    response_model=CancellationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Buyer cancels (UNPAID, ON_HOLD: at once) or asks the seller to cancel "
    "(AWAITING_SHIPMENT, PARTIALLY_SHIPPING: auto-approved after the response deadline)",
)
def request_cancellation(
    order_id: OrderId,
    body: CancellationRequestBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> CancellationOut:
    cancel_id = cancellations.buyer_request(
        db, gateway, caller, order_id, body.reason, body.line_item_ids
    )
    return cancellations.read(db, caller, cancel_id)


@router.post(
    "/cancellations/{cancel_id}/approve",
    response_model=CancellationOut,
    summary="Seller approves a buyer's request: items cancelled, stock back, refund sent",
)
def approve_cancellation(
    cancel_id: CancelId, db: DatabaseDep, gateway: GatewayDep, caller: StandaloneCaller
) -> CancellationOut:
    cancellations.approve(db, gateway, caller, cancel_id)
    return cancellations.read(db, caller, cancel_id)


@router.post(
    "/cancellations/{cancel_id}/reject",
    response_model=CancellationOut,
    summary="Seller rejects a buyer's request (CANCELLATION_REQUEST_CANCEL): the order goes on",
)
def reject_cancellation(
    cancel_id: CancelId,
    body: RejectBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> CancellationOut:
    cancellations.reject(db, gateway, caller, cancel_id, body.reject_reason, body.comment)
    return cancellations.read(db, caller, cancel_id)


@router.post(
    "/cancellations/{cancel_id}/withdraw",
    response_model=CancellationOut,
    summary="Buyer withdraws its pending request (CANCELLATION_REQUEST_CANCEL): the order goes on",
)
def withdraw_cancellation(
    cancel_id: CancelId,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
    body: WithdrawBody | None = None,
) -> CancellationOut:
    cancellations.withdraw(db, gateway, caller, cancel_id, body.reason if body else "")
    return cancellations.read(db, caller, cancel_id)


@router.post(
    "/orders/{order_id}/seller-cancel",
    response_model=CancellationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Seller cancels some or all unshipped items with a reason code",
)
def seller_cancel(
    order_id: OrderId,
    body: SellerCancelBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> CancellationOut:
    cancel_id = cancellations.seller_cancel(
        db, gateway, caller, order_id, body.reason_code, body.line_item_ids, body.note
    )
    return cancellations.read(db, caller, cancel_id)


@router.post(
    "/orders/{order_id}/operator-cancel",
    response_model=CancellationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Platform operator cancels some or all items of an order not yet delivered",
)
def operator_cancel(
    order_id: OrderId,
    body: OperatorCancelBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> CancellationOut:
    cancel_id = cancellations.operator_cancel(
        db, gateway, caller, order_id, body.reason, body.line_item_ids
    )
    return cancellations.read(db, caller, cancel_id)


@router.get(
    "/cancellations",
    response_model=CancellationPage,
    summary="Cancellations you can see (a buyer its own, a seller its shops', staff all), "
    "newest first",
)
def list_cancellations(
    session: DB,
    caller: Caller,
    page: Paging,
    cancel_status: Annotated[CancelStatus | None, Query(alias="status")] = None,
    order_id: IdQuery = None,
) -> CancellationPage:
    filters = cancellations.Filters(status=cancel_status, order_id=order_id)
    result = cancellations.list_cancellations(session, caller, page, filters)
    lines = cancellations.lines_by_cancellation(session, result.items)
    return CancellationPage(
        items=[cancellation_out(c, lines[c.id]) for c in result.items],
        next_cursor=result.next_cursor,
    )


@router.get(
    "/cancellations/{cancel_id}",
    response_model=CancellationOut,
    summary="One cancellation with its records (timeline)",
)
def get_cancellation(
    cancel_id: CancelId, db: DatabaseDep, caller: StandaloneCaller
) -> CancellationOut:
    return cancellations.read(db, caller, cancel_id)
