"""ASGI middleware applying Idempotency-Key to every unsafe request that carries one.

Routes that change money or stock in ways a retry could repeat (checkout, payment retry)
also *require* the header (``require_idempotency_key``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import Header
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clipshop.core import idempotency
from clipshop.core.db import Database
from clipshop.core.errors import BadRequest
from clipshop.identity.tokens import hash_token
from clipshop.models import ApiToken

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers that say "not now" rather than "this is the result": a retry must run again.
NOT_KEPT = frozenset({401, 429})
HEADER = b"idempotency-key"


def require_idempotency_key(
    idempotency_key: str | None = Header(None, description="Unique per intended operation"),
) -> str:
    if not idempotency_key:
        raise BadRequest(
            "this operation needs an Idempotency-Key header (any unique string, "
            "e.g. a UUID, reused only when retrying the same request)",
            code="idempotency_key_required",
        )
    return idempotency_key


def _problem(status: int, code: str, detail: str, path: str) -> tuple[int, bytes]:
    body = {
        "type": f"https://clipshop.dev/problems/{code}",
        "title": detail,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": path,
    }
    return status, json.dumps(body).encode()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    def _user_id(self, headers: dict[bytes, bytes]) -> int | None:
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        with self.db.unit_of_work(write=False) as session:
            return session.scalar(
                select(ApiToken.user_id).where(
                    ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
                )
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(HEADER, b"").decode("latin-1").strip()
        if not key:
            await self.app(scope, receive, send)
            return
        user_id = await run_in_threadpool(self._user_id, headers)
        if user_id is None:  # let the app answer 401
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if len(key) > idempotency.MAX_KEY_LENGTH:
            await self._send(
                send,
                *_problem(
                    422,
                    "invalid_idempotency_key",
                    "Idempotency-Key is longer than 255 characters",
                    path,
                ),
            )
            return
        body = await self._read_body(receive)
        fingerprint = idempotency.fingerprint(
            scope["method"], path, scope.get("query_string", b"").decode(), body
        )
        ttl = timedelta(hours=self.db.settings.idempotency_ttl_hours)
        stored = await run_in_threadpool(idempotency.begin, self.db, user_id, key, fingerprint, ttl)
        if stored is not None:
            await self._answer_repeat(send, stored, fingerprint, path)
            return
        await self._run(scope, body, send, user_id, key)

    async def _answer_repeat(
        self, send: Send, stored: idempotency.Stored, fingerprint: str, path: str
    ) -> None:
        if stored.request_hash != fingerprint:
            await self._send(
                send,
                *_problem(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                    path,
                ),
            )
        elif stored.state != "DONE":
            await self._send(
                send,
                *_problem(
                    409,
                    "idempotency_request_in_flight",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    path,
                ),
            )
        else:
            assert stored.status is not None and stored.body is not None
            raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers or []]
            await send(
                {
                    "type": "http.response.start",
                    "status": stored.status,
                    "headers": [*raw, (b"idempotent-replayed", b"true")],
                }
            )
            await send({"type": "http.response.body", "body": stored.body})

    async def _run(self, scope: Scope, body: bytes, send: Send, user_id: int, key: str) -> None:
        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                status = int(start["status"])
                raw_headers = [
                    [k.decode("latin-1"), v.decode("latin-1")] for k, v in start.get("headers", [])
                ]
                if status < 500 and status not in NOT_KEPT:
                    await run_in_threadpool(
                        idempotency.finish,
                        self.db,
                        user_id,
                        key,
                        status,
                        raw_headers,
                        b"".join(chunks),
                    )
                else:
                    await run_in_threadpool(idempotency.abandon, self.db, user_id, key)
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": start.get("headers", []),
                    }
                )
                await send({"type": "http.response.body", "body": b"".join(chunks)})

        try:
            await self.app(scope, replay_receive, capture)
        except Exception:
            await run_in_threadpool(idempotency.abandon, self.db, user_id, key)
            raise

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        parts = []
        while True:
            message = await receive()
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(parts)

    @staticmethod
    async def _send(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
