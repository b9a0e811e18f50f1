"""Support cases: open, answer, escalate, reassign, resolve, reopen, close; force majeure;
the agents' queue (native API, docs/support.md). Thin: the services in ``support`` decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from clipshop.aftersales.dispute_schemas import EvidenceOut
from clipshop.api.deps import DB, Caller, ReadDB
from clipshop.api.routers.aftersales_uploads import EVIDENCE_BODY, evidence_body
from clipshop.core.storage import Storage
from clipshop.identity.principal import Principal
from clipshop.support import actions, attachments, cases, force_majeure, queue, views
from clipshop.support.schemas import (
    CaseCreate,
    CaseDetail,
    CaseList,
    CaseOut,
    CaseReason,
    CaseReassign,
    CaseReopen,
    CaseReply,
    CaseResolve,
    CaseStatusIn,
    ForceMajeureApprove,
    ForceMajeureReject,
    MessageOut,
    QueueItemOut,
    QueueOut,
    QueueView,
)

router = APIRouter(tags=["support"])
CaseId = Annotated[int, Path(gt=0, lt=2**63, description="Support case id")]
CASE = "/support/cases/{case_id}"


def _detail(session: Session, caller: Principal, case_id: int) -> CaseDetail:
    view = views.read_case(session, caller, case_id)
    return CaseDetail(
        **CaseOut.fields_of(view.case),
        messages=[MessageOut.model_validate(m) for m in view.messages],
        attachments=[EvidenceOut.of(f) for f in view.files],
    )


@router.post(
    "/support/cases",
    response_model=CaseDetail,
    status_code=201,
    summary="A buyer, a seller or an agent opens a case (FORCE_MAJEURE: sellers, on an order)",
)
def open_case(body: CaseCreate, session: DB, caller: Caller) -> CaseDetail:
    new = cases.NewCase(
        category=body.category,
        description=body.description,
        order_id=body.order_id,
        shop_id=body.shop_id,
        extension_hours=body.hours(),
    )
    case = cases.open_case(session, caller, new)
    return _detail(session, caller, case.id)


@router.get(
    "/support/cases",
    response_model=CaseList,
    summary="The caller's cases, newest first (staff: every case)",
)
def list_cases(
    session: ReadDB,
    caller: Caller,
    status: Annotated[CaseStatusIn | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
) -> CaseList:
    found = cases.list_cases(session, caller, status, limit, before)
    last = str(found[-1].id) if len(found) == limit else None
    return CaseList(items=[CaseOut(**CaseOut.fields_of(c)) for c in found], next_before=last)


@router.get("/support/queue", response_model=QueueOut, summary="The agents' queue")
def agent_queue(
    session: ReadDB,
    caller: Caller,
    view: Annotated[QueueView, Query()] = "unassigned",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> QueueOut:
    items = queue.queue(session, caller, view, limit)
    return QueueOut(
        items=[QueueItemOut(**CaseOut.fields_of(i.case), overdue=i.overdue) for i in items]
    )


@router.get(CASE, response_model=CaseDetail, summary="One case with its history")
def get_case(case_id: CaseId, session: ReadDB, caller: Caller) -> CaseDetail:
    return _detail(session, caller, case_id)


@router.post(
    f"{CASE}/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Reply (the opener, an agent) or add an internal note (agents)",
)
def reply(case_id: CaseId, body: CaseReply, session: DB, caller: Caller) -> MessageOut:
    message = actions.reply(session, caller, case_id, body.body, body.internal)
    return MessageOut.model_validate(message)


@router.post(
    f"{CASE}/attachments",
    response_model=EvidenceOut,
    status_code=201,
    summary="Attach a photo (JPEG/PNG/WebP, 5 MB) or video (MP4/MOV/WebM, 50 MB)",
    openapi_extra=EVIDENCE_BODY,
)
def attach(
    case_id: CaseId,
    request: Request,
    data: Annotated[bytes, Depends(evidence_body)],
    session: DB,
    caller: Caller,
) -> EvidenceOut:
    storage: Storage = request.app.state.storage
    return EvidenceOut.of(attachments.attach(session, storage, caller, case_id, data))


@router.post(f"{CASE}/take", response_model=CaseDetail, summary="An agent takes the case")
def take(case_id: CaseId, session: DB, caller: Caller) -> CaseDetail:
    actions.take(session, caller, case_id)
    return _detail(session, caller, case_id)


@router.post(f"{CASE}/escalate", response_model=CaseDetail, summary="To the supervisors")
def escalate(case_id: CaseId, body: CaseReason, session: DB, caller: Caller) -> CaseDetail:
    actions.escalate_by(session, caller, case_id, body.reason)
    return _detail(session, caller, case_id)


@router.post(
    f"{CASE}/reassign", response_model=CaseDetail, summary="A supervisor gives it to an agent"
)
def reassign(case_id: CaseId, body: CaseReassign, session: DB, caller: Caller) -> CaseDetail:
    actions.reassign(session, caller, case_id, body.agent_id)
    return _detail(session, caller, case_id)


@router.post(f"{CASE}/resolve", response_model=CaseDetail, summary="An agent resolves it")
def resolve(case_id: CaseId, body: CaseResolve, session: DB, caller: Caller) -> CaseDetail:
    actions.resolve(session, caller, case_id, body.resolution)
    return _detail(session, caller, case_id)


@router.post(f"{CASE}/reopen", response_model=CaseDetail, summary="Reopen within case_reopen_days")
def reopen(
    case_id: CaseId, session: DB, caller: Caller, body: CaseReopen | None = None
) -> CaseDetail:
    actions.reopen(session, caller, case_id, body.reason if body else "reopened")
    return _detail(session, caller, case_id)


@router.post(f"{CASE}/close", response_model=CaseDetail, summary="Close a resolved case")
def close(case_id: CaseId, session: DB, caller: Caller) -> CaseDetail:
    actions.close(session, caller, case_id)
    return _detail(session, caller, case_id)


@router.post(
    f"{CASE}/force-majeure/approve",
    response_model=CaseDetail,
    summary="Grant the extension (at most what was asked); the order's deadlines move",
)
def approve_force_majeure(
    case_id: CaseId, body: ForceMajeureApprove, session: DB, caller: Caller
) -> CaseDetail:
    force_majeure.approve(session, caller, case_id, body.approved_hours, body.note)
    return _detail(session, caller, case_id)


@router.post(
    f"{CASE}/force-majeure/reject", response_model=CaseDetail, summary="Refuse the extension"
)
def reject_force_majeure(
    case_id: CaseId, body: ForceMajeureReject, session: DB, caller: Caller
) -> CaseDetail:
    force_majeure.reject(session, caller, case_id, body.note)
    return _detail(session, caller, case_id)
