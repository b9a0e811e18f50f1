"""The home page and the agents' area (its pages come next: issue 16)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response

from clipshop.api.web.render import PageRoute, SignInNeeded, page
from clipshop.api.web.session import SignedIn, signed_in
from clipshop.identity.principal import Permission

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    with contextlib.suppress(SignInNeeded):  # the home page is public
        signed_in(request)
    return page(request, "home.html")


@router.get("/desk")
def desk(request: Request, signed: SignedIn) -> Response:
    signed.principal.require(Permission.DISPUTES_DECIDE)
    return page(request, "soon.html", {"area": "Desk", "what": "review and dispute queues"})
