"""The Starlette application: routes, fault and auth middleware, JSON errors, store lifecycle."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.auth import BearerAuthMiddleware, TokenIssuer
from loadcell.standin.albert.config import StandinConfig
from loadcell.standin.albert.faults import FaultMiddleware, TokenBucket
from loadcell.standin.albert.guards import AnsweredErrorMiddleware, BodyLimitMiddleware
from loadcell.standin.albert.http import JSON, ApiError, Context, error_body
from loadcell.standin.albert.routes import api_routes
from loadcell.standin.albert.seed import seed
from loadcell.standin.albert.store import Store

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSON(error_body(exc.msg), status_code=exc.status, headers=exc.headers)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSON(error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def _not_mocked(_request: Request) -> Response:
    return JSON({"message": "not mocked", "errors": [{"msg": "not mocked"}]}, status_code=404)


async def _health(request: Request) -> Response:
    config: StandinConfig = request.app.state.ctx.config
    return JSON(
        {
            "status": "ok",
            "service": "albert-standin",
            "database": config.database or ":memory:",
            "latency": config.latency.describe() if config.latency else None,
            "errorRate": config.error_rate,
            "throttleRps": config.throttle_rps,
            "indexLagSeconds": config.index_lag,
            "tokenTtlSeconds": config.token_ttl,
        }
    )


def create_app(config: StandinConfig, *, store: Store | None = None) -> Starlette:
    """Build the stand-in app; the store is opened (and seeded) now and closed on shutdown."""
    store = store or Store(config.database, index_lag=config.index_lag)
    seed(store)
    issuer = TokenIssuer.for_store(store, config.token_ttl)
    faults = Middleware(
        FaultMiddleware,
        latency=config.latency,
        error_rate=config.error_rate,
        throttle=TokenBucket(config.throttle_rps) if config.throttle_rps else None,
        rng=random.Random(config.seed),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app = Starlette(
        routes=[
            Route("/__standin/health", _health, methods=["GET"]),
            *api_routes(),
            Route("/{path:path}", _not_mocked, methods=ALL_METHODS),
        ],
        middleware=[
            Middleware(AnsweredErrorMiddleware),
            Middleware(BodyLimitMiddleware),
            faults,
            Middleware(BearerAuthMiddleware, issuer=issuer),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.ctx = Context(store=store, config=config)
    app.state.issuer = issuer
    return app
