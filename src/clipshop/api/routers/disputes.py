"""Disputes and buyer protection: buyers open them on their orders and add evidence, agents
work the queue and decide, sellers read their shops'."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from clipshop.aftersales import dispute_actions, dispute_evidence, disputes, eligibility
from clipshop.aftersales.dispute_schemas import (
    ActionOut,
    DisputeCreate,
    DisputeDecide,
    DisputeOut,
    DisputePage,
    DisputeWithdraw,
    EligibilityOut,
    EvidenceOut,
    LineEligibilityOut,
    dispute_out,
)
from clipshop.api.deps import DB, Caller, DatabaseDep, GatewayDep, OrderId, Paging, StandaloneCaller
from clipshop.api.routers.aftersales_uploads import EVIDENCE_BODY, evidence_body
from clipshop.core.db import Database
from clipshop.core.storage import Storage
from clipshop.identity.principal import Principal
from clipshop.orders import queries

router = APIRouter(tags=["disputes"])
DisputeId = Annotated[int, Path(gt=0, lt=2**63, description="Dispute id")]


def dispute_view(db: Database, caller: Principal, dispute_id: int) -> tuple[DisputeOut, str]:
    """A dispute the caller may see, with its records and evidence, and its order's currency
    (the API's answer; the seller center and the agent desk show the same)."""
    with db.unit_of_work(write=False) as session:
        dispute = disputes.get_dispute(session, caller, dispute_id)
        currency = dispute_actions.currencies(session, [dispute.order_id])[dispute.order_id]
        detail = dispute_out(
            dispute,
            currency,
            disputes.records(session, dispute.id),
            disputes.evidence_files(session, dispute.id),
        )
    return detail, currency


def _one(db: Database, caller: Principal, dispute_id: int) -> DisputeOut:
    return dispute_view(db, caller, dispute_id)[0]


@router.post(
    "/orders/{order_id}/disputes",
    response_model=DisputeOut,
    status_code=201,
    summary="Buyer escalates a request, claims damage or claims buyer protection",
)
def open_dispute(
    order_id: OrderId, body: DisputeCreate, db: DatabaseDep, caller: StandaloneCaller
) -> DisputeOut:
    claim = disputes.Claim(
        kind=body.kind,
        reason=body.reason,
        line_item_ids=list(body.line_item_ids),
        description=body.description,
        return_id=body.return_id,
    )
    dispute_id = dispute_actions.open_dispute(db, caller, order_id, claim)
    return _one(db, caller, dispute_id)


@router.get(
    "/disputes",
    response_model=DisputePage,
    summary="The dispute queue, oldest first: staff all, a buyer its own, a seller its shops'",
)
def list_disputes(
    session: DB,
    caller: Caller,
    page: Paging,
    status: Annotated[
        Literal["IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED"] | None, Query()
    ] = None,
    kind: Annotated[
        Literal["ESCALATION", "DAMAGE_CLAIM", "BUYER_PROTECTION"] | None, Query()
    ] = None,
    order_id: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
) -> DisputePage:
    filters = dispute_actions.DisputeFilters(status=status, kind=kind, order_id=order_id)
    result = dispute_actions.queue(session, caller, page, filters)
    money = dispute_actions.currencies(session, [d.order_id for d in result.items])
    return DisputePage(
        items=[dispute_out(d, money[d.order_id]) for d in result.items],
        next_cursor=result.next_cursor,
    )


@router.get(
    "/disputes/{dispute_id}",
    response_model=DisputeOut,
    summary="One dispute with its records and evidence",
)
def get_dispute(dispute_id: DisputeId, db: DatabaseDep, caller: StandaloneCaller) -> DisputeOut:
    return _one(db, caller, dispute_id)


@router.post(
    "/disputes/{dispute_id}/evidence",
    response_model=EvidenceOut,
    status_code=201,
    summary="Buyer adds a photo (JPEG/PNG/WebP, 5 MB) or video (MP4/MOV/WebM, 50 MB)",
    openapi_extra=EVIDENCE_BODY,
)
def add_evidence(
    dispute_id: DisputeId,
    request: Request,
    data: Annotated[bytes, Depends(evidence_body)],  # read before the transaction opens
    session: DB,
    caller: Caller,
) -> EvidenceOut:
    storage: Storage = request.app.state.storage
    return EvidenceOut.of(dispute_evidence.add_evidence(session, storage, caller, dispute_id, data))


@router.post(
    "/disputes/{dispute_id}/decide",
    response_model=DisputeOut,
    summary="Agent decides SUPPORT_BUYER (refund within the caps) or SUPPORT_SELLER",
)
def decide_dispute(
    dispute_id: DisputeId,
    body: DisputeDecide,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> DisputeOut:
    dispute_actions.decide(
        db, gateway, caller, dispute_id, body.decision, body.note, body.refund_amount
    )
    return _one(db, caller, dispute_id)


@router.post(
    "/disputes/{dispute_id}/withdraw",
    response_model=DisputeOut,
    summary="Buyer withdraws its open dispute before an agent decides it (CLOSED, no refund)",
)
def withdraw_dispute(
    dispute_id: DisputeId,
    db: DatabaseDep,
    caller: StandaloneCaller,
    body: DisputeWithdraw | None = None,
) -> DisputeOut:
    dispute_actions.withdraw(db, caller, dispute_id, body.reason if body else "")
    return _one(db, caller, dispute_id)


@router.get(
    "/orders/{order_id}/aftersale-eligibility",
    response_model=EligibilityOut,
    summary="Per line: which after-sales actions the caller may take now, with deadlines",
)
def aftersale_eligibility(order_id: OrderId, session: DB, caller: Caller) -> EligibilityOut:
    order, facts = eligibility.facts_of(session, caller, order_id)
    verdicts = eligibility.evaluate(facts)
    skus = {line.id: line.sku_id for line in queries.lines_of(session, [order.id])[order.id]}
    return EligibilityOut(
        order_id=order.id,
        status=order.status,
        line_item_eligibility=[
            LineEligibilityOut(
                line_item_id=line_id,
                sku_id=skus[line_id],
                actions=[
                    ActionOut(
                        request_type=v.action,
                        eligible=v.eligible,
                        deadline=v.deadline,
                        ineligible_code=v.ineligible_code,
                        opens_at=v.opens_at,
                    )
                    for v in line_verdicts
                ],
            )
            for line_id, line_verdicts in verdicts.items()
        ],
    )
