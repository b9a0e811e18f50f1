"""The OpenAPI document is the contract (issue 11): required headers declared required, the
token as a security scheme, every error answer documented as problem+json; and the answers
that were off it: 405 without ``Allow``, an undeclared method taken by the idempotency
middleware, an upload read before its caller was known, a body that cannot be parsed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.models import IdempotencyRecord
from tests.conftest import World, problem_code
from tests.integration.checkout_api import count

API = "/api/v1"
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Written out, not derived: the only operations that take no API token.
WITHOUT_TOKEN = {
    ("get", "/healthz"),
    ("post", f"{API}/carriers/{{carrier}}/events"),
    ("get", f"{API}/public/lives/{{live_id}}"),
}
UNSAFE = {"post", "put", "patch", "delete"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def header(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == name]
    assert len(found) == 1, operation["parameters"]
    return found[0]


def test_idempotency_key_is_required_where_the_route_requires_it(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (f"{API}/checkout", f"{API}/payments/{{payment_id}}/retry"):
        operation = paths[path]["post"]
        key = header(operation, "idempotency-key")
        assert key["required"] is True
        assert key["schema"]["maxLength"] == 255
        assert key["schema"]["minLength"] == 1
        assert operation["responses"]["400"]["content"] == PROBLEM


def test_a_blank_idempotency_key_is_a_missing_one(client: TestClient, world: World) -> None:
    headers = {**world.buyer.headers, "Idempotency-Key": "   "}
    answer = client.post(f"{API}/checkout", json={}, headers=headers)
    assert answer.status_code == 400, answer.text
    assert problem_code(answer) == "idempotency_key_required"


def test_every_operation_documents_its_token_and_its_problems(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert {"type", "title", "status", "detail", "code", "instance"} <= set(
        document["components"]["schemas"]["Problem"]["required"]
    )
    checked = 0
    for method, path, operation in operations(document):
        responses = operation["responses"]
        errors = {status for status in responses if int(status) >= 400}
        for status in errors:
            assert responses[status]["content"] == PROBLEM, (method, path, status)
        if not path.startswith(API):
            continue
        checked += 1
        assert "503" in errors, (method, path)
        if (method, path) in WITHOUT_TOKEN:
            assert "security" not in operation, (method, path)
            continue
        assert operation["security"] == [{"bearerAuth": []}], (method, path)
        assert {"401", "403"} <= errors, (method, path)
        assert "WWW-Authenticate" in responses["401"]["headers"]
        if "{" in path:
            assert "404" in errors, (method, path)
        if method in UNSAFE:
            assert {"409", "422"} <= errors, (method, path)
        if "requestBody" in operation:
            assert {"400", "422"} <= errors, (method, path)
    assert checked > 90


def test_405_names_every_method_of_the_resource(client: TestClient, world: World) -> None:
    # /users has one route per method: Starlette named only the first one's.
    answer = client.request("TRACE", f"{API}/users", headers=world.admin.headers)
    assert answer.status_code == 405
    assert problem_code(answer) == "method_not_allowed"
    assert answer.headers["allow"] == "GET, POST"
    answer = client.delete(f"{API}/me", headers=world.admin.headers)
    assert (answer.status_code, answer.headers["allow"]) == (405, "GET")


def test_a_literal_path_is_its_own_resource(client: TestClient, world: World) -> None:
    """GET /packages/labels went to GET /packages/{package_id} and failed as a bad id (422)."""
    for path in (f"{API}/packages/labels", f"{API}/returns/calculate"):
        answer = client.get(path, headers=world.admin.headers)
        assert answer.status_code == 405, answer.text
        assert answer.headers["allow"] == "POST"
        assert problem_code(answer) == "method_not_allowed"
    bad_id = client.get(f"{API}/packages/abc", headers=world.admin.headers)
    assert bad_id.status_code == 422
    assert problem_code(bad_id) == "invalid_request"


def test_an_undeclared_method_claims_no_idempotency_key(
    client: TestClient, db: Database, world: World
) -> None:
    headers = {**world.buyer.headers, "Idempotency-Key": "undeclared-1"}
    for _ in range(2):  # the second time, no stored answer and no "key reused" either
        answer = client.put(f"{API}/checkout", json={"items": []}, headers=headers)
        assert answer.status_code == 405, answer.text
        assert answer.headers["allow"] == "POST"
        assert "idempotent-replayed" not in answer.headers
    assert count(db, IdempotencyRecord) == 0


def test_an_upload_without_a_token_is_refused_before_its_body(
    client: TestClient, world: World
) -> None:
    shop = world.shop_a.id
    for path, content_type in (
        (f"{API}/shops/{shop}/packages/upload", "text/csv"),
        (f"{API}/packages/1/photos", "image/png"),
        (f"{API}/returns/1/evidence", "image/png"),
        (f"{API}/disputes/1/evidence", "image/png"),
    ):
        answer = client.post(path, content=b"", headers={"Content-Type": content_type})
        assert answer.status_code == 401, (path, answer.text)
        assert problem_code(answer) == "missing_token"


def test_a_body_that_cannot_be_parsed_is_a_documented_400(client: TestClient, world: World) -> None:
    headers = {**world.admin.headers, "Content-Type": "application/json"}
    answer = client.post(f"{API}/shops", content=b"\xff\xfe{", headers=headers)
    assert answer.status_code == 400, answer.text
    assert problem_code(answer) == "malformed_body"
    documented = client.get("/openapi.json").json()["paths"][f"{API}/shops"]["post"]
    assert documented["responses"]["400"]["content"] == PROBLEM


def test_shipping_services_take_shop_ids_only(client: TestClient, world: World) -> None:
    """The document says what the server checks: every key of ``shipping_services`` is a shop
    id, and no other key is taken (a fuzzer drew other keys from a schema that allowed them)."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("CheckoutBody", "QuoteBody"):
        services = schemas[name]["properties"]["shipping_services"]
        assert services["additionalProperties"] is False, name
        assert services["propertyNames"]["pattern"].startswith("^0*([1-9]"), name
    body = {"items": [{"sku_id": str(world.shop_a.sku_id), "quantity": 1}]}
    body["shipping_services"] = {"not-a-shop": "EXPRESS"}
    body["shipping_address"] = {
        "name": "B",
        "phone": "1",
        "address_line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "62701",
        "country": "US",
    }
    answer = client.post("/api/v1/checkout/quote", json=body, headers=world.buyer.headers)
    assert answer.status_code == 422 and problem_code(answer) == "invalid_request", answer.text
