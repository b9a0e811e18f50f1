"""The fulfillment module of the seller API (scope ``seller.fulfillment.basic``, one shop):
packages search and detail, ship a package, mark an order's items shipped, shipping info
updates (202309 flat, 202610 ``shipping_info_list``), an order's tracking, handover time
slots, shipping documents (a signed ``doc_url`` serving the native PDF). Every action goes
through the native fulfillment services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from clipshop.api.deps import DB
from clipshop.api.partner.envelope import answer, choice
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.fulfillment.carriers import CarrierAdapter
from clipshop.partner import fulfillment, scopes
from clipshop.partner import fulfillment_actions as actions
from clipshop.partner import fulfillment_documents as documents
from clipshop.partner import fulfillment_schemas as api
from clipshop.partner.errors import CONFLICT, PartnerError, invalid_parameter
from clipshop.partner.paging import page_data, page_params

router = APIRouter(tags=["partner"], include_in_schema=False)

FulfillmentCall = Annotated[PartnerCall, Depends(partner(scopes.FULFILLMENT))]
PackageSearch = Annotated[PartnerCall, Depends(partner(scopes.FULFILLMENT, reads_only=True))]
BASE = "/fulfillment/202309"
SORT_FIELDS: dict[str, fulfillment.SortField] = {
    "create_time": "create_time",
    "update_time": "update_time",
}
SORT_ORDERS: dict[str, fulfillment.SortOrder] = {"ASC": "ASC", "DESC": "DESC"}


def _carrier(request: Request) -> CarrierAdapter:
    carrier: CarrierAdapter = request.app.state.carrier
    return carrier


def _seller(call: PartnerCall) -> Any:
    return actions.seller(call.session, call.access, call.shop_id)


@router.post(f"{BASE}/packages/search")
def search_packages(request: Request, call: PackageSearch) -> JSONResponse:
    q = request.query_params
    page = page_params(q.get("page_size"), q.get("page_token"))
    sort_field = choice(request, "sort_field", SORT_FIELDS, "create_time")
    sort_order = choice(request, "sort_order", SORT_ORDERS, "DESC")
    filters = parse_body(call, api.PackageSearchFilters)
    found, position, total = fulfillment.search(
        call.session, call.shop_id, filters, page, sort_field, sort_order
    )
    items = [p.model_dump(mode="json", exclude_none=True) for p in found]
    return answer(request, page_data("packages", items, position, total))


@router.get(BASE + "/packages/{package_id}")
def package_detail(request: Request, call: FulfillmentCall, package_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(package_id, "package_id")
    assert call.shop is not None
    return answer(request, fulfillment.detail(call.session, call.shop_id, call.shop.name, wanted))


@router.post(BASE + "/packages/{package_id}/ship")
def ship_package(request: Request, call: FulfillmentCall, package_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(package_id, "package_id")
    body = parse_body(call, api.ShipBody)
    actions.ship(call.session, _seller(call), _carrier(request), call.shop_id, wanted, body)
    return answer(request, api.Empty())


@router.post(BASE + "/orders/{order_id}/packages")
def mark_package_as_shipped(request: Request, call: FulfillmentCall, order_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(order_id, "order_id")
    body = parse_body(call, api.MarkShippedBody)
    done = actions.mark_shipped(
        call.session, _seller(call), _carrier(request), call.shop_id, wanted, body
    )
    return answer(request, done)


@router.post(BASE + "/packages/{package_id}/shipping_info/update")
def update_package_shipping_info(
    request: Request, call: FulfillmentCall, package_id: str
) -> JSONResponse:
    wanted = fulfillment.parse_id(package_id, "package_id")
    body = parse_body(call, api.ShippingInfo)
    actions.update_package_info(call.session, _seller(call), call.shop_id, wanted, body)
    return answer(request, api.Empty())


@router.post(BASE + "/orders/{order_id}/shipping_info/update")
def update_shipping_info(request: Request, call: FulfillmentCall, order_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(order_id, "order_id")
    body = parse_body(call, api.ShippingInfo)
    actions.update_order_info(call.session, _seller(call), call.shop_id, wanted, body)
    return answer(request, api.Empty())


@router.post("/fulfillment/202610/orders/{order_id}/shipping_info/update")
def update_shipping_info_list(
    request: Request, call: FulfillmentCall, order_id: str
) -> JSONResponse:
    wanted = fulfillment.parse_id(order_id, "order_id")
    body = parse_body(call, api.ShippingInfoList)
    actions.update_order_info_list(call.session, _seller(call), call.shop_id, wanted, body)
    return answer(request, api.Empty())


@router.get(BASE + "/orders/{order_id}/tracking")
def order_tracking(request: Request, call: FulfillmentCall, order_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(order_id, "order_id")
    return answer(request, actions.tracking(call.session, call.shop_id, wanted))


@router.get(BASE + "/orders/{order_id}/handover_time_slots")
def order_handover_slots(request: Request, call: FulfillmentCall, order_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(order_id, "order_id")
    service = actions.order_service(call.session, call.shop_id, wanted)
    return answer(request, actions.handover_slots(_carrier(request), service))


@router.get(BASE + "/packages/{package_id}/handover_time_slots")
def package_handover_slots(
    request: Request, call: FulfillmentCall, package_id: str
) -> JSONResponse:
    wanted = fulfillment.parse_id(package_id, "package_id")
    service = actions.package_service(call.session, call.shop_id, wanted)
    return answer(request, actions.handover_slots(_carrier(request), service))


@router.get(BASE + "/packages/{package_id}/shipping_documents")
def shipping_documents(request: Request, call: FulfillmentCall, package_id: str) -> JSONResponse:
    wanted = fulfillment.parse_id(package_id, "package_id")
    document_type = request.query_params.get("document_type", "")
    url, tracking = documents.document_url(
        call.session,
        _seller(call),
        call.app,
        call.shop_id,
        wanted,
        document_type,
        str(request.base_url),
    )
    return answer(request, api.ShippingDocument(doc_url=url, tracking_number=tracking))


@router.get(documents.FILE_PATH)
def shipping_document_file(request: Request, session: DB, package_id: str) -> Response:
    """The PDF behind a ``doc_url`` (no token: the URL is signed and expires)."""
    q = request.query_params
    pdf = documents.render(
        session,
        fulfillment.parse_id(package_id, "package_id"),
        q.get("document_type", ""),
        q.get("app_key", ""),
        q.get("expires", ""),
        q.get("sign", ""),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{package_id}.pdf"',
            "Cache-Control": "no-store",  # it carries a home address
        },
    )


@router.post(f"{BASE}/images/upload")
async def upload_delivery_image(request: Request, call: FulfillmentCall) -> JSONResponse:
    """Multipart ``data`` (the image as base64), and ``package_id`` (form or query): clipshop
    keeps a photo with its package, as a handover photo."""
    form = await request.form()
    encoded = form.get("data")
    if isinstance(encoded, UploadFile):
        encoded = (await encoded.read()).decode("ascii", "replace")
    package_id = form.get("package_id") or request.query_params.get("package_id")
    if not isinstance(encoded, str) or not encoded:
        raise invalid_parameter("data (the image as base64) is required in a multipart form")
    if not isinstance(package_id, str) or not package_id:
        raise invalid_parameter("package_id is required: clipshop keeps a photo with its package")
    wanted = fulfillment.parse_id(package_id, "package_id")

    def store() -> str:
        return actions.delivery_photo(
            call.session, request.app.state.storage, _seller(call), call.shop_id, wanted, encoded
        )

    file_id = await run_in_threadpool(store)
    url = f"{str(request.base_url).rstrip('/')}/api/v1/files/{file_id}"
    return answer(request, api.ImageData(url=url))


SHIP_TO_SPLIT = (
    "clipshop makes a package when it ships, so a package cannot be {verb} before: {how}"
)


@router.post(BASE + "/orders/{order_id}/split")
def split_order(call: FulfillmentCall, order_id: str) -> JSONResponse:
    """Refused with the way to do it: mark each group shipped with its line item ids."""
    fulfillment.parse_id(order_id, "order_id")
    how = (
        "ship each group with POST /fulfillment/202309/orders/{order_id}/packages and its "
        "order_line_item_ids"
    )
    raise PartnerError(CONFLICT, SHIP_TO_SPLIT.format(verb="split", how=how), 409)


@router.post(f"{BASE}/packages/combine")
def combine_packages(call: FulfillmentCall) -> JSONResponse:
    """Refused with the way to do it: the native POST /api/v1/packages ships several orders
    of one buyer and address in one package."""
    how = "ship the orders together with POST /api/v1/packages and their order_ids"
    raise PartnerError(CONFLICT, SHIP_TO_SPLIT.format(verb="combined", how=how), 409)
