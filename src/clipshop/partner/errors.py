"""The envelope's error codes and the one error type that carries them.

A ``PartnerError`` becomes ``{"code", "message", "request_id", "data"}`` with ``http_status``
(``api/errors.py``). Codes follow the TikTok Shop API where it publishes them."""

from __future__ import annotations

from typing import Any

OK = 0
INVALID_ACCESS_TOKEN = 105001  # HTTP 401: unknown or revoked token
ACCESS_TOKEN_EXPIRED = 105002  # HTTP 401: the client refreshes
SCOPE_DENIED = 105005  # HTTP 403: the token lacks the route's scope
SIGNATURE_INVALID = 106001  # HTTP 400, never 401 (a client would refresh for nothing)
APP_CREDENTIALS_INVALID = 36004001  # token endpoints: unknown app_key or wrong app_secret
GRANT_INVALID = 36004004  # token endpoints: unknown, used or expired auth code / refresh token
TOO_MANY_REQUESTS = 36009002  # HTTP 429
INTERNAL_ERROR = 36009003  # HTTP 500
INVALID_PARAMETER = 36009004  # HTTP 400
NOT_FOUND = 36009005  # HTTP 404: unknown path or version, or an object the app cannot see
CONFLICT = 36009006  # HTTP 409: the object's state does not allow the action


class PartnerError(Exception):
    """An answer in the envelope with a non-zero ``code``."""

    def __init__(
        self,
        code: int,
        message: str,
        http_status: int = 400,
        data: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.data = data if data is not None else {}
        self.retry_after = retry_after


def invalid_parameter(message: str) -> PartnerError:
    return PartnerError(INVALID_PARAMETER, message, 400)


def not_found(message: str) -> PartnerError:
    return PartnerError(NOT_FOUND, message, 404)


# A native domain error's HTTP status -> the envelope code it is answered with on a partner
# route (services raise core.errors types; the partner routes never translate them by hand).
CODE_FOR_STATUS = {
    400: INVALID_PARAMETER,
    401: INVALID_ACCESS_TOKEN,
    403: SCOPE_DENIED,
    404: NOT_FOUND,
    405: NOT_FOUND,
    409: CONFLICT,
    413: INVALID_PARAMETER,
    415: INVALID_PARAMETER,
    422: INVALID_PARAMETER,
    429: TOO_MANY_REQUESTS,
}


def code_for_status(status: int) -> int:
    return CODE_FOR_STATUS.get(status, INTERNAL_ERROR if status >= 500 else INVALID_PARAMETER)
