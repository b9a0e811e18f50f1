"""The web pages' tests: signing in over plain HTTP and reading the pages' answers."""

from __future__ import annotations

import re
from typing import Any

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r'data-code="([a-z_]+)"')


def form_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, html
    return found.group(1)


def page_code(response: Any) -> str:
    """The problem code an error page shows (the same codes as the API's problem+json)."""
    assert response.headers["content-type"].startswith("text/html"), response.text
    found = CODE.search(response.text)
    assert found, response.text
    return found.group(1)


def sign_in(client: Any, email: str, password: str = PASSWORD, **extra: str) -> Any:
    """GET the form (its token and cookie), POST it; the answer, redirects not followed."""
    token = form_token(client.get("/signin").text)
    body = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/signin", data=body, follow_redirects=False)


def session_token(client: Any) -> str:
    """The CSRF token of the signed-in session, from a page's sign-out form."""
    return form_token(client.get("/").text)
