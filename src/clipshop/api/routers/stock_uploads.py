"""Setting a shop's stock levels from a CSV file (``catalog.stock_uploads``): the raw body
(``Content-Type: text/csv``) or a multipart form's ``file`` part, like the tracking upload."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from clipshop.api.deps import DB, Caller, ShopId
from clipshop.api.routers.fulfillment_files import UPLOAD_BODY, csv_body
from clipshop.catalog import stock_uploads
from clipshop.core.schemas import IdStr, ResponseModel

router = APIRouter(tags=["catalog"])


class StockRowOut(ResponseModel):
    line: int = Field(description="The row's line in the file (the header is line 1)")
    status: Literal["OK", "ERROR"]
    sku: str = Field(description="The SKU as the row names it (seller_sku, else sku_id)")
    quantity: str
    sku_id: IdStr | None = None
    warehouse_id: IdStr | None = None
    available: int | None = Field(None, description="Available units after the row")
    delta: int | None = None
    code: str | None = None
    message: str | None = None


class StockUploadOut(ResponseModel):
    total: int
    succeeded: int
    failed: int
    rows: list[StockRowOut]


@router.post(
    "/shops/{shop_id}/stock/upload",
    response_model=StockUploadOut,
    summary="Set stock levels from a CSV (seller_sku or sku_id, warehouse_id, quantity)",
    openapi_extra=UPLOAD_BODY,
)
def upload_stock(
    shop_id: ShopId,
    data: Annotated[bytes, Depends(csv_body)],  # read before the transaction opens
    session: DB,
    caller: Caller,
) -> StockUploadOut:
    results = stock_uploads.upload_stock(session, caller, shop_id, data)
    ok = sum(1 for r in results if r.status == "OK")
    return StockUploadOut(
        total=len(results),
        succeeded=ok,
        failed=len(results) - ok,
        rows=[StockRowOut.model_validate(r) for r in results],
    )
