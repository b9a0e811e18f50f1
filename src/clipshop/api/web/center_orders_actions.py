"""An order's actions in the seller center: ship (by seller with carrier and tracking number,
or a platform label), split (ship some items), combine (one package for several orders of the
buyer), seller cancel with a reason. The API's services do the work; a refused action shows
the order's page again with the problem code and what the user typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from clipshop.aftersales import cancellations
from clipshop.aftersales.cancellation_schemas import SellerCancelBody
from clipshop.api.web.center_orders import order_page, seller
from clipshop.api.web.forms import Id, Ids, Text
from clipshop.api.web.render import PageRoute
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database, gateway_of
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.ids import parse_id
from clipshop.fulfillment import packages
from clipshop.fulfillment.carriers import CarrierAdapter
from clipshop.fulfillment.schemas import PackageCreate
from clipshop.identity.principal import Principal

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def validated(model: type[M], data: dict[str, Any]) -> M:
    """The form as the API's request schema checks it; its complaints as one 422."""
    return checked(model.model_validate, data)


def checked(validate: Callable[[dict[str, Any]], T], data: dict[str, Any]) -> T:
    """``validate(data)`` (a schema's or a type adapter's); its complaints as one 422."""
    try:
        return validate(data)
    except ValidationError as exc:
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:3]
        ]
        raise InvalidInput("; ".join(parts), code="invalid_request") from None


def ids_of(name: str, values: list[str]) -> list[int]:
    """The checked ids of a form; a forged one is a clear 422."""
    try:
        return [parse_id(v.strip()) for v in values if v.strip()]
    except ValueError:
        raise InvalidInput(f"{name} must be ids (digits only)", code="invalid_id") from None


def carrier_of(request: Request) -> CarrierAdapter:
    carrier: CarrierAdapter = request.app.state.carrier
    return carrier


def make_package(request: Request, principal: Principal, form: dict[str, Any]) -> tuple[int, str]:
    """A package as the API makes one (the form checked by its ``PackageCreate``), in a
    transaction of its own; its id and tracking number."""
    ask = validated(PackageCreate, form).ship_request()
    with database(request).unit_of_work() as session:
        made = packages.create_package(session, principal, carrier_of(request), ask)
        return made.id, made.tracking_number


def _done(order_id: int, what: str) -> Response:
    return RedirectResponse(f"/center/orders/{order_id}?done={what}", status_code=303)


@router.post("/orders/{order_id}/ship")
def ship(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    shipping_type: Text = "SELLER",
    provider_code: Text = "",
    tracking_number: Text = "",
    handover_method: Text = "DROP_OFF",
    line_item_id: Ids = [],  # noqa: B006 (FastAPI copies the default)
    combine_order_id: Ids = [],  # noqa: B006
) -> Response:
    """Ship the checked items (all of them: the whole order; some: a split) of this order and
    of the checked orders of the same buyer (combine), in one package."""
    principal = seller(signed)
    form = {
        "shipping_type": shipping_type,
        "provider_code": provider_code,
        "tracking_number": tracking_number,
        "handover_method": handover_method,
        "line_item_ids": line_item_id,
        "combine_order_ids": combine_order_id,
    }
    try:
        platform = shipping_type == "PLATFORM"
        if not [x for x in line_item_id if x.strip()]:
            raise InvalidInput("check at least one item to ship", code="invalid_request")
        make_package(
            request,
            principal,
            {
                "order_ids": [order_id, *combine_order_id],
                "line_item_ids": line_item_id,
                "shipping_type": shipping_type,
                "provider_code": provider_code,
                "tracking_number": None if platform else tracking_number or None,
                "handover_method": handover_method if platform else None,
            },
        )
    except DomainError as exc:
        return order_page(request, principal, order_id, exc, form)
    return _done(order_id, "shipped")


@router.post("/orders/{order_id}/cancel")
def cancel(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    reason_code: Text = "",
    note: Text = "",
    line_item_id: Ids = [],  # noqa: B006
) -> Response:
    """Seller cancel with a reason code: the checked items, or the whole order when none is
    checked."""
    principal = seller(signed)
    form = {"reason_code": reason_code, "note": note, "cancel_line_ids": line_item_id}
    try:
        body = validated(
            SellerCancelBody,
            {"reason_code": reason_code, "note": note, "line_item_ids": line_item_id or None},
        )
        cancellations.seller_cancel(
            database(request),
            gateway_of(request),
            principal,
            order_id,
            body.reason_code,
            body.line_item_ids,
            body.note,
        )
    except DomainError as exc:
        return order_page(request, principal, order_id, exc, form)
    return _done(order_id, "cancelled")
