"""GET /api/health: 200 when PostgreSQL and the broker answer, 503 naming the one that does not."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get

from db.connection import database_answers


class ComponentHealth(msgspec.Struct, rename="camel"):
    name: str
    ok: bool


class Health(msgspec.Struct, rename="camel"):
    status: str
    database: ComponentHealth
    broker: ComponentHealth


@get("/api/health", tags=["health"], summary="Liveness of PostgreSQL and the event broker", exclude_from_auth=True)
async def health(request: Request[Any, Any, Any]) -> Response[Health]:
    broker = request.app.state.broker
    db_ok = await database_answers()
    broker_ok = await broker.ping()
    body = Health(
        status="ok" if db_ok and broker_ok else "degraded",
        database=ComponentHealth(name="postgresql", ok=db_ok),
        broker=ComponentHealth(name=broker.name, ok=broker_ok),
    )
    return Response(body, status_code=200 if db_ok and broker_ok else 503)
