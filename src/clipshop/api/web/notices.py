"""In-app notifications (/shop/notifications for buyers, /center/notifications for sellers)
and the buyer's account settings (/shop/account: contact e-mail, language, marketing opt-out),
each on the service the JSON API calls (``notifications.inbox`` / ``preferences``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from clipshop.api.web.center_requests import seller
from clipshop.api.web.forms import Id, Line, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to, buyer
from clipshop.api.web.state import database
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import PageRequest
from clipshop.identity.principal import Principal
from clipshop.notifications import inbox, preferences
from clipshop.notifications.render import LANGUAGES

router = APIRouter(
    route_class=PageRoute, include_in_schema=False, dependencies=[Depends(csrf_protected)]
)
Area = Literal["shop", "center"]
SHOWN = PageRequest(limit=50)
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def _caller(area: Area, signed: Any) -> Principal:
    return buyer(signed) if area == "shop" else seller(signed)


def _list(request: Request, area: Area, principal: Principal) -> Response:
    with database(request).unit_of_work(write=False) as session:
        context = {
            "area": area,
            "notes": inbox.list_notifications(session, principal, SHOWN).items,
            "unread": inbox.unread_count(session, principal),
        }
    return page(request, "notices/list.html", context)


def _read(request: Request, area: Area, principal: Principal, note: int | None) -> Response:
    with database(request).unit_of_work() as session:
        if note is None:
            inbox.mark_all_read(session, principal)
        else:
            inbox.mark_read(session, principal, note)
    return back_to(f"/{area}/notifications")


@router.get("/shop/notifications")
def shop_list(request: Request, signed: SignedIn) -> Response:
    return _list(request, "shop", buyer(signed))


@router.get("/center/notifications")
def center_list(request: Request, signed: SignedIn) -> Response:
    return _list(request, "center", seller(signed))


@router.post("/shop/notifications/read-all")
def shop_read_all(request: Request, signed: SignedIn) -> Response:
    return _read(request, "shop", buyer(signed), None)


@router.post("/center/notifications/read-all")
def center_read_all(request: Request, signed: SignedIn) -> Response:
    return _read(request, "center", seller(signed), None)


@router.post("/shop/notifications/{note_id}/read")
def shop_read(request: Request, signed: SignedIn, note_id: Id) -> Response:
    return _read(request, "shop", buyer(signed), note_id)


@router.post("/center/notifications/{note_id}/read")
def center_read(request: Request, signed: SignedIn, note_id: Id) -> Response:
    return _read(request, "center", seller(signed), note_id)


def _account(
    request: Request,
    principal: Principal,
    error: DomainError | None = None,
    typed: str | None = None,
    saved: str | None = None,
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        prefs = preferences.get_preferences(session, principal)
    context = {
        "prefs": prefs,
        "email": typed if typed is not None else prefs.email,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "error": error,
        "saved": saved,
    }
    return page(request, "notices/account.html", context, error.status if error else 200)


@router.get("/shop/account")
def account(request: Request, signed: SignedIn) -> Response:
    return _account(request, buyer(signed))


@router.post("/shop/account/email")
def change_email(request: Request, signed: SignedIn, email: Line = "") -> Response:
    principal = buyer(signed)
    try:
        with database(request).unit_of_work() as session:
            preferences.change_email(session, principal, email)
    except DomainError as exc:
        return _account(request, principal, exc, typed=email)
    return _account(request, principal, saved="Your e-mail is changed.")


@router.post("/shop/account/preferences")
def save_preferences(
    request: Request, signed: SignedIn, language: Text = "en", marketing: Text = ""
) -> Response:
    principal = buyer(signed)
    try:
        if language not in LANGUAGES:
            raise InvalidInput(
                f"choose a language: {', '.join(LANGUAGES)}", code="invalid_language"
            )
        with database(request).unit_of_work() as session:
            preferences.set_preferences(session, principal, language, marketing != "yes")
    except DomainError as exc:
        return _account(request, principal, exc)
    return _account(request, principal, saved="Your preferences are saved.")
