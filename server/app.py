"""The application factory: routes by area, auth, error mapping, OpenAPI, and start-up of pool and broker.

To add an endpoint: write the handler in the area's module (server/<area>.py) and list it in ROUTES below.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from channels.broker import broker_for
from db.audit import run_sealer
from db.connection import close_pool, start_pool
from server import auth, health, patients, users
from server.errors import EXCEPTION_HANDLERS
from server.idempotency import idempotency_middleware
from server.logs import configure_logging
from server.middleware import security_headers_middleware
from server.security import auth_middleware
from server.settings import Settings, settings

log = logging.getLogger("hospital.app")

ROUTES: list[Any] = [
    health.health,
    auth.login,
    auth.refresh_token,
    auth.logout,
    auth.register,
    *users.ROUTES,
    *patients.ROUTES,
]


def create_app(config: Settings | None = None) -> Litestar:
    config = config or settings()
    configure_logging(config.log_format)
    broker = broker_for(config.redis_url)

    background: list[asyncio.Task[None]] = []

    async def on_startup(app: Litestar) -> None:
        await start_pool()
        await broker.start(_deliver)
        background.append(asyncio.create_task(run_sealer(config.audit_seal_interval_seconds), name="audit-sealer"))
        log.info("started", extra={"broker": broker.name})

    async def on_shutdown(app: Litestar) -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await broker.close()
        await close_pool()

    async def _deliver(channel: str, message: bytes) -> None:
        # The websocket gateway subscribes here once the real-time layer lands.
        return None

    return Litestar(
        route_handlers=ROUTES,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        # Outermost first: headers on every answer, then who is calling, then idempotent replays.
        middleware=[security_headers_middleware, auth_middleware(), idempotency_middleware],
        exception_handlers=EXCEPTION_HANDLERS,
        cors_config=CORSConfig(allow_origins=list(config.cors_origins), allow_credentials=True)
        if config.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title="Hospital Live API",
            version="0.1.0",
            path="/api/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                }
            ),
            security=[{"BearerToken": []}],
        ),
        state=State({"settings": config, "broker": broker}),
        debug=False,
        logging_config=None,  # ours, from server/logs.py
    )
