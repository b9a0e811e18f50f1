"""SQLite: fewer writing requests in the app at once than there are worker threads.

A writing request (POST, PUT, PATCH, DELETE) waits for its unit of work's turn
(``core.db.WriterTurn``) in a worker thread, and the request holding the turn needs worker
threads to finish: FastAPI runs its caller, its handler and its answer's serialisation each
in one. Had waiting writers taken every thread of the pool (anyio's, 40), the holder would
wait for one until the waiters gave up, and so on. So at most half the pool's threads of
writing requests are let in; the others wait here, on the event loop, first come first
served, holding no thread. A request is let in once its body has arrived (a slow client
keeps no one out) and leaves when its answer starts. Reads never wait. On PostgreSQL this
middleware does nothing (its pool of connections has its own timeout).

A body larger than ``BUFFERED_BODY_LIMIT`` is passed on unread and its request let in at
once: the routes that take such bodies refuse them.
"""

from __future__ import annotations

import aiologic
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clipshop.api.deps import READ_METHODS
from clipshop.core.db import Database

BUFFERED_BODY_LIMIT = 64 * 1024 * 1024  # above the largest upload (a 50 MB video)


class WriteAdmission:
    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.active = db.writer_turn is not None
        self._places: aiologic.Semaphore | None = None

    def _admission(self) -> aiologic.Semaphore:
        if self._places is None:  # sized in the event loop, from its thread pool
            threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
            self._places = aiologic.Semaphore(max(1, threads // 2))
        return self._places

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.active or scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return
        head: list[Message] = []
        size = 0
        while True:
            message = await receive()
            head.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
            size += len(message.get("body", b""))
            if size > BUFFERED_BODY_LIMIT:
                await self.app(scope, _replay(head, receive), send)
                return
        if message["type"] == "http.disconnect":
            return  # the client left before its request was complete: nothing to answer
        places = self._admission()
        await places.async_acquire()
        inside = True

        async def sending(message: Message) -> None:
            nonlocal inside
            if inside and message["type"] == "http.response.start":
                inside = False  # the work is done; sending the answer needs no thread
                places.release()
            await send(message)

        try:
            await self.app(scope, _replay(head, receive), sending)
        finally:
            if inside:
                places.release()


def _replay(head: list[Message], receive: Receive) -> Receive:
    """A receive channel that hands the app the messages already read, then the client's."""
    pending = list(head)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
