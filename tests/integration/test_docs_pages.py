"""/docs (Swagger UI) and /redoc load everything from this server: no CDN, no external host."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

# Anything that names a host: http://host, https://host, //host (protocol-relative).
EXTERNAL = re.compile(r"(?:https?:)?//[\w.-]", re.IGNORECASE)
# What a page loads: <script src>, <link href>, ReDoc's spec-url, Swagger UI's url: '...'.
LOADED = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|\burl: '([^']+)'""")
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


def loaded_urls(html: str) -> list[str]:
    return [a or b for a, b in LOADED.findall(html)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            "/docs",
            {
                "/docs/assets/swagger-ui-bundle.js",
                "/docs/assets/swagger-ui.css",
                "/docs/assets/favicon.png",
                "/openapi.json",
            },
        ),
        (
            "/redoc",
            {"/docs/assets/redoc.standalone.js", "/docs/assets/favicon.png", "/openapi.json"},
        ),
    ],
)
def test_page_loads_everything_from_this_server(
    client: TestClient, page: str, expected: set[str]
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert EXTERNAL.findall(html) == []
    urls = loaded_urls(html)
    assert set(urls) == expected
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert len(asset.content) > 0


def test_swagger_ui_stylesheet_has_no_external_url(client: TestClient) -> None:
    css = client.get("/docs/assets/swagger-ui.css").text
    targets = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert targets  # the stylesheet does use url(...), for inline images
    assert [t for t in targets if not t.startswith("data:")] == []


def test_swagger_ui_does_not_call_the_public_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_root_is_the_home_page_linking_the_docs(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 200
    assert 'href="/docs"' in response.text


def test_docs_pages_are_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p in {"/", "/docs", "/redoc"} or p.startswith("/docs/")]


def test_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get("/docs/assets/nope.js").status_code == 404
