"""Authentication as the SDK sees it: bearer tokens, OAuth client credentials, ``validatejwt``.

Any bearer token is accepted (so the SDK's ``Albert(token=...)`` works with any value), except tokens this
stand-in issued itself: those are HMAC-signed with an expiry, so an expired one answers 401
and client-credentials refresh can be tested for real. The signing key lives in the database,
so tokens survive a restart of a file-backed stand-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from loadcell.standin.albert.http import JSON, ApiError, ctx, error_body, qbool
from loadcell.standin.albert.kinds import USER
from loadcell.standin.albert.store import Store

TOKEN_PATH = "/api/v3/login/oauth/token"
TOKEN_PREFIX = "standin."
OPEN_PATHS = frozenset({TOKEN_PATH})
OPEN_PREFIX = "/__standin"
TENANT_ID = "TENstandin"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Issues and checks ``standin.<claims>.<signature>`` access tokens."""

    def __init__(self, secret: bytes, ttl: int, clock: Callable[[], float] = time.time):
        self.secret = secret
        self.ttl = ttl
        self.clock = clock

    @classmethod
    def for_store(cls, store: Store, ttl: int) -> TokenIssuer:
        secret = store.meta("token_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            store.set_meta("token_secret", secret)
        return cls(bytes.fromhex(secret), ttl, store.clock)

    def _sign(self, claims: str) -> str:
        return _b64(hmac.new(self.secret, claims.encode(), hashlib.sha256).digest())

    def issue(self, client_id: str) -> dict[str, object]:
        claims = _b64(
            json.dumps(
                {"sub": client_id, "exp": self.clock() + self.ttl, "jti": secrets.token_hex(8)}
            ).encode()
        )
        return {
            "access_token": f"{TOKEN_PREFIX}{claims}.{self._sign(claims)}",
            "refresh_token": secrets.token_urlsafe(24),
            "expires_in": self.ttl,
            "token_type": "Bearer",
            "issued_token_type": "access_token",
            "tenant_id": TENANT_ID,
        }

    def problem(self, token: str) -> str | None:
        """Why a token is refused, or None if it is accepted."""
        if not token:
            return "Missing bearer token"
        if not token.startswith(TOKEN_PREFIX):
            return None  # a token from elsewhere (or a dummy): accepted, as the brief for local runs asks
        claims, _, signature = token[len(TOKEN_PREFIX) :].partition(".")
        if not hmac.compare_digest(signature, self._sign(claims)):
            return "Invalid token signature"
        try:
            expires = float(json.loads(_unb64(claims))["exp"])
        except (ValueError, KeyError, TypeError):
            return "Malformed token"
        if self.clock() >= expires:
            return "The incoming token has expired"
        return None


class BearerAuthMiddleware:
    """401 JSON for API calls without an acceptable ``Authorization: Bearer`` header."""

    def __init__(self, app: ASGIApp, *, issuer: TokenIssuer):
        self.app = app
        self.issuer = issuer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(OPEN_PREFIX):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode("latin-1")
        scheme, _, token = header.partition(" ")
        problem = self.issuer.problem(token.strip()) if scheme.lower() == "bearer" else "Missing bearer token"
        if problem is None:
            await self.app(scope, receive, send)
            return
        response = JSON(error_body(problem), status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


async def oauth_token(request: Request) -> Response:
    """``POST /api/v3/login/oauth/token``: form-encoded client credentials grant."""
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return JSON(
            {"error": "unsupported_grant_type", **error_body("grant_type must be client_credentials")}, 400
        )
    if not form.get("client_id") or not form.get("client_secret"):
        return JSON(
            {"error": "invalid_client", **error_body("client_id and client_secret are required")}, 401
        )
    return JSON(request.app.state.issuer.issue(form["client_id"]))


async def validate_jwt(request: Request) -> Response:
    """``GET /api/v3/login/validatejwt``: who the caller is (always the configured user)."""
    context = ctx(request)
    user = context.store.get(USER, context.config.user_id)
    if user is None:
        raise ApiError(401, f"User {context.config.user_id} does not exist")
    body: dict[str, object] = {"userId": user.id, "tenantId": TENANT_ID, "valid": True}
    if qbool(request, "includeUserDetails"):
        body.update({"name": user.doc.get("name"), "email": user.doc.get("email"), "user": user.doc})
    return JSON(body)


routes = [
    Route(TOKEN_PATH, oauth_token, methods=["POST"]),
    Route("/api/v3/login/validatejwt", validate_jwt, methods=["GET"]),
]
