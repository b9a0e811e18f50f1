"""The caller's in-app notifications and contact and mail preferences (native API;
docs/notifications.md). Every signed-in user has their own list and preferences; the contact
e-mail is a buyer's to change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller, Paging, id_path
from clipshop.notifications import inbox, preferences
from clipshop.notifications.schemas import (
    EmailIn,
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    PreferencesOut,
    ReadAllOut,
)

router = APIRouter(tags=["notifications"])
NotificationId = Annotated[int, id_path("Notification id")]


@router.get("/notifications", response_model=NotificationPage, summary="Your notifications")
def list_notifications(
    session: DB,
    caller: Caller,
    page: Paging,
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
) -> NotificationPage:
    found = inbox.list_notifications(session, caller, page, unread)
    items = [NotificationOut.model_validate(n) for n in found.items]
    count = inbox.unread_count(session, caller)
    return NotificationPage(items=items, next_cursor=found.next_cursor, unread=count)


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark one notification read",
)
def read_one(notification_id: NotificationId, session: DB, caller: Caller) -> NotificationOut:
    return NotificationOut.model_validate(inbox.mark_read(session, caller, notification_id))


@router.post("/notifications/read-all", response_model=ReadAllOut, summary="Mark all read")
def read_all(session: DB, caller: Caller) -> ReadAllOut:
    marked = inbox.mark_all_read(session, caller)
    return ReadAllOut(marked=marked, unread=inbox.unread_count(session, caller))


@router.get(
    "/notifications/preferences",
    response_model=PreferencesOut,
    summary="Your contact e-mail, language and marketing opt-out",
)
def get_preferences(session: DB, caller: Caller) -> PreferencesOut:
    return PreferencesOut.model_validate(preferences.get_preferences(session, caller))


@router.put(
    "/notifications/preferences",
    response_model=PreferencesOut,
    summary="Set your language and marketing opt-out",
)
def put_preferences(body: PreferencesIn, session: DB, caller: Caller) -> PreferencesOut:
    done = preferences.set_preferences(session, caller, body.language, body.marketing_opt_out)
    return PreferencesOut.model_validate(done)


@router.put(
    "/notifications/email",
    response_model=PreferencesOut,
    summary="Change your contact e-mail (buyers)",
    responses={409: {"description": "Another account uses it"}},
)
def put_email(body: EmailIn, session: DB, caller: Caller) -> PreferencesOut:
    return PreferencesOut.model_validate(preferences.change_email(session, caller, body.email))
