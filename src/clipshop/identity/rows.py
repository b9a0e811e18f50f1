"""Identity's prebuilt statements (``core.rawsql``), as queries that read their own results
(``core.batch``): the caller behind a token and a buyer's birth date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select

from clipshop.core import rawsql
from clipshop.core.batch import Query, first_value
from clipshop.models import ApiToken, ShopMember, User

# The user of the token bound as ``hash``: other contexts' statements in the caller's round
# trip may use it (``tokens.caller``).
TOKEN_USERS = select(ApiToken.user_id).where(ApiToken.token_hash == bindparam("hash"))
TOKEN_USER = TOKEN_USERS.scalar_subquery()

_CALLER = rawsql.Statement(
    select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.is_active, User.role)
    .outerjoin(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("hash"))
)
_CALLER_SHOPS = rawsql.Statement(
    select(ShopMember.shop_id, ShopMember.role).where(ShopMember.user_id == TOKEN_USER)
)
_BIRTH_DATE = rawsql.Statement(select(User.date_of_birth).where(User.id == bindparam("user")))

# (revoked_at, expires_at, user id or None, user is active, role)
TokenRow = tuple[datetime | None, datetime | None, int | None, bool | None, str | None]


def _token_row(result: rawsql.Result) -> TokenRow | None:
    row = result.first()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


def _memberships(result: rawsql.Result) -> list[tuple[int, str]]:
    return [(int(shop), str(kind)) for shop, kind in result.rows]


def token() -> Query[TokenRow | None]:
    """The token bound as ``hash`` with its user, if the token exists."""
    return Query(_CALLER, {}, _token_row)


def token_memberships() -> Query[list[tuple[int, str]]]:
    """(shop id, membership role) of the user of the token bound as ``hash``."""
    return Query(_CALLER_SHOPS, {}, _memberships)


def birth_date(user_id: int) -> Query[date | None]:
    return Query(_BIRTH_DATE, {"user": user_id}, first_value)
