"""Returns and refunds: the buyer's requests, the seller's decisions, return shipping,
evidence, records, and what a request would refund (``/returns/calculate``).

Money-moving POSTs (approve, partial-refund accept) run their own unit of work and send the
refund to the gateway after the commit; a retry with the same Idempotency-Key replays the
answer, and a repeated decision without one is refused (409 invalid_return_status), never
a second refund."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from clipshop.aftersales import evidence, return_actions, return_decisions, return_shipping, returns
from clipshop.aftersales.return_schemas import (
    ApproveRequest,
    CalculateOut,
    CalculateRequest,
    CancelRequest,
    EvidenceOut,
    RecordOut,
    RejectRequest,
    ReturnOut,
    ReturnPage,
    ReturnRequest,
    ReturnType,
    ShipRequest,
    evidence_out,
    plan_out,
    record_out,
)
from clipshop.api.deps import (
    DB,
    Caller,
    DatabaseDep,
    GatewayDep,
    OrderId,
    Paging,
    StandaloneCaller,
    id_path,
)
from clipshop.api.routers.aftersales_uploads import EVIDENCE_BODY, evidence_body
from clipshop.core.storage import Storage

router = APIRouter(tags=["returns"])
ReturnId = Annotated[int, id_path("Return id")]


@router.post(
    "/orders/{order_id}/returns",
    response_model=ReturnOut,
    status_code=status.HTTP_201_CREATED,
    summary="Buyer requests a refund, a return and refund, or a replacement of delivered lines",
)
def create_return(order_id: OrderId, body: ReturnRequest, session: DB, caller: Caller) -> ReturnOut:
    ret = returns.create_return(
        session,
        caller,
        order_id,
        body.return_type,
        body.reason,
        body.line_item_ids,
        body.description,
    )
    return return_actions.view(session, ret)


@router.post(
    "/returns/calculate",
    response_model=CalculateOut,
    summary="What a request would refund, per line, tax and shipping; nothing is created",
)
def calculate(body: CalculateRequest, session: DB, caller: Caller) -> CalculateOut:
    order, plan = returns.quote(
        session, caller, body.order_id, body.line_item_ids, body.request_type, body.reason
    )
    return plan_out(order.id, order.currency, plan)


@router.get(
    "/returns", response_model=ReturnPage, summary="Returns the caller may see, newest first"
)
def list_returns(
    session: DB,
    caller: Caller,
    page: Paging,
    return_status: Annotated[returns.ReturnStatus | None, Query()] = None,
    return_type: ReturnType | None = None,
    order_id: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
    shop_id: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
) -> ReturnPage:
    filters = returns.ReturnFilters(return_status, return_type, order_id, shop_id)
    result = returns.list_returns(session, caller, page, filters)
    return ReturnPage(
        items=[return_actions.view(session, r) for r in result.items],
        next_cursor=result.next_cursor,
    )


@router.get("/returns/{return_id}", response_model=ReturnOut, summary="One return")
def get_return(return_id: ReturnId, session: DB, caller: Caller) -> ReturnOut:
    return return_actions.view(session, returns.get_return(session, caller, return_id))


@router.get(
    "/returns/{return_id}/records",
    response_model=list[RecordOut],
    summary="The return's records: every step, who, when, the status after it",
)
def get_records(return_id: ReturnId, session: DB, caller: Caller) -> list[RecordOut]:
    return [record_out(r) for r in returns.records(session, caller, return_id)]


@router.post(
    "/returns/{return_id}/approve",
    response_model=ReturnOut,
    summary="Seller approves (refund, return, replacement, received package) or offers a "
    "partial refund",
)
def approve(
    return_id: ReturnId,
    body: ApproveRequest,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> ReturnOut:
    amount = body.partial_refund.amount if body.partial_refund else None
    return return_actions.approve(
        db, gateway, caller, return_id, body.decision, amount, body.buyer_keep_item, body.resellable
    )


@router.post(
    "/returns/{return_id}/reject",
    response_model=ReturnOut,
    summary="Seller rejects the request, or the received package, with a reason",
)
def reject(return_id: ReturnId, body: RejectRequest, session: DB, caller: Caller) -> ReturnOut:
    reason = f"{body.reject_reason}: {body.comment}" if body.comment else body.reject_reason
    return_decisions.reject(session, caller, return_id, reason)
    return return_actions.view(session, returns.get_return(session, caller, return_id))


@router.post(
    "/returns/{return_id}/partial-refund/accept",
    response_model=ReturnOut,
    summary="Buyer accepts the seller's partial refund offer: refunded, the item is kept",
)
def accept_partial(
    return_id: ReturnId, db: DatabaseDep, gateway: GatewayDep, caller: StandaloneCaller
) -> ReturnOut:
    return return_actions.answer_offer(db, gateway, caller, return_id, True)


@router.post(
    "/returns/{return_id}/partial-refund/decline",
    response_model=ReturnOut,
    summary="Buyer declines the partial refund offer: the seller decides again",
)
def decline_partial(
    return_id: ReturnId, db: DatabaseDep, gateway: GatewayDep, caller: StandaloneCaller
) -> ReturnOut:
    return return_actions.answer_offer(db, gateway, caller, return_id, False)


@router.post(
    "/returns/{return_id}/ship",
    response_model=ReturnOut,
    summary="Buyer ships the item back: provider and tracking number, or neither for the "
    "platform's return label",
)
def ship(return_id: ReturnId, body: ShipRequest, session: DB, caller: Caller) -> ReturnOut:
    ret = return_shipping.ship_return(
        session, caller, return_id, body.provider_code, body.tracking_number
    )
    return return_actions.view(session, ret)


@router.get(
    "/returns/{return_id}/label",
    response_class=Response,
    summary="The platform's return label (PDF) while the item is to be sent back",
    responses={200: {"content": {"application/pdf": {}}}},
)
def label(return_id: ReturnId, session: DB, caller: Caller) -> Response:
    pdf = return_shipping.return_label(session, caller, return_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="return-{return_id}-label.pdf"'},
    )


@router.post(
    "/returns/{return_id}/cancel",
    response_model=ReturnOut,
    summary="Buyer withdraws the request (before the item is shipped back)",
)
def cancel(
    return_id: ReturnId, session: DB, caller: Caller, body: CancelRequest | None = None
) -> ReturnOut:
    return_decisions.cancel(session, caller, return_id, body.reason if body else "")
    return return_actions.view(session, returns.get_return(session, caller, return_id))


@router.post(
    "/returns/{return_id}/evidence",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
    summary="Buyer adds a photo (JPEG, PNG, WebP, 5 MB) or video (MP4, MOV, WebM, 50 MB)",
    openapi_extra=EVIDENCE_BODY,
)
def add_evidence(
    return_id: ReturnId,
    request: Request,
    data: Annotated[bytes, Depends(evidence_body)],  # read before the transaction opens
    session: DB,
    caller: Caller,
) -> EvidenceOut:
    storage: Storage = request.app.state.storage
    return evidence_out(evidence.add_evidence(session, storage, caller, return_id, data))


@router.get(
    "/returns/{return_id}/evidence",
    response_model=list[EvidenceOut],
    summary="The request's evidence files (download each at its download_url)",
)
def list_evidence(return_id: ReturnId, session: DB, caller: Caller) -> list[EvidenceOut]:
    return [evidence_out(r) for r in evidence.list_evidence(session, caller, return_id)]
