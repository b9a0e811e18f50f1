"""Request dependencies: the unit of work, the caller, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from clipshop.api.idempotency import PRINCIPAL_STATE
from clipshop.core.db import Database
from clipshop.core.errors import Unauthenticated
from clipshop.core.pagination import MAX_LIMIT, PageRequest, page_request
from clipshop.identity.principal import Principal
from clipshop.identity.tokens import caller
from clipshop.payments.gateway import PaymentGateway

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed after the handler returns, rolled back on error.
    FastAPI enters and leaves it in different worker threads (SQLite's writer turn is a
    permit any thread gives back: ``core.db.WriterTurn``)."""
    db: Database = request.app.state.db
    with db.unit_of_work(write=request.method not in READ_METHODS) as session:
        yield session


def db_read_session(request: Request) -> Iterator[Session]:
    """A read-only unit of work for a POST that only reads (the partner API's searches carry
    their filters in a body): on SQLite it never waits for the writers' turn."""
    db: Database = request.app.state.db
    with db.unit_of_work(write=False) as session:
        yield session


# scope="function": the commit happens when the handler returns, before the response is sent,
# so a failed commit becomes an error response and a 2xx always means "saved".
DB = Annotated[Session, Depends(db_session, scope="function")]
ReadDB = Annotated[Session, Depends(db_read_session, scope="function")]


def _stashed(request: Request) -> Principal | None:
    """The caller the idempotency middleware already resolved for this request, if any."""
    found: Principal | None = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    return found


def _principal(request: Request, session: Session) -> Principal:
    stashed = _stashed(request)
    if stashed is not None:
        return stashed
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthenticated(
            "send an API token: Authorization: Bearer <token>", code="missing_token"
        )
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Bearer <token>'", code="invalid_token"
        )
    return caller(session, token.strip())


def current_principal(request: Request, session: DB) -> Principal:
    """The caller, read in the request's own unit of work."""
    return _principal(request, session)


def current_principal_standalone(request: Request) -> Principal:
    """The caller, read in a short read-only transaction: for routes that run their own
    units of work (checkout, payments, cancellations), so no transaction stays open."""
    stashed = _stashed(request)
    if stashed is not None:
        return stashed
    db: Database = request.app.state.db
    with db.unit_of_work(write=False) as session:
        return _principal(request, session)


Caller = Annotated[Principal, Depends(current_principal)]
StandaloneCaller = Annotated[Principal, Depends(current_principal_standalone)]


async def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1..100")] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> PageRequest:
    return page_request(limit, cursor)


Paging = Annotated[PageRequest, Depends(paging)]


def id_path(description: str) -> object:
    return Path(gt=0, lt=2**63, description=description)


ShopId = Annotated[int, id_path("Shop id")]
WarehouseId = Annotated[int, id_path("Warehouse id")]
ProductId = Annotated[int, id_path("Product id")]
SkuId = Annotated[int, id_path("SKU id")]
UserId = Annotated[int, id_path("User id")]
TokenId = Annotated[int, id_path("Token id")]


async def database(request: Request) -> Database:  # async: no threadpool hop
    db: Database = request.app.state.db
    return db


async def payment_gateway(request: Request) -> PaymentGateway:
    gateway: PaymentGateway = request.app.state.gateway
    return gateway


DatabaseDep = Annotated[Database, Depends(database)]
GatewayDep = Annotated[PaymentGateway, Depends(payment_gateway)]
OrderId = Annotated[int, id_path("Order id")]
PaymentId = Annotated[int, id_path("Payment id")]
MethodId = Annotated[int, id_path("Payment method id")]
