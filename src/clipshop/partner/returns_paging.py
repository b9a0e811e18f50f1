"""Keyset pages of after-sales rows (returns, cancellations) for the return_refund searches:
sorted by a time column then id, the token tied to its search (filters and sort); and the
filters and id lookups the return_refund routes share."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from clipshop.models import Order
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.paging import PageParams
from clipshop.partner.returns_schemas import TimeFilters

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SortField = Literal["create_time", "update_time"]
SortOrder = Literal["ASC", "DESC"]
Sort = tuple[SortField, SortOrder]
SORT_FIELDS: dict[str, SortField] = {"create_time": "create_time", "update_time": "update_time"}
SORT_ORDERS: dict[str, SortOrder] = {"ASC": "ASC", "DESC": "DESC"}
RowT = TypeVar("RowT")


def at(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def unix(moment: datetime) -> int:
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp())


def time_range(name: str, column: Any, ge: int | None, lt: int | None) -> list[ColumnElement[bool]]:
    if ge is not None and lt is not None and ge >= lt:
        raise invalid_parameter(f"{name}_ge must be earlier than {name}_lt")
    where: list[ColumnElement[bool]] = []
    if ge is not None:
        where.append(column >= at(ge))
    if lt is not None:
        where.append(column < at(lt))
    return where


def ids(values: list[str], name: str) -> list[int]:
    out = []
    for text in values:
        if not (text.isascii() and text.isdigit() and 0 < len(text) <= 19) or int(text) >= 2**63:
            raise invalid_parameter(f"{name}: {text!r} is not an id")
        out.append(int(text))
    return out


def order_of(session: Session, shop_id: int, text: str) -> Order:
    """The shop's order named by ``text`` (36009004 for a malformed id, 36009005 for an order
    of another shop or of none)."""
    order_id = ids([text], "order_id")[0]
    found = session.get(Order, order_id)
    if found is None or found.shop_id != shop_id:
        raise not_found(f"no order {order_id} in this shop")
    return found


def one_of(values: list[str], allowed: dict[str, str], name: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise invalid_parameter(f"{name}: {unknown[0]!r} is not one of " + ", ".join(allowed))
    return [allowed[v] for v in values]


def among(
    column: Any, values: list[str], name: str, allowed: dict[str, str] | None = None
) -> list[ColumnElement[bool]]:
    """``column IN values`` when any are given: ids, or names of ``allowed`` (36009004 for
    another)."""
    if not values:
        return []
    return [column.in_(ids(values, name) if allowed is None else one_of(values, allowed, name))]


def common(model: Any, shop_id: int, f: TimeFilters) -> list[ColumnElement[bool]]:
    """The filters returns and cancellations share: the shop, the time ranges,
    ``order_ids`` and ``buyer_user_ids``."""
    where: list[ColumnElement[bool]] = [model.shop_id == shop_id]
    where += time_range("create_time", model.created_at, f.create_time_ge, f.create_time_lt)
    where += time_range("update_time", model.updated_at, f.update_time_ge, f.update_time_lt)
    where += among(model.order_id, f.order_ids, "order_ids")
    return where + among(model.buyer_id, f.buyer_user_ids, "buyer_user_ids")


def page(
    session: Session,
    model: Any,
    where: list[ColumnElement[bool]],
    filters: BaseModel,
    params: PageParams,
    sort: Sort,
) -> tuple[list[Any], dict[str, Any] | None, int]:
    """One page of ``model`` rows matching ``where`` in ``sort`` (field, order): the rows,
    the next position (None on the last page) and the total."""
    sort_field, sort_order = sort
    attr = "created_at" if sort_field == "create_time" else "updated_at"
    column, key = getattr(model, attr), model.id
    descending = sort_order == "DESC"
    text = filters.model_dump_json(exclude_none=True) + sort_field + sort_order
    query = hashlib.sha256(text.encode()).hexdigest()[:16]
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    stmt = select(model).where(*where)
    if params.position is not None:
        try:
            if params.position["q"] != query:
                raise ValueError("another search")
            after = EPOCH + timedelta(microseconds=int(params.position["t"]))
            last = int(params.position["id"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise invalid_parameter(
                "page_token does not belong to this search; pass back next_page_token with "
                "the same filters, sort_field and sort_order"
            ) from None
        if descending:
            stmt = stmt.where(or_(column < after, and_(column == after, key < last)))
        else:
            stmt = stmt.where(or_(column > after, and_(column == after, key > last)))
    keys = (column.desc(), key.desc()) if descending else (column.asc(), key.asc())
    found = list(session.scalars(stmt.order_by(*keys).limit(params.size + 1)))
    position = None
    if len(found) > params.size:
        found = found[: params.size]
        moment = getattr(found[-1], attr)
        micros = (moment.replace(tzinfo=moment.tzinfo or UTC) - EPOCH) // timedelta(microseconds=1)
        position = {"q": query, "t": str(micros), "id": str(found[-1].id)}
    return found, position, total
