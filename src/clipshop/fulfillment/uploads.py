"""Ship many orders at once from a CSV of tracking numbers (ship by seller).

Columns: ``order_id``, ``provider_code``, ``tracking_number`` and optionally
``line_item_ids`` (ids separated by ``;``: ship only those items; default: every unshipped
item of the order). Each row is one package, created through ``create_package`` inside its
own SAVEPOINT: a refused row changes nothing, the good rows are kept. Problems with the file
itself (not UTF-8 CSV, missing or unknown columns, too many rows) refuse the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.catalog.shops import get_shop
from clipshop.core.csvrows import MAX_CSV_BYTES as MAX_CSV_BYTES  # the upload routes' limit
from clipshop.core.csvrows import MAX_ROWS as MAX_ROWS
from clipshop.core.csvrows import CsvRow, read_rows
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.ids import parse_id
from clipshop.fulfillment.carriers import CarrierAdapter
from clipshop.fulfillment.packages import ShipRequest, create_package
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Order

REQUIRED = ("order_id", "provider_code", "tracking_number")
OPTIONAL = ("line_item_ids",)


@dataclass(frozen=True)
class RowResult:
    row: int
    order_id: str
    tracking_number: str
    package_id: int | None = None
    code: str | None = None
    message: str | None = None

    @property
    def status(self) -> str:
        return "OK" if self.package_id is not None else "ERROR"


def parse_csv(data: bytes) -> list[CsvRow]:
    """The data rows of a tracking CSV file, or a refusal of the whole file."""
    return read_rows(data, REQUIRED, OPTIONAL)


def _request(row: CsvRow) -> ShipRequest:
    """The row as a ship-by-seller request; InvalidInput when a field is malformed."""
    if row.width_error:
        raise InvalidInput(row.width_error, code="invalid_row")
    values = row.values
    try:
        order_id = parse_id(values["order_id"])
    except ValueError:
        raise InvalidInput("order_id must be an order id", code="invalid_row") from None
    for column in ("provider_code", "tracking_number"):
        if not values[column]:
            raise InvalidInput(f"{column} is empty", code="invalid_row")
    line_ids: list[int] | None = None
    raw_lines = [x.strip() for x in values.get("line_item_ids", "").split(";") if x.strip()]
    if raw_lines:
        try:
            line_ids = [parse_id(x) for x in raw_lines]
        except ValueError:
            raise InvalidInput(
                "line_item_ids must be line item ids separated by ';'", code="invalid_row"
            ) from None
    return ShipRequest(
        order_ids=[order_id],
        line_item_ids=line_ids,
        shipping_type="SELLER",
        provider_code=values["provider_code"].upper(),
        tracking_number=values["tracking_number"],
    )


def upload_tracking(
    session: Session, principal: Principal, carrier: CarrierAdapter, shop_id: int, data: bytes
) -> list[RowResult]:
    principal.require(Permission.FULFILL)
    get_shop(session, principal, shop_id)
    rows = parse_csv(data)
    requests: dict[int, ShipRequest | DomainError] = {}
    for row in rows:
        try:
            requests[row.number] = _request(row)
        except InvalidInput as exc:
            requests[row.number] = exc
    # Lock every order of this shop that the file names, in id order, before any row runs:
    # two uploads touching the same orders then queue instead of deadlocking.
    named = sorted({r.order_ids[0] for r in requests.values() if isinstance(r, ShipRequest)})
    own = set(
        session.scalars(
            select(Order.id)
            .where(Order.id.in_(named), Order.shop_id == shop_id)
            .order_by(Order.id)
            .with_for_update()
        )
        if named
        else ()
    )
    results = []
    for row in rows:
        request = requests[row.number]
        given = (row.values["order_id"], row.values["tracking_number"])
        try:
            if isinstance(request, DomainError):
                raise request
            if request.order_ids[0] not in own:
                raise InvalidInput(
                    f"order {request.order_ids[0]} not found in this shop", code="not_found"
                )
            with session.begin_nested():
                package = create_package(session, principal, carrier, request)
        except DomainError as exc:
            results.append(RowResult(row.number, *given, code=exc.code, message=exc.detail))
            continue
        except IntegrityError:
            results.append(
                RowResult(
                    row.number,
                    *given,
                    code="constraint_violation",
                    message="the row conflicts with the current state",
                )
            )
            continue
        results.append(RowResult(row.number, *given, package_id=package.id))
    return results
