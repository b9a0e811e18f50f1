"""The seller center's inventory: stock per warehouse of a shop's SKUs, adjusting it with a
reason, the low-stock list, setting stock from a CSV (``catalog.stock_uploads``) and shipping
many orders from a CSV of tracking numbers (``fulfillment.uploads``, the API's upload service),
each with the result of every row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from clipshop.api.web.center_requests import seller
from clipshop.api.web.forms import FormId, QueryId
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database
from clipshop.catalog import inventory, products, stock_uploads, warehouses
from clipshop.core.csvrows import MAX_CSV_BYTES
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import PageRequest, page_request
from clipshop.core.storage import FileTooLarge
from clipshop.fulfillment import uploads
from clipshop.identity.principal import Principal

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
REASONS = ("ADJUST", "RECEIVED", "DAMAGED", "STOCK_TAKE", "RETURNED")
ALL = PageRequest(limit=100)
MAX_DELTA = 10_000_000


def shop_of(principal: Principal, shop_id: int | None) -> int:
    """The shop the page is about: the one asked for, else the seller's first."""
    if shop_id is not None:
        return shop_id
    if not principal.shop_ids:
        raise InvalidInput("you have no shop yet", code="no_shop")
    return min(principal.shop_ids)


def _stock_page(
    request: Request,
    principal: Principal,
    shop_id: int | None,
    cursor: str | None = None,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
    results: list[uploads.RowResult] | None = None,
    stock_results: list[stock_uploads.StockRowResult] | None = None,
) -> Response:
    shop = shop_of(principal, shop_id)
    with database(request).unit_of_work(write=False) as session:
        stores = warehouses.list_warehouses(session, principal, shop, ALL).items
        found = products.list_products(session, principal, shop, page_request(20, cursor))
        skus = products.skus_by_product(session, [p.id for p in found.items])
        rows = [
            (product, inventory.sku_stock(session, principal, sku.id))
            for product in found.items
            for sku in skus[product.id]
        ]
        low = inventory.low_stock(session, principal, shop, ALL).items
    context: dict[str, Any] = {
        "shop_id": shop,
        "shops": sorted(principal.shop_ids),
        "warehouses": stores,
        "rows": [(p, s, {level.warehouse_id: level for level in s.levels}) for p, s in rows],
        "low": low,
        "next_cursor": found.next_cursor,
        "reasons": REASONS,
        "error": error,
        "typed": typed or {},
        "results": results,
        "stock_results": stock_results,
    }
    return page(request, "center/stock.html", context, error.status if error else 200)


@router.get("/stock")
def stock(
    request: Request, signed: SignedIn, shop_id: QueryId = None, cursor: str | None = None
) -> Response:
    return _stock_page(request, seller(signed), shop_id, cursor or None)


def _delta(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value == 0 or abs(value) > MAX_DELTA:
        raise InvalidInput(
            "the change must be a whole number of units, not 0 (negative removes units)",
            code="invalid_delta",
        )
    return value


@router.post("/stock/adjust")
def adjust(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    sku_id: FormId,
    warehouse_id: FormId,
    delta: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=20)] = "ADJUST",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    principal = seller(signed)
    try:
        if reason not in REASONS:
            raise InvalidInput(f"unknown reason {reason}", code="invalid_request")
        units = _delta(delta)
        with database(request).unit_of_work() as session:
            inventory.adjust_stock(session, principal, sku_id, warehouse_id, units, reason, note)
    except DomainError as exc:
        typed = {"sku_id": str(sku_id), "delta": delta, "note": note, "reason": reason}
        return _stock_page(request, principal, shop_id, error=exc, typed=typed)
    return RedirectResponse(f"/center/stock?shop_id={shop_id}", status_code=303)


def _csv_file(file: UploadFile) -> bytes:
    """The uploaded CSV's bytes; too large or empty: refused before any database work."""
    data = file.file.read(MAX_CSV_BYTES + 1)  # spooled by the form parser already
    if len(data) > MAX_CSV_BYTES:
        raise FileTooLarge(f"the upload may be at most {MAX_CSV_BYTES} bytes", limit=MAX_CSV_BYTES)
    if not data:
        raise InvalidInput("choose a CSV file to upload", code="empty_upload")
    return data


@router.post("/stock/import")
def stock_import(
    request: Request, signed: SignedIn, shop_id: FormId, file: Annotated[UploadFile, File()]
) -> Response:
    """Set stock levels from a CSV: each row's result is shown; a bad file is refused whole."""
    principal = seller(signed)
    try:
        data = _csv_file(file)
        with database(request).unit_of_work() as session:
            results = stock_uploads.upload_stock(session, principal, shop_id, data)
    except DomainError as exc:
        return _stock_page(request, principal, shop_id, error=exc)
    return _stock_page(request, principal, shop_id, stock_results=results)


@router.post("/stock/tracking")
def tracking_upload(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Ship orders from a CSV of tracking numbers: each row's result is shown; a bad file is
    refused whole."""
    principal = seller(signed)
    carrier = request.app.state.carrier
    try:
        data = _csv_file(file)
        with database(request).unit_of_work() as session:
            results = uploads.upload_tracking(session, principal, carrier, shop_id, data)
    except DomainError as exc:
        return _stock_page(request, principal, shop_id, error=exc)
    return _stock_page(request, principal, shop_id, results=results)
