"""ASGI middleware applying Idempotency-Key to every unsafe request that carries one.

Routes that change money or stock in ways a retry could repeat (checkout, payment retry)
also *require* the header (``require_idempotency_key``), and record the key's claim on what
they write, so that a retry taking over a key whose request died (``claim_of(request)``
is ``recovered``) answers from that instead of doing it twice."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clipshop.api.errors import CONNECTION_LOST, problem_body, routed
from clipshop.core import idempotency
from clipshop.core.batch import Query, Reads, first_row
from clipshop.core.db import Database
from clipshop.core.errors import BadRequest
from clipshop.identity.errors import InvalidToken
from clipshop.identity.principal import Principal
from clipshop.identity.rows import TOKEN_USERS
from clipshop.identity.tokens import caller

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers that say "not now" rather than "this is the result": a retry must run again.
NOT_KEPT = frozenset({401, 429})
HEADER = b"idempotency-key"
# Where the caller the middleware resolved waits for the route (``api.deps`` reads it), so a
# request reads its token, user and memberships once, in the claim's transaction.
PRINCIPAL_STATE = "clipshop_principal"
CLAIMED_STATE = "clipshop_idempotency_claim"  # the request's idempotency.Claim
STORED_STATE = "clipshop_idempotency_stored"  # the route stored its answer itself
_CLAIM = idempotency.claim_for(TOKEN_USERS)


async def require_idempotency_key(
    idempotency_key: str | None = Header(None, description="Unique per intended operation"),
) -> str:
    if idempotency_key is None or not idempotency_key.strip():  # blank: the middleware ignores it
        raise BadRequest(
            "this operation needs an Idempotency-Key header (any unique string, "
            "e.g. a UUID, reused only when retrying the same request)",
            code="idempotency_key_required",
        )
    return idempotency_key


def _problem(status: int, code: str, detail: str, path: str) -> tuple[int, bytes]:
    return status, json.dumps(problem_body(status, code, detail, detail, path)).encode()


def _replay(body: bytes) -> Receive:
    """A receive channel that hands the app the body the middleware already read."""
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    def _claim(
        self, token: str, key: str, fingerprint: str, owner: str
    ) -> tuple[Principal, idempotency.Claim | idempotency.Stored] | None:
        """One transaction: the caller behind the token, and the key claimed for them by
        ``owner``. None when the token does not authenticate (the app then answers 401)."""
        settings = self.db.settings
        ttl = timedelta(hours=settings.idempotency_ttl_hours)
        lease = timedelta(seconds=settings.idempotency_lease_seconds)
        claim = idempotency.claim_params(key, fingerprint, ttl, owner, lease)
        try:
            with self.db.unit_of_work() as session:
                # The caller and the claim in one round trip; an unknown token claims nothing.
                reads = Reads()
                claimed = reads.add(Query(_CLAIM, claim, first_row))
                principal = caller(session, token, reads)
                user_id = principal.user_id
                if reads[claimed] is not None:
                    return principal, idempotency.Claim(user_id, key, claim["claim_id"], owner)
                # Taken (a repeat, a record that expired, or one whose request died):
                # ``claim`` tells which.
                return principal, idempotency.claim(
                    session, user_id, key, fingerprint, ttl, owner, lease
                )
        except InvalidToken:  # raised out of the unit of work: nothing is kept
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(HEADER, b"").decode("latin-1").strip()
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if not key or scheme.lower() != "bearer" or not token.strip() or not routed(scope):
            await self.app(scope, receive, send)  # no key, the app answers 401, 404 or 405
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
        owner = idempotency.OWNERS.begin()  # running until its answer is sent (``end``)
        try:
            await self._claim_and_run(scope, body, send, token.strip(), key, fingerprint, owner)
        finally:
            idempotency.OWNERS.end(owner)

    async def _claim_and_run(
        self, scope: Scope, body: bytes, send: Send, token: str, key: str, fp: str, owner: str
    ) -> None:
        path = scope["path"]
        try:
            claimed = await run_in_threadpool(self._claim, token, key, fp, owner)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # As errors.py answers it for routes: the pool is renewed, nothing was claimed.
            status, problem = _problem(503, "database_unavailable", CONNECTION_LOST, path)
            await self._send(send, status, problem, [(b"retry-after", b"1")])
            return
        if claimed is None:
            await self.app(scope, _replay(body), send)  # the app answers 401
            return
        principal, outcome = claimed
        if isinstance(outcome, idempotency.Stored):
            await self._answer_repeat(send, outcome, fp, path)
            return
        state = scope.setdefault("state", {})
        state[PRINCIPAL_STATE] = principal
        state[CLAIMED_STATE] = outcome
        await self._run(scope, body, send, outcome)

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
            # Retry when its holder's lease ends, if it has not answered by then.
            left = (stored.claimed_until or idempotency.wall_now()) - idempotency.wall_now()
            wait = str(max(1, math.ceil(left.total_seconds()))).encode()
            await self._send(
                send,
                *_problem(
                    409,
                    "idempotency_request_in_flight",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    path,
                ),
                [(b"retry-after", wait)],
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

    async def _run(self, scope: Scope, body: bytes, send: Send, claim: idempotency.Claim) -> None:
        """Run the app on the buffered body; store its answer under the claimed key."""
        user_id, key = claim.user_id, claim.key
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
                if scope["state"].get(STORED_STATE) and status < 500:
                    pass  # the route stored this answer in its own transaction
                elif status < 500 and status not in NOT_KEPT:
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
                    await run_in_threadpool(idempotency.release, self.db, user_id, key, claim.owner)
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": start.get("headers", []),
                    }
                )
                await send({"type": "http.response.body", "body": b"".join(chunks)})

        try:
            await self.app(scope, _replay(body), capture)
        except Exception:
            await run_in_threadpool(idempotency.release, self.db, user_id, key, claim.owner)
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
    async def _send(
        send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    *(extra or []),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def stored_answer(session: Session, request: Request, status: int, payload: bytes) -> Response:
    """A JSON answer stored as this request's idempotent response in the caller's
    transaction, so the middleware has nothing to store after it (one transaction and one
    round trip fewer). The route calls ``answered`` once that transaction committed."""
    response = Response(payload, status_code=status, media_type="application/json")
    claimed = claim_of(request)
    if claimed is not None:
        headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in response.raw_headers]
        idempotency.finish_in(session, claimed.user_id, claimed.key, status, headers, payload)
    return response


def claim_of(request: Request) -> idempotency.Claim | None:
    """The request's claim of its Idempotency-Key, if it has one."""
    claimed: idempotency.Claim | None = request.scope.get("state", {}).get(CLAIMED_STATE)
    return claimed


def answered(request: Request) -> None:
    """The answer ``stored_answer`` built is committed: the middleware stores nothing."""
    if CLAIMED_STATE in request.scope.get("state", {}):
        request.scope["state"][STORED_STATE] = True
