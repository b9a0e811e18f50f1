"""One case as a page or the API shows it: the case, its messages (internal notes only for
staff) and its attachments. Plain reads, for the desk, buyer and seller pages too."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from clipshop.identity.principal import Principal
from clipshop.models import StoredFile, SupportCase, SupportMessage
from clipshop.support import attachments, cases


@dataclass(frozen=True)
class CaseView:
    case: SupportCase
    messages: list[SupportMessage]
    files: list[StoredFile]


def read_case(session: Session, principal: Principal, case_id: int) -> CaseView:
    case = cases.get_case(session, principal, case_id)
    return CaseView(
        case, cases.messages(session, principal, case), attachments.files_of(session, case.id)
    )
