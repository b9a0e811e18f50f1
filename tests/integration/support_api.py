"""Helpers for the support-case tests: open a case, act on it, read it, through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import OutboxEvent
from tests.conftest import Actor
from tests.integration.checkout_api import API

CASES = f"{API}/support/cases"


def open_case(client: TestClient, actor: Actor, category: str = "OTHER", **extra: Any) -> Response:
    body = {"category": category, "description": "help me", **extra}
    response: Response = client.post(CASES, json=body, headers=actor.headers)
    return response


def opened(
    client: TestClient, actor: Actor, category: str = "OTHER", **extra: Any
) -> dict[str, Any]:
    response = open_case(client, actor, category, **extra)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def act(
    client: TestClient, actor: Actor, case_id: str, action: str, body: dict[str, Any] | None = None
) -> Response:
    response: Response = client.post(
        f"{CASES}/{case_id}/{action}", json=body, headers=actor.headers
    )
    return response


def done(
    client: TestClient, actor: Actor, case_id: str, action: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = act(client, actor, case_id, action, body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def read(client: TestClient, actor: Actor, case_id: str) -> dict[str, Any]:
    response = client.get(f"{CASES}/{case_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def queue(client: TestClient, actor: Actor, view: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/support/queue", params={"view": view}, headers=actor.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def case_actions(db: Database, case_id: str) -> list[tuple[str | None, str, str]]:
    """The SupportCaseChanged events of a case: (from, to, action), in order."""
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == "support_case.changed")
            .order_by(OutboxEvent.id)
        )
        return [
            (r.payload["from_status"], r.payload["to_status"], r.payload["action"])
            for r in rows
            if r.payload["case_id"] == case_id
        ]
