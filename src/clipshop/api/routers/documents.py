"""Shipping labels and packing slips as PDF: one package, or many in one document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from clipshop.api.deps import DB, Caller
from clipshop.fulfillment import documents_service
from clipshop.fulfillment.documents_schemas import DocumentBatch

router = APIRouter(tags=["fulfillment"])
PackageId = Annotated[int, Path(gt=0, lt=2**63, description="Package id")]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "A PDF document"}
}


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",  # it carries a home address
        },
    )


@router.get(
    "/packages/{package_id}/label",
    response_class=Response,
    responses=PDF,
    summary="Shipping label (4x6 inch PDF with a Code 128 barcode of the tracking number)",
)
def label(package_id: PackageId, session: DB, caller: Caller) -> Response:
    pdf = documents_service.render(session, caller, [package_id], "LABEL")
    return _pdf(pdf, f"label-{package_id}.pdf")


@router.get(
    "/packages/{package_id}/packing-slip",
    response_class=Response,
    responses=PDF,
    summary="Packing slip (PDF): items and quantities, orders, ship-to",
)
def packing_slip(package_id: PackageId, session: DB, caller: Caller) -> Response:
    pdf = documents_service.render(session, caller, [package_id], "PACKING_SLIP")
    return _pdf(pdf, f"packing-slip-{package_id}.pdf")


@router.post(
    "/packages/labels",
    response_class=Response,
    responses=PDF,
    summary="Labels or packing slips of up to 100 packages in one PDF (all or nothing)",
)
def batch(body: DocumentBatch, session: DB, caller: Caller) -> Response:
    pdf = documents_service.render(session, caller, body.package_ids, body.kind)
    name = "labels.pdf" if body.kind == "LABEL" else "packing-slips.pdf"
    return _pdf(pdf, name)
