"""Typed domain errors with stable codes. Mapped to HTTP in one place: ``api/errors.py``.

A code is a short snake_case string that clients may rely on; the HTTP status follows the
class: 404 not found (also for objects of another shop), 409 business conflict, 422 bad input,
401 unauthenticated, 403 role not allowed.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    retry_after: int | None = None  # seconds: answered as the Retry-After header

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    title = "Invalid input"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = "Insufficient stock"


class StockMismatch(Conflict):
    code = "stock_mismatch"
    title = "Stock changed"


class BadRequest(DomainError):
    status = 400
    code = "bad_request"
    title = "Bad request"
