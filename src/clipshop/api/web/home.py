"""The home page (the areas' pages are center*.py, shop*.py and desk*.py)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response

from clipshop.api.web.render import PageRoute, SignInNeeded, page
from clipshop.api.web.session import signed_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    with contextlib.suppress(SignInNeeded):  # the home page is public
        signed_in(request)
    return page(request, "home.html")
