"""Boundary schemas of support cases: what callers post, what the API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from clipshop.aftersales.dispute_schemas import EvidenceOut
from clipshop.core.schemas import FilledText, IdStr, RequestModel, ResponseModel
from clipshop.models import SupportCase

Category = Literal[
    "ORDER_ISSUE",
    "DELIVERY_DELAY",
    "RETURN_REFUND",
    "PAYMENT",
    "ACCOUNT",
    "FORCE_MAJEURE",
    "OTHER",
]
Body = Annotated[FilledText, StringConstraints(min_length=1, max_length=4000)]
Note = Annotated[FilledText, StringConstraints(min_length=1, max_length=1000)]
Hours = Annotated[int, Field(ge=1, le=24 * 365)]


class CaseCreate(RequestModel):
    category: Category
    description: Body
    order_id: IdStr | None = None
    shop_id: IdStr | None = Field(None, description="A seller's case about no order: its shop")
    extension_hours: Hours | None = Field(None, description="FORCE_MAJEURE: hours asked for")
    extension_days: Annotated[int, Field(ge=1, le=365)] | None = Field(
        None, description="FORCE_MAJEURE: days asked for (instead of hours)"
    )

    def hours(self) -> int | None:
        if self.extension_days is not None:
            return self.extension_days * 24
        return self.extension_hours


class CaseReply(RequestModel):
    body: Body
    internal: bool = Field(False, description="An agent's note the user never sees")


class CaseReason(RequestModel):
    reason: Note


class CaseResolve(RequestModel):
    resolution: Note


class CaseReopen(RequestModel):
    reason: Note = "reopened"


class CaseReassign(RequestModel):
    agent_id: IdStr


class ForceMajeureApprove(RequestModel):
    approved_hours: Hours
    note: Annotated[FilledText, StringConstraints(max_length=1000)] = ""


class ForceMajeureReject(RequestModel):
    note: Note


class MessageOut(ResponseModel):
    id: IdStr
    author_id: IdStr | None
    author_role: str
    body: str
    internal: bool
    created_at: datetime


class CaseOut(ResponseModel):
    id: IdStr
    number: str
    category: str
    status: str
    shop_id: IdStr | None
    order_id: IdStr | None
    dispute_id: IdStr | None
    opened_by_id: IdStr
    opened_by_role: str
    description: str
    assignee_id: IdStr | None
    first_response_due: datetime
    first_response_at: datetime | None
    decide_by: datetime | None
    escalated_at: datetime | None
    escalation_reason: str | None
    resolution: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    extension_requested_hours: int | None
    extension_approved_hours: int | None
    extension_decision: str | None

    @classmethod
    def fields_of(cls, case: SupportCase) -> dict[str, Any]:
        """The case's columns under the API's names (``fm_*`` become ``extension_*``)."""
        names = CaseOut.model_fields.keys() - set(RENAMED)
        return {n: getattr(case, n) for n in names} | {
            out: getattr(case, column) for out, column in RENAMED.items()
        }


RENAMED = {
    "extension_requested_hours": "fm_requested_hours",
    "extension_approved_hours": "fm_approved_hours",
    "extension_decision": "fm_decision",
}


class CaseDetail(CaseOut):
    messages: list[MessageOut]
    attachments: list[EvidenceOut]


class CaseList(BaseModel):
    items: list[CaseOut]
    next_before: str | None = Field(description="Pass as ?before= for the next (older) page")


class QueueItemOut(CaseOut):
    overdue: bool


class QueueOut(BaseModel):
    items: list[QueueItemOut]


QueueView = Literal["unassigned", "mine", "assigned", "all", "escalated"]
CaseStatusIn = Literal["OPEN", "PENDING_USER", "PENDING_AGENT", "RESOLVED", "CLOSED"]
