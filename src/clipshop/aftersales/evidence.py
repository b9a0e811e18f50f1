"""Evidence of a return request: the buyer's photos (JPEG, PNG, WebP, at most 5 MB) and
videos (MP4, QuickTime, WebM, at most 50 MB), at most 10 per request, typed by their bytes.

Stored through the storage interface as ``StoredFile`` rows of kind ``RETURN_EVIDENCE``
(``fulfillment.photos.store_file``: a rollback deletes what it wrote); read back through
``GET /files/{id}`` by whoever may read the return (its buyer, the shop's sellers, staff)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.aftersales import return_errors as errors
from clipshop.aftersales.returns import (
    OPEN,
    get_return,
    lock_return,
    record,
    require_buyer,
)
from clipshop.core.storage import (
    FileTooLarge,
    Storage,
    UnsupportedFileType,
    sniff_image,
    sniff_video,
)
from clipshop.fulfillment.photos import FILE_ACCESS, MAX_PHOTO_BYTES, store_file
from clipshop.identity.principal import Principal
from clipshop.models import StoredFile
from clipshop.orders.states import Actor

RETURN_EVIDENCE = "RETURN_EVIDENCE"
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_EVIDENCE_FILES = 10
MB = 1024 * 1024


def check_evidence(data: bytes) -> str:
    """The content type of an acceptable photo or video, or a refusal (413 / 422)."""
    image = sniff_image(data)
    video = None if image else sniff_video(data)
    if image is None and video is None:
        raise UnsupportedFileType(
            "evidence is a JPEG, PNG or WebP photo or an MP4, QuickTime or WebM video "
            "(checked by its bytes, not its name)"
        )
    limit = MAX_PHOTO_BYTES if image else MAX_VIDEO_BYTES
    if len(data) > limit:
        kind = "photos" if image else "videos"
        raise FileTooLarge(f"evidence {kind} may be at most {limit // MB} MB", limit=limit)
    return image or video or ""


def add_evidence(
    session: Session, storage: Storage, principal: Principal, return_id: int, data: bytes
) -> StoredFile:
    require_buyer(principal, "add evidence to a return request")
    _order, ret = lock_return(session, principal, return_id)
    content_type = check_evidence(data)
    if ret.status not in OPEN:
        raise errors.InvalidReturnStatus(
            f"evidence is added while the request is open; it is {ret.status}",
            return_status=ret.status,
        )
    count = session.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.owner_kind == RETURN_EVIDENCE, StoredFile.owner_id == ret.id)
    )
    if (count or 0) >= MAX_EVIDENCE_FILES:
        raise errors.TooManyEvidenceFiles(f"a request keeps at most {MAX_EVIDENCE_FILES} files")
    row = store_file(
        session,
        storage,
        shop_id=ret.shop_id,
        owner_kind=RETURN_EVIDENCE,
        owner_id=ret.id,
        data=data,
        content_type=content_type,
        uploaded_by=principal.user_id,
        prefix="returns",
    )
    record(session, ret, "EVIDENCE_ADDED", Actor.BUYER, principal.user_id, f"file {row.id}")
    return row


def list_evidence(session: Session, principal: Principal, return_id: int) -> list[StoredFile]:
    ret = get_return(session, principal, return_id)
    stmt = (
        select(StoredFile)
        .where(StoredFile.owner_kind == RETURN_EVIDENCE, StoredFile.owner_id == ret.id)
        .order_by(StoredFile.id)
    )
    return list(session.scalars(stmt))


FILE_ACCESS[RETURN_EVIDENCE] = get_return  # the buyer, the shop's sellers, staff
