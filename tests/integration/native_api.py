"""HTTP helpers for the native API endpoint tests (identity, shops, catalog, stock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from pydantic import TypeAdapter
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import Base
from tests.conftest import Actor, problem_code

API = "/api/v1"
BAD_CURSOR = "not-a-cursor"
_DATETIME = TypeAdapter(datetime)


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def ts(value: datetime | None) -> str | None:
    """A datetime as the API renders it (ISO 8601, UTC with ``Z``)."""
    return None if value is None else str(_DATETIME.dump_python(value, mode="json"))


def refused(response: Response, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with this status and code; return its body."""
    assert response.status_code == status, response.text
    assert problem_code(response) == code, response.text
    body: dict[str, Any] = response.json()
    return body


def invalid_request(response: Response, field: str, error_type: str | None = None) -> None:
    """A 422 ``invalid_request`` naming ``field`` (e.g. ``skus.0.price``, ``query.limit``)."""
    body = refused(response, 422, "invalid_request")
    fields = {(e["field"], e["type"]) for e in body["errors"]}
    assert any(f == field and (error_type is None or t == error_type) for f, t in fields), fields


def pages(
    client: TestClient, path: str, actor: Actor, limit: int, **params: Any
) -> list[list[dict[str, Any]]]:
    """Every page of a cursor-paginated list, following ``next_cursor`` to the end."""
    result: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = ok(client.get(f"{API}{path}", params=query, headers=actor.headers))
        assert len(body["items"]) <= limit
        result.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return result
        assert len(result) < 50, "pagination does not end"


def assert_paged_once(chunks: list[list[dict[str, Any]]], expected_ids: set[str]) -> None:
    """Every id exactly once over all pages, newest (largest id) first."""
    ids = [item["id"] for chunk in chunks for item in chunk]
    assert len(ids) == len(set(ids)), "an item appeared twice"
    assert set(ids) == expected_ids
    assert ids == sorted(ids, key=int, reverse=True)


def snapshot(db: Database, *models: type[Base]) -> dict[str, list[tuple[Any, ...]]]:
    """All rows of these tables, to assert that a refused request changed nothing."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with db.unit_of_work(write=False) as session:
        for model in models:
            table = model.__table__
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            result[table.name] = [tuple(row) for row in rows]
    return result
