"""Attachments of a case: photos (JPEG, PNG, WebP, 5 MB) or videos (MP4, QuickTime, WebM,
50 MB), typed by their bytes (``aftersales.evidence.check_evidence``), at most 10 per case,
kept through the storage interface as ``StoredFile`` rows owned by the case (SUPPORT_CASE).
Whoever may read the case adds them while it is active and downloads them (``/files/{id}``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales.evidence import MAX_EVIDENCE_FILES, check_evidence
from clipshop.core.storage import Storage
from clipshop.fulfillment import photos
from clipshop.identity.principal import Principal
from clipshop.models import StoredFile
from clipshop.support.actions import require_active
from clipshop.support.cases import add_message, changed, get_case

OWNER = "SUPPORT_CASE"


def files_of(session: Session, case_id: int) -> list[StoredFile]:
    stmt = select(StoredFile).where(StoredFile.owner_kind == OWNER, StoredFile.owner_id == case_id)
    return list(session.scalars(stmt.order_by(StoredFile.id)))


def attach(
    session: Session, storage: Storage, principal: Principal, case_id: int, data: bytes
) -> StoredFile:
    case = get_case(session, principal, case_id, lock=True)  # 404 unless the caller's
    content_type = check_evidence(data)
    require_active(case)
    if len(files_of(session, case.id)) >= MAX_EVIDENCE_FILES:  # ten rows at most
        raise photos.TooManyPhotos(f"a case keeps at most {MAX_EVIDENCE_FILES} attachments")
    row = photos.store_file(
        session,
        storage,
        shop_id=case.shop_id,
        owner_kind=OWNER,
        owner_id=case.id,
        data=data,
        content_type=content_type,
        uploaded_by=principal.user_id,
        prefix="support",
    )
    note = f"attached file {row.id} ({content_type})"
    add_message(session, case, principal.user_id, principal.role.value, note)
    changed(session, case, case.status, "ATTACHED")
    return row


photos.FILE_ACCESS[OWNER] = get_case
