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
from channels.gateway import Gateway, GatewayConfig, socket_closer
from channels.hl7 import MllpServer
from channels.relay import Relay
from db.alerts import run_escalations, set_escalation_minutes
from db.audit import run_sealer
from db.connection import close_pool, start_pool
from db.ipd import set_discharge_revert_hours
from db.ipd_care import run_ward_timers, set_news2_escalation_minutes
from db.realtime import add_socket_closer, remove_socket_closer
from server import alerts, auth, frontend, health, imaging, ipd, lab, opd, patients, pharmacy, realtime, users
from server.errors import EXCEPTION_HANDLERS
from server.idempotency import idempotency_middleware
from server.logs import configure_logging
from server.middleware import security_headers_middleware
from server.security import auth_middleware, session_policy
from server.settings import Settings, settings

log = logging.getLogger("hospital.app")
# How often each process looks for alerts due to escalate (the timers themselves are in PostgreSQL).
ESCALATION_SWEEP_SECONDS = 5.0
# How often each process puts late doses and observations on the ward boards (timers in PostgreSQL too).
WARD_TIMER_SWEEP_SECONDS = 15.0

ROUTES: list[Any] = [
    health.health,
    auth.login,
    auth.refresh_token,
    auth.logout,
    auth.activity,
    auth.register,
    *users.ROUTES,
    *patients.ROUTES,
    *pharmacy.ROUTES,
    *ipd.ROUTES,
    *opd.ROUTES,
    *lab.ROUTES,
    *imaging.ROUTES,
    *alerts.ROUTES,
    *realtime.ROUTES,
    *frontend.ROUTES,  # last: the staff app at / and its fallback for every other non-/api, non-/ws path
]


def create_app(config: Settings | None = None) -> Litestar:
    config = config or settings()
    configure_logging(config.log_format)
    broker = broker_for(config.redis_url)
    gateway = Gateway(GatewayConfig(session_policy=session_policy(config)), realtime.renewal_checker(config))
    relay = Relay(broker, retention_hours=config.outbox_retention_hours)
    close_ended_sockets = socket_closer(gateway, broker)  # a disabled user's sockets close at once

    background: list[asyncio.Task[None]] = []
    # Analyzers' HL7 v2 over MLLP, only when HL7_PORT is set.
    hl7_listener = MllpServer(config.hl7_host, config.hl7_port) if config.hl7_port else None

    async def on_startup(app: Litestar) -> None:
        await start_pool()
        relay.start()  # before anything commits: db.outbox hands committed events to it
        await broker.start(gateway.deliver, on_reconnect=gateway.on_broker_reconnect)
        gateway.start()
        add_socket_closer(close_ended_sockets)
        background.append(asyncio.create_task(run_sealer(config.audit_seal_interval_seconds), name="audit-sealer"))
        set_escalation_minutes(config.alert_escalation_minutes)
        background.append(asyncio.create_task(run_escalations(ESCALATION_SWEEP_SECONDS), name="alert-escalations"))
        set_discharge_revert_hours(config.discharge_revert_hours)
        set_news2_escalation_minutes(*config.news2_escalation_minutes)
        background.append(asyncio.create_task(run_ward_timers(WARD_TIMER_SWEEP_SECONDS), name="ward-timers"))
        if hl7_listener is not None:
            await hl7_listener.start()
        log.info("started", extra={"broker": broker.name})

    async def on_shutdown(app: Litestar) -> None:
        remove_socket_closer(close_ended_sockets)
        await gateway.stop()  # sockets closed with 1012: their clients resume elsewhere
        if hl7_listener is not None:
            await hl7_listener.stop()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await relay.stop()
        await broker.close()
        await close_pool()

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
        state=State({"settings": config, "broker": broker, "gateway": gateway, "relay": relay}),
        debug=False,
        logging_config=None,  # ours, from server/logs.py
    )
