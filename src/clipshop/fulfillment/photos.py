"""Package photos: the seller's handover photos and the carrier's proof of delivery.

Bytes go to the storage interface (``core/storage.py``); a ``StoredFile`` row keeps the
owner, type, size and sha256. The type is decided by the content (magic bytes), never by
the name or header the client sent. Files are written before the row is committed; when the
transaction rolls back, the files it wrote are deleted again, so a row never points at a
missing file (a crash between the two can leave an orphan file, never a dangling row)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from clipshop.core.errors import Conflict, InvalidInput, NotFound
from clipshop.core.ids import new_id
from clipshop.core.storage import (
    FILE_EXTENSIONS,
    FileTooLarge,
    Storage,
    UnsupportedFileType,
    sniff_image,
)
from clipshop.fulfillment.packages import get_package
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Package, StoredFile

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS_PER_PACKAGE = 20
HANDOVER = "HANDOVER_PHOTO"
PROOF_OF_DELIVERY = "PROOF_OF_DELIVERY"
PACKAGE_KINDS = (HANDOVER, PROOF_OF_DELIVERY)
_PENDING = "clipshop_files_written"


class TooManyPhotos(Conflict):
    code = "too_many_files"


class PackageCancelled(Conflict):
    code = "package_cancelled"


def check_image(data: bytes, limit: int = MAX_PHOTO_BYTES) -> str:
    """The content type of an acceptable photo, or a refusal (413 / 422)."""
    if len(data) > limit:
        raise FileTooLarge(f"photos may be at most {limit // (1024 * 1024)} MB", limit=limit)
    content_type = sniff_image(data)
    if content_type is None:
        raise UnsupportedFileType(
            "the content is not a JPEG, PNG or WebP image (checked by its bytes, not its name)"
        )
    return content_type


def decode_photo(encoded: str) -> bytes:
    """A base64 photo (the carrier webhook's ``proof_photo``), checked like an upload."""
    if len(encoded) > (MAX_PHOTO_BYTES // 3 + 1) * 4 + 8:
        raise FileTooLarge(f"photos may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "proof_photo must be standard base64", code="invalid_proof_photo"
        ) from None
    check_image(data)
    return data


def _forget_on_rollback(session: Session, storage: Storage, key: str) -> None:
    written: list[tuple[Storage, str]] | None = session.info.get(_PENDING)
    if written is None:
        written = session.info[_PENDING] = []

        def _rolled_back(sess: Session) -> None:
            for store, stored_key in sess.info.pop(_PENDING, []):
                store.delete(stored_key)

        def _committed(sess: Session) -> None:
            sess.info.pop(_PENDING, None)

        event.listen(session, "after_rollback", _rolled_back)
        event.listen(session, "after_commit", _committed)
    written.append((storage, key))


def store_file(
    session: Session,
    storage: Storage,
    *,
    shop_id: int | None,
    owner_kind: str,
    owner_id: int,
    data: bytes,
    content_type: str,
    uploaded_by: int | None,
    prefix: str,
) -> StoredFile:
    """Keep ``data`` (already checked) under ``<prefix>/<owner_id>/<file_id>.<ext>``."""
    file_id = new_id()
    key = f"{prefix}/{owner_id}/{file_id}.{FILE_EXTENSIONS.get(content_type, 'bin')}"
    row = StoredFile(
        id=file_id,
        shop_id=shop_id,
        owner_kind=owner_kind,
        owner_id=owner_id,
        storage_key=key,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )
    session.add(row)
    session.flush()
    storage.put(key, data, content_type)
    _forget_on_rollback(session, storage, key)
    return row


def add_handover_photo(
    session: Session, storage: Storage, principal: Principal, package_id: int, data: bytes
) -> StoredFile:
    principal.require(Permission.FULFILL)
    get_package(session, principal, package_id)  # 404 unless the caller's shop ships it
    package = session.scalars(
        select(Package).where(Package.id == package_id).with_for_update()
    ).one()
    content_type = check_image(data)
    if package.status == "CANCELLED":
        raise PackageCancelled("the package was cancelled")
    count = session.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.owner_kind == HANDOVER, StoredFile.owner_id == package.id)
    )
    if (count or 0) >= MAX_PHOTOS_PER_PACKAGE:
        raise TooManyPhotos(f"a package keeps at most {MAX_PHOTOS_PER_PACKAGE} handover photos")
    return store_file(
        session,
        storage,
        shop_id=package.shop_id,
        owner_kind=HANDOVER,
        owner_id=package.id,
        data=data,
        content_type=content_type,
        uploaded_by=principal.user_id,
        prefix="packages",
    )


def add_proof_of_delivery(
    session: Session, storage: Storage, package: Package, data: bytes
) -> StoredFile:
    """From the carrier (no user): ``data`` was checked when the webhook was read."""
    return store_file(
        session,
        storage,
        shop_id=package.shop_id,
        owner_kind=PROOF_OF_DELIVERY,
        owner_id=package.id,
        data=data,
        content_type=check_image(data),
        uploaded_by=None,
        prefix="packages",
    )


def list_photos(session: Session, principal: Principal, package_id: int) -> list[StoredFile]:
    package = get_package(session, principal, package_id)
    stmt = (
        select(StoredFile)
        .where(StoredFile.owner_kind.in_(PACKAGE_KINDS), StoredFile.owner_id == package.id)
        .order_by(StoredFile.id)
    )
    return list(session.scalars(stmt))


# Who may read a stored file, by what it belongs to: a check that raises NotFound. Other
# contexts (after-sales evidence) register their owner kinds here.
FILE_ACCESS: dict[str, Callable[[Session, Principal, int], Any]] = {
    HANDOVER: get_package,
    PROOF_OF_DELIVERY: get_package,
}


def open_file(
    session: Session, storage: Storage, principal: Principal, file_id: int
) -> tuple[StoredFile, bytes]:
    row = session.get(StoredFile, file_id)
    check = FILE_ACCESS.get(row.owner_kind) if row is not None else None
    if row is None or check is None:
        raise NotFound("file not found")
    try:
        check(session, principal, row.owner_id)
    except NotFound:
        raise NotFound("file not found") from None
    return row, storage.get(row.storage_key)
