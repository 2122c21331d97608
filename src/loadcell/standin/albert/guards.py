"""ASGI guards: a body-size limit enforced before the body is read, and answers that never cost the
client its connection.

The stand-in is one process on one event loop: a client that sends 10 MB must get its 413 at once
instead of holding the loop (and every other virtual user) while the body is read and decoded. A
bug in a handler is still a 500, but an answered one: the keep-alive connection stays usable, as
behind the real API's gateway. The JSON depth limit is applied where bodies are decoded
(loadcell.standin.albert.http.read_json).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loadcell.standin.albert.http import JSON, MAX_BODY_BYTES, body_too_large, error_body

log = logging.getLogger("loadcell.standin.albert")


class _HttpGuard:
    """An ASGI middleware that guards HTTP requests; lifespan events pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.guard(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class BodyLimitMiddleware(_HttpGuard):
    """413 for a declared Content-Length over the limit before reading a byte of the body; a chunked
    body is counted as it arrives and refused once it passes the limit (the rest is discarded)."""

    async def guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            exc = body_too_large()
            await JSON(error_body(exc.msg), status_code=exc.status)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise body_too_large()  # answered 413 by the app's ApiError handler
            return message

        await self.app(scope, counted, send)


class AnsweredErrorMiddleware(_HttpGuard):
    """A handler's unexpected exception becomes a logged 500 JSON answer, not a dropped connection.

    Starlette's own last-resort handler re-raises after answering, and uvicorn then closes the
    connection; this one sits inside it and does not re-raise.
    """

    async def guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.exception("unhandled error in the Albert stand-in", exc_info=exc)
            if started:
                raise  # half an answer is on the wire: only closing the connection can end it
            body = error_body(f"Internal error: {type(exc).__name__}")
            await JSON(body, status_code=500)(scope, receive, send)
