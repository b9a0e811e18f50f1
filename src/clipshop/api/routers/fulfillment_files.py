"""Uploads around fulfilment: tracking numbers by CSV, package photos, file downloads.

Uploads are either the raw request body (``Content-Type: text/csv`` for the CSV,
``image/jpeg|png|webp`` for a photo) or ``multipart/form-data`` with one file part named
``file``. Sizes are capped while reading (413 ``file_too_large``); the content decides the
type, not the header. The body is read before the request's transaction opens, so a slow
upload never holds a database lock (on SQLite, the write lock)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from clipshop.api.deps import DB, Caller, ShopId, StandaloneCaller
from clipshop.core.errors import InvalidInput
from clipshop.core.storage import FILE_EXTENSIONS, IMAGE_TYPES, FileTooLarge, Storage
from clipshop.fulfillment import photos, uploads
from clipshop.fulfillment.carriers import CarrierAdapter
from clipshop.fulfillment.schemas import PhotoOut, UploadOut, UploadRowOut
from clipshop.models import StoredFile

router = APIRouter(tags=["fulfillment"])
PackageId = Annotated[int, Path(gt=0, lt=2**63, description="Package id")]
FileId = Annotated[int, Path(gt=0, lt=2**63, description="File id")]
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the one file


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FileTooLarge(f"the upload may be at most {limit} bytes", limit=limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FileTooLarge(f"the upload may be at most {limit} bytes", limit=limit)
        parts.append(chunk)
    return b"".join(parts)


async def _once(data: bytes) -> AsyncGenerator[bytes, None]:
    yield data
    yield b""


async def read_upload(request: Request, limit: int) -> bytes:
    """The uploaded file's bytes: the raw body, or the ``file`` part of a multipart form."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        data = await _read_capped(request, limit)
    else:
        body = await _read_capped(request, limit + MULTIPART_OVERHEAD)
        parser = MultiPartParser(request.headers, _once(body), max_files=1, max_fields=5)
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise InvalidInput(
                f"the multipart body could not be read: {exc.message}", code="invalid_multipart"
            ) from None
        try:
            part = form.get("file")
            if not isinstance(part, UploadFile):
                raise InvalidInput(
                    "send the file as a multipart part named 'file'", code="invalid_multipart"
                )
            data = await part.read()
        finally:
            await form.close()
        if len(data) > limit:
            raise FileTooLarge(f"the upload may be at most {limit} bytes", limit=limit)
    if not data:
        raise InvalidInput("the upload is empty", code="empty_file")
    return data


# Each upload dependency takes the caller first, so an unauthenticated upload is refused (401)
# before its body is read; in its own short transaction, so none is open during the upload.


async def csv_body(request: Request, _caller: StandaloneCaller) -> bytes:
    return await read_upload(request, uploads.MAX_CSV_BYTES)


async def photo_body(request: Request, _caller: StandaloneCaller) -> bytes:
    return await read_upload(request, photos.MAX_PHOTO_BYTES)


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def _photo_out(row: StoredFile) -> PhotoOut:
    return PhotoOut(
        id=row.id,
        package_id=row.owner_id,
        kind=row.owner_kind,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
        download_url=f"/api/v1/files/{row.id}",
    )


MULTIPART_FILE = {
    "schema": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": MULTIPART_FILE,
        },
    }
}
PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            **{t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGE_TYPES},
            "multipart/form-data": MULTIPART_FILE,
        },
    }
}


@router.post(
    "/shops/{shop_id}/packages/upload",
    response_model=UploadOut,
    summary="Ship many orders from a CSV of tracking numbers; each row applies or not",
    openapi_extra=UPLOAD_BODY,
)
def upload_tracking(
    shop_id: ShopId,
    request: Request,
    data: Annotated[bytes, Depends(csv_body)],  # read before the transaction opens
    session: DB,
    caller: Caller,
) -> UploadOut:
    carrier: CarrierAdapter = request.app.state.carrier
    results = uploads.upload_tracking(session, caller, carrier, shop_id, data)
    ok = sum(1 for r in results if r.status == "OK")
    return UploadOut(
        total=len(results),
        succeeded=ok,
        failed=len(results) - ok,
        rows=[
            UploadRowOut(
                row=r.row,
                status=r.status,
                order_id=r.order_id,
                tracking_number=r.tracking_number,
                package_id=r.package_id,
                code=r.code,
                message=r.message,
            )
            for r in results
        ],
    )


@router.post(
    "/packages/{package_id}/photos",
    response_model=PhotoOut,
    status_code=201,
    summary="Add a handover photo (JPEG, PNG or WebP, at most 5 MB)",
    openapi_extra=PHOTO_BODY,
)
def add_photo(
    package_id: PackageId,
    request: Request,
    data: Annotated[bytes, Depends(photo_body)],  # read before the transaction opens
    session: DB,
    caller: Caller,
) -> PhotoOut:
    row = photos.add_handover_photo(session, _storage(request), caller, package_id, data)
    return _photo_out(row)


@router.get(
    "/packages/{package_id}/photos",
    response_model=list[PhotoOut],
    summary="Handover photos and proof of delivery of a package",
)
def list_photos(package_id: PackageId, session: DB, caller: Caller) -> list[PhotoOut]:
    return [_photo_out(row) for row in photos.list_photos(session, caller, package_id)]


@router.get(
    "/files/{file_id}",
    response_class=Response,
    summary="Download a stored file",
    responses={200: {"content": {t: {} for t in FILE_EXTENSIONS}}},
)
def download_file(file_id: FileId, request: Request, session: DB, caller: Caller) -> Response:
    row, data = photos.open_file(session, _storage(request), caller, file_id)
    extension = FILE_EXTENSIONS.get(row.content_type, "bin")
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{row.id}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "ETag": f'"{row.sha256}"',
        },
    )
