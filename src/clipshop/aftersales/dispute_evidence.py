"""Evidence of a dispute: photos (JPEG, PNG, WebP, at most 5 MB) or videos (MP4, QuickTime,
WebM, at most 50 MB), checked by ``aftersales.evidence.check_evidence`` like a return's, kept
through the storage interface as ``StoredFile`` rows owned by the dispute. The buyer adds
them while the dispute is open; whoever may read the dispute may download them
(``/api/v1/files/{id}``). Each upload is a step of the dispute: a ``DISPUTE_EVIDENCE_ADDED``
record and order timeline event naming the file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.aftersales import disputes
from clipshop.aftersales.evidence import MAX_EVIDENCE_FILES, check_evidence
from clipshop.core.errors import PermissionDenied
from clipshop.core.storage import Storage
from clipshop.fulfillment import photos
from clipshop.identity.principal import Principal, Role
from clipshop.models import StoredFile
from clipshop.orders.states import Actor


def add_evidence(
    session: Session, storage: Storage, principal: Principal, dispute_id: int, data: bytes
) -> StoredFile:
    dispute = disputes.get_dispute(session, principal, dispute_id)  # 404 if not theirs
    if principal.role is not Role.BUYER:
        raise PermissionDenied("only the buyer adds evidence to a dispute")
    content_type = check_evidence(data)
    order = disputes.lock_order(session, dispute.order_id)
    if dispute.status != disputes.OPEN:
        raise disputes.DisputeDecided(f"dispute {dispute.id} is {dispute.status}")
    if disputes.evidence_count(session, dispute.id) >= MAX_EVIDENCE_FILES:
        raise photos.TooManyPhotos(f"a dispute keeps at most {MAX_EVIDENCE_FILES} evidence files")
    row = photos.store_file(
        session,
        storage,
        shop_id=dispute.shop_id,
        owner_kind=disputes.EVIDENCE,
        owner_id=dispute.id,
        data=data,
        content_type=content_type,
        uploaded_by=principal.user_id,
        prefix="disputes",
    )
    note = f"file {row.id} ({content_type})"
    disputes.record_step(
        session, order, dispute, "DISPUTE_EVIDENCE_ADDED", Actor.BUYER, principal.user_id, note
    )
    return row


photos.FILE_ACCESS[disputes.EVIDENCE] = disputes.get_dispute
