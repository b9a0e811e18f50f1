"""Boundary schemas of disputes: what a buyer posts, what an agent decides, what all read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from clipshop.core.schemas import (
    FilledText,
    IdStr,
    MinorUnits,
    MoneyOut,
    PageOut,
    RequestModel,
    ResponseModel,
    Text,
)
from clipshop.models import AftersaleRecord, Dispute, StoredFile

Kind = Literal["ESCALATION", "DAMAGE_CLAIM", "BUYER_PROTECTION"]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Z_]+$")]
Note = Annotated[FilledText, StringConstraints(min_length=1, max_length=1000)]


class DisputeCreate(RequestModel):
    kind: Kind
    reason: Reason = Field(
        description="BUYER_PROTECTION: NOT_RECEIVED, WRONG_ITEM, NOT_AS_DESCRIBED or DAMAGED; "
        "DAMAGE_CLAIM: DAMAGED; ESCALATION: e.g. REQUEST_REJECTED, NO_SELLER_RESPONSE"
    )
    line_item_ids: list[IdStr] = Field(default_factory=list, max_length=100)
    description: Annotated[Text, StringConstraints(max_length=1000)] = ""
    return_id: IdStr | None = Field(None, description="ESCALATION of a return request")


class DisputeDecide(RequestModel):
    decision: Literal["SUPPORT_BUYER", "SUPPORT_SELLER"]
    note: Note
    refund_amount: MinorUnits | None = Field(
        None, ge=1, description="minor units; default: what is left of the claimed lines"
    )


class DisputeWithdraw(RequestModel):
    reason: Annotated[Text, StringConstraints(max_length=500)] = ""


class RecordOut(ResponseModel):
    id: IdStr
    event: str
    actor_role: str
    actor_id: IdStr | None
    note: str
    status_after: str | None
    created_at: datetime


class EvidenceOut(ResponseModel):
    id: IdStr
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: IdStr | None
    created_at: datetime
    download_url: str

    @classmethod
    def of(cls, row: StoredFile) -> EvidenceOut:
        return cls(
            id=row.id,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            uploaded_by=row.uploaded_by,
            created_at=row.created_at,
            download_url=f"/api/v1/files/{row.id}",
        )


class DisputeOut(ResponseModel):
    id: IdStr
    order_id: IdStr
    shop_id: IdStr
    buyer_id: IdStr
    return_id: IdStr | None
    kind: str
    reason: str
    description: str
    status: str
    line_item_ids: list[IdStr]
    agent_id: IdStr | None
    decision_note: str | None
    refund_amount: MoneyOut | None
    decided_at: datetime | None
    created_at: datetime
    records: list[RecordOut] | None = None
    evidence: list[EvidenceOut] | None = None


class DisputePage(PageOut):
    items: list[DisputeOut]


def dispute_out(
    dispute: Dispute,
    currency: str,
    records: list[AftersaleRecord] | None = None,
    evidence: list[StoredFile] | None = None,
) -> DisputeOut:
    return DisputeOut(
        id=dispute.id,
        order_id=dispute.order_id,
        shop_id=dispute.shop_id,
        buyer_id=dispute.buyer_id,
        return_id=dispute.return_id,
        kind=dispute.kind,
        reason=dispute.reason,
        description=dispute.description,
        status=dispute.status,
        line_item_ids=[int(i) for i in dispute.line_item_ids],
        agent_id=dispute.agent_id,
        decision_note=dispute.decision_note,
        refund_amount=None
        if dispute.refund_amount is None
        else MoneyOut.of(dispute.refund_amount, currency),
        decided_at=dispute.decided_at,
        created_at=dispute.created_at,
        records=None if records is None else [RecordOut.model_validate(r) for r in records],
        evidence=None if evidence is None else [EvidenceOut.of(f) for f in evidence],
    )


class ActionOut(BaseModel):
    request_type: str
    eligible: bool
    deadline: datetime | None
    ineligible_code: str | None
    opens_at: datetime | None = None


class LineEligibilityOut(BaseModel):
    line_item_id: IdStr
    sku_id: IdStr
    actions: list[ActionOut]


class EligibilityOut(BaseModel):
    order_id: IdStr
    status: str
    line_item_eligibility: list[LineEligibilityOut]
