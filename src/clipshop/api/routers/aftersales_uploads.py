"""The evidence upload body that returns and disputes share: a raw photo or video (its
content type one of the stored kinds) or a multipart part ``file``, read before the
transaction opens, at most the largest video."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clipshop.aftersales.evidence import MAX_VIDEO_BYTES
from clipshop.api.deps import StandaloneCaller
from clipshop.api.routers.fulfillment_files import MULTIPART_FILE, read_upload
from clipshop.core.storage import FILE_EXTENSIONS

EVIDENCE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            **{t: {"schema": {"type": "string", "format": "binary"}} for t in FILE_EXTENSIONS},
            "multipart/form-data": MULTIPART_FILE,
        },
    }
}


async def evidence_body(request: Request, _caller: StandaloneCaller) -> bytes:
    """Authenticated first (401 before the body is read), as ``fulfillment_files`` does."""
    return await read_upload(request, MAX_VIDEO_BYTES)
