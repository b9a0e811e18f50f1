"""The notifications part of the authorization matrix: its rows, its world and the valid
requests of those routes.

World: one unread notification for every caller and for seller B (made by the notifications
consumer from a resolved support case each of them opened). "own" is the caller's own
notification, "foreign" seller B's: nobody reads or marks another user's (404, admins too).
Preferences and the read-all are the caller's own (no path id); the contact e-mail is a
buyer's to change (403 for every other role).

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + ... + ROWS``, the world field
``notifications`` set by ``build(db, world)``, and ``requests(...)`` merged into ``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.core.ids import new_id
from clipshop.core.outbox import Delivered
from clipshop.models import Notification
from clipshop.notifications import consumer

# Columns: anon buyer seller staff agent supervisor admin
_TABLE = """
GET    /api/v1/notifications                                          401     200     200     200     200     200     200
POST   /api/v1/notifications/{notification_id}/read                   401     200/404 200/404 200/404 200/404 200/404 200/404
POST   /api/v1/notifications/read-all                                 401     200     200     200     200     200     200
GET    /api/v1/notifications/preferences                              401     200     200     200     200     200     200
PUT    /api/v1/notifications/preferences                              401     200     200     200     200     200     200
PUT    /api/v1/notifications/email                                    401     200     403     403     403     403     403
"""  # noqa: E501
ROWS = "".join(f"{line}\n" for line in _TABLE.splitlines() if line.strip())


def resolved_case(user_id: int, role: str = "buyer") -> Delivered:
    """An outbox event: a support case ``user_id`` opened was resolved."""
    payload = {
        "case_id": str(new_id()),
        "case_number": "SC-MATRIX",
        "category": "OTHER",
        "order_id": None,
        "opened_by_role": role,
        "opened_by_id": str(user_id),
        "from_status": "PENDING_AGENT",
        "to_status": "RESOLVED",
        "action": "RESOLVED",
    }
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Delivered(new_id(), "support_case.changed", 0, None, payload, at)


def build(db: Database, world: Any) -> dict[int, int]:
    """User id -> that user's unread notification."""
    users = [actor.id for actor in world.callers.values()] + [world.seller_b.id]
    with db.unit_of_work() as session:
        for user in users:
            consumer.store(session, resolved_case(user))
        rows = session.execute(
            select(Notification.user_id, Notification.id).where(Notification.user_id.in_(users))
        )
        return {user: note for user, note in rows}


def requests(
    spec: Callable[..., Any], part_of: Callable[[Any], Any]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``part_of(world)``: what ``build`` made."""

    def note(world: Any, caller: str, scope: str) -> dict[str, int]:
        owner = (
            world.callers.get(caller, world.callers["seller"]) if scope == "own" else world.seller_b
        )
        return {"notification_id": part_of(world)[owner.id]}

    def email(world: Any, caller: str, scope: str) -> dict[str, str]:
        return {"email": f"{caller}.new@matrix.dev"}

    def empty(world: Any, caller: str, scope: str) -> dict[str, Any]:
        return {}

    def prefs(world: Any, caller: str, scope: str) -> dict[str, Any]:
        return {"language": "es", "marketing_opt_out": True}

    base = "/api/v1/notifications"
    return {
        ("POST", f"{base}/{{notification_id}}/read", ""): spec(
            ids=note, body=empty, not_found_code="notification_not_found"
        ),
        ("POST", f"{base}/read-all", ""): spec(body=empty),
        ("PUT", f"{base}/preferences", ""): spec(body=prefs),
        ("PUT", f"{base}/email", ""): spec(body=email),
    }
